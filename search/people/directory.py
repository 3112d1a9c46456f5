"""The people directory: every source's identities merged into persons, with profiles.

Readers name people their own way: a Slack user id, handle and display name, an e-mail
address, a Discord or Teams author, a transcript speaker, a meeting-note attendee. The
directory is derived on demand from the catalog (``document_people`` and the chunks) plus
an optional ``people.yaml``, and cached until the catalog or that file changes. Its parts:
:mod:`search.people.identities` (names and identities), :mod:`search.people.people_file`
(``people.yaml``), :mod:`search.people.merging`, this module (persons and the directory),
:mod:`search.people.attribution` (who said what in a chunk) and :mod:`search.people.topics`.

Merging (:mod:`search.people.merging`) is union-find over identities (one identity per distinct
name, e-mail, user id, handle and source format), strongest evidence first:

1. ``people.yaml`` entries (name, aliases, e-mails), which override everything below;
2. the same user id in the same source format (``user id``);
3. the same e-mail address, case-insensitively (``email``);
4. the same normalized full name: case and accents folded, ``Last, First`` flipped,
   parenthetical remarks dropped (``name``); a handle or an e-mail local part whose dots,
   underscores or hyphens separate the same words (``handle``, ``email local part``);
5. a first name alone (``Felix``) joins the one person of that first name in the same
   document, else in the same team; a bare name (no account) also joins the only person
   in the whole directory with that first name (``first name``).

Automatic merges never join two different user ids of one source format by name, and
never cross a ``split`` entry. Bots, group mailboxes (``all@``, ``eng@``…), labels that
are not names (``whole company``), and one-off single words nobody else uses (an agenda
``Bedrock:`` label) are left out of the directory.

``people.yaml`` (at ``WATERCOOLER_PEOPLE_FILE``, else ``WATERCOOLER_HOME/people.yaml``)::

    people:
      - name: Tomás Herrera            # the canonical name
        aliases: [Tomas, "@tomas", "id:U05J1T6H2RE", tomas.herrera@gmail.com]
        emails: [tomas@quillmark.io]
        team: Platform
        title: Senior SRE
        left: 2025-06-27               # or true; false keeps someone marked left elsewhere
    split:                             # identities that must stay different persons
      - ["Alex Kim <alex@a.com>", "Alex Kim <alex@b.com>"]
    not_people: [Lighthouse, "@go_ethereum", releases@corp.example]   # teams, lists, bots

An alias or split item is ``Name``, ``Name <email>``, ``email``, ``@handle`` or ``id:USERID``.
A bare ``Name`` that matches both sides of a split joins the first side listed.

Without ``people.yaml``, who left is read from Slack ``users.json`` (``deleted: true``) and
job titles from Slack profiles, when the export is still on disk.
"""

from __future__ import annotations

import json
import re
import threading
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from search.people.identities import (
    PARTICLES,
    Identity,
    MergedIdentity,
    clean_name,
    display_name,
    fold,
    looks_like_name,
    name_key,
    name_tokens,
    slug,
)
from search.people.merging import Merger, merge
from search.people.people_file import (
    ConfiguredPerson,
    PeopleConfig,
    load_people_config,
    spec_matches,
)
from search.store.catalog import Catalog
from search.store.kinds import CONVERSATION_KINDS

KINDS = ("meeting_notes", "memo", "chat", "email", "transcript")
GROUP_MAILBOXES = frozenset(
    """all allhands all-hands announce announcements company dev devs developers engineering
    eng everyone hello help hr info list mailer-daemon marketing news newsletter no-reply
    noreply notifications ops people postmaster sales security staff support team
    """.split()
)
PLACEHOLDER_NAMES = frozenset({"unknown", "deleted user", "anonymous", "system", "ghost"})
# Header fields that list people; a reader may take the field for a person's name.
LIST_FIELDS = frozenset(
    """absent agenda approver approvers attendance attendees author authors cc contributors
    decision decisions editors guests invited invitees members notes owner owners
    participants present presenters reviewer reviewers speakers stakeholders to""".split()
)


@dataclass
class Person:
    """One person as the directory shows them."""

    person_id: str
    name: str
    identities: list[MergedIdentity]
    team: str | None = None
    title: str | None = None
    left: bool = False
    left_on: str | None = None
    messages: int = 0
    documents: list[str] = field(default_factory=list)

    @cached_property
    def keys(self) -> frozenset[str]:
        """Every folded name, handle and e-mail this person goes by."""
        keys = {name_key(self.name)}
        for merged in self.identities:
            ident = merged.identity
            keys.update(name_key(v) for v in (ident.name, ident.handle) if v)
            if ident.email:
                keys.add(ident.email.casefold())
        return frozenset(k for k in keys if k)

    @property
    def first_name(self) -> str:
        tokens = name_tokens(self.name)
        return tokens[0] if tokens else ""


@dataclass(frozen=True, slots=True)
class DocInfo:
    """What the directory keeps about a document."""

    doc_id: str
    kind: str
    origin: str
    title: str
    created: float | None
    source_path: str
    channel: str | None
    access_scope: str
    access_members: tuple[str, ...]

    @property
    def date(self) -> str | None:
        return iso_day(self.created)

    @property
    def is_conversation(self) -> bool:
        return self.kind in CONVERSATION_KINDS


@dataclass(frozen=True, slots=True)
class DocPerson:
    """A person as one document names them."""

    person_id: str
    label: str
    messages: int


# ---------------------------------------------------------------------------- the directory


@dataclass(frozen=True, slots=True)
class _Seen:
    """An identity with where it appears."""

    docs: frozenset[str]
    messages: int


class Directory:
    """Persons, their identities and documents; built by :func:`build_directory`."""

    def __init__(
        self,
        persons: list[Person],
        docs: dict[str, DocInfo],
        doc_people: dict[str, list[DocPerson]],
        dropped: list[Identity],
        common: Callable[[str], bool] = lambda word: False,
    ) -> None:
        self.persons = {p.person_id: p for p in persons}
        self.common = common
        self.docs = docs
        self.doc_people = doc_people
        self.dropped = dropped
        self.newest = max((d.created for d in docs.values() if d.created), default=None)
        self._by_label = {
            (doc_id, dp.label): dp.person_id for doc_id, dps in doc_people.items() for dp in dps
        }
        self._patterns: dict[str, Mentions] = {}
        self._corpus: dict[str, MentionPattern] = {}
        self._lock = threading.Lock()
        self._derive_lock = threading.Lock()
        self.cache: dict[str, Any] = {}  # derived indexes (expert finding) live with it

    # --- lookups --------------------------------------------------------------------------

    def get(self, person_id: str) -> Person | None:
        return self.persons.get(person_id)

    def person_for(self, doc_id: str, label: str) -> str | None:
        """The person a document names ``label``."""
        return self._by_label.get((doc_id, label))

    def resolve(self, name: str) -> Person | None:
        """The person a name, handle or e-mail refers to (exact, then by first name)."""
        key = name.strip().casefold() if "@" in name else name_key(name)
        if not key:
            return None
        exact = [p for p in self.persons.values() if key in p.keys]
        if len(exact) == 1:
            return exact[0]
        if exact:
            return max(exact, key=lambda p: (not p.left, len(p.documents)))
        first = [p for p in self.persons.values() if p.first_name == key]
        return first[0] if len(first) == 1 else None

    def matching(self, name: str) -> set[str]:
        """Every person a name, handle or e-mail may refer to: those known by exactly it,
        else those with it as their first name."""
        key = name.strip().casefold() if "@" in name else name_key(name)
        if not key:
            return set()
        exact = {p.person_id for p in self.persons.values() if key in p.keys}
        return exact or {p.person_id for p in self.persons.values() if p.first_name == key}

    def derived(self, name: str, build: Callable[[], Any]) -> Any:
        """An index derived from this directory, built once (expert finding keeps its own)."""
        with self._derive_lock:
            if name not in self.cache:
                self.cache[name] = build()
            return self.cache[name]

    def search(self, query: str = "", offset: int = 0, limit: int = 50) -> tuple[int, list[Person]]:
        """Persons whose names, handles or e-mails contain ``query``, best match first."""
        people = sorted(self.persons.values(), key=lambda p: fold(p.name))
        needle = fold(query.strip())
        if needle:
            scored = [(self._match_rank(p, needle), p) for p in people]
            people = [p for rank, p in sorted(scored, key=lambda x: x[0]) if rank < 3]
        return len(people), people[offset : offset + limit]

    @staticmethod
    def _match_rank(person: Person, needle: str) -> int:
        name = fold(person.name)
        if name.startswith(needle) or any(w.startswith(needle) for w in name.split()):
            return 0
        if needle in name:
            return 1
        return 2 if any(needle in k for k in person.keys) else 3

    # --- profiles -------------------------------------------------------------------------

    def activity(self, person_id: str) -> dict[str, int]:
        """Messages per month, plus one per meeting note or memo the person appears in."""
        months: Counter[str] = Counter()
        for doc_id in self.persons[person_id].documents:
            doc = self.docs[doc_id]
            if doc.created is None:
                continue
            month = iso_day(doc.created)[:7]  # type: ignore[index]
            spoke = sum(dp.messages for dp in self.doc_people[doc_id] if dp.person_id == person_id)
            months[month] += spoke if doc.is_conversation else max(spoke, 1)
        return dict(sorted((m, n) for m, n in months.items() if n))

    def talks_with(self, person_id: str, limit: int = 10) -> list[tuple[Person, int]]:
        """The people who share the most conversations and meetings with this person."""
        counts: Counter[str] = Counter()
        for doc_id in self.persons[person_id].documents:
            others = {dp.person_id for dp in self.doc_people[doc_id]} - {person_id}
            counts.update(others)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], fold(self.persons[kv[0]].name)))
        return [(self.persons[pid], n) for pid, n in ranked[:limit]]

    def mention_pattern(self, doc_id: str) -> Mentions:
        """How people are named in a document's text: its own people first (labels, unique
        first names), then anyone in the directory (cached per document)."""
        with self._lock:
            found = self._patterns.get(doc_id)
        if found is None:
            people = [self.persons[pid] for pid in self._doc_person_ids(doc_id)]
            doc = self.docs.get(doc_id)
            corpus = self._corpus_pattern(doc.origin if doc else "")
            found = Mentions(MentionPattern(_doc_variants(people, self._labels(doc_id))), corpus)
            with self._lock:
                self._patterns[doc_id] = found
        return found

    def _corpus_pattern(self, origin: str) -> MentionPattern:
        with self._lock:
            found = self._corpus.get(origin)
        if found is None:
            found = MentionPattern(_corpus_variants(self.persons.values(), origin, self.common))
            with self._lock:
                self._corpus[origin] = found
        return found

    def _doc_person_ids(self, doc_id: str) -> list[str]:
        return list(dict.fromkeys(dp.person_id for dp in self.doc_people.get(doc_id, ())))

    def _labels(self, doc_id: str) -> dict[str, str]:
        return {dp.label: dp.person_id for dp in self.doc_people.get(doc_id, ())}


def _doc_variants(people: list[Person], labels: dict[str, str]) -> dict[str, str]:
    """A document's people by the labels it uses, full names, unique first names, handles."""
    variants: dict[str, str] = {}
    firsts: dict[str, set[str]] = defaultdict(set)
    for person in people:
        firsts[person.first_name].add(person.person_id)
    for label, pid in labels.items():
        variants[fold(clean_name(label))] = pid
        if label.startswith("@"):
            variants["@" + fold(clean_name(label[1:]))] = pid
    for person in people:
        variants.setdefault(fold(person.name), person.person_id)
        if person.first_name and len(firsts[person.first_name]) == 1:
            variants.setdefault(person.first_name, person.person_id)
        for merged in person.identities:
            if merged.identity.handle:
                variants.setdefault("@" + fold(merged.identity.handle), person.person_id)
    return {v: pid for v, pid in variants.items() if len(v) >= 3}


def _corpus_variants(
    persons: Iterable[Person], origin: str, common: Callable[[str], bool]
) -> dict[str, str]:
    """Anyone named in any document: full names everywhere; a one-word name, a first name
    or a handle only if one person has it, it is no common word, and that person is known
    in documents of the same format."""
    full: dict[str, set[str]] = defaultdict(set)
    single: dict[str, set[str]] = defaultdict(set)
    for person in persons:
        sources = {m.identity.source for m in person.identities}
        for merged in person.identities:
            ident = merged.identity
            names = [ident.name, person.name] if not ident.mention else [person.name]
            for name in names:
                tokens = name_tokens(name)
                if len(tokens) >= 2:
                    full[fold(display_name(name))].add(person.person_id)
                elif tokens and origin in sources:
                    single[tokens[0]].add(person.person_id)
            if ident.handle and origin in sources:
                single["@" + fold(ident.handle)].add(person.person_id)
        if person.first_name and origin in sources and len(name_tokens(person.name)) >= 2:
            single[person.first_name].add(person.person_id)
    variants = {v: next(iter(p)) for v, p in full.items() if len(p) == 1}
    for word, pids in single.items():
        if len(pids) == 1 and len(word) >= 4 and not common(word.lstrip("@")):
            variants.setdefault(word, next(iter(pids)))
    return variants


class MentionPattern:
    """Finds names (folded variants mapped to person ids) in text."""

    def __init__(self, variants: dict[str, str]) -> None:
        self.variants = variants
        ordered = sorted(variants, key=len, reverse=True)
        self.regex = (
            re.compile(r"(?<![\w@])(" + "|".join(re.escape(v) for v in ordered) + r")(?!\w)")
            if ordered
            else None
        )

    def find(self, text: str) -> list[str]:
        """Person ids named in ``text`` (in order, without repeats)."""
        return self.find_folded(fold(text))

    def find_folded(self, folded: str) -> list[str]:
        if self.regex is None:
            return []
        return list(dict.fromkeys(self.variants[m] for m in self.regex.findall(folded)))


class Mentions:
    """A document's own names first, then the directory's."""

    def __init__(self, doc: MentionPattern, corpus: MentionPattern) -> None:
        self.doc = doc
        self.corpus = corpus

    def find(self, text: str) -> list[str]:
        """Person ids named in ``text`` (in order, without repeats)."""
        folded = fold(text)
        return list(dict.fromkeys(self.doc.find_folded(folded) + self.corpus.find_folded(folded)))

    def label_at_start(self, line: str) -> tuple[str, str] | None:
        """``(person id, rest)`` for a turn or action-item line: ``- [ ] Priya: text``,
        ``**Kenji Watanabe**: text``, ``Owner: Felix``."""
        match = _TURN.match(line)
        if not match:
            return None
        label, rest = fold(clean_name(match["label"])), match["rest"].strip()
        pid = self.doc.variants.get(label) or self.corpus.variants.get(label)
        if pid is not None:
            return pid, rest
        if label in _OWNER_WORDS:
            named = self.find(rest[:60])
            if named:
                return named[0], rest
        return None


_TURN = re.compile(
    r"^\s*(?:[-*+•]\s+)?(?:\[[ xX]?\]\s+)?(?:\*\*|__)?(?P<label>[^:*_\n]{2,60}?)(?:\*\*|__)?"
    r"\s*:\s*(?:\*\*|__)?\s*(?P<rest>\S.*)$"
)
_OWNER_WORDS = frozenset(
    {"owner", "owners", "presenter", "presented by", "led by", "lead", "dri", "assignee", "author",
     "by", "driver", "responsible", "speaker", "facilitator", "moderator", "host"}
)  # fmt: skip


# ---------------------------------------------------------------------------- building


def build_directory(catalog: Catalog, config: PeopleConfig) -> Directory:
    """Merge the catalog's identities into persons (see the module docstring)."""
    docs = {d["doc_id"]: _doc_info(d) for d in catalog.documents_index()}
    rows = [r for r in catalog.people_rows() if r["doc_id"] in docs]
    identities, seen, row_identity = _collect(rows, docs)
    kinds = [_identity_kind(x, seen[x], config) for x in identities]
    keep = [i for i, k in enumerate(kinds) if k == "person"]
    kept = [identities[i] for i in keep]
    identity_docs = {n: set(seen[identities[i]].docs) for n, i in enumerate(keep)}
    merger, configured = merge(kept, identity_docs, config)
    slack = _slack_profiles(catalog)
    words = _Vocabulary(catalog)
    persons, person_of = _persons(merger, configured, config, seen, slack, words)
    doc_people: dict[str, list[DocPerson]] = defaultdict(list)
    for row, ident in zip(rows, row_identity, strict=True):
        pid = person_of.get(ident)
        if pid is not None:
            doc_people[row["doc_id"]].append(DocPerson(pid, row["name"], row["messages"] or 0))
    for person in persons:
        person.documents = sorted(
            {d for m in person.identities for d in seen[m.identity].docs},
            key=lambda d: (docs[d].created or 0, d),
        )
        person.messages = sum(seen[m.identity].messages for m in person.identities)
    dropped = [x for x in identities if x not in person_of]
    return Directory(persons, docs, dict(doc_people), dropped, words.common)


def _doc_info(row: dict[str, Any]) -> DocInfo:
    return DocInfo(
        doc_id=row["doc_id"],
        kind=row["kind"],
        origin=row["origin"],
        title=row["title"],
        created=row["created"],
        source_path=row["source_path"],
        channel=row["channel"],
        access_scope=row["access_scope"],
        access_members=tuple(row["access_members"]),
    )


def _collect(
    rows: list[dict[str, Any]], docs: dict[str, DocInfo]
) -> tuple[list[Identity], dict[Identity, _Seen], list[Identity]]:
    order: dict[Identity, None] = {}
    where: dict[Identity, set[str]] = defaultdict(set)
    spoke: Counter[Identity] = Counter()
    row_identity = []
    for row in rows:
        name = row["name"].strip()
        mention = name.startswith("@") and not (row["email"] or row["user_id"] or row["handle"])
        ident = Identity(
            name=name[1:] if mention else name,
            email=(row["email"] or "").strip().casefold() or None,
            user_id=row["user_id"] or None,
            handle=row["handle"] or None,
            source=docs[row["doc_id"]].origin,
            mention=mention,
        )
        order.setdefault(ident)
        where[ident].add(row["doc_id"])
        spoke[ident] += row["messages"] or 0
        row_identity.append(ident)
    seen = {x: _Seen(frozenset(where[x]), spoke[x]) for x in order}
    return list(order), seen, row_identity


def _identity_kind(ident: Identity, seen: _Seen, config: PeopleConfig) -> str:
    """``person``, ``bot``, ``group`` (a shared mailbox), ``junk`` (not a name) or
    ``configured`` (listed under ``not_people``)."""
    if any(spec_matches(spec, ident) for spec in config.not_people):
        return "configured"
    name = clean_name(ident.name)
    if re.search(r"bot\b|\(bot\)", ident.name, re.I) or (
        ident.source == "slack" and (ident.user_id or "").startswith("B")
    ):
        return "bot"
    if fold(name) in PLACEHOLDER_NAMES | LIST_FIELDS or not (name or ident.handle or ident.email):
        return "junk"
    if ident.email:
        local = ident.email.split("@")[0]
        tokens = name_tokens(name)
        shared = local in GROUP_MAILBOXES and not seen.messages
        return "group" if shared and (not tokens or tokens[0] != local) else "person"
    if ident.user_id or ident.handle or ident.mention:
        return "person"
    if "@" in name or not name_tokens(name):
        return "junk"
    if seen.messages:
        words = name.split()
        lower = [w for w in words[1:] if w[:1].islower() and w not in PARTICLES]
        return "junk" if lower or any(ch.isdigit() for ch in name) else "person"
    return "person" if looks_like_name(name) else "junk"


def _persons(
    merger: Merger,
    configured: dict[int, int],
    config: PeopleConfig,
    seen: dict[Identity, _Seen],
    slack: dict[str, dict[str, Any]],
    words: _Vocabulary,
) -> tuple[list[Person], dict[Identity, str]]:
    n = len(merger.identities)
    drafts = []
    for root, members in merger.groups().items():
        idents = [i for i in members if i < n]
        if not idents:
            continue
        entry = config.people[configured[root]] if root in configured else None
        if entry is None and _is_label(merger, idents, seen, words):
            continue
        drafts.append((idents, entry, members))
    drafts.sort(key=lambda d: min(merger.identities[i].label for i in d[0]))
    persons: list[Person] = []
    person_of: dict[Identity, str] = {}
    used: Counter[str] = Counter()
    for idents, entry, members in drafts:
        name = (
            entry.name if entry else _canonical_name([merger.identities[i] for i in idents], seen)
        )
        base = slug(name)
        used[base] += 1
        pid = base if used[base] == 1 else f"{base}-{used[base]}"
        person = Person(pid, name, _explain(merger, set(members), idents, entry))
        _apply_profile(person, entry, slack)
        persons.append(person)
        for i in idents:
            person_of[merger.identities[i]] = pid
    return persons, person_of


class _Vocabulary:
    """Words that notes and memos write in lower case, words that recur in document titles,
    and words written before ``team``, ``client`` or ``release``: a bold ``**Delayed
    Execution**:``, an agenda ``Bedrock:`` or a ``Prysm:`` update is not a person.
    (Case is counted in notes and memos only: transcripts and chat write names in lower
    case too.)"""

    SAMPLE = 3000
    ORGANIZATION = re.compile(
        r"\b([A-Za-z][\w-]*)\s+(?i:teams?|clients?|devs|developers|nodes?|releases?"
        r"|implementation|codebase|repo|version)\b"
    )

    def __init__(self, catalog: Catalog) -> None:
        self.lower: Counter[str] = Counter()
        self.upper: Counter[str] = Counter()
        self.organizations: Counter[str] = Counter()
        for text in catalog.sample_chunk_texts(self.SAMPLE, ("meeting_notes", "memo")):
            text = re.sub(r"https?://\S+|[\w.+-]*@[\w.-]+|`[^`]*`", " ", text)
            for word in re.findall(r"(?<![\w./-])[A-Za-z][a-z'-]*[a-z](?![\w/])", text):
                (self.lower if word[0].islower() else self.upper)[word.lower()] += 1
        for text in catalog.sample_chunk_texts(self.SAMPLE, KINDS):
            self.organizations.update(fold(m) for m in self.ORGANIZATION.findall(text))
        self.titles: Counter[str] = Counter()
        for title in catalog.document_titles():
            self.titles.update(set(name_tokens(title.replace("-", " "))))

    def common(self, word: str) -> bool:
        """Written in lower case at least as often as capitalised (``target``, not ``George``)."""
        forms = {word, word[:-1] if word.endswith("s") and len(word) > 3 else word}
        lower = sum(self.lower[w] for w in forms)
        return lower >= 1 and lower >= sum(self.upper[w] for w in forms)


def _is_label(
    merger: Merger, idents: list[int], seen: dict[Identity, _Seen], words: _Vocabulary
) -> bool:
    """A group that is a label, not a person: no account, no message written, and only
    ever named by a common word (``Target``, ``Metrics Dashboard``), by a word of several
    titles that appears in one document only (``Burrow``), by a word that names a team or
    a product (``Prysm team``, ``Geth release``), or by nothing but an e-mail address
    nobody wrote from."""
    members = [merger.identities[i] for i in idents]
    if any(seen[x].messages or x.user_id or x.handle or x.mention for x in members):
        return False
    names = [name_tokens(x.name) for x in members if x.name and "@" not in x.name]
    if not names:
        return True  # a mailing list or a bare recipient address
    if any(x.email for x in members):
        return False
    if all(words.organizations[tokens[0]] or words.organizations[tokens[-1]] for tokens in names):
        return True
    full = [tokens for tokens in names if len(tokens) >= 2]
    if full:
        return all(words.common(tokens[-1]) for tokens in full)
    once = len({d for x in members for d in seen[x].docs}) < 2
    return all(words.common(t[0]) or (once and words.titles[t[0]] >= 2) for t in names)


def _canonical_name(members: list[Identity], seen: dict[Identity, _Seen]) -> str:
    """The most used full name (accents kept), else the most used name, handle or e-mail."""
    votes: Counter[str] = Counter()
    for ident in members:
        name = display_name(ident.name)
        if name and "@" not in name:
            votes[name] += len(seen[ident].docs)
    full = {n: v for n, v in votes.items() if len(n.split()) >= 2}
    pool = full or votes
    if pool:
        initials = re.compile(r"(?:^|\s)\w\.")
        return max(
            pool, key=lambda n: (pool[n], not initials.search(n), not n.isascii(), len(n), n)
        )
    ident = members[0]
    return ident.handle or ident.email or ident.user_id or ident.name or "unknown"


def _explain(
    merger: Merger, members: set[int], idents: list[int], entry: ConfiguredPerson | None
) -> list[MergedIdentity]:
    """Each identity with the evidence that joined it (breadth first from the first one)."""
    adjacency: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for a, b, reason in merger.edges:
        if a in members:
            adjacency[a].append((b, reason))
            adjacency[b].append((a, reason))
    n = len(merger.identities)
    richest = max(idents, key=lambda i: (_richness(merger.identities[i]), -i))
    start = next((m for m in members if m >= n), richest)
    found: dict[int, MergedIdentity] = {}
    if start < n:
        found[start] = MergedIdentity(merger.identities[start], "self")
    queue, visited = [start], {start}
    while queue:
        node = queue.pop(0)
        for other, reason in adjacency[node]:
            if other in visited:
                continue
            visited.add(other)
            queue.append(other)
            if other < n:
                via = merger.identities[node].label if node < n else f"people.yaml: {entry.name}"  # type: ignore[union-attr]
                found[other] = MergedIdentity(merger.identities[other], reason, via)
    return [found[i] for i in idents if i in found]


def _richness(ident: Identity) -> int:
    return 2 * bool(ident.user_id) + 2 * bool(ident.email) + bool(ident.handle)


def _apply_profile(
    person: Person, entry: ConfiguredPerson | None, slack: dict[str, dict[str, Any]]
) -> None:
    profiles = [
        slack[m.identity.user_id]
        for m in person.identities
        if m.identity.source == "slack" and m.identity.user_id in slack
    ]
    person.title = next((p["title"] for p in profiles if p.get("title")), None)
    person.left = any(p.get("deleted") for p in profiles)
    if entry is not None:
        person.team = entry.team
        person.title = entry.title or person.title
        if entry.left is not None:
            person.left = entry.left
        person.left_on = entry.left_on if entry.left else None


def _slack_profiles(catalog: Catalog) -> dict[str, dict[str, Any]]:
    """user id -> {deleted, title} from the users.json of Slack exports still on disk."""
    found: dict[str, dict[str, Any]] = {}
    for source in catalog.source_paths_of("slack"):
        for user in _slack_users(Path(source)):
            if isinstance(user, dict) and user.get("id"):
                profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
                found[str(user["id"])] = {
                    "deleted": bool(user.get("deleted")),
                    "title": str(profile.get("title") or "").strip() or None,
                }
    return found


def _slack_users(path: Path) -> list[Any]:
    try:
        if path.is_dir():
            candidates = [path / "users.json", *path.glob("*/users.json")]
            file = next((c for c in candidates if c.is_file()), None)
            data = json.loads(file.read_text(encoding="utf-8")) if file else []
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                names = sorted(
                    (n for n in archive.namelist() if n.rsplit("/", 1)[-1] == "users.json"),
                    key=lambda n: n.count("/"),
                )
                data = json.loads(archive.read(names[0])) if names else []
        else:
            data = []
    except (OSError, ValueError, zipfile.BadZipFile):
        return []
    return data if isinstance(data, list) else []


# ---------------------------------------------------------------------------- caching


_CACHE: dict[str, tuple[tuple[Any, ...], Directory]] = {}
_CACHE_LOCK = threading.Lock()


def directory_for(catalog: Catalog, people_file: Path | None) -> Directory:
    """The directory of this catalog, rebuilt only when the catalog or people.yaml changed."""
    key = (*catalog.change_marker(), _file_stamp(people_file))
    name = f"{catalog.path}|{people_file}"
    with _CACHE_LOCK:
        cached = _CACHE.get(name)
        if cached is not None and cached[0] == key:
            return cached[1]
        directory = build_directory(catalog, load_people_config(people_file))
        _CACHE[name] = (key, directory)
        return directory


def _file_stamp(path: Path | None) -> tuple[float, int] | None:
    if path is None or not path.is_file():
        return None
    stat = path.stat()
    return (stat.st_mtime, stat.st_size)


def iso_day(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).date().isoformat() if ts is not None else None

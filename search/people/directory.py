"""The people directory: every source's identities merged into persons, with profiles.

Readers name people their own way: a Slack user id, handle and display name, an e-mail
address, a Discord or Teams author, a transcript speaker, a meeting-note attendee. The
directory is derived on demand from the catalog (``document_people`` and the chunks) plus
an optional ``people.yaml``, and cached until the catalog or that file changes; then it is
updated from the cached one, reading only the documents that are new or changed (see
:func:`build_directory`). Its parts:
:mod:`search.people.identities` (names and identities), :mod:`search.people.people_file`
(``people.yaml``), :mod:`search.people.merging`, this module (persons and the directory),
:mod:`search.people.attribution` (who said what in a chunk) and :mod:`search.people.topics`.

Who is a person. Candidates come only from where people appear: message authors, mail
senders and recipients, transcript speakers, turn prefixes, attendance lists, IRC nicks,
document author headers (the readers' participants). A candidate is kept with evidence
that it is a person: it wrote messages, has an account or an address, goes by a handle
declared next to its name, or is a person-shaped name. Never kept: links, link text,
issue and PR references (``[Issue 31](…)``, ``PR 529``, ``#12``), versions, code names
(``functools.wraps``, ``OverflowError``), bots (``…bot``, relays, loggers), group
mailboxes and mailing lists (``all@``, ``python-dev@``), labels that are not names
(``whole company``, ``Metrics Dashboard``, an agenda ``Bedrock:``, a heading's
``Housekeeping``), and teams, products and organizations (``Prysm team``, the ``Apple``
of ``Kiara Rose (Apple)``). An ``@mention`` in prose joins the person it names but makes
none by itself; a one-word name or an ``@handle`` alone makes a person only where its
document shows one: listed among attendees, heading an update (``@ana and @bo for
@team: …``, not the team), speaking in turns (``Thomas: …``) in a document written in
turns, saying or doing something (``George asked …``, ``@shemnon mentioned …``), or
named as the one a proposal is ``by``. One word that also reads as a common word or a
heading (``### Rohit`` over his action items) needs attendance or what they say.
(spaCy's NER was measured for telling names from organizations in these lists and left
out: on the real development sets it called six of ninety listed attendees ORG and
caught none of the labels the rules above miss.)

Merging (:mod:`search.people.merging`) is union-find over identities (one identity per distinct
name, e-mail, user id, handle and source format), strongest evidence first:

1. ``people.yaml`` entries (name, aliases, e-mails), which override everything below;
2. the same user id in the same source format (``user id``);
3. the same e-mail address, case-insensitively (``email``);
4. the same normalized full name: case and accents folded, ``Last, First`` flipped,
   parenthetical remarks dropped (``name``); a handle or an e-mail local part whose dots,
   underscores or hyphens separate the same words, or an ``@mention`` spelling them
   (``@EmiliaPaz``), or a bare handle running them together (``@justindrake``, when one
   person has that name) (``handle``, ``email local part``);
5. a bare handle (``@zombie``, a ``[rob]`` speaker tag, a nick) joins the one person who
   declared it next to their name (``Rob Wu @rob``, a tag the minutes resolved to Rob
   Wu): in the same document first, else in the whole directory (``declared handle``);
6. a first name alone (``Felix``) joins the one person of that first name in the same
   document, else in the same team; a bare name (no account) also joins the only person
   in the whole directory with that first name (``first name``).

Automatic merges never join two different user ids of one source format by name, and
never cross a ``split`` entry.

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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

from search.collector import settle
from search.people.identities import (
    PARTICLES,
    Identity,
    MergedIdentity,
    clean_name,
    display_name,
    fold,
    handle_words,
    looks_like_code,
    looks_like_name,
    name_key,
    name_tokens,
    not_a_name,
    pickled_by_fields,
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
# Words of a mailing list's address (``python-dev@``, ``distutils-sig@``, ``foo-announce@``).
MAILING_LIST_WORDS = frozenset(
    """announce announcements bugs commits committers dev devel developers discuss discussion
    ideas list lists sig users""".split()
)
# Software that posts in a channel: ``deploybot``, ``github-bot``, ``NickServ``, a relay, a
# logger, a feed.
_BOT = re.compile(r"^\S*(?:bot|relay|logger|serv|feed|daemon)\d*$|\bbot\b|\(bot\)", re.I)
_SYSTEM_MAILBOXES = frozenset(
    "mailer-daemon no-reply noreply do-not-reply donotreply notifications postmaster".split()
)
# Name patterns of more words than this are written as a trie (see :func:`alternation`).
TRIE_FROM = 64
PLACEHOLDER_NAMES = frozenset({"unknown", "deleted user", "anonymous", "system", "ghost"})
# Header fields that list people; a reader may take the field for a person's name.
LIST_FIELDS = frozenset(
    """absent agenda approver approvers attendance attendees author authors cc chair chairs
    contributors facilitator facilitators host hosts moderator moderators scribe scribes
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

    @cached_property
    def first_name(self) -> str:
        tokens = name_tokens(self.name)
        return tokens[0] if tokens else ""


@pickled_by_fields
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


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class DocPerson:
    """A person as one document names them."""

    person_id: str
    label: str
    messages: int
    handle: str | None = None


# ---------------------------------------------------------------------------- the directory


@pickled_by_fields
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
        self._shared: dict[tuple[tuple[str, str], ...], MentionPattern] = {}
        self._lock = threading.Lock()
        self._derive_lock = threading.Lock()
        self.cache: dict[str, Any] = {}  # derived indexes (expert finding) live with it
        # what the build read per document, for the next build after an ingest
        self.build_cache: BuildCache | None = None
        self._previous: dict[str, Any] = {}  # what the directory updated from had derived

    def __getstate__(self) -> dict[str, Any]:
        """Everything but the locks and the name patterns, which are compiled again on use
        (a warm-start snapshot pickles the directory; unpickling compiles every regex)."""
        skip = ("_lock", "_derive_lock", "_patterns", "_corpus", "_shared", "_previous")
        return {k: v for k, v in self.__dict__.items() if k not in skip}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._patterns, self._corpus, self._shared, self._previous = {}, {}, {}, {}
        self._lock = threading.Lock()
        self._derive_lock = threading.Lock()

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

    def previous_derived(self, name: str) -> Any:
        """What the directory this one was updated from (see :func:`build_directory`) had
        derived as ``name``, once: an index updates from it rather than starting anew."""
        with self._lock:
            return self._previous.pop(name, None)

    def corpus_variants(self, origin: str) -> dict[str, str]:
        """The names the directory finds in any document of ``origin`` (see
        :func:`_corpus_variants`): folded name -> person id."""
        return _corpus_variants(self.persons.values(), origin, self.common)

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
            variants = _doc_variants(people, self._labels(doc_id), self._handles(doc_id))
            found = Mentions(self._compiled(variants), corpus)
            with self._lock:
                self._patterns[doc_id] = found
        return found

    def _compiled(self, variants: dict[str, str]) -> MentionPattern:
        """One pattern for the documents that name the same people the same ways (a
        channel's conversations): compiling one per document costs more than the rest of
        reading them."""
        key = tuple(variants.items())
        with self._lock:
            found = self._shared.get(key)
        if found is None:
            found = MentionPattern(variants)
            with self._lock:
                self._shared[key] = found
        return found

    def _corpus_pattern(self, origin: str) -> MentionPattern:
        with self._lock:
            found = self._corpus.get(origin)
        if found is None:
            found = MentionPattern(self.corpus_variants(origin))
            with self._lock:
                self._corpus[origin] = found
        return found

    def _doc_person_ids(self, doc_id: str) -> list[str]:
        return list(dict.fromkeys(dp.person_id for dp in self.doc_people.get(doc_id, ())))

    def _labels(self, doc_id: str) -> dict[str, str]:
        return {dp.label: dp.person_id for dp in self.doc_people.get(doc_id, ())}

    def _handles(self, doc_id: str) -> dict[str, str]:
        """The handles a document gives its people (a speaker tag, an IRC nick)."""
        return {dp.handle: dp.person_id for dp in self.doc_people.get(doc_id, ()) if dp.handle}

    def owners(self, doc_id: str) -> list[str]:
        """Who a memo is by: its people as the document lists them (authors), not the
        ones it only ``@``-mentions; none for conversations and meeting notes."""
        doc = self.docs.get(doc_id)
        if doc is None or doc.kind != "memo":
            return []
        found = [dp.person_id for dp in self.doc_people.get(doc_id, ()) if dp.label[:1] != "@"]
        return list(dict.fromkeys(found))


def _doc_variants(
    people: list[Person], labels: dict[str, str], handles: dict[str, str]
) -> dict[str, str]:
    """A document's people by the labels it uses, the handles it gives them (``rob`` for
    a ``[rob]`` tag), full names, unique first names, other handles."""
    variants: dict[str, str] = {}
    firsts: dict[str, set[str]] = defaultdict(set)
    for person in people:
        firsts[person.first_name].add(person.person_id)
    for label, pid in labels.items():
        variants[fold(clean_name(label))] = pid
        if label.startswith("@"):
            variants["@" + fold(clean_name(label[1:]))] = pid
    for handle, pid in handles.items():
        variants.setdefault(fold(handle.strip().lstrip("@")), pid)
        variants.setdefault("@" + fold(handle.strip().lstrip("@")), pid)
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
    """Anyone named in any document: full names everywhere (and ``@`` + the name's words
    run together, ``@EmiliaPaz``); a one-word name, a first name or a handle only if one
    person has it, it is no common word, and that person is known in documents of the same
    format."""
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
                    full["@" + "".join(tokens)].add(person.person_id)  # @EmiliaPaz
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
        self.regex = (
            re.compile(r"(?<![\w@])(" + alternation(variants) + r")(?!\w)") if variants else None
        )

    def find(self, text: str) -> list[str]:
        """Person ids named in ``text`` (in order, without repeats)."""
        return self.find_folded(fold(text))

    def find_folded(self, folded: str) -> list[str]:
        if self.regex is None:
            return []
        return list(dict.fromkeys(self.variants[m] for m in self.regex.findall(folded)))


def alternation(words: Iterable[str]) -> str:
    """A regex for any of ``words``, the longest first where several start at one place.

    Past :data:`TRIE_FROM` words it is written as a trie (``al(?:ice|an)``): the
    regex engine tries each branch of a flat alternation at every position, so finding
    one of 3,000 names in a chunk took 16 ms flat and 0.3 ms as a trie. Below it, the flat
    alternation compiles faster, and documents compile one pattern each."""
    words = sorted(set(words), key=len, reverse=True)
    if len(words) <= TRIE_FROM:
        return "|".join(re.escape(w) for w in words)
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here
    return _trie_regex(trie)


def _trie_regex(node: dict[str, Any]) -> str:
    # one branch per next character, so only a shorter word is ever backtracked to
    branches = [re.escape(char) + _trie_regex(child) for char, child in node.items() if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


class Mentions:
    """A document's own names first, then the directory's."""

    def __init__(self, doc: MentionPattern, corpus: MentionPattern) -> None:
        self.doc = doc
        self.corpus = corpus

    def find(self, text: str) -> list[str]:
        """Person ids named in ``text`` (in order, without repeats)."""
        folded = fold(text)
        return list(dict.fromkeys(self.doc.find_folded(folded) + self.corpus.find_folded(folded)))

    def label_at_start(self, line: str) -> tuple[list[str], str] | None:
        """``(person ids, rest)`` for a turn or action-item line: ``- [ ] Priya: text``,
        ``**Kenji Watanabe**: text``, ``* [rob] text`` (a speaker tag the document resolves),
        ``@ana and @bo for @team: text``, ``Owner: Felix``, ``Creator: @ana``."""
        handles = self._handle_prefix(line)
        if handles:
            return handles
        tag = _TAG.match(line)
        if tag:
            label = fold(clean_name(tag["tag"]))
            pid = self.doc.variants.get(label) or self.corpus.variants.get(label)
            if pid is not None:
                return [pid], tag["rest"].strip()
        match = _TURN.match(line)
        if not match:
            return None
        label, rest = fold(clean_name(match["label"])), match["rest"].strip()
        pid = self.doc.variants.get(label) or self.corpus.variants.get(label)
        if pid is not None:
            return [pid], rest
        if label in OWNER_WORDS:
            named = self.find(rest[:80])
            if named:
                return named[:3], rest
        return None

    def _handle_prefix(self, line: str) -> tuple[list[str], str] | None:
        """``@ana and @bo for @team: text``: Ana's and Bo's (not the team's)."""
        match = _HANDLE_PREFIX.match(line)
        if not match:
            return None
        owners = [
            pid
            for before, handle in re.findall(r"(\w*)\s*@([\w.-]*\w)", match["label"])
            if before.lower() not in _AFFILIATION_WORDS
            and (pid := self.doc.variants.get("@" + fold(handle)))
        ]
        return (list(dict.fromkeys(owners)), match["rest"].strip()) if owners else None


_TAG = re.compile(r"^\s*(?:[-*+•]\s+)?\[(?P<tag>[^\]\[]{1,40})\](?!\()\s*:?\s*(?P<rest>\S.*)$")
_AFFILIATION_WORDS = frozenset({"for", "from", "at", "of", "with"})
_HANDLE_PREFIX = re.compile(
    r"^\s*(?:[-*+•]\s+)?(?P<label>@[\w.-]+(?:\s*(?:,|&|\+|/|\band\b|\bfor\b|\bfrom\b|"
    r"\bwith\b|\bat\b)\s*@[\w.-]+)*)\s*:\s*(?P<rest>\S.*)$",
    re.I,
)
_TURN = re.compile(
    r"^\s*(?:[-*+•]\s+)?(?:\[[ xX]?\]\s+)?(?:\*\*|__)?(?P<label>[^:*_\n]{2,60}?)(?:\*\*|__)?"
    r"\s*:\s*(?:\*\*|__)?\s*(?P<rest>\S.*)$"
)
# Fields that say who owns an item: "Owner: Felix", "Creator: @ana" under an agenda item.
OWNER_WORDS = frozenset(
    {"owner", "owners", "presenter", "presenters", "presented by", "led by", "lead", "dri",
     "assignee", "assignees", "author", "authors", "by", "driver", "responsible", "speaker",
     "facilitator", "moderator", "host", "creator", "created by", "opened by", "filed by",
     "proposer", "proposed by", "champion", "champions", "editor", "editors"}
)  # fmt: skip


# ---------------------------------------------------------------------------- building


class _Row(NamedTuple):
    """One row of ``document_people``: a person as a document names them."""

    doc_id: str
    name: str
    email: str | None
    user_id: str | None
    handle: str | None
    messages: int


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class _TextFacts:
    """What the lone-word rules learned from one version of a document's text: the names
    heading ``Name: …`` lines, and each verdict asked of it so far (see
    :func:`_lone_words_vouched`)."""

    version: tuple[Any, ...]
    field_keys: frozenset[str]
    verdicts: dict[tuple[str, bool, bool, bool], bool]


@dataclass
class BuildCache:
    """Per document, what a build read from the catalog, keyed by the document's version
    (content hash, chunk count): a later build of the same catalog (after an ingest) reads
    again only the documents that are new or changed (see :func:`build_directory`)."""

    versions: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    rows: dict[str, tuple[_Row, ...]] = field(default_factory=dict)
    texts: dict[str, _TextFacts] = field(default_factory=dict)
    vocabulary: _Vocabulary | None = None  # what it read of each text and title


def build_directory(
    catalog: Catalog, config: PeopleConfig, previous: Directory | None = None
) -> Directory:
    """Merge the catalog's identities into persons (see the module docstring).

    With ``previous`` (a directory of the same catalog, built before an ingest or a
    forget), what it read of each document still at the same version is used again: only
    new and changed documents are read, and the global passes (vocabulary, merging, the
    lone-word rules, names) run over the whole again, so the result equals a full build."""
    index = catalog.documents_index()
    docs = {d["doc_id"]: _doc_info(d) for d in index}
    cache = BuildCache({d["doc_id"]: (d["content_hash"], d["chunk_count"]) for d in index})
    old = previous.build_cache if previous is not None else None
    cache.rows = _people_rows(catalog, cache.versions, old)
    rows = [row for doc_id in sorted(cache.rows) for row in cache.rows[doc_id]]
    identities, seen, row_identity = _collect(rows, docs)
    kinds = [_identity_kind(x, seen[x], config) for x in identities]
    words = _Vocabulary(catalog, old.vocabulary if old is not None else None)
    cache.vocabulary = words
    kind_of = dict(zip(identities, kinds, strict=True))
    garbled = _garbled_conversations(rows, row_identity, kind_of, words)
    if garbled:
        seen = _without_messages_in(garbled, rows, row_identity, seen)
        kinds = [_identity_kind(x, seen[x], config) for x in identities]
    keep = [i for i, k in enumerate(kinds) if k in ("person", "mention")]
    kept = [identities[i] for i in keep]
    identity_docs = {n: set(seen[identities[i]].docs) for n, i in enumerate(keep)}
    merger, configured = merge(kept, identity_docs, config)
    slack = _slack_profiles(catalog)
    texts = _TextCache(catalog, cache, old)
    persons, person_of = _persons(merger, configured, config, seen, slack, words, texts)
    doc_people: dict[str, list[DocPerson]] = defaultdict(list)
    for row, ident in zip(rows, row_identity, strict=True):
        pid = person_of.get(ident)
        if pid is not None:
            doc_people[row.doc_id].append(
                DocPerson(pid, row.name, row.messages or 0, row.handle or None)
            )
    for person in persons:
        for member in person.identities:
            member.documents = seen[member.identity].docs
        person.documents = sorted(
            {d for m in person.identities for d in seen[m.identity].docs},
            key=lambda d: (docs[d].created or 0, d),
        )
        person.messages = sum(seen[m.identity].messages for m in person.identities)
    dropped = [x for x in identities if x not in person_of]
    directory = Directory(persons, docs, dict(doc_people), dropped, words.common)
    directory.build_cache = cache
    if previous is not None:
        directory._previous = {k: v for k, v in previous.cache.items() if k == "profile_index"}
    return directory


def _people_rows(
    catalog: Catalog, versions: dict[str, tuple[Any, ...]], old: BuildCache | None
) -> dict[str, tuple[_Row, ...]]:
    """Each document's people rows: those of ``old`` for documents at the same version,
    the others read (all at once when most are to be read)."""
    found: dict[str, tuple[_Row, ...]] = {}
    stale: list[str] = []
    for doc_id, version in versions.items():
        if old is not None and old.versions.get(doc_id) == version and doc_id in old.rows:
            found[doc_id] = old.rows[doc_id]
        else:
            stale.append(doc_id)
    if not stale:
        return found
    wanted = set(stale)
    read = (
        catalog.people_rows_of(sorted(stale))
        if len(stale) * 4 < len(versions)
        else catalog.people_rows()
    )
    fresh: dict[str, list[_Row]] = {doc_id: [] for doc_id in stale}
    for r in read:
        doc_id = r["doc_id"]
        if doc_id in wanted:
            rows = fresh[doc_id]
            doc_id = rows[0].doc_id if rows else doc_id  # one string per document
            rows.append(
                _Row(doc_id, r["name"], r["email"], r["user_id"], r["handle"], r["messages"])
            )
    found.update((doc_id, tuple(rows)) for doc_id, rows in fresh.items())
    return found


def _garbled_conversations(
    rows: list[_Row],
    row_identity: list[Identity],
    kinds: dict[Identity, str],
    words: _Vocabulary,
) -> set[str]:
    """Conversations whose "speakers" are mostly not names (``09:00``, ``[Issue``, ``We``,
    ``Maybe``): a document a chat reader took for a log. What they seem to say is no
    evidence."""
    speakers: dict[str, set[Identity]] = defaultdict(set)
    for row, ident in zip(rows, row_identity, strict=True):
        if row.messages:
            speakers[row.doc_id].add(ident)

    def no_name(ident: Identity) -> bool:
        tokens = name_tokens(ident.name)
        return kinds[ident] == "junk" or (len(tokens) == 1 and words.common(tokens[0]))

    return {
        doc_id
        for doc_id, found in speakers.items()
        if len(found) >= 6 and sum(no_name(x) for x in found) * 2 >= len(found)
    }


def _without_messages_in(
    garbled: set[str],
    rows: list[_Row],
    row_identity: list[Identity],
    seen: dict[Identity, _Seen],
) -> dict[Identity, _Seen]:
    """``seen`` with the messages of garbled conversations not counted."""
    lost: Counter[Identity] = Counter()
    for row, ident in zip(rows, row_identity, strict=True):
        if row.doc_id in garbled:
            lost[ident] += row.messages or 0
    return {x: _Seen(v.docs, v.messages - lost[x]) for x, v in seen.items()}


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
    rows: list[_Row], docs: dict[str, DocInfo]
) -> tuple[list[Identity], dict[Identity, _Seen], list[Identity]]:
    """Each row's identity, and per identity (in order of first appearance) the documents
    it appears in and the messages it wrote. Rows are counted per distinct way of naming
    first (a few thousand ways for hundreds of thousands of rows at a million chunks):
    hashing an identity builds a tuple of its fields every time."""
    ways: dict[tuple[str, str | None, str | None, str | None, str], int] = {}
    row_way = []
    where: list[set[str]] = []
    spoke: list[int] = []
    for row in rows:
        way = (row.name, row.email, row.user_id, row.handle, docs[row.doc_id].origin)
        n = ways.get(way)
        if n is None:
            n = ways[way] = len(where)
            where.append(set())
            spoke.append(0)
        where[n].add(row.doc_id)
        spoke[n] += row.messages or 0
        row_way.append(n)
    identity_of = [_identity(*way) for way in ways]
    docs_of: dict[Identity, set[str]] = {}
    messages: Counter[Identity] = Counter()
    for n, ident in enumerate(identity_of):
        docs_of.setdefault(ident, set()).update(where[n])
        messages[ident] += spoke[n]
    seen = {x: _Seen(frozenset(found), messages[x]) for x, found in docs_of.items()}
    return list(docs_of), seen, [identity_of[n] for n in row_way]


def _identity(
    name: str, email: str | None, user_id: str | None, handle: str | None, source: str
) -> Identity:
    """The identity a ``document_people`` row names (an ``@name`` alone is a mention)."""
    name = name.strip()
    mention = name.startswith("@") and not (email or user_id or handle)
    return Identity(
        name=name[1:] if mention else name,
        email=(email or "").strip().casefold() or None,
        user_id=user_id or None,
        handle=handle or None,
        source=source,
        mention=mention,
    )


def _identity_kind(ident: Identity, seen: _Seen, config: PeopleConfig) -> str:
    """``person`` (a candidate: it speaks, attends or authors), ``mention`` (only ever an
    ``@name`` in text: it may join a person, and makes one only where the text shows one),
    ``bot``, ``group`` (a shared mailbox or mailing list), ``junk`` (not a name: a link, an
    issue or PR reference, a version, a code name, a label) or ``configured`` (listed under
    ``not_people``)."""
    if any(spec_matches(spec, ident) for spec in config.not_people):
        return "configured"
    name = clean_name(ident.name)
    if (
        _BOT.search(ident.name.strip())
        or _BOT.search((ident.handle or "").strip())
        or (ident.source == "slack" and (ident.user_id or "").startswith("B"))
    ):
        return "bot"
    if fold(name) in PLACEHOLDER_NAMES | LIST_FIELDS or not (name or ident.handle or ident.email):
        return "junk"
    if ident.email:
        return _mailbox_kind(ident, name, seen)
    if any(not_a_name(v) for v in (ident.name, ident.handle or "") if v):
        return "junk"
    if ident.user_id:
        return "person"
    if ident.mention:
        return "junk" if looks_like_code(ident.name) or not handle_words(ident.name) else "mention"
    if "@" in name or not name_tokens(name):
        return "junk"
    if seen.messages or ident.handle:  # a speaker, or a name with the handle it goes by
        words = name.split()
        lower = [w for w in words[1:] if w[:1].islower() and w not in PARTICLES]
        return "junk" if lower or (" " in name and any(ch.isdigit() for ch in name)) else "person"
    # a name and nothing else: an attendee, an author, a turn label
    if looks_like_code(name):
        return "junk"
    return "person" if looks_like_name(name) else "junk"


def _mailbox_kind(ident: Identity, name: str, seen: _Seen) -> str:
    """A personal address (``person``) or a group mailbox or mailing list (``group``)."""
    local, _, domain = (ident.email or "").partition("@")
    tokens = name_tokens(name)
    if local in _SYSTEM_MAILBOXES:
        return "bot"
    if seen.messages or (tokens and tokens[0] == local):
        return "person"
    parts = set(re.split(r"[-_.+]", local))
    listish = bool(parts & MAILING_LIST_WORDS) or domain.split(".")[0] in {"lists", "groups"}
    listish = listish or any(local.endswith(w) for w in ("devel", "dev", "users", "announce"))
    if local in GROUP_MAILBOXES or listish or "googlegroups" in domain:
        return "group"
    return "person"


def _persons(
    merger: Merger,
    configured: dict[int, int],
    config: PeopleConfig,
    seen: dict[Identity, _Seen],
    slack: dict[str, dict[str, Any]],
    words: _Vocabulary,
    texts: _TextCache,
) -> tuple[list[Person], dict[Identity, str]]:
    n = len(merger.identities)
    first_names = {
        tokens[0]
        for x in merger.identities
        if not x.mention and len(tokens := name_tokens(x.name)) >= 2
    }
    drafts = []
    doubtful: set[int] = set()  # one word that reads as a label: kept only if shown speaking
    for root, members in merger.groups().items():
        idents = [i for i in members if i < n]
        if not idents:
            continue
        entry = config.people[configured[root]] if root in configured else None
        label = None if entry else _label(merger, idents, seen, words, first_names)
        if label == "label":
            continue
        if label == "word":
            doubtful.add(len(drafts))
        drafts.append((idents, entry, members))
    drafts = _vouched_drafts(drafts, merger, seen, texts, doubtful)
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


def _vouched_drafts(
    drafts: list[tuple[list[int], ConfiguredPerson | None, list[int]]],
    merger: Merger,
    seen: dict[Identity, _Seen],
    texts: _TextCache,
    doubtful: set[int],
) -> list[tuple[list[int], ConfiguredPerson | None, list[int]]]:
    """The drafts without the one-word names and ``@handles`` their documents do not show
    to be people (see :func:`_lone_words_vouched`). A ``doubtful`` draft, a word that also
    reads as a common word or a heading, needs stronger evidence: listed among attendees,
    or the subject of what someone says (``George asked …``)."""
    lone = {
        k: word
        for k, (idents, entry, _) in enumerate(drafts)
        if entry is None and (word := _lone_word([merger.identities[i] for i in idents], seen))
    }
    if not lone:
        return [d for k, d in enumerate(drafts) if k not in doubtful]
    docs = {k: {d for i in drafts[k][0] for d in seen[merger.identities[i]].docs} for k in lone}
    names: dict[str, set[str]] = defaultdict(set)
    for x in merger.identities:
        if not x.mention and (key := name_key(x.name)):
            for doc_id in seen[x].docs:
                names[doc_id].add(key)
    vouched = _lone_words_vouched(texts, lone, docs, names, doubtful)
    return [
        d for k, d in enumerate(drafts) if (k not in lone and k not in doubtful) or k in vouched
    ]


def _lone_word(members: list[Identity], seen: dict[Identity, _Seen]) -> tuple[str, bool] | None:
    """``(word, mentioned)`` for a group known by one word and nothing else: no account,
    no handle, no message, no full name (``Thomas`` alone in some notes), or only ever
    ``@``-mentioned (``@gballet``); None for any other group."""
    if all(x.mention for x in members):
        names = {x.name.strip().lstrip("@") for x in members}
        return (next(iter(names)), True) if len(names) == 1 else None
    names = set()
    for x in members:
        if x.mention:
            continue
        tokens = name_tokens(x.name)
        if seen[x].messages or x.user_id or x.handle or x.email or len(tokens) != 1:
            return None
        names.add(clean_name(x.name))
    return (next(iter(names)), False) if len(names) == 1 else None


_ATTENDANCE = re.compile(
    r"\b(?:attendees?|attendance|participants|present|in attendance|who was there|people)\b",
    re.I,
)
_FIELD_LINE = re.compile(r"^\W*(?P<key>[A-Za-z][\w ]{0,30}?)\W*:\s*(?P<value>.*)$")
_PREFIX = re.compile(r"^[\s>*+•#-]*(?:\d+[.)]\s*)?(?P<prefix>[^:\n]{1,100}?)\s*:\s*\S")
_PREFIX_WORD = re.compile(
    r"@[\w.-]+|[A-Z][\w.'\u2019-]*|\b(?i:and|for|from|at|of|with)\b|&|\+|/|,|\([^)]*\)"
    r"|\*\*|__|\[|\]"
)
_AFFILIATION_WORD = re.compile(r"\b(?:for|from|at|of|with)\s*@?$", re.I)
_SPEECH = re.compile(r"$|[\"'\u201c(]?[^\W\d_]")


def _lone_words_vouched(
    texts: _TextCache,
    lone: dict[int, tuple[str, bool]],
    docs: dict[int, set[str]],
    names: dict[str, set[str]],
    doubtful: set[int],
) -> set[int]:
    """Which one-word names and ``@handles`` their documents show to be people: listed
    among attendees (under an attendance heading, on an ``Attendees:`` line, or as a list
    item of its own), an ``@handle`` that heads an update (``@ana and @bo for @team: …``,
    not the team), or a word speaking in turns (``Thomas: …``) in a document written in
    turns (two or more of its people head lines as ``Name: …``), or a word or ``@handle``
    that is the subject of what someone says or does (``Dustin noted …``, ``@shemnon`` /
    ``mentioned that …``: :data:`_SAYS`), or an ``@handle`` a piece of work is ``by``
    (``a proposal by @michaelneuder``). An agenda item (``**Housekeeping** (5
    minutes)``), a table cell or a figure (``Avg: 0.2``), a field (``Creator: @someone``)
    or an ``@handle`` elsewhere in a sentence is not."""
    by_doc: dict[str, list[int]] = defaultdict(list)
    for k, doc_ids in docs.items():
        for doc_id in doc_ids:
            by_doc[doc_id].append(k)
    facts = texts.known(list(by_doc))
    vouched: set[int] = set()
    pending: dict[str, list[int]] = defaultdict(list)
    for doc_id, ks in by_doc.items():  # first what earlier builds found in the same texts
        fact = facts.get(doc_id)
        for k in ks:
            verdict = None
            if fact is not None:
                verdict = fact.verdicts.get(_verdict_key(lone[k], fact, names, doc_id, doubtful, k))
            if verdict:
                vouched.add(k)
            elif verdict is None:
                pending[doc_id].append(k)
    todo = {d: ks for d, ks in pending.items() if any(k not in vouched for k in ks)}
    for doc_id, lines in texts.read(sorted(todo)):
        fact = facts.get(doc_id) or texts.learn(doc_id, lines)
        for k in todo[doc_id]:
            if k in vouched:
                continue
            key = _verdict_key(lone[k], fact, names, doc_id, doubtful, k)
            verdict = fact.verdicts.get(key)
            if verdict is None:
                verdict = fact.verdicts[key] = _vouched_in(lone[k], lines, key[2], key[3])
            if verdict:
                vouched.add(k)
    return vouched


def _verdict_key(
    lone: tuple[str, bool],
    fact: _TextFacts,
    names: dict[str, set[str]],
    doc_id: str,
    doubtful: set[int],
    k: int,
) -> tuple[str, bool, bool, bool]:
    """What :func:`_vouched_in` is asked of a document: the word, whether it is an
    ``@handle``, whether the document is written in turns (two or more of its people head
    lines as ``Name: …``), whether only strong evidence counts."""
    in_turns = len(fact.field_keys & names.get(doc_id, set())) >= 2
    return (lone[0], lone[1], in_turns, k in doubtful)


class _TextCache:
    """Document texts as the lone-word rules see them: the facts an earlier build learned
    of a document at the same version, else its chunks read from the catalog."""

    def __init__(self, catalog: Catalog, cache: BuildCache, old: BuildCache | None) -> None:
        self.catalog = catalog
        self.cache = cache
        if old is not None:  # facts of unchanged documents carry over
            for doc_id, fact in old.texts.items():
                if cache.versions.get(doc_id) == fact.version:
                    cache.texts[doc_id] = fact

    def known(self, doc_ids: list[str]) -> dict[str, _TextFacts]:
        return {d: self.cache.texts[d] for d in doc_ids if d in self.cache.texts}

    def read(self, doc_ids: list[str]) -> Iterator[tuple[str, list[tuple[str, str]]]]:
        """Each document's lines with their section headings (none for a document without
        chunks), read a batch of documents at a time."""
        for start in range(0, len(doc_ids), 500):
            batch = doc_ids[start : start + 500]
            parts: dict[str, list[tuple[str, str]]] = {d: [] for d in batch}
            for doc_id, heading, text in self.catalog.chunk_texts_of(batch):
                parts[doc_id].append((heading, text))
            for doc_id in batch:
                yield doc_id, [(h, line) for h, text in parts[doc_id] for line in text.splitlines()]

    def learn(self, doc_id: str, lines: list[tuple[str, str]]) -> _TextFacts:
        """The facts of a document just read: who heads ``Name: …`` lines, no verdict yet."""
        heads = {
            match["key"]
            for _, line in lines
            if (match := _FIELD_LINE.match(line)) and _SPEECH.match(match["value"])
        }
        keys = frozenset(name_key(head) for head in heads)
        fact = _TextFacts(self.cache.versions[doc_id], keys, {})
        self.cache.texts[doc_id] = fact
        return fact


def _vouched_in(
    lone: tuple[str, bool], lines: list[tuple[str, str]], in_turns: bool, strict: bool = False
) -> bool:
    """Whether ``lines`` show the word a person (see :func:`_lone_words_vouched`); only by
    attendance or by what they say when ``strict``."""
    word, mentioned = lone
    name = re.escape("@" + word if mentioned else word)
    entry = re.compile(rf"(?<![\w@#/.-]){name}(?![\w@/.-])", 0 if mentioned else re.I)
    listed = re.compile(rf"^ {{0,3}}(?:[*+•-]|\d+[.)])\s*{name}\W{{0,2}}(?:\s*\(.*\))?\s*$")
    # "Name: text", not "Apache: Apache supports…" (a thing described), "Avg: 0.2", a link
    turn = re.compile(
        rf"^\W{{0,6}}{name}\W{{0,4}}:\s*(?!{name}\b)(?:$|[\"'\u201c(]?[^\W\d_])(?!\w*://)", re.I
    )
    before = ""
    listing = False  # inside an attendance list that runs on below its field line
    for n, (heading, line) in enumerate(lines):
        field = _FIELD_LINE.match(line)
        if field and _ATTENDANCE.search(field["key"]):
            listing = True
        elif field or len(line) > 80:
            listing = False
        found = entry.search(line)
        previous, before = before, line
        if found is None:
            continue
        if _ATTENDANCE.search(heading) or listing:
            return True
        after = line[found.end() :].strip() or (lines[n + 1][1] if n + 1 < len(lines) else "")
        if _SAYS.match(after) and word.lower() not in _COLLECTIVE:
            return True
        if mentioned and _BY.search(line[: found.start()]):
            return True
        if strict:
            continue
        if not mentioned:
            if in_turns and turn.match(line):
                return True
            continue
        if _AFFILIATION_WORD.search(previous + " " + line[: found.start()]):
            continue  # "@ana for @team: …": the team
        if listed.match(line):
            return True
        if line.strip() == found.group(0):  # a prefix broken over short lines: "@ana", " and "…
            following = [text for _, text in lines[n + 1 : n + 6]]
            end = next((k for k, text in enumerate(following) if ":" in text), None)
            if end is None or any(len(text.strip()) > 40 for text in following[:end]):
                continue
            line = " ".join([line, *following[: end + 1]])
        prefix = _PREFIX.match(line)
        if (
            prefix
            and found.start() < prefix.end("prefix")
            and not _PREFIX_WORD.sub("", prefix["prefix"]).strip()
        ):
            return True
    return False


# What a person does in minutes, written right after their name (or after the names they
# are listed with): ``Dustin noted``, ``**Rohit** highlighted``, ``Felix (Geth) said``,
# ``George, Benedict, and Thomas published``, ``@shemnon`` / ``mentioned that``.
_SAYS = re.compile(
    r"^(?:\*\*|__|\]|\))?(?:\s*\([^()\n]{1,40}\))?(?:\s*:)?"
    r"(?:\s*(?:,|,?\s+and|&)\s+@?[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*)?)*\s*"
    r"(?i:said|says|mentioned|mentions|noted|asked|asks|suggested|suggests|proposed|proposes"
    r"|agreed|agrees|disagreed|disagrees|explained|explains|presented|emphasi[sz]ed"
    r"|pointed out|points out|brought up|raised|raises|replied|answered|responded|commented"
    r"|argued|argues|clarified|confirmed|described|highlighted|recommended|wondered"
    r"|questioned|reported|thinks|thought|believes|provided|identified|shared|volunteered"
    r"|offered|demoed|demonstrated|summari[sz]ed|requested|acknowledged|objected|expressed"
    r"|published|wrote|authored|built|created|implemented|developed|prototyped|fixed"
    r"|walked (?:us |the group )?through|gave an? (?:update|overview|demo|presentation))\b"
)
# Words that say something but name no one: "Everyone agreed", "The group noted".
_COLLECTIVE = frozenset(
    """all anyone anybody chair chairs consensus discussion everyone everybody folks group
    meeting nobody others people someone somebody team they we""".split()
)
# "Minslack: a proposal by @michaelneuder and @ana": the handles of who wrote it.
_BY = re.compile(r"\bby\s+(?:@[\w.-]+\s*(?:,|\band\b|&)\s*)*$", re.I)
_WORD = re.compile(r"(?<![\w./-])[A-Za-z][a-z'-]*[a-z](?![\w/])")
_MID_SENTENCE = re.compile(r"[a-z,;] $")


class _Vocabulary:
    """Words that notes and memos write in lower case, words that recur in document titles,
    words written before ``team``, ``client`` or ``release``, affiliations written in
    brackets after a person's name (``Rob Wu (Mozilla)``), and words that start section
    headings: a bold ``**Delayed Execution**:``, an agenda ``Bedrock:``, a ``Prysm:``
    update, an ``Apple`` attendee or a ``Housekeeping:`` item is not a person. (Case is
    counted in notes and memos only: transcripts and chat write names in lower case too.)"""

    SAMPLE = 3000
    ORGANIZATION = re.compile(
        r"\b([A-Za-z][\w-]*)\s+(?i:teams?|clients?|devs|developers|nodes?|releases?"
        r"|implementation|codebase|repo|version|browsers?|engineers?|products?|inc|corp"
        r"|foundation|project|company)\b"
    )
    AFFILIATION = re.compile(
        r"\b[A-Z][\w'\u2019-]+(?:\s+[A-Z][\w'\u2019-]+){1,3}\s*\(([A-Z][^()\n]{1,60})\)"
    )

    def __init__(self, catalog: Catalog, previous: _Vocabulary | None = None) -> None:
        # What each sampled text says is kept (by text), so that the next build, whose
        # sample differs by a few texts after an ingest, reads only those few.
        notes = catalog.sample_chunk_texts(self.SAMPLE, ("meeting_notes", "memo"))
        every = catalog.sample_chunk_texts(self.SAMPLE, KINDS)
        titles = catalog.document_titles()
        self.said = _reused(notes, previous.said if previous else {}, self._note_words)
        self.named = _reused(every, previous.named if previous else {}, self._organizations)
        self.titled = _reused(titles, previous.titled if previous else {}, _title_words)
        self.lower = Counter(chain.from_iterable(self.said[text][0] for text in notes))
        self.capital = Counter(chain.from_iterable(self.said[text][1] for text in notes))
        self.upper = Counter(chain.from_iterable(self.said[text][2] for text in notes))
        self.affiliations = Counter(chain.from_iterable(self.said[text][3] for text in notes))
        self.organizations = Counter(chain.from_iterable(self.named[text] for text in every))
        self.titles = Counter(chain.from_iterable(self.titled[title] for title in titles))
        self.headings: Counter[str] = Counter()
        for heading in catalog.chunk_headings():
            for part in heading.split(" > "):
                tokens = name_tokens(part)
                if tokens:
                    self.headings[tokens[0]] += 1

    def _organizations(self, text: str) -> tuple[str, ...]:
        """The names a text writes before ``team``, ``release``… (folded)."""
        return tuple(fold(m) for m in self.ORGANIZATION.findall(text))

    def _note_words(self, text: str) -> tuple[tuple[str, ...], ...]:
        """The words of a note or memo written in lower case, capitalised, capitalised
        mid-sentence (all lower-cased), and the affiliations it writes after names."""
        affiliations = []
        for match in self.AFFILIATION.finditer(text):
            for part in re.split(r"[,/;&]|\s+and\s+", match.group(1)):
                tokens = name_tokens(part)
                if 1 <= len(tokens) <= 3:
                    affiliations.append(" ".join(tokens))
        # links, addresses, code and bracketed tags (``[rob]`` is a speaker, not a word)
        text = re.sub(r"https?://\S+|[\w.+-]*@[\w.-]+|`[^`]*`|\[[^\]\n]{1,40}\]", " ", text)
        lower, capital, upper = [], [], []
        for match in _WORD.finditer(text):
            word = match.group(0)
            if word[0].islower():
                lower.append(word.lower())
                continue
            capital.append(word.lower())
            if _MID_SENTENCE.search(text, max(0, match.start() - 3), match.start()):
                upper.append(word.lower())  # capitalised mid-sentence, as names are
        return tuple(lower), tuple(capital), tuple(upper), tuple(affiliations)

    def common(self, word: str) -> bool:
        """Written in lower case at least as often as capitalised in mid-sentence, and not
        capitalised three times as often anywhere (``target``, ``maybe``; not ``George``,
        whom a transcript once wrote ``george``)."""
        forms = {word, word[:-1] if word.endswith("s") and len(word) > 3 else word}
        lower = sum(self.lower[w] for w in forms)
        upper = sum(self.upper[w] for w in forms)
        return lower >= max(1, upper) and 3 * lower >= sum(self.capital[w] for w in forms)

    def organization(self, tokens: list[str], first_names: set[str]) -> bool:
        """A team, product or organization's name: its first or last word is written
        before ``team``, ``release``…, or the whole name is written in brackets after
        people's names and is no one's first name (``Google (Devlin, Oliver)`` does not
        make Devlin an organization)."""
        whole = " ".join(tokens)
        return bool(
            self.organizations[tokens[0]]
            or self.organizations[tokens[-1]]
            or (self.affiliations[whole] and whole not in first_names)
        )

    def label(self, word: str) -> bool:
        """A word that starts a section heading (``Housekeeping``, ``Intro: goals``)."""
        return self.headings[word] > 0


def _reused(
    keys: list[str], known: dict[str, tuple[Any, ...]], read: Callable[[str], tuple[Any, ...]]
) -> dict[str, tuple[Any, ...]]:
    """``read(key)`` for each key, taken from ``known`` (an earlier build's) where it is."""
    return {key: known[key] if key in known else read(key) for key in keys}


def _title_words(title: str) -> tuple[str, ...]:
    """The distinct name tokens of a document title."""
    return tuple(set(name_tokens(title.replace("-", " "))))


def _label(
    merger: Merger,
    idents: list[int],
    seen: dict[Identity, _Seen],
    words: _Vocabulary,
    first_names: set[str],
) -> str | None:
    """``label`` for a group that is not a person, ``word`` for one word that may be a
    person only if its documents show one speaking (see :func:`_vouched_drafts`), None for
    a candidate.

    Not a person: only ever ``@``-mentioned as a code name (``@dataclass``) or as a team
    (``@ErigonEth``, ``@PrysmTeam``: its first word names a team); or with no
    account, no message written, no handle declared next to a name, and only ever named by
    common words (``Metrics Dashboard``), by a word that names a team, a product or an
    organization (``Prysm team``, ``Geth release``, ``Rob Wu (Mozilla)``), or by nothing
    but an e-mail address nobody wrote from. A word: one word written in lower case
    (``Target``, but also a name an ASR transcript wrote as ``george``), a word that
    starts headings (``Housekeeping``, but also an action-item section ``### Rohit``), or
    a word of several titles that appears in one document only (``Burrow``)."""
    members = [x for x in (merger.identities[i] for i in idents) if not x.mention]
    if not members:
        mentioned = [handle_words(x.name) for x in (merger.identities[i] for i in idents)]
        code = any(looks_like_code(x.name) for x in (merger.identities[i] for i in idents))
        team = all(t and words.organization(t[:1], first_names) for t in mentioned)
        return "label" if code or team else None
    if any(_speaks_or_declared(x, seen[x]) for x in members):
        return None
    names = [name_tokens(x.name) for x in members if x.name and "@" not in x.name]
    if not names:
        return "label"  # a mailing list or a bare recipient address
    if any(x.email for x in members):
        return None
    if all(words.organization(tokens, first_names) for tokens in names):
        return "label"
    full = [tokens for tokens in names if len(tokens) >= 2]
    if full:  # "Metrics Dashboard", "New Issues"; not "Jack Steam"
        common = all(all(words.common(t) for t in tokens if t not in PARTICLES) for tokens in full)
        return "label" if common else None
    once = len({d for x in members for d in seen[x].docs}) < 2
    word = all(
        words.common(t[0]) or words.label(t[0]) or (once and words.titles[t[0]] >= 2) for t in names
    )
    return "word" if word else None


def _speaks_or_declared(ident: Identity, seen: _Seen) -> bool:
    """Strong evidence of a person: messages written, an account, or a handle declared next
    to a full name. (A bare speaker tag in some minutes, ``[firefox]``, or a citation
    label, ``[wheel]``, is no stronger than a name alone; an address only ever written to
    needs a name.)"""
    if seen.messages or ident.user_id:
        return True
    return bool(ident.handle) and name_key(ident.handle) != name_key(ident.name)


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
# Per catalog, what loads a saved directory (and its key) when one is first needed.
_DEFERRED: dict[str, Callable[[], tuple[tuple[Any, ...], Directory] | None]] = {}


def directory_key(catalog: Catalog, people_file: Path | None) -> tuple[Any, ...]:
    """What a directory was built from: the catalog's change marker, people.yaml's stamp."""
    return (*catalog.change_marker(), _file_stamp(people_file))


def remember(
    catalog: Catalog, people_file: Path | None, key: tuple[Any, ...], found: Directory
) -> None:
    """Cache a directory built elsewhere (a warm-start snapshot) for ``key``."""
    with _CACHE_LOCK:
        _CACHE[f"{catalog.path}|{people_file}"] = (key, found)
        settle()


def defer(
    catalog: Catalog,
    people_file: Path | None,
    load: Callable[[], tuple[tuple[Any, ...], Directory] | None],
) -> None:
    """Have the next :func:`directory_for` of this catalog start from what ``load`` returns
    (a saved directory and its key; loading it is seconds of holding the GIL on a large
    store, so it waits for the first request that needs it). Requests meanwhile wait for
    that load, as they would for a build, rather than build another."""
    _DEFERRED[f"{catalog.path}|{people_file}"] = load


def directory_for(catalog: Catalog, people_file: Path | None) -> Directory:
    """The directory of this catalog, rebuilt only when the catalog or people.yaml changed
    (from the one cached or loaded before: only changed documents are read again)."""
    key = directory_key(catalog, people_file)
    name = f"{catalog.path}|{people_file}"
    with _CACHE_LOCK:
        load = _DEFERRED.pop(name, None)
        loaded = load() if load is not None else None
        if loaded is not None:
            _CACHE[name] = loaded
        cached = _CACHE.get(name)
        if cached is not None and cached[0] == key:
            if loaded is not None:
                settle()
            return cached[1]
        previous = cached[1] if cached is not None else None  # updated, not built anew
        directory = build_directory(catalog, load_people_config(people_file), previous)
        _CACHE[name] = (key, directory)
        del previous, cached, loaded  # what it replaced is garbage now: settle frees it
        settle()
        return directory


def built_directory(catalog: Catalog, people_file: Path | None) -> Directory | None:
    """The directory of this catalog as it is now if this process has one (built, or loaded
    from a warm-start snapshot), else None: never builds, never waits for a build."""
    cached = _CACHE.get(f"{catalog.path}|{people_file}")
    if cached is None or cached[0] != directory_key(catalog, people_file):
        return None
    return cached[1]


def _file_stamp(path: Path | None) -> tuple[float, int] | None:
    if path is None or not path.is_file():
        return None
    stat = path.stat()
    return (stat.st_mtime, stat.st_size)


def iso_day(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).date().isoformat() if ts is not None else None

"""Who attended, and who a speaker tag in the minutes stands for.

Attendance is written in many ways: list items ``N. Full Name (Org)``, ``* Name (Org, role)``,
``Name @handle``, ``@handle (Name)``, ``Name (ABC)`` with ABC the person's abbreviation,
inline lines ``Attendees: Apple (Kiara), Google (Devlin, Oliver), Simeon`` (organization
outside, people inside the parentheses), markdown tables with name / abbreviation /
organization columns. Each entry becomes an :class:`~ingest.records.Identity` with the handle
or e-mail written next to the name; organizations and roles are dropped.

Minutes then name speakers by a tag (``* [rob]: …``, ``[Devlin]``, ``SFC: …``).
:class:`Roster` resolves a tag to the one attendee it names (declared handle or abbreviation,
full name, unique first name, last name, initials, prefix, a handle made from the last name,
or a one-letter typo).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ingest.readers.markup import (
    STOP_WORDS,
    clean_inline,
    clean_person,
    looks_like_name,
    split_top,
    unescape,
)
from ingest.records import Identity

_HANDLE = re.compile(r"(?<![\w@.])@(?P<handle>[A-Za-z0-9](?:[\w.-]{0,38}[A-Za-z0-9_])?)(?![\w@])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ABBREVIATION = re.compile(r"^[A-Z][A-Z0-9]{1,5}$")
_DASH_TAIL = re.compile(r"\s+[-\u2013\u2014|]\s+.*$")
# Words that open a bracket or label but never name a person.
NOT_PEOPLE = frozenset(
    {
        "everyone", "everybody", "all", "group", "others", "unknown", "someone", "somebody",
        "anyone", "audience", "room", "multiple", "several", "many", "various", "unclear",
        "inaudible", "crosstalk", "laughter", "applause", "silence", "music", "break", "pause",
        "x", "done", "wip", "tbd", "tba", "draft", "optional", "edit", "edited", "pr", "prs",
        "pull", "bug", "bugs", "ticket", "rfc", "pep", "eip", "fix", "fixed", "closed", "open",
        "merged", "new", "old", "deprecated", "breaking", "info", "fyi", "aside", "offline",
        "online", "remote", "in person", "chat", "zoom", "meet", "slides", "demo", "poll",
        "vote", "votes", "resolved", "resolution", "unresolved", "n/a", "na", "none", "skip",
        "skipped", "later", "scribe", "scribes", "chair", "chairs", "moderator", "speaker",
        "speakers", "participant", "participants", "attendee", "attendees", "user", "users",
        "guest", "guests", "panel", "host", "hosts", "q", "a", "qa", "q&a",
    }
)  # fmt: skip


def fold(text: str) -> str:
    """Accents dropped, case folded, only letters and digits: ``Mélanie`` -> ``melanie``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isalnum()).casefold()


# ---------------------------------------------------------------------------- entries


def entry_person(text: str) -> Identity | None:
    """One attendance entry: ``Rob Wu (Mozilla)``, ``Shane Carr - Google (SFC), chair``,
    ``Jane Doe @jdoe``, ``@jdoe (Jane Doe)``, ``Jo <jo@x.org>``; None if no name."""
    text = unescape(clean_inline(text, keep_urls=False)).replace("*", "").strip()
    if not text or "://" in re.sub(r"\([^)]*\)", "", text):
        return None
    inner = [p.strip() for group in re.findall(r"\(([^)]*)\)", text) for p in group.split(",")]
    outside = re.sub(r"\([^)]*\)", " ", text)
    handles = [m["handle"] for m in _HANDLE.finditer(outside)]
    emails = _EMAIL.findall(text)
    bare = _DASH_TAIL.sub("", _HANDLE.sub(" ", _EMAIL.sub(" ", outside)))
    bare = re.sub(r"<[^>]*>", " ", bare).split(",")[0]
    name = clean_person(bare)
    if name is None and handles and inner:  # "@zombie (Tomislav Jovanovic)"
        name = clean_person(inner[0])
        inner = inner[1:]
    if name is None or fold(name) in NOT_PEOPLE:
        return None
    for part in inner:
        if handle := _HANDLE.fullmatch(part):
            handles.append(handle["handle"])
        elif _ABBREVIATION.match(part) and is_abbreviation(part, name):
            handles.append(part)
    return Identity(
        name=name, handle=handles[0] if handles else None, email=next(iter(emails), None)
    )


def is_abbreviation(abbr: str, name: str) -> bool:
    """True when ``abbr`` can abbreviate ``name``: it starts with the first name's initial
    and contains the last name's (``SFC`` for Shane Carr, ``JHD`` for Jordan Harband; not
    ``EF`` for Tim Beiko)."""
    words = [fold(w) for w in name.split() if fold(w)]
    letters = fold(abbr)
    if len(words) < 2 or not letters or letters[0] != words[0][0]:
        return False
    return words[-1][0] in letters[1:]


def inline_people(value: str) -> list[Identity]:
    """An inline attendee list. ``Org (A, B)`` items list the people inside the parentheses
    when the line has such a group of several first names; otherwise each item is a person
    with an organization or role in parentheses."""
    text = unescape(clean_inline(value, keep_urls=False))
    parts = split_top(text)
    groups = [_org_group(part) for part in parts]
    grouped = any(g is not None and len(g) >= 2 for g in groups)
    people: list[Identity] = []
    for part, group in zip(parts, groups, strict=True):
        if grouped and group is not None:
            people += [Identity(name=name) for name in group]
        elif person := entry_person(part):
            people.append(person)
    return people


_GROUP = re.compile(r"^(?P<out>[^()]+?)\s*\((?P<in>[^()]+)\)\s*$")


def _org_group(part: str) -> list[str] | None:
    """``Google (Devlin, Oliver)`` -> the names inside, when the outside is one word (an
    organization) and every inside item is one capitalised word; else None."""
    match = _GROUP.match(part.strip())
    if not match or len(match["out"].split()) != 1:
        return None
    names = [p.strip() for p in match["in"].split(",")]
    if not all(len(n.split()) == 1 and looks_like_name(n) for n in names):
        return None
    return names


# ---------------------------------------------------------------------------- tables

_NAME_COLUMN = re.compile(r"^(?:full\s+)?(?:name|attendee|person|participant|member|who)s?$", re.I)
_HANDLE_COLUMN = re.compile(
    r"^(?:abbr\.?|abbreviation|initials|handle|github(?: handle| user(?:name)?)?|nick(?:name)?"
    r"|irc|username|user|alias|id|login)s?$",
    re.I,
)
_EMAIL_COLUMN = re.compile(r"^e-?mail(?: address)?$", re.I)


def table_people(lines: Sequence[str], attendance: bool) -> list[Identity]:
    """People in a pipe table with a name column. Tables outside an attendee section count
    only when they also have a handle / abbreviation / initials column."""
    rows = [_cells(line) for line in lines if "|" in line]
    if len(rows) < 3:
        return []
    header = [clean_inline(c, keep_urls=False).strip(" *_") for c in rows[0]]
    name_col = next((k for k, c in enumerate(header) if _NAME_COLUMN.match(c)), None)
    handle_cols = [k for k, c in enumerate(header) if _HANDLE_COLUMN.match(c)]
    email_col = next((k for k, c in enumerate(header) if _EMAIL_COLUMN.match(c)), None)
    if name_col is None or not (handle_cols or attendance):
        return []
    people: list[Identity] = []
    for row in rows[2:]:
        if name_col >= len(row):
            continue
        name = clean_person(row[name_col])
        if not name or fold(name) in NOT_PEOPLE:
            continue
        handle = next(
            (h for k in handle_cols if k < len(row) and (h := _handle_cell(row[k]))), None
        )
        email = None
        if email_col is not None and email_col < len(row):
            email = next(iter(_EMAIL.findall(row[email_col])), None)
        people.append(Identity(name=name, handle=handle, email=email))
    return people


def _handle_cell(cell: str) -> str | None:
    text = clean_inline(cell, keep_urls=False).replace("`", "").replace("*", "").strip()
    text = text.lstrip("@").strip()
    if not text or " " in text or len(text) > 40 or text in ("-", "?"):
        return None
    return text


def _cells(line: str) -> list[str]:
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line)]


# ---------------------------------------------------------------------------- speaker tags

_BRACKET_TAG = re.compile(
    r"^\s*(?:[-*+\u2022]\s+|\d+[.)]\s+)?(?:\*\*|__)?\[(?P<tag>[^\[\]\n]{1,60})\]"
    r"(?!\(|\[|:\s*\S+://)(?:\*\*|__)?\s*:?(?:\*\*|__)?\s*(?=\S)"
)
_ABBR_LABEL = re.compile(
    r"^\s*(?:[-*+\u2022]\s+)?(?:\*\*)?(?P<tag>[A-Z][A-Z0-9]{1,5})(?:\*\*)?:\s+\S"
)
_TAG_PIECE = re.compile(r"^[^\W\d_][\w.' -]{0,38}[\w.]$|^[^\W\d_]$")


def bracket_tags(line: str) -> list[str]:
    """Speaker tags that open a line of minutes: ``* [rob] …``, ``[Devlin]: …``,
    ``[oliver + simeon] …`` (two speakers). Link text (``[Issue 31](…)``), checkboxes and
    words such as ``[WIP]`` are not tags."""
    match = _BRACKET_TAG.match(line)
    if not match:
        return []
    tags = []
    for piece in re.split(r"\s*(?:\+|/|&|,|\band\b)\s*", unescape(match["tag"])):
        piece = piece.strip().strip("_*").lstrip("@").strip()
        if tag_like(piece):
            tags.append(piece)
    return tags


def abbreviation_label(line: str) -> str | None:
    """An all-capitals turn label (``SFC: …``), to be resolved against declared
    abbreviations and initials (not ``NOTE:`` or ``TODO:``)."""
    match = _ABBR_LABEL.match(line)
    return match["tag"] if match and tag_like(match["tag"]) else None


def tag_like(piece: str) -> bool:
    """A short handle or name: not a number, issue, status word or field label."""
    if not piece or len(piece) > 40 or not _TAG_PIECE.match(piece):
        return False
    if len(piece.split()) > 4 or sum(ch.isalpha() for ch in piece) < 2:
        return False
    first = piece.split()[0].casefold()
    low = piece.casefold()
    return not (
        low in NOT_PEOPLE or first in NOT_PEOPLE or low in STOP_WORDS or first in STOP_WORDS
    )


# ---------------------------------------------------------------------------- roster


@dataclass(slots=True)
class Roster:
    """The people a document lists (attendees, authors) and how tags resolve to them."""

    people: list[Identity] = field(default_factory=list)
    # Other words written next to a name that may be its handle (``Daniel Glazman (glazou,
    # Dashlane)``): a tag that equals one of them names that person. Folded -> name.
    aliases: dict[str, str] = field(default_factory=dict)

    def extend(self, identities: Iterable[Identity]) -> None:
        """Add people; an entry with a name already listed adds only its handle/e-mail."""
        for person in identities:
            key = fold(person.name)
            if not key:
                continue
            for k, known in enumerate(self.people):
                if fold(known.name) == key:
                    self.people[k] = Identity(
                        name=known.name,
                        handle=known.handle or person.handle,
                        email=known.email or person.email,
                        id=known.id or person.id,
                    )
                    break
            else:
                self.people.append(person)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.people]

    def resolve(self, tag: str) -> Identity | None:
        """The one listed person ``tag`` names, or None (unknown or ambiguous)."""
        key = fold(tag)
        if not key or not self.people:
            return None
        words = [[fold(w) for w in p.name.split() if fold(w)] for p in self.people]
        checks = (
            lambda p, w: key in (fold(p.name), fold(p.handle or "")),
            lambda p, w: self.aliases.get(key) == p.name,
            lambda p, w: bool(w) and w[0] == key,
            lambda p, w: len(w) > 1 and w[-1] == key and len(key) > 2,
            lambda p, w: 2 <= len(key) <= 5 and len(w) > 1 and "".join(x[0] for x in w) == key,
            lambda p, w: len(key) >= 3 and bool(w) and w[0].startswith(key),
            lambda p, w: (  # "timothy" for Tim Hatcher
                " " not in tag.strip() and bool(w) and len(w[0]) >= 3 and key.startswith(w[0])
            ),
            lambda p, w: len(w) > 1 and len(key) >= 5 and _shared_start(key, w[-1]) >= 4,
        )
        for check in checks:
            found = {p.name: p for p, w in zip(self.people, words, strict=True) if check(p, w)}
            if len(found) == 1:
                return next(iter(found.values()))
            if len(found) > 1:
                return None
        return self._near(key, words)

    def _near(self, key: str, words: list[list[str]]) -> Identity | None:
        """A one-edit typo of a first name (two edits for long ones): ``devin`` -> Devlin."""
        if len(key) < 4:
            return None
        limit = 1 if len(key) < 8 else 2
        scored = [
            (osa_distance(key, w[0]), p.name, p)
            for p, w in zip(self.people, words, strict=True)
            if w
        ]
        best = min((s for s in scored if s[0] <= limit), default=None, key=lambda s: s[0])
        if best is None or sum(s[0] == best[0] and s[1] != best[1] for s in scored) > 0:
            return None
        return best[2]


def _shared_start(a: str, b: str) -> int:
    """How many letters two words share at their start (``glazou``/``glazman``: 4)."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: edits, with a swap of neighbours as one edit."""
    if abs(len(a) - len(b)) > 2:
        return 3
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]

"""The metadata a document states about itself at its top.

A document may open with an RFC 822-style header block (``Key: value`` lines up to the first
blank line, with indented continuation lines, as in Python PEPs or mail), or carry
``Key: value`` lines, bullets (``- Start Date: 2018-01-01``, ``* **Status**: Draft``) or bold
labels near its top. :func:`header_fields` finds them; the key sets say which ones name the
title, the date and the authors; :func:`people_in` reads an author value
(``Name <email>``, ``email (Name)``, ``name at domain``, ``Name (@handle)``, names that contain
a comma such as ``Fred L. Drake, Jr.``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.readers.markup import clean_inline, split_top, unescape
from ingest.records import Identity

# A field line: optional bullet, heading marks or bold around the key; "Author(s)" too.
_FIELD = re.compile(
    r"^\s{0,3}(?:[-*+]\s+)?(?:#{1,6}\s+)?(?:\*\*|__)?\s*"
    r"(?P<key>[A-Za-z][A-Za-z &/.'-]{0,38}?(?:\(s\))?)"
    r"\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(?P<value>.*?)\s*$"
)
# A line of an RFC 822-style block: the key starts the line, no markup.
_RFC_FIELD = re.compile(
    r"^(?P<key>[A-Za-z][A-Za-z0-9-]{0,38}(?: [A-Za-z][\w-]*){0,2}):(?:\s+(?P<value>.*?))?\s*$"
)
_CONTINUATION = re.compile(r"^[ \t]+\S")

TITLE_KEYS = frozenset({"title", "subject", "document title"})
DATE_KEYS = frozenset(
    {"date", "date & time", "date and time", "date/time", "meeting date", "meeting date/time",
     "meeting date & time", "meeting date and time", "when", "held on", "created", "created on",
     "created at", "date created", "creation date", "published", "published on", "date published",
     "publication date", "issued", "start date", "meeting time", "date of meeting"}
)  # fmt: skip
# Dates that say when a document last changed: used only when no other date is stated.
LATER_DATE_KEYS = frozenset(
    {"last modified", "last updated", "last update", "updated", "updated on", "modified",
     "date modified", "last revised", "revised", "revision date", "last edited", "edited"}
)  # fmt: skip
# Keys whose value lists the document's authors (several allowed, e-mails kept).
AUTHORS_KEYS = frozenset(
    {"author", "authors", "written by", "prepared by", "owner", "owners", "editor", "editors",
     "created by", "proposed by", "champion", "champions", "drafted by"}
)  # fmt: skip
# Keys that name one person who wrote or took the notes (the notes reader's author).
AUTHOR_KEYS = frozenset(
    {"author", "authors", "from", "by", "written by", "prepared by", "notes by", "note taker",
     "notetaker", "note-taker", "minutes by", "scribe", "notes"}
)  # fmt: skip
ATTENDEE_KEYS = frozenset(
    {"attendees", "attendee", "participants", "present", "attendance", "moderator",
     "moderators", "facilitator", "facilitators", "chair", "chairs", "co-chairs", "host",
     "hosts", "scribes", "note takers", "notetakers", "in attendance", "people present"}
)  # fmt: skip
METADATA_KEYS = (
    DATE_KEYS
    | LATER_DATE_KEYS
    | AUTHOR_KEYS
    | AUTHORS_KEYS
    | ATTENDEE_KEYS
    | TITLE_KEYS
    | {"duration", "meeting duration", "status", "type", "version"}
)


def normal_key(key: str) -> str:
    """``Author(s)`` -> ``authors``; ``Last-Modified`` -> ``last modified``; case folded."""
    key = key.lower().replace("(s)", "s")
    return " ".join(re.sub(r"(?<=\w)[-_](?=\w)", " ", key).split())


def field_of(line: str) -> tuple[str, str] | None:
    """A ``Key: value`` header line as ``(key lowercased, value)``, or None."""
    match = _FIELD.match(line)
    if not match or not match["value"]:
        return None
    return " ".join(match["key"].lower().split()), match["value"]


@dataclass(frozen=True, slots=True)
class Field:
    """One stated field: normalised key, value (continuation lines joined), 0-based line."""

    key: str
    value: str
    line: int


def rfc822_block(lines: Sequence[str]) -> tuple[list[Field], int]:
    """An RFC 822-style header block at the very top: ``(fields, index after the block)``.

    ``Key: value`` lines up to the first blank line; indented lines continue the previous
    value. At least two fields, and nothing else in the block, or it is not a header.
    """
    start = next((k for k, line in enumerate(lines) if line.strip()), len(lines))
    fields: list[list] = []
    k = start
    while k < len(lines) and lines[k].strip():
        line = lines[k]
        if fields and _CONTINUATION.match(line):
            fields[-1][1] += " " + line.strip()
        elif match := _RFC_FIELD.match(line):
            fields.append([match["key"], match["value"] or "", k])
        else:
            return [], 0
        k += 1
    if len(fields) < 2:
        return [], 0
    return [Field(normal_key(key), value.strip(), at) for key, value, at in fields], k


def header_fields(lines: Sequence[str], limit: int) -> list[Field]:
    """The fields a document states near its top: an RFC 822 block, else every
    ``Key: value`` line (plain, bulleted, bold) in its first ``limit`` lines. A field with
    no value takes the indented or bulleted lines right below it (``Authors:`` then a list).
    """
    block, _ = rfc822_block(lines)
    if block:
        return block
    found: list[Field] = []
    head = list(lines[:limit])
    for k, line in enumerate(head):
        match = _FIELD.match(line)
        if not match or len(line) - len(line.lstrip()) > 3:
            continue
        value = match["value"]
        if not value:
            value = _value_below(head, k)
        if value:
            found.append(Field(normal_key(match["key"]), value, k))
    return found


_BELOW_ITEM = re.compile(r"^\s+(?:[-*+]\s+|\d+[.)]\s+)?(?P<text>\S.*)$")


def _value_below(lines: Sequence[str], k: int) -> str:
    """The indented lines below an empty field, joined with commas."""
    parts: list[str] = []
    for line in lines[k + 1 :]:
        item = _BELOW_ITEM.match(line)
        if not item or (_FIELD.match(line.strip()) and not parts):
            break
        parts.append(item["text"].strip().rstrip(","))
    return ", ".join(parts)


# ---------------------------------------------------------------------------- authors

_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv|phd|ph\.d|md|esq)\.?$", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_AT_EMAIL = re.compile(r"\b(?P<user>[\w.+-]+)\s+at\s+(?P<domain>[\w-]+(?:\.[\w-]+)+)\b")
_HANDLE = re.compile(r"(?<![\w@.])@(?P<handle>[A-Za-z0-9](?:[\w.-]{0,38}[A-Za-z0-9_])?)(?![\w@])")
_URL = re.compile(r"https?://\S+|www\.\S+")


def people_in(value: str) -> list[Identity]:
    """The people an author-like value names, each with the e-mail or handle written next
    to the name. Empty for a URL, a mailing list or prose."""
    text = unescape(clean_inline(value, keep_urls=False))
    text = _AT_EMAIL.sub(lambda m: f"{m['user']}@{m['domain']}", text)
    parts = split_top(text)
    merged: list[str] = []
    for part in parts:  # "Fred L. Drake, Jr." is one name
        if merged and _SUFFIX.match(part.split("<")[0].strip()):
            merged[-1] = f"{merged[-1]}, {part}"
        else:
            merged.append(part)
    people = [person for part in merged if (person := person_of(part)) is not None]
    return people


def person_of(text: str) -> Identity | None:
    """``Name <e@x>``, ``e@x (Name)``, ``Name (@handle, Org)``, ``Name @handle`` -> Identity."""
    text = text.strip().strip(",;")
    if _URL.search(text) and not _EMAIL.search(text):
        return None
    emails = _EMAIL.findall(text)
    handles = [m["handle"] for m in _HANDLE.finditer(text)]
    outside = re.sub(r"\([^)]*\)|<[^>]*>|\[[^\]]*\]", " ", text)
    inside = " ".join(re.findall(r"\(([^)]*)\)", text))
    name = _plain(outside)
    if not name and inside:  # "barry@python.org (Barry Warsaw)"
        name = _plain(inside)
    if not name or len(name) > 60 or len(name.split()) > 6 or "://" in name:
        return None
    if not any(ch.isalpha() for ch in name) or name.lower() in ("tbd", "n/a", "none", "various"):
        return None
    return Identity(
        name=name, email=emails[0] if emails else None, handle=handles[0] if handles else None
    )


def _plain(text: str) -> str:
    text = _EMAIL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    name = " ".join(text.replace("*", "").replace('"', "").split()).strip(" ,;:-'")
    if name.endswith(".") and re.search(r"\w{4,}\.$", name):  # a full stop, not "Jr." or "L."
        name = name[:-1]
    return name.strip()

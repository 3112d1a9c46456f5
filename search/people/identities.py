"""How sources name people: names folded for matching, and identities."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, TypeVar

PARTICLES = frozenset("von van de der den da di del la le bin al el du dos das ter ten".split())


# ---------------------------------------------------------------------------- names


class _FoldTable(dict[int, str]):
    """``str.translate`` table that learns each character's accent-free form on first use."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Lower case without accents: ``Chloé`` -> ``chloe``."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD).casefold()


def clean_name(raw: str) -> str:
    """A label as a display name: remarks in brackets and stray punctuation removed."""
    name = re.split(r"\s*[(\[<]|\s+\|\s*|\s+[-\u2013\u2014]\s+", raw.strip(), maxsplit=1)[0]
    return " ".join(name.strip(" \t.:;,*_\"'()[]<>|").split())


def display_name(raw: str) -> str:
    """A label as a person would write the name: ``Raman, Priya`` -> ``Priya Raman``."""
    name = clean_name(raw)
    if name.count(",") == 1 and "@" not in name:
        last, first = (part.strip() for part in name.split(","))
        if first and last and not _SUFFIX.fullmatch(first):
            name = f"{first} {last}"
    return name


_SUFFIX = re.compile(r"(?:jr|sr|ii|iii|iv|phd|md|esq)\.?", re.I)


def name_tokens(raw: str) -> list[str]:
    """The folded words of a name, handle or e-mail local part.

    ``Raman, Priya`` and ``priya.raman`` both give ``["priya", "raman"]``.
    """
    name = clean_name(raw)
    if "@" in name and " " not in name:
        name = name.split("@", 1)[0]
    if name.count(",") == 1:
        last, first = name.split(",")
        name = last if _SUFFIX.fullmatch(first.strip()) else f"{first} {last}"
    name = re.sub(r"[._]+|(?<=\w)-(?=\w)", " ", fold(name)) if " " not in name else fold(name)
    return re.findall(r"[^\W\d_][\w'-]*", name)


def name_key(raw: str) -> str:
    return " ".join(name_tokens(raw))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "person"


def handle_words(handle: str) -> list[str]:
    """The words a handle spells: ``priya.raman``, ``priya_raman`` and ``PriyaRaman`` give
    ``["priya", "raman"]``; ``jrandom`` gives ``["jrandom"]``."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z][a-z])", " ", handle.strip().lstrip("@"))
    return name_tokens(spaced.replace(" ", "."))


def looks_like_name(raw: str) -> bool:
    """1-4 capitalised words without digits (``Luis Ortega``, ``Chloé``), not a label."""
    name = clean_name(raw)
    words = name.split()
    if not 1 <= len(words) <= 4 or any(ch.isdigit() for ch in name):
        return False
    return all(w in PARTICLES or (w[0].isupper() and w[0].isalpha()) for w in words)


# What a label is when it is not a person: a link, a reference, a version, a code name.
_URL = re.compile(r"://|^www\.|\]\(|\.(?:com|org|net|io|dev|html?|md|py|rst|txt)\b", re.I)
_REFERENCE = re.compile(
    r"^\W*(?:issues?|prs?|pull(?: request)?|bugs?|tickets?|peps?|rfcs?|eips?|commits?|patch(?:es)?"
    r"|changesets?|proposals?|prop|cves?|gh|mr)\W*(?:\d|$)|^\W*#\d|^\W*[A-Z]{2,5}-\d+\b",
    re.I,
)
_VERSION = re.compile(r"^\W*v?\d+(?:[._]\d+)+\w*$|^\W*v\d+\b", re.I)
_CODE = re.compile(
    r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$"  # dotted: functools.wraps
    r"|^[a-z]+(?:_[a-z0-9]+)+$"  # snake_case: type_check_only
    r"|^[A-Z][a-z]+(?:[A-Z][a-z]+)*(?:Error|Exception|Warning)$"  # OverflowError
    r"|[(){}=<>\\]"
)


def not_a_name(raw: str) -> str | None:
    """Why a label cannot be a person's name (``url``, ``reference``, ``version``), or None:
    ``[Issue 31](…)``, ``PR 529``, ``#123``, ``https://…``, ``v1.2.3``, ``0.9.38``."""
    text = raw.strip()
    if not text:
        return "empty"
    if _URL.search(text) and not re.fullmatch(r"[^@\s]+@[^@\s]+", text):
        return "url"
    if _REFERENCE.search(text):
        return "reference"
    if _VERSION.search(text):
        return "version"
    return None


def looks_like_code(raw: str) -> bool:
    """A programming name rather than a person's: ``functools.wraps``, ``type_check_only``,
    ``OverflowError``, ``f()``."""
    return bool(_CODE.search(raw.strip().lstrip("@")))


# ---------------------------------------------------------------------------- identities

T = TypeVar("T")


def pickled_by_fields(cls: type[T]) -> type[T]:
    """Pickle a slots dataclass as its class and its fields' values. Dataclasses' own
    pickling of slots reads ``fields()`` for every object: at 100k chunks, loading the
    people snapshot's documents' people took 0.49 s of it (0.11 s this way), holding the GIL."""
    values = attrgetter(*(f.name for f in fields(cls)))  # type: ignore[arg-type]

    def __reduce__(self: T) -> tuple[type[T], tuple[Any, ...]]:
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Identity:
    """One way a source names a person."""

    name: str
    email: str | None
    user_id: str | None
    handle: str | None
    source: str
    mention: bool = False  # only ever seen as an ``@name`` in text

    @property
    def label(self) -> str:
        name = self.name or self.handle or self.email or self.user_id or "unknown"
        if self.mention:
            return "@" + name
        return f"{name} <{self.email}>" if self.email and self.email != name else name

    @property
    def has_account(self) -> bool:
        return bool(self.email or self.user_id)


@pickled_by_fields
@dataclass(slots=True)
class MergedIdentity:
    """An identity in a person, with the evidence that put it there."""

    identity: Identity
    merged_by: str
    merged_with: str | None = None
    documents: frozenset[str] = frozenset()  # where this identity appears

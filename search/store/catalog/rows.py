"""What the catalog hands out, whichever engine holds it: rows, tokens, person keys."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceAccess:
    """A source's access lists as ingest derived them: the grantees of each of its
    documents (``()`` is admins only) and the fingerprint of the rules applied."""

    fingerprint: str
    documents: dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Token:
    """An API token as listed: never its secret."""

    token_id: int
    principal: str
    groups: list[str]
    admin: bool
    created_at: float
    revoked_at: float | None


@dataclass(frozen=True, slots=True)
class ChunkRow:
    """A chunk as search returns it, joined with what a hit needs from its document."""

    chunk_id: str
    doc_id: str
    position: int
    kind: str
    origin: str
    channel: str | None
    title: str
    heading: str
    locator: str
    source_path: str
    text: str
    people: list[str]
    start_ts: float | None
    end_ts: float | None
    date_source: str | None = None  # the document's (see Record.date_source)


def person_key(name: str) -> str:
    """A name folded for matching: lower case, single spaces."""
    return " ".join(name.lower().split())


def person_terms(names: Iterable[str]) -> list[str]:
    """Every way a filter may name these people: full names and each name part."""
    terms: dict[str, None] = {}
    for name in names:
        key = person_key(name)
        if not key:
            continue
        terms[key] = None
        for part in key.replace("@", " ").replace(".", " ").split():
            if len(part) > 1:
                terms[part] = None
    return list(terms)

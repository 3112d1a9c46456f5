"""Finding sources under the paths a user names, and the reader that handles each.

A *source* is what the ingest ledger tracks: usually one file, sometimes a whole
folder or zip (a Slack workspace export). Every reader module exposes
``NAME``, ``detect(path) -> bool`` and ``read(path) -> ReadResult``.

A ``detect`` that raises counts as "not mine"; a folder reached again through a symlink
is walked once. :func:`bounded` cuts what a reader made of a pathological file (one
100 MB message) to sizes the chunker and the model can take, and says so, and replaces
lone surrogates (which cannot be encoded) with U+FFFD.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, is_dataclass, replace
from fnmatch import fnmatch
from pathlib import Path
from types import ModuleType
from typing import Protocol, cast

from ingest.records import Problem, Record

#: A message (a chat message, an e-mail body, a caption) longer than this is cut here.
MAX_MESSAGE_CHARS = 100_000
#: A document's sections are kept up to this many characters in all.
MAX_DOCUMENT_CHARS = 2_000_000

# A lone surrogate (JSON's "\ud800", a file name that is not UTF-8) cannot be stored or hashed.
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(slots=True)
class ReadResult:
    """What a reader made of one source: records, and the parts it had to skip."""

    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class Reader(Protocol):
    NAME: str

    def detect(self, path: Path) -> bool: ...

    def read(self, path: Path) -> ReadResult: ...


# Order matters: container formats first, then specific file shapes, then generic prose.
READER_MODULES: tuple[str, ...] = (
    "ingest.readers.slack",
    "ingest.readers.discord",
    "ingest.readers.teams",
    "ingest.readers.mail",
    "ingest.readers.transcripts",
    "ingest.readers.chatfile",
    "ingest.readers.chatlog",
    "ingest.readers.notes",
    "ingest.readers.office",
)

SKIPPED_NAMES = frozenset({".git", ".watercooler", "__pycache__", ".venv", "node_modules"})


def readers() -> list[ModuleType]:
    """The reader modules that are present, in detection order."""
    found = []
    for name in READER_MODULES:
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return found


def reader_for(path: Path) -> ModuleType | None:
    """The first reader that recognises ``path``, or None."""
    for reader in readers():
        try:
            if reader.detect(path):
                return reader
        except Exception:  # a detector tripped on a file it cannot read: not its format
            continue
    return None


@dataclass(frozen=True, slots=True)
class Source:
    path: Path
    reader: ModuleType | None
    skip_reason: str = ""  # why a source without a reader is skipped, when it is not its format


def find_sources(paths: list[Path], exclude: tuple[str, ...] = ()) -> Iterator[Source]:
    """Walk ``paths`` and yield each source with its reader (None when no reader fits).

    A folder that a reader claims as a whole (an export) is one source; other folders
    are walked. Hidden files, tool folders and names matching an ``exclude`` glob are
    skipped.
    """
    seen: set[Path] = set()
    for path in paths:
        yield from _walk(path.resolve(), exclude, top=True, seen=seen)


def _walk(path: Path, exclude: tuple[str, ...], top: bool, seen: set[Path]) -> Iterator[Source]:
    if not top and (
        path.name.startswith(".")
        or path.name in SKIPPED_NAMES
        or any(fnmatch(path.name, pattern) for pattern in exclude)
    ):
        return
    if not _utf8(str(path)):  # the catalog could not store its name, nor those below it
        yield Source(path, None, f"name is not UTF-8: {path.name!a}")
        return
    if path.is_dir():
        real = path.resolve()
        if real in seen:  # a symlink back to a folder already walked (or a loop)
            return
        seen.add(real)
        reader = reader_for(path)
        if reader is not None:
            yield Source(path, reader)
            return
        for child in sorted(path.iterdir()):
            yield from _walk(child, exclude, top=False, seen=seen)
    elif path.is_file():
        yield Source(path, reader_for(path))


def _utf8(text: str) -> bool:
    return _SURROGATE.search(text) is None


def bounded(result: ReadResult) -> ReadResult:
    """``result`` with each message cut to ``MAX_MESSAGE_CHARS`` and each document's
    sections to ``MAX_DOCUMENT_CHARS`` in all; every cut is reported with its place."""
    result.records = [cast(Record, _scrub(record)) for record in result.records]
    for record in result.records:
        for message in record.messages:
            if len(message.text) > MAX_MESSAGE_CHARS:
                result.problems.append(
                    _cut(record, message.locator, message.text, MAX_MESSAGE_CHARS)
                )
                message.text = message.text[:MAX_MESSAGE_CHARS]
        room = MAX_DOCUMENT_CHARS
        for index, section in enumerate(record.sections):
            if len(section.text) > room:
                result.problems.append(_cut(record, section.locator, section.text, room))
                section.text = section.text[:room]
                record.sections = record.sections[: index + 1 if room else index]
                break
            room -= len(section.text)
    return result


def _cut(record: Record, where: str, text: str, kept: int) -> Problem:
    reason = f"text of {len(text):,} characters cut to {kept:,} (too long)"
    return Problem(record.source_path, reason, where=where or record.title)


def _scrub(value: object) -> object:
    """``value`` with every lone surrogate in its strings (and dataclass fields, lists and
    tuples, recursively) replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list | tuple):
        return type(value)(_scrub(item) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _scrub(getattr(value, f.name)) for f in fields(value)}
        return replace(value, **changes)
    return value

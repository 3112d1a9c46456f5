"""Finding sources under the paths a user names, and the reader that handles each.

A *source* is what the ingest ledger tracks: usually one file, sometimes a whole
folder or zip (a Slack workspace export). Every reader module exposes
``NAME``, ``detect(path) -> bool`` and ``read(path) -> ReadResult``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from types import ModuleType
from typing import Protocol

from ingest.records import Problem, Record


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
        if reader.detect(path):
            return reader
    return None


@dataclass(frozen=True, slots=True)
class Source:
    path: Path
    reader: ModuleType | None


def find_sources(paths: list[Path], exclude: tuple[str, ...] = ()) -> Iterator[Source]:
    """Walk ``paths`` and yield each source with its reader (None when no reader fits).

    A folder that a reader claims as a whole (an export) is one source; other folders
    are walked. Hidden files, tool folders and names matching an ``exclude`` glob are
    skipped.
    """
    for path in paths:
        yield from _walk(path.resolve(), exclude, top=True)


def _walk(path: Path, exclude: tuple[str, ...], top: bool) -> Iterator[Source]:
    if not top and (
        path.name.startswith(".")
        or path.name in SKIPPED_NAMES
        or any(fnmatch(path.name, pattern) for pattern in exclude)
    ):
        return
    if path.is_dir():
        reader = reader_for(path)
        if reader is not None:
            yield Source(path, reader)
            return
        for child in sorted(path.iterdir()):
            yield from _walk(child, exclude, top=False)
    elif path.is_file():
        yield Source(path, reader_for(path))

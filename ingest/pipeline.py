"""Ingest: find sources, read them, chunk, embed and write them to the store, idempotently.

A source whose bytes have not changed is skipped; a changed source re-embeds only the
records (threads, documents) whose content changed and drops the ones it no longer
contains. A source that fails to read is reported and leaves what was stored intact.

A run may be killed at any moment and rerun: it first finishes the vector writes a killed
run left pending, then redoes whatever the ledger does not show as written (see
:mod:`search.store.journal` for the write order).
"""

from __future__ import annotations

import hashlib
import inspect
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from ingest.access import AccessFileError, FolderAccess, FolderPolicies, record_grantees
from ingest.chunking import Chunk, Chunker
from ingest.records import Identity, Problem, ReadError, Record
from ingest.sources import ReadResult, Source, bounded, find_sources
from search.store.catalog import SourceAccess
from search.store.journal import crash_point
from search.store.store import DocumentWrite, Store
from search.store.vectors import VectorChunk

# Settings a reader may take as keyword arguments of ``read``.
READER_OPTIONS = ("max_zip_bytes",)

Status = Literal["new", "updated", "unchanged", "failed", "skipped"]
Progress = Callable[[str, int, int], None]
# People of a source that its text does not name (the authors of a file's git commits).
Authors = Callable[[Path], list[Identity]]


@dataclass(slots=True)
class SourceOutcome:
    """What happened to one source in a run."""

    path: str
    status: Status
    reason: str = ""
    documents: int = 0
    chunks: int = 0


@dataclass(slots=True)
class IngestSummary:
    """The result of one ingest run, as the CLI and API report it."""

    run_id: int
    outcomes: list[SourceOutcome] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failures(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def chunks_written(self) -> int:
        return sum(o.chunks for o in self.outcomes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "new": self.count("new"),
            "updated": self.count("updated"),
            "unchanged": self.count("unchanged"),
            "failed": self.count("failed"),
            "skipped": self.count("skipped"),
            "removed": len(self.removed),
            "documents_written": sum(o.documents for o in self.outcomes),
            "chunks_written": self.chunks_written,
            "seconds": round(self.seconds, 3),
            "failures": [{"path": o.path, "reason": o.reason} for o in self.failures],
            "warnings": [str(p) for p in self.problems],
        }


def ingest(
    paths: list[Path],
    store: Store,
    *,
    prune: bool = False,
    exclude: tuple[str, ...] = (),
    progress: Progress | None = None,
    authors: Authors | None = None,
) -> IngestSummary:
    """Ingest every source under ``paths`` into ``store`` and return the run's summary;
    ``authors`` names people of a source its own text does not (a git commit's author)."""
    started = time.perf_counter()
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise FileNotFoundError(f"no such file or folder: {', '.join(missing)}")
    resolved = [str(p.resolve()) for p in paths]
    store.finish_pending()
    run_id = store.catalog.start_run(resolved)
    crash_point()
    summary = IngestSummary(run_id=run_id)
    sources = list(find_sources(paths, exclude))
    chunker = Chunker(store.embedder.count_tokens, store.embedder.max_tokens)
    policies = FolderPolicies(store.settings.default_access)
    for index, source in enumerate(sources):
        if progress is not None:
            progress(str(source.path), index, len(sources))
        summary.outcomes.append(
            _ingest_source(source, store, chunker, run_id, summary.problems, policies, authors)
        )
    if prune:
        for gone in store.catalog.forgotten_sources(resolved):
            store.forget(gone)
            summary.removed.append(gone)
    if progress is not None:
        progress("", len(sources), len(sources))
    summary.seconds = time.perf_counter() - started
    crash_point()
    store.catalog.finish_run(run_id, summary.as_dict())
    return summary


def _ingest_source(
    source: Source,
    store: Store,
    chunker: Chunker,
    run_id: int,
    problems: list[Problem],
    policies: FolderPolicies,
    authors: Authors | None = None,
) -> SourceOutcome:
    path = str(source.path)
    if source.reader is None:
        reason = source.skip_reason or f"no reader for {source.path.suffix or 'this file'}"
        return SourceOutcome(path, "skipped", reason)
    try:
        digest = source_hash(source.path)
        folder = policies.for_source(source.path)
    except OSError as exc:
        return SourceOutcome(path, "failed", f"cannot read: {exc.strerror or exc}")
    except AccessFileError as exc:
        return SourceOutcome(path, "failed", str(exc))
    # Another process ingesting this source at once (server mode) finishes first; then the
    # ledger shows it written, and this one skips it.
    with store.catalog.source_lock(path):
        return _ingest_changed(source, store, chunker, run_id, problems, digest, folder, authors)


def _ingest_changed(
    source: Source,
    store: Store,
    chunker: Chunker,
    run_id: int,
    problems: list[Problem],
    digest: str,
    folder: FolderAccess,
    authors: Authors | None = None,
) -> SourceOutcome:
    """Read and write a source unless the ledger shows it unchanged."""
    assert source.reader is not None
    path = str(source.path)
    previous = store.catalog.source_hash(path)
    # A source whose bytes and folder access are unchanged is skipped; when only its
    # folder's access (or the rules) changed, it is read again but nothing is re-embedded.
    if previous == digest and store.catalog.access_fingerprint(path) == folder.fingerprint:
        return SourceOutcome(path, "unchanged")
    try:
        result: ReadResult = read_source(source, store)
    except ReadError as exc:
        return SourceOutcome(path, "failed", str(exc))
    except Exception as exc:  # a reader bug or a file no reader foresaw: report, go on
        return SourceOutcome(path, "failed", f"{type(exc).__name__}: {exc}")
    problems.extend(result.problems)
    records = _unique(result.records, path, problems)
    if authors is not None:
        records = [_with_people(r, authors(source.path)) for r in records]
    if not records:
        return SourceOutcome(path, "failed", "no text or messages found")
    stored = store.catalog.stored_hashes([r.doc_id for r in records])
    writes: list[DocumentWrite] = []
    keep: set[str] = set()
    for record in records:
        digest_doc = record.content_hash()
        if stored.get(record.doc_id) in (digest_doc, record.hash_before_access_lists()):
            keep.add(record.doc_id)
            continue
        chunks = chunker.chunk(record)
        if chunks:
            writes.append(_document_write(record, digest_doc, chunks, store))
    if not writes and not keep:
        return SourceOutcome(path, "failed", "no text or messages found")
    access = SourceAccess(
        folder.fingerprint, {r.doc_id: record_grantees(r, folder) for r in records}
    )
    store.write_source(path, source.reader.NAME, digest, run_id, writes, keep, access)
    return SourceOutcome(
        path,
        "new" if previous is None else "updated",
        documents=len(writes),
        chunks=sum(len(w.vectors) for w in writes),
    )


def _with_people(record: Record, people: list[Identity]) -> Record:
    """``record`` with ``people`` among its participants (those it lacks)."""
    known = {(i.email or i.name).lower() for i in record.participants}
    extra = [i for i in people if (i.email or i.name).lower() not in known]
    return replace(record, participants=[*record.participants, *extra]) if extra else record


def read_source(source: Source, store: Store) -> ReadResult:
    """Call the reader, passing the settings it declares as keyword options."""
    accepted = inspect.signature(source.reader.read).parameters
    options = {name: getattr(store.settings, name) for name in READER_OPTIONS if name in accepted}
    return bounded(source.reader.read(source.path, **options))


def _unique(records: list[Record], path: str, problems: list[Problem]) -> list[Record]:
    seen: dict[str, Record] = {}
    for record in records:
        if record.doc_id in seen:
            problems.append(Problem(path, f"duplicate record {record.key!r} skipped"))
            continue
        seen[record.doc_id] = record
    return list(seen.values())


def source_hash(path: Path) -> str:
    """A hash of a file's bytes, or of every file (name and bytes) under a folder."""
    h = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        if file != path:
            h.update(str(file.relative_to(path)).encode("utf-8") + b"\0")
        with file.open("rb") as f:
            while block := f.read(1 << 20):
                h.update(block)
    return h.hexdigest()


def _document_write(
    record: Record, digest: str, chunks: list[Chunk], store: Store
) -> DocumentWrite:
    embeddings = store.embedder.embed_texts([c.embed_text for c in chunks])
    row = {
        "doc_id": record.doc_id,
        "kind": record.kind,
        "origin": record.source,
        "source_path": record.source_path,
        "title": record.title,
        "created": _ts(record.created),
        "date_source": record.date_source,
        "ended": _ts(record.ended or record.created),
        "channel": record.channel,
        "thread": record.thread,
        "participants": _participants(record),
        "access_scope": record.access.scope,
        "access_members": list(record.access.members),
        "content_hash": digest,
        "message_count": len(record.messages),
        "chunks": [_chunk_row(c) for c in chunks],
    }
    vectors = [
        VectorChunk(
            chunk_id=c.chunk_id,
            doc_id=record.doc_id,
            text=c.text,
            embedding=embedding,
            metadata=_vector_metadata(record, c),
        )
        for c, embedding in zip(chunks, embeddings, strict=True)
    ]
    return DocumentWrite(row=row, vectors=vectors)


def _chunk_row(chunk: Chunk) -> dict[str, Any]:
    return {
        "chunk_id": chunk.chunk_id,
        "doc_id": chunk.doc_id,
        "position": chunk.position,
        "heading": chunk.heading,
        "locator": chunk.locator,
        "source_path": chunk.source_path,
        "text": chunk.text,
        "embed_text": chunk.embed_text,
        "people": chunk.people,
        "start_ts": _ts(chunk.start),
        "end_ts": _ts(chunk.end or chunk.start),
    }


def _vector_metadata(record: Record, chunk: Chunk) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "kind": record.kind,
        "origin": record.source,
        "position": chunk.position,
    }
    if record.channel:
        metadata["channel"] = record.channel
    start, end = _ts(chunk.start), _ts(chunk.end or chunk.start)
    if start is not None:
        metadata["start_ts"] = start
    if end is not None:
        metadata["end_ts"] = end
    return metadata


def _participants(record: Record) -> list[dict[str, Any]]:
    spoke = Counter(m.author.label for m in record.messages)
    people: dict[str, dict[str, Any]] = {}
    for identity in [*record.participants, *(m.author for m in record.messages)]:
        entry = people.setdefault(identity.label, {"name": identity.label})
        for key in ("id", "handle", "email"):
            value = getattr(identity, key)
            if value and not entry.get(key):
                entry[key] = value
    for section in record.sections:
        for name in section.people:
            people.setdefault(name, {"name": name})
    for name, entry in people.items():
        entry["messages"] = spoke.get(name, 0)
    return list(people.values())


def _ts(moment: Any) -> float | None:
    return moment.timestamp() if moment is not None else None

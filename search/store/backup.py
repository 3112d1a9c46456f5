"""Backups of a store while it serves, and restoring one into a home.

A backup is a folder of three files:

- ``catalog.db``: the catalog, copied with SQLite's online backup API in one step, which
  reads a single snapshot (in WAL mode it never blocks the server's readers or writers);
- ``vectors.db``: for every chunk of that snapshot, the vector Chroma holds (with the
  chunk's id, document, text and the fields Chroma keeps), as float32;
- ``manifest.json``: written last, so a folder without it is no backup: the format, when,
  the schema version, the embedding model, and the counts.

Why the vectors are exported through Chroma's API rather than copied as files: Chroma's
folder is its own ``chroma.sqlite3`` plus HNSW segment files that the serving process
rewrites whenever it flushes, outside any transaction a copy could join; even with
``chroma.sqlite3`` taken by the backup API, the segment files copied after it may be newer
than it or torn mid-write, and a Chroma server has no files to copy at all. The catalog, not
Chroma, is the record of what is stored (see :mod:`search.store.journal`), so the backup
takes its snapshot first and makes the vectors agree with it: a chunk whose vector is in
the snapshot's pending-writes journal takes it from there; any other chunk takes Chroma's,
unless a write after the snapshot replaced or removed it (Chroma's text or fields differ
from the snapshot's), and then the chunk is embedded again from its catalog text. The
backup's vectors are therefore exactly the snapshot's chunks, and its journal is empty.

A restore copies ``catalog.db`` into the home with the same backup API (then opening it
migrates an older schema), and loads the vectors into a fresh collection. It refuses a home
that already holds a store unless forced. Restore with the server stopped.

Both cover the embedded catalog only: with ``WATERCOOLER_DATABASE_URL`` they refuse, saying
to use PostgreSQL's own tools (``pg_dump``) for the catalog.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.errors import ChromaError

from search.store import journal
from search.store.catalog import Catalog
from search.store.embeddings import Embedder
from search.store.migrations import SCHEMA_VERSION
from search.store.reindex import drop_collection, embed_text, vector_chunk
from search.store.settings import Settings
from search.store.store import Store
from search.store.vectors import VectorChunk, Vectors, chroma_client

FORMAT = 1
CATALOG = "catalog.db"
VECTORS = "vectors.db"
MANIFEST = "manifest.json"
# Chunks read from Chroma (and written to the backup or a restored collection) at a time.
BATCH = 1000
# Reads of a batch from Chroma before its chunks count as missing (see _get).
READ_ATTEMPTS = 3
# The fields Chroma keeps with a chunk that tell its version apart (besides its text).
VERSION_FIELDS = ("kind", "origin", "position", "channel", "start_ts", "end_ts")
VECTORS_SCHEMA = """
CREATE TABLE vectors (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL,  -- JSON: the fields Chroma keeps with the vector
    embedding BLOB NOT NULL  -- float32
);
"""


class BackupError(ValueError):
    """A backup or restore that cannot go ahead (the message says why and what to do)."""


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a backup holds (``manifest.json``)."""

    format: int
    created_at: float
    schema_version: int
    embedding_model: str | None
    embedding_dimension: int
    documents: int
    chunks: int
    from_chroma: int  # vectors read from Chroma as they were
    from_journal: int  # vectors of pending writes, from the snapshot's journal
    embedded: int  # chunks embedded again (a write after the snapshot replaced theirs)


@dataclass(frozen=True, slots=True)
class Restored:
    """What a restore brought back, and from where."""

    source: Path
    home: Path
    manifest: Manifest
    vectors: int
    migrated_from: int | None
    replaced: bool  # a store was there and was overwritten (--force)


def backup(store: Store, dest: Path, embedder: Callable[[], Embedder] | None = None) -> Manifest:
    """Write a consistent backup of ``store`` to the new folder ``dest`` (refused when it
    exists and is not empty). ``embedder`` gives the model for chunks that must be embedded
    again (the store's by default; loaded only then)."""
    _refuse_server_catalog(store.settings, "backup")
    dest = dest.expanduser().resolve()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest}: exists and is not an empty folder; choose a new one")
    work = dest.parent / f".{dest.name}.partial-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        _snapshot_catalog(store.settings.catalog_path, work / CATALOG)
        manifest = _export_vectors(store, work, embedder or (lambda: store.embedder))
        (work / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2) + "\n")
        if dest.exists():
            dest.rmdir()
        work.rename(dest)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest


def _snapshot_catalog(source: Path, target: Path) -> None:
    """Copy the catalog at ``source`` to ``target`` with SQLite's backup API (one step:
    one read transaction, one snapshot)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _export_vectors(store: Store, work: Path, embedder: Callable[[], Embedder]) -> Manifest:
    """Write the vectors of the snapshot's chunks to ``vectors.db`` (see the module
    docstring for where each comes from) and empty the snapshot's journal."""
    snapshot = Catalog(work / CATALOG)
    out = sqlite3.connect(work / VECTORS, isolation_level=None)
    counts = {"from_chroma": 0, "from_journal": 0, "embedded": 0}
    try:
        with snapshot.transaction() as db:
            pending = {c.chunk_id: c for w in journal.pending(db) for c in w.chunks}
            for write in journal.pending(db):
                journal.done(db, write.write_id)
        out.executescript(VECTORS_SCHEMA)
        out.execute("BEGIN")
        for rows in snapshot.embed_texts(BATCH):
            chunks = _stored_vectors(store.vectors, rows, pending, counts)
            missing = [row for row in rows if row["chunk_id"] not in chunks]
            if missing:
                vectors = embedder().embed_texts([embed_text(row) for row in missing])
                for row, vector in zip(missing, vectors, strict=True):
                    chunks[row["chunk_id"]] = vector_chunk(row, vector)
                counts["embedded"] += len(missing)
            out.executemany(
                "INSERT INTO vectors VALUES (?, ?, ?, ?, ?)",
                [_vector_row(chunks[row["chunk_id"]]) for row in rows],
            )
        out.execute("COMMIT")
        dimension = _dimension(out)
        documents = snapshot.counts()["documents"]
        total = snapshot.chunk_total()
        model = snapshot.meta("embedding_model")
    finally:
        out.close()
        snapshot.close()
    with closing(sqlite3.connect(work / CATALOG)) as db:  # one self-contained file
        db.execute("PRAGMA journal_mode=DELETE")
    return Manifest(
        format=FORMAT,
        created_at=time.time(),
        schema_version=SCHEMA_VERSION,
        embedding_model=model,
        embedding_dimension=dimension,
        documents=documents,
        chunks=total,
        **counts,
    )


def _stored_vectors(
    vectors: Vectors, rows: list[Any], pending: dict[str, VectorChunk], counts: dict[str, int]
) -> dict[str, VectorChunk]:
    """The vectors of ``rows`` that are the snapshot's version: from the journal, else
    Chroma's when its text and fields match the row's."""
    found: dict[str, VectorChunk] = {}
    ask: list[Any] = []
    for row in rows:
        chunk = pending.get(row["chunk_id"])
        if chunk is not None and chunk.text == row["text"]:
            found[row["chunk_id"]] = vector_chunk(row, chunk.embedding)
            counts["from_journal"] += 1
        else:
            ask.append(row)
    if not ask:
        return found
    got = _get(vectors, [row["chunk_id"] for row in ask])
    held = {
        chunk_id: (embedding, text, metadata or {})
        for chunk_id, embedding, text, metadata in zip(
            got["ids"], got["embeddings"], got["documents"], got["metadatas"], strict=True
        )
    }
    for row in ask:
        if row["chunk_id"] not in held:
            continue
        embedding, text, metadata = held[row["chunk_id"]]
        chunk = vector_chunk(row, embedding)
        same = all(metadata.get(f) == chunk.metadata.get(f) for f in VERSION_FIELDS)
        if text == row["text"] and same:
            found[row["chunk_id"]] = chunk
            counts["from_chroma"] += 1
    return found


def _get(vectors: Vectors, ids: list[str]) -> dict[str, Any]:
    """Chroma's vectors, texts and fields of ``ids``. Embedded Chroma may fail a read of ids
    that a concurrent write is deleting ("Error finding id"): it is tried again, and after
    that the chunks count as missing (they are embedded again, which is always right)."""
    for attempt in range(READ_ATTEMPTS):
        try:
            return dict(
                vectors.collection.get(ids=ids, include=["embeddings", "documents", "metadatas"])
            )
        except ChromaError:
            time.sleep(0.05 * (attempt + 1))
    return {"ids": [], "embeddings": [], "documents": [], "metadatas": []}


def _vector_row(chunk: VectorChunk) -> tuple[str, str, str, str, bytes]:
    embedding = np.asarray(chunk.embedding, dtype=np.float32).tobytes()
    return chunk.chunk_id, chunk.doc_id, chunk.text, json.dumps(chunk.metadata), embedding


def _dimension(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT length(embedding) FROM vectors LIMIT 1").fetchone()
    return int(row[0]) // 4 if row else 0


def read_manifest(source: Path) -> Manifest:
    """The manifest of the backup at ``source``; :class:`BackupError` when it is none."""
    path = source / MANIFEST
    try:
        fields = json.loads(path.read_text(encoding="utf-8"))
        manifest = Manifest(**fields)
    except FileNotFoundError as exc:
        raise BackupError(f"{source}: not a Watercooler backup (no {MANIFEST})") from exc
    except (OSError, ValueError, TypeError) as exc:
        raise BackupError(f"{path}: unreadable manifest ({exc})") from exc
    if manifest.format != FORMAT:
        raise BackupError(
            f"{path}: backup format {manifest.format}; this Watercooler reads {FORMAT}"
        )
    if manifest.schema_version > SCHEMA_VERSION:
        raise BackupError(
            f"{path}: the backup's catalog has schema version {manifest.schema_version}, "
            f"newer than this Watercooler's {SCHEMA_VERSION}; upgrade Watercooler"
        )
    for name in (CATALOG, VECTORS):
        if not (source / name).is_file():
            raise BackupError(f"{source / name}: missing from the backup")
    return manifest


def _refuse_server_catalog(settings: Settings, command: str) -> None:
    if settings.database_url:
        raise BackupError(
            f"`watercooler {command}` covers the embedded SQLite catalog only, and "
            "WATERCOOLER_DATABASE_URL puts the catalog in PostgreSQL: use pg_dump and "
            "pg_restore for the catalog (and `watercooler reindex` rebuilds the vectors from "
            "it); nothing was done"
        )


def held_by(settings: Settings) -> tuple[int, int]:
    """(documents or tokens in the catalog, vectors in the collection) of the configured
    home, without creating anything there."""
    rows = 0
    if settings.catalog_path.is_file():
        with closing(sqlite3.connect(f"file:{settings.catalog_path}?mode=ro", uri=True)) as db:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
            for table in ("sources", "tokens"):
                if table in tables:
                    rows += db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    vectors = 0
    if settings.chroma_url or settings.chroma_path.is_dir():
        client = chroma_client(settings.chroma_url, settings.chroma_path)
        if settings.collection in {getattr(c, "name", c) for c in client.list_collections()}:
            vectors = int(client.get_collection(settings.collection).count())
    return rows, vectors


def restore(source: Path, settings: Settings, force: bool = False) -> Restored:
    """Bring the backup at ``source`` back into the configured home; a home that holds a
    store is refused unless ``force``. The catalog goes first: should the vectors fail,
    ``watercooler reindex`` rebuilds them from it."""
    _refuse_server_catalog(settings, "restore")
    source = source.expanduser().resolve()
    manifest = read_manifest(source)
    _check_catalog(source / CATALOG)
    rows, held = held_by(settings)
    if (rows or held) and not force:
        raise BackupError(
            f"{settings.home_dir} already holds a store ({rows} sources and tokens, {held} "
            "vectors); restore into an empty WATERCOOLER_HOME, or pass --force to replace it"
        )
    settings.catalog_path.parent.mkdir(parents=True, exist_ok=True)
    _snapshot_catalog(source / CATALOG, settings.catalog_path)
    catalog = Catalog(settings.catalog_path)  # migrates a catalog of an older schema
    migrated_from = catalog.migrated_from
    catalog.close()
    client = chroma_client(settings.chroma_url, settings.chroma_path)
    drop_collection(client, settings.collection)
    target = Vectors(client, settings.collection)
    loaded = 0
    for chunks in _backup_vectors(source / VECTORS):
        target.add(chunks)
        loaded += len(chunks)
    return Restored(source, settings.home_dir, manifest, loaded, migrated_from, bool(rows or held))


def _check_catalog(path: Path) -> None:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        try:
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            verdict = str(exc)
    if verdict != "ok":
        raise BackupError(f"{path}: the backup's catalog is damaged ({verdict}); nothing restored")


def _backup_vectors(path: Path) -> Iterator[list[VectorChunk]]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        cursor = db.execute("SELECT chunk_id, doc_id, text, metadata, embedding FROM vectors")
        while rows := cursor.fetchmany(BATCH):
            yield [
                VectorChunk(
                    chunk_id=chunk_id,
                    doc_id=doc_id,
                    text=text,
                    embedding=np.frombuffer(blob, dtype=np.float32).tolist(),
                    metadata=json.loads(metadata),
                )
                for chunk_id, doc_id, text, metadata, blob in rows
            ]
    finally:
        db.close()

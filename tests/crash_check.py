"""Kill a real ingest and compare the store its rerun leaves with a clean run's.

Shared by tests/ingest/test_crash_safety.py and benchmarks/crash_kill.py. The killed ingest
is a real ``python -m api.cli ingest`` process that dies by SIGKILL: at its N-th write step
(``WATERCOOLER_CRASH_AT``, see :mod:`search.store.journal`) or after a random delay; with
``forked=True`` it is forked from a fork server that imported ``api.cli`` once, so that each
kill pays for the ingest rather than for importing the command line again. The
rerun is a real ingest in this process (its embedder remembers the vectors of texts it
embedded before, which the model gives again anyway). A :class:`Snapshot` reads the catalog
with plain SQLite and the vectors with a plain Chroma client, so that comparing two stores
changes neither.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from ingest.pipeline import IngestSummary, ingest
from search.store import journal
from search.store.embeddings import Embedder
from search.store.settings import Settings
from search.store.store import Store

REPO = Path(__file__).resolve().parents[1]
# Vectors of the same text may differ this much between batches (padding).
VECTOR_TOLERANCE = 1e-5


class RememberingEmbedder:
    """The real embedder, remembering each text's vector (reruns embed the same texts)."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._known: dict[str, list[float]] = {}

    def embed_texts(self, texts: list[str]) -> list[list[float]]:
        todo = [t for t in dict.fromkeys(texts) if t not in self._known]
        if todo:
            self._known.update(zip(todo, self._embedder.embed_texts(todo), strict=True))
        return [self._known[t] for t in texts]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._embedder, name)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a store holds, keyed so that two stores compare field by field."""

    tables: dict[str, dict[str, tuple[Any, ...]]]  # table -> key -> row
    vectors: dict[str, tuple[np.ndarray, str, tuple[Any, ...]]]  # id -> vector, text, meta
    vector_rows: int  # vectors read, duplicates included
    pending: int


# Columns that differ between runs by design (when, in which run).
_VOLATILE = {"rowid", "ingested_at", "run_id"}
_TABLES = {
    "sources": ("SELECT * FROM sources", "path"),
    "source_access": ("SELECT * FROM source_access", "path"),
    "documents": ("SELECT * FROM documents", "doc_id"),
    "chunks": ("SELECT * FROM chunks", "chunk_id"),
    "chunk_access": (
        "SELECT c.chunk_id, l.grantees FROM chunk_access a JOIN chunks c "
        "ON c.rowid = a.chunk_rowid JOIN access_lists l USING (acl_id)",
        "chunk_id",
    ),
    "document_access": (
        "SELECT d.doc_id, l.grantees FROM document_access d JOIN access_lists l USING (acl_id)",
        "doc_id",
    ),
    "document_people": (
        "SELECT doc_id, group_concat(name || '|' || messages, ';') AS people "
        "FROM (SELECT * FROM document_people ORDER BY doc_id, name) GROUP BY doc_id",
        "doc_id",
    ),
    "chunk_people": (
        "SELECT chunk_id, group_concat(term, ';') AS terms "
        "FROM (SELECT * FROM chunk_people ORDER BY chunk_id, term) GROUP BY chunk_id",
        "chunk_id",
    ),
    "chunks_fts": ("SELECT 'rows' AS k, count(*) AS n FROM chunks_fts", "k"),
}


def snapshot(home: Path, collection: str = "watercooler") -> Snapshot:
    """Read the catalog and the vectors under ``home``."""
    import sqlite3

    db = sqlite3.connect(home / "catalog.db")
    db.row_factory = sqlite3.Row
    tables: dict[str, dict[str, tuple[Any, ...]]] = {}
    try:
        for table, (sql, key) in _TABLES.items():
            cursor = db.execute(sql)
            names = [column[0] for column in cursor.description]
            tables[table] = {
                row[key]: tuple(
                    (name, value)
                    for name, value in zip(names, row, strict=True)
                    if name not in _VOLATILE
                )
                for row in cursor
            }
        pending = db.execute("SELECT count(*) FROM pending_writes").fetchone()[0]
    finally:
        db.close()
    client = chromadb.PersistentClient(
        path=str(home / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    found = client.get_collection(collection).get(include=["embeddings", "documents", "metadatas"])
    vectors = {
        chunk_id: (
            np.asarray(embedding, dtype=np.float32),
            text,
            tuple(sorted((k, v) for k, v in (meta or {}).items() if k != "_node_content")),
        )
        for chunk_id, embedding, text, meta in zip(
            found["ids"], found["embeddings"], found["documents"], found["metadatas"], strict=True
        )
    }
    return Snapshot(tables, vectors, len(found["ids"]), pending)


def differences(got: Snapshot, want: Snapshot, limit: int = 10) -> list[str]:
    """How ``got`` differs from ``want`` (empty when they hold the same)."""
    found: list[str] = []
    for table, rows in want.tables.items():
        mine = got.tables[table]
        for key in sorted(rows.keys() - mine.keys())[:limit]:
            found.append(f"{table}: missing {key}")
        for key in sorted(mine.keys() - rows.keys())[:limit]:
            found.append(f"{table}: extra {key}")
        for key in sorted(rows.keys() & mine.keys()):
            if rows[key] != mine[key]:
                found.append(f"{table}: {key} differs")
    if got.vector_rows != len(got.vectors):
        found.append(f"vectors: {got.vector_rows - len(got.vectors)} duplicates")
    for chunk_id in sorted(want.vectors.keys() - got.vectors.keys())[:limit]:
        found.append(f"vectors: missing {chunk_id}")
    for chunk_id in sorted(got.vectors.keys() - want.vectors.keys())[:limit]:
        found.append(f"vectors: orphan {chunk_id}")
    for chunk_id in sorted(want.vectors.keys() & got.vectors.keys()):
        (a, text_a, meta_a), (b, text_b, meta_b) = got.vectors[chunk_id], want.vectors[chunk_id]
        if not np.allclose(a, b, atol=VECTOR_TOLERANCE) or text_a != text_b or meta_a != meta_b:
            found.append(f"vectors: {chunk_id} differs")
    catalog_chunks = set(got.tables["chunks"])
    if catalog_chunks != set(got.vectors):
        found.append("catalog chunks and vectors disagree")
    if got.pending:
        found.append(f"{got.pending} pending writes left")
    return found[: limit * 3]


def ingest_args(paths: list[Path], prune: bool) -> list[str]:
    return [sys.executable, "-m", "api.cli", "ingest", *map(str, paths), "--json"] + (
        ["--prune"] if prune else []
    )


_forkserver: Any = None


def _forkserver_context() -> Any:
    """A multiprocessing context whose fork server has already imported the command line
    (``api.cli`` and everything it loads, several CPU-seconds): each ingest it starts is a
    fresh process forked from that interpreter, which pays for the ingest, not the imports."""
    global _forkserver
    if _forkserver is None:
        import multiprocessing

        _forkserver = multiprocessing.get_context("forkserver")
        _forkserver.set_forkserver_preload(["api.cli", "tests.crash_check"])
    return _forkserver


def _run_cli(args: list[str], env: dict[str, str]) -> None:
    """In a forked child: what ``python -m api.cli ARGS`` runs, with ``env`` as its whole
    environment, in the repository, output discarded."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(REPO)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    sys.argv = ["watercooler", *args]
    from api.cli import app

    app()


def forked_cli(args: list[str], env: dict[str, str], timeout: float | None = None) -> int:
    """Run ``watercooler ARGS`` with ``env`` in a process forked from the fork server (see
    :func:`_forkserver_context`), SIGKILLing it after ``timeout`` seconds when given (600
    otherwise); its exit code (``-9`` when killed, by itself at a crash point or here)."""
    child = _forkserver_context().Process(target=_run_cli, args=(args, env))
    child.start()
    child.join(timeout=timeout if timeout is not None else 600)
    if child.exitcode is None:
        child.kill()
        child.join()
    return int(child.exitcode)


def kill_ingest(
    home: Path,
    paths: list[Path],
    *,
    prune: bool = False,
    crash_at: int | None = None,
    delay: float | None = None,
    forked: bool = False,
) -> int:
    """Run ``watercooler ingest`` on ``home``, dying by SIGKILL at write step ``crash_at``
    or after ``delay`` seconds; its return code (``-9`` when it was killed).

    ``forked``: the ingest is a process forked from a fork server that imported the
    command line once (see :func:`_forkserver_context`) instead of a new ``python -m
    api.cli`` that imports it again; the same code runs and is SIGKILLed the same way."""
    env = {k: v for k, v in os.environ.items() if k != journal.CRASH_AT}
    env["WATERCOOLER_HOME"] = str(home)
    if crash_at is not None:
        env[journal.CRASH_AT] = str(crash_at)
    if forked:
        return forked_cli(ingest_args(paths, prune)[3:], env, delay)
    process = subprocess.Popen(
        ingest_args(paths, prune),
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        process.wait(timeout=delay if delay is not None else 600)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
    return process.returncode


def ingest_here(
    home: Path, paths: list[Path], embedder: RememberingEmbedder, *, prune: bool = False
) -> tuple[IngestSummary, int]:
    """A real ingest in this process; its summary and how many write steps it took."""
    store = Store.open(Settings(home=home))
    store.__dict__["embedder"] = embedder  # the cached_property, already loaded
    before = journal.steps_taken()
    try:
        summary = ingest(paths, store, prune=prune)
    finally:
        store.close()
    return summary, journal.steps_taken() - before


def timed(action: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action(*args, **kwargs)
    return result, time.perf_counter() - started

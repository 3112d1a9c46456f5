"""The pending-writes journal: how the catalog and Chroma stay in step when a process dies.

The catalog (SQLite or PostgreSQL) is the record of what is stored; Chroma holds the
vectors of its chunks. The catalog commits atomically, Chroma does not take part in that
transaction, so every change that touches vectors is written in this order (see
:class:`search.store.store.Store`):

1. One catalog transaction writes the change itself (a source's documents, chunks, ledger
   row and access lists; or a forgotten source's removal) together with a pending write:
   the doc ids whose vectors are cleared and every new chunk vector (float32, with its text
   and metadata) in ``pending_writes`` / ``pending_vectors``.
2. Chroma: the vectors of those documents (and of the new chunk ids) are deleted, then the
   new vectors are added.
3. A second transaction deletes the pending write.

Step 2 is idempotent: it can run again from the journal alone, without the source or the
embedding model. So whoever opens the vectors next (an ingest, a search, ``watercooler
check``) replays every pending write, oldest first, whose process is gone, and deletes it.
A process killed at any moment therefore leaves either the old catalog and no pending
write (killed before step 1 committed: the ledger still holds the old hash, and the rerun
does the source again) or the new catalog and a pending write that the next opening
finishes. Search in between may miss a vector, never shows a chunk the catalog lacks.

A write of a live writer is never replayed by another; writes within one process are
serialized by :data:`WRITES`. Who the writer is, is the catalog's to say: the process id
for the embedded catalog (:func:`process_gone`), the database session for PostgreSQL,
whose writers may run on several hosts (see :meth:`PostgresCatalog.writer_gone`). Two
processes ingesting the same source at once take turns in server mode (see
:meth:`PostgresCatalog.source_lock`).

:func:`crash_point` marks each step; ``WATERCOOLER_CRASH_AT=N`` makes the process SIGKILL
itself at the N-th (the crash tests use it; unset, it only counts).

The journal's SQL lives here, next to its design, and runs on both catalog engines (the
connection a transaction yields takes ``?`` placeholders on both); its tables are in
:data:`search.store.catalog.JOURNAL_SCHEMA` and :data:`search.store.catalog.postgres.SCHEMA`.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from search.store.vectors import VectorChunk

CRASH_AT = "WATERCOOLER_CRASH_AT"
# Serializes the vector writes (and replays) of every store in this process.
WRITES = threading.RLock()
_steps = 0


@cache
def _crash_at() -> int | None:
    value = os.environ.get(CRASH_AT, "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{CRASH_AT}: expected a step number, got {value!r}") from None


def crash_point() -> None:
    """Count one write step; SIGKILL this process at step ``WATERCOOLER_CRASH_AT``."""
    global _steps
    _steps += 1
    if _steps == _crash_at():
        os.kill(os.getpid(), signal.SIGKILL)


def steps_taken() -> int:
    """How many write steps this process has taken."""
    return _steps


@dataclass(frozen=True, slots=True)
class PendingWrite:
    """A vector write the catalog holds but Chroma may not: clear ``doc_ids``, add ``chunks``."""

    write_id: int
    pid: int
    doc_ids: list[str]
    chunks: list[VectorChunk]


def record(
    db: Any, doc_ids: list[str], chunks: list[VectorChunk], writer: int | None = None
) -> int:
    """Write a pending write of ``writer`` (this process unless given) inside the caller's
    transaction; its id."""
    row = db.execute(
        "INSERT INTO pending_writes(pid, created_at, doc_ids) VALUES (?, ?, ?) RETURNING write_id",
        (os.getpid() if writer is None else writer, time.time(), json.dumps(doc_ids)),
    ).fetchone()
    write_id = int(row[0])
    db.executemany(
        "INSERT INTO pending_vectors(write_id, chunk_id, doc_id, text, embedding, metadata) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                write_id,
                c.chunk_id,
                c.doc_id,
                c.text,
                np.asarray(c.embedding, dtype=np.float32).tobytes(),
                json.dumps(c.metadata, sort_keys=True),
            )
            for c in chunks
        ],
    )
    crash_point()  # inside the open transaction: the catalog must roll it back
    return write_id


def done(db: Any, write_id: int) -> None:
    """Delete a pending write once Chroma holds it."""
    db.execute("DELETE FROM pending_vectors WHERE write_id = ?", (write_id,))
    db.execute("DELETE FROM pending_writes WHERE write_id = ?", (write_id,))


def pending(db: Any) -> list[PendingWrite]:
    """Every pending write, oldest first."""
    writes = []
    for write_id, pid, doc_ids in db.execute(
        "SELECT write_id, pid, doc_ids FROM pending_writes ORDER BY write_id"
    ).fetchall():
        rows = db.execute(
            "SELECT chunk_id, doc_id, text, embedding, metadata FROM pending_vectors "
            "WHERE write_id = ? ORDER BY rowid",
            (write_id,),
        ).fetchall()
        chunks = [
            VectorChunk(
                chunk_id=r[0],
                doc_id=r[1],
                text=r[2],
                embedding=np.frombuffer(r[3], dtype=np.float32).tolist(),
                metadata=json.loads(r[4]),
            )
            for r in rows
        ]
        writes.append(PendingWrite(write_id, pid, json.loads(doc_ids), chunks))
    return writes


def abandoned(write: PendingWrite, gone: Callable[[int], bool] | None = None) -> bool:
    """Whether the writer of ``write`` is gone, as ``gone`` tells (:func:`process_gone`
    unless given)."""
    return (gone or process_gone)(write.pid)


def process_gone(pid: int) -> bool:
    """Whether the process ``pid`` is gone (or is this one, which has no write in progress
    while it replays: :data:`WRITES` is held)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False

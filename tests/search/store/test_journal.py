"""The pending-writes journal: what a dead writer left is finished, a live one's is not."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from search.store import journal
from search.store.store import Store
from search.store.vectors import VectorChunk
from tests.conftest import make_store


def chunk(doc_id: str, position: int) -> VectorChunk:
    vector = [0.0] * 8
    vector[position % 8] = 1.0
    return VectorChunk(f"{doc_id}:{position}", doc_id, f"text {position}", vector, {"position": 1})


def leave_pending(store: Store, pid: int, doc_ids: list[str], chunks: list[VectorChunk]) -> None:
    """A pending write as the writer ``pid`` (a process; a database session for PostgreSQL)
    leaves it when killed after the catalog commit."""
    with store.catalog.transaction() as db:
        write_id = journal.record(db, doc_ids, chunks)
        db.execute("UPDATE pending_writes SET pid = ? WHERE write_id = ?", (pid, write_id))


def ids(store: Store) -> list[str]:
    return sorted(store.vectors._collection.get(include=[])["ids"])


@pytest.fixture
def open_store(tmp_path: Path, engine: dict[str, Any]) -> Callable[[], Store]:
    """Opens (again) one store, its catalog in each engine in turn."""
    return lambda: make_store(tmp_path / "home", **engine)


@pytest.fixture
def dead_pid() -> int:
    """A writer that is gone: a process that exited (no session has its pid either)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.fixture
def live_pid(engine: dict[str, Any]) -> Iterator[int]:
    """A writer that is alive: a running process, or for PostgreSQL an open session (on
    any host: a process id there means nothing here)."""
    if "database_url" in engine:
        with psycopg.connect(engine["database_url"]) as session:
            yield session.info.backend_pid
        return
    process = subprocess.Popen(["sleep", "60"])
    yield process.pid
    process.kill()
    process.wait()


def test_a_dead_writers_pending_write_is_replayed_when_the_vectors_open(
    open_store: Callable[[], Store], dead_pid: int
) -> None:
    store = open_store()
    store.vectors.add([chunk("old", 0), chunk("gone", 0)])
    store.close()
    store = open_store()
    leave_pending(store, dead_pid, ["old", "gone"], [chunk("old", 0), chunk("old", 1)])
    assert ids(store) == ["old:0", "old:1"]  # opening the vectors replayed it
    assert store.pending_writes() == 0
    store.close()


def test_a_live_writers_pending_write_is_left_alone(
    open_store: Callable[[], Store], live_pid: int
) -> None:
    store = open_store()
    leave_pending(store, live_pid, ["old"], [chunk("new", 0)])
    assert ids(store) == []
    assert store.finish_pending() == 0 and store.pending_writes() == 1
    store.close()


def test_replaying_twice_changes_nothing(open_store: Callable[[], Store], dead_pid: int) -> None:
    store = open_store()
    write = [chunk("doc", 0), chunk("doc", 1)]
    leave_pending(store, dead_pid, ["doc"], write)
    assert store.finish_pending() == 1
    leave_pending(store, dead_pid, ["doc"], write)
    assert store.finish_pending() == 1
    assert ids(store) == ["doc:0", "doc:1"]
    store.close()


def test_a_crash_step_that_is_not_a_number_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(journal.CRASH_AT, "soon")
    journal._crash_at.cache_clear()
    try:
        with pytest.raises(ValueError, match="WATERCOOLER_CRASH_AT"):
            journal.crash_point()
    finally:
        monkeypatch.delenv(journal.CRASH_AT)
        journal._crash_at.cache_clear()

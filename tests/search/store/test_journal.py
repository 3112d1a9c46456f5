"""The pending-writes journal: what a dead writer left is finished, a live one's is not."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

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
    """A pending write as a process ``pid`` killed after the catalog commit leaves it."""
    with store.catalog.transaction() as db:
        write_id = journal.record(db, doc_ids, chunks)
        db.execute("UPDATE pending_writes SET pid = ? WHERE write_id = ?", (pid, write_id))


def ids(store: Store) -> list[str]:
    return sorted(store.vectors._collection.get(include=[])["ids"])


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.fixture
def live_pid() -> Iterator[int]:
    process = subprocess.Popen(["sleep", "60"])
    yield process.pid
    process.kill()
    process.wait()


def test_a_dead_writers_pending_write_is_replayed_when_the_vectors_open(
    home: Path, dead_pid: int
) -> None:
    store = make_store(home)
    store.vectors.add([chunk("old", 0), chunk("gone", 0)])
    store.close()
    store = make_store(home)
    leave_pending(store, dead_pid, ["old", "gone"], [chunk("old", 0), chunk("old", 1)])
    assert ids(store) == ["old:0", "old:1"]  # opening the vectors replayed it
    assert store.pending_writes() == 0
    store.close()


def test_a_live_writers_pending_write_is_left_alone(home: Path, live_pid: int) -> None:
    store = make_store(home)
    leave_pending(store, live_pid, ["old"], [chunk("new", 0)])
    assert ids(store) == []
    assert store.finish_pending() == 0 and store.pending_writes() == 1
    store.close()


def test_replaying_twice_changes_nothing(home: Path, dead_pid: int) -> None:
    store = make_store(home)
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

"""Reading documents for the profile index in worker processes."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from search.people import attributed
from search.people.directory import build_directory
from search.people.experts import ProfileIndex
from search.people.people_file import load_people_config
from search.store.store import Store
from tests.conftest import PEOPLE_FILE, REPO

ARRAYS = (
    "post_person",
    "post_doc",
    "post_count",
    "term_starts",
    "length",
    "bucket_person",
    "bucket_doc",
    "passage_chunk",
    "passage_share",
    "passage_starts",
    "chunk_ids",
    "vectors",
    "scales",
)


def test_documents_read_by_worker_processes_give_the_index_one_process_gives(
    sample_stores: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = sample_stores
    directory = build_directory(store.catalog, load_people_config(PEOPLE_FILE))
    one = ProfileIndex(directory, store, None, workers=1)  # all chunks in one batch
    assert store.catalog.counts()["chunks"] < attributed.BATCH_CHUNKS
    # every document counts as many, and a batch is a few documents: the parts of several
    # workers are merged
    monkeypatch.setattr(attributed, "PARALLEL_DOCUMENTS", 2)
    monkeypatch.setattr(attributed, "BATCH_CHUNKS", 8)
    parts: list[attributed.Attributed] = []
    in_workers = attributed._in_workers

    def counted(*args: object) -> Iterator[attributed.Attributed]:
        for part in in_workers(*args):  # type: ignore[arg-type]
            parts.append(part)
            yield part

    monkeypatch.setattr(attributed, "_in_workers", counted)
    two = ProfileIndex(directory, store, None, workers=2)

    assert len(parts) > 10
    assert one.people == two.people and one.terms == two.terms and one.doc_ids == two.doc_ids
    for name in ARRAYS:
        assert np.array_equal(getattr(one, name), getattr(two, name)), name
    assert len(one.post_doc) > 1000 and len(one.bucket_doc) > 100


BUILDER = """
import sys, time, multiprocessing
from search.people import attributed

def batches():
    yield []
    print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
    time.sleep(600)  # as a builder reading a large store
    yield []

for part in attributed._in_workers(object(), batches(), 2):
    pass
"""


def test_workers_end_when_their_builder_is_killed() -> None:
    with subprocess.Popen(
        [sys.executable, "-c", BUILDER], cwd=REPO, stdout=subprocess.PIPE, text=True
    ) as builder:
        assert builder.stdout is not None
        workers = [int(pid) for pid in builder.stdout.readline().split()]
        assert len(workers) == 2 and all(_running(pid) for pid in workers)
        builder.kill()  # as a server stops its builder
        builder.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_running(pid) for pid in workers)


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"

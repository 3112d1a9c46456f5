"""Reading documents for the profile index in worker processes."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from search.people import attributed
from search.people.directory import build_directory
from search.people.experts import ProfileIndex
from search.people.people_file import load_people_config
from search.store.store import Store
from tests.conftest import PEOPLE_FILE

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

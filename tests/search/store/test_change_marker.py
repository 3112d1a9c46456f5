"""The catalog's change marker, which every cache of catalog reads checks, moves with every
kind of write, in both engines."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from search.retrieval.retriever import Retriever
from search.store.filters import Filters
from search.store.store import Store
from tests.conftest import make_store


def doc(doc_id: str, text: str) -> dict[str, Any]:
    return {
        "doc_id": doc_id,
        "kind": "memo",
        "origin": "md",
        "source_path": f"/org/{doc_id}.md",
        "title": doc_id,
        "created": 994291200.0,
        "ended": 994291200.0,
        "channel": None,
        "thread": None,
        "participants": [],
        "access_scope": "public",
        "access_members": [],
        "content_hash": text,
        "message_count": 0,
        "chunks": [
            {
                "chunk_id": f"{doc_id}:0",
                "doc_id": doc_id,
                "position": 0,
                "heading": "",
                "locator": "line 1",
                "source_path": f"/org/{doc_id}.md",
                "text": text,
                "people": [],
                "start_ts": 994291200.0,
                "end_ts": 994291200.0,
            }
        ],
    }


def test_the_marker_moves_with_writes_deletions_and_removals(
    tmp_path: Path, engine: dict[str, Any]
) -> None:
    store = make_store(tmp_path / "home", **engine)
    catalog = store.catalog
    try:
        seen = [catalog.change_marker()]
        catalog.write_source("/org/a", "md", "h1", None, [doc("a1", "x"), doc("a2", "y")], set())
        seen.append(catalog.change_marker())
        catalog.write_source("/org/b", "md", "h1", None, [doc("b1", "z")], set())
        seen.append(catalog.change_marker())
        # the source now holds one document fewer and nothing new: a deletion alone
        catalog.write_source("/org/a", "md", "h2", None, [], {"a1"})
        seen.append(catalog.change_marker())
        catalog.forget("/org/b")
        seen.append(catalog.change_marker())
        assert len(set(seen)) == len(seen)
        assert catalog.change_marker() == seen[-1]  # and stays put while nothing changes
    finally:
        store.close()


def test_a_search_reads_the_marker_once_and_the_next_one_sees_a_write(
    tmp_path: Path, engine: dict[str, Any]
) -> None:
    store = make_store(tmp_path / "home", **engine)
    catalog = store.catalog
    reads = []
    read = catalog._read_change_marker

    def counted() -> tuple[Any, ...]:
        reads.append(1)
        return read()

    catalog._read_change_marker = counted
    try:
        catalog.write_source("/org/a", "md", "h1", None, [doc("a1", "x")], set())
        with catalog.one_state():
            before = catalog.change_marker()
            assert catalog.chunk_total() == 1
            catalog.write_source("/org/b", "md", "h1", None, [doc("b1", "z")], set())
            assert catalog.change_marker() == before  # the state the search began with
            assert len(reads) == 1
        assert catalog.change_marker() != before
        assert catalog.chunk_total() == 2  # the cached total was dropped
    finally:
        store.close()


def test_a_whole_search_reads_the_marker_once_in_each_of_its_threads(
    sample_stores: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = sample_stores.catalog
    reads = []
    read = catalog._read_change_marker

    def counted() -> tuple[Any, ...]:
        reads.append(threading.current_thread().name)
        return read()

    monkeypatch.setattr(catalog, "_read_change_marker", counted)
    # a kind filter: the dense leg's thread asks the catalog what share of the chunks pass,
    # through a cache that checks the marker
    found = Retriever(sample_stores).run(
        "pricing for field teams", filters=Filters(kinds=("chat",))
    )
    assert found.hits
    assert reads == [threading.current_thread().name]

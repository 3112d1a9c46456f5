"""A search's probes of the vector index are shared by its legs (search.store.probes)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

import pytest

from search.retrieval.retriever import Retriever
from search.store import probes
from search.store.filters import Filters
from search.store.probes import Hits, Probes
from search.store.store import Store


def counted(store: Store) -> tuple[Callable[[list[float], int], Hits], list[int]]:
    """The store's real vector search, and the depths it was asked for."""
    asked: list[int] = []
    real = store.vectors.search

    def search(vector: list[float], depth: int) -> Hits:
        asked.append(depth)
        return real(vector, depth)

    return search, asked


def test_a_shallower_probe_is_the_head_of_a_deeper_one(sample_store: Store) -> None:
    search, asked = counted(sample_store)
    vector = sample_store.embedder.embed_query("pricing for technicians")
    shared = Probes()
    deep = shared.nearest(search, vector, 200)
    assert shared.nearest(search, vector, 50) == deep[:50]
    assert asked == [200]
    shared.nearest(search, vector, 300)  # deeper than any probe so far: probed again
    other = sample_store.embedder.embed_query("the on-call rotation")
    shared.nearest(search, other, 10)  # another vector is its own
    assert asked == [200, 300, 10]


def test_a_probe_that_found_every_chunk_serves_any_depth(sample_store: Store) -> None:
    search, asked = counted(sample_store)
    vector = sample_store.embedder.embed_query("release")
    total = sample_store.vectors.count()
    shared = Probes()
    everything = shared.nearest(search, vector, total + 10)
    assert len(everything) == total
    assert shared.nearest(search, vector, total + 500) == everything
    assert asked == [total + 10]


def test_a_leg_wanting_no_more_than_a_running_probe_waits_for_it(sample_store: Store) -> None:
    search, asked = counted(sample_store)
    vector = sample_store.embedder.embed_query("customer portal")
    started, release = threading.Event(), threading.Event()

    def slow(vector: list[float], depth: int) -> Hits:
        started.set()
        release.wait(timeout=30)
        return search(vector, depth)

    shared = Probes()
    found: dict[str, Hits] = {}
    first = threading.Thread(target=lambda: found.update(deep=shared.nearest(slow, vector, 100)))
    first.start()
    assert started.wait(timeout=30)
    second = threading.Thread(target=lambda: found.update(head=shared.nearest(slow, vector, 40)))
    second.start()
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert asked == [100]
    assert found["head"] == found["deep"][:40]


def test_a_failed_probe_is_not_reused(sample_store: Store) -> None:
    search, asked = counted(sample_store)
    vector = sample_store.embedder.embed_query("budget")

    def failing(vector: list[float], depth: int) -> Hits:
        raise ConnectionError("the Chroma server went away")

    shared = Probes()
    with pytest.raises(ConnectionError):
        shared.nearest(failing, vector, 100)
    assert len(shared.nearest(search, vector, 50)) == 50
    assert asked == [50]


def test_a_named_person_search_probes_once_per_depth_and_finds_the_same(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # its own leg and each named person's probe the same query vector
    query = "what did Sofia say about launching iOS and Android on different days?"
    filters = Filters(kinds=("chat",))
    search, asked = counted(sample_store)
    among = sample_store.vectors.search  # among given ids: not a probe

    def probe_or_among(vector: list[float], k: int, ids: list[str] | None = None) -> Hits:
        return search(vector, k) if ids is None else among(vector, k, ids)

    monkeypatch.setattr(sample_store.vectors, "search", probe_or_among)
    shared = Retriever(sample_store).run(query, k=10, filters=filters)
    shared_probes = len(asked)
    monkeypatch.setattr(probes, "sharing", contextlib.nullcontext)
    asked.clear()
    alone = Retriever(sample_store).run(query, k=10, filters=filters)
    assert [h.chunk_id for h in shared.hits] == [h.chunk_id for h in alone.hits]
    assert shared_probes == 1 < len(asked)

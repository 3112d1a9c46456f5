"""The cache of values read from a catalog (term postings, phrase counts, chunk rows)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from search.store.catalog.base import CatalogCache
from search.store.store import Store


def test_a_key_read_by_one_thread_is_waited_for_by_another_not_read_twice(
    sample_store: Store,
) -> None:
    """Two threads of one search ask for the same terms at once: the second waits for
    the first's read of the keys they share, and reads only its own."""
    cache: CatalogCache[str, int] = CatalogCache(16)
    reads: list[list[str]] = []
    first_reading, go_on = threading.Event(), threading.Event()

    def read(keys: list[str]) -> dict[str, int]:
        reads.append(keys)
        if len(reads) == 1:  # the first thread's read ends only once the second's starts
            first_reading.set()
            assert go_on.wait(10)
        else:
            go_on.set()
        return {k: len(k) for k in keys}

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(cache.get, sample_store.catalog, ["alpha", "beta"], read)
        assert first_reading.wait(10)
        second = pool.submit(cache.get, sample_store.catalog, ["beta", "gamma"], read)
        assert first.result(10) == {"alpha": 5, "beta": 4}
        assert second.result(10) == {"beta": 4, "gamma": 5}
    assert reads == [["alpha", "beta"], ["gamma"]]


def test_a_key_whose_read_failed_is_read_again_by_the_thread_waiting_for_it(
    sample_store: Store,
) -> None:
    cache: CatalogCache[str, int] = CatalogCache(16)
    first_reading, go_on = threading.Event(), threading.Event()

    def failing(keys: list[str]) -> dict[str, int]:
        first_reading.set()
        assert go_on.wait(10)
        raise RuntimeError("the catalog went away")

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(cache.get, sample_store.catalog, ["alpha"], failing)
        assert first_reading.wait(10)
        second = pool.submit(cache.get, sample_store.catalog, ["alpha"], lambda k: {"alpha": 1})
        threading.Timer(0.2, go_on.set).start()
        assert second.result(10) == {"alpha": 1}
        assert isinstance(first.exception(10), RuntimeError)

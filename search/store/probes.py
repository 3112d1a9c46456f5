"""One search's probes of the vector index, shared by its legs.

A search probes the index with one query vector several times: its own dense leg, then each
person the query names (their own searches, at once in two threads), each as deep as its
filter needs (1,000 nearest chunks, then 4,000, then 9,000 for a person's chats). A
shallower probe is the head of a deeper one, whose wider HNSW beam is, if anything, more
exact; so within :func:`sharing` a vector is probed once per depth reached, not once per
leg, and a leg wanting no more than a probe already running waits for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

Hits = list[tuple[str, float]]


class Probes:
    """The unfiltered nearest chunks of each vector probed, as deep as probed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # per vector: (depth asked, its hits) of each probe, done or running
        self._probes: dict[bytes, list[tuple[int, Future[Hits]]]] = {}

    def nearest(
        self, search: Callable[[list[float], int], Hits], vector: list[float], depth: int
    ) -> Hits:
        """The ``depth`` nearest chunks to ``vector``, as ``search`` finds them, from a
        probe at least as deep when there is one."""
        key = np.asarray(vector, dtype=np.float32).tobytes()
        with self._lock:
            probes = self._probes.setdefault(key, [])
            deep_enough = [f for asked, f in probes if asked >= depth or _all_of(asked, f)]
            mine = None if deep_enough else Future()
            if mine is not None:
                probes.append((depth, mine))
        if mine is None:
            return deep_enough[0].result()[:depth]
        try:
            mine.set_result(search(vector, depth))
        except BaseException as exc:
            with self._lock:
                probes.remove((depth, mine))
            mine.set_exception(exc)
            raise
        return mine.result()


def _all_of(asked: int, probe: Future[Hits]) -> bool:
    """Whether ``probe`` is done and found fewer than asked: every chunk there is."""
    return probe.done() and probe.exception() is None and len(probe.result()) < asked


_PROBES: ContextVar[Probes | None] = ContextVar("probes", default=None)


def current() -> Probes | None:
    """The probes of the search running in this context, if it shares them."""
    return _PROBES.get()


@contextmanager
def sharing() -> Iterator[Probes]:
    """Share probes among everything that runs inside (and in contexts copied from it)."""
    probes = Probes()
    token = _PROBES.set(probes)
    try:
        yield probes
    finally:
        _PROBES.reset(token)

"""Reading documents for the expert profile index: every chunk's lines and named sentences
split among people (:func:`search.people.attribution.attribute`), as term counts and
passages per (person, document).

This is most of a full profile build (pure Python, about 0.2 ms a chunk), so a large read
is shared among worker processes: the builder reads the chunks and hands out batches of
whole documents, each worker attributes its batch with its own numbering, and the builder
merges the parts in reading order, so the result is the same, number for number, as one
process reading them all. Workers are forked (they inherit the directory rather than
receive it), so only a process with no other threads at work (the snapshot builder) asks
for them.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import threading
import time
from array import array
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from functools import lru_cache
from typing import Any

import numpy as np

from search.people.attribution import attribute
from search.people.directory import Directory
from search.people.identities import fold
from search.retrieval.terms import STOPWORDS
from search.store.catalog import ChunkRow
from search.store.store import Store

# Chunks handed to a worker at a time (whole documents, so a batch may hold more).
BATCH_CHUNKS = 2000
# Fewer documents than this are read in one process: forking costs more than it saves.
PARALLEL_DOCUMENTS = 1000
# How often a worker checks that the builder that forked it is still there.
PARENT_CHECK_SECONDS = 1.0


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light stemmer: plural and verb endings off (``migrations`` -> ``migration``)."""
    for suffix in ("ies", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


_TOKEN = re.compile(r"[^\W_](?:[\w'-]*\w)?")


def tokens(text: str) -> list[str]:
    """The stemmed words of ``text`` that carry meaning, every occurrence."""
    words = _TOKEN.findall(fold(text).replace("\u2019", "'"))
    return [t for t in map(_TERMS.__getitem__, words) if t]


class _Terms(dict[str, str]):
    """word -> its term ("" for a stopword or a letter), worked out once per word."""

    def __missing__(self, word: str) -> str:
        term = stem(word.removesuffix("'s")) if len(word) > 1 and word not in STOPWORDS else ""
        if len(self) < 500_000:
            self[word] = term
        return term


_TERMS = _Terms()


class Numbering(dict[str, int]):
    """Numbers for names, in order of first use."""

    def __missing__(self, name: str) -> int:
        self[name] = number = len(self)
        return number


class Attributed:
    """Documents read and attributed: their postings as flat arrays (term, person and
    document numbers, count), and per (person, document) the passages (chunk id, the
    person's share of its lines). People, documents and terms are numbered in order of
    first use."""

    def __init__(self, directory: Directory | None) -> None:
        self.directory = directory
        self.people = Numbering()
        self.documents = Numbering()
        self.terms = Numbering()
        # machine integers: a Python list of ints costs twice the memory (50M postings at
        # a million chunks)
        self.term_ids = array("i")
        self.persons = array("i")
        self.docs = array("i")
        self.counts = array("i")
        self.chunks_of: dict[tuple[int, int], list[tuple[str, float]]] = defaultdict(list)

    def __getstate__(self) -> dict[str, Any]:
        """A worker's part goes back to the builder without the directory."""
        return {**self.__dict__, "directory": None}

    @property
    def doc_ids(self) -> list[str]:
        return list(self.documents)

    def read(self, store: Store, doc_ids: list[str], total: int, workers: int = 1) -> None:
        """Attribute every chunk of these documents (of all ``total``: all chunks are read
        in one pass when most documents are wanted), in ``workers`` processes when there
        are many."""
        if not doc_ids:
            return
        wanted = set(doc_ids)
        if len(doc_ids) * 4 >= total:
            chunks: Iterable[ChunkRow] = store.catalog.iter_chunks()
        else:
            chunks = (
                chunk
                for start in range(0, len(doc_ids), 500)
                for chunk in store.catalog.chunks_of_documents(doc_ids[start : start + 500])
            )
        batches = _whole_documents((c for c in chunks if c.doc_id in wanted), BATCH_CHUNKS)
        assert self.directory is not None
        if workers > 1 and len(doc_ids) >= PARALLEL_DOCUMENTS:
            parts = _in_workers(self.directory, batches, workers)
        else:
            parts = (_attributed(self.directory, batch) for batch in batches)
        for part in parts:
            self._merge(part)

    def attribute(self, chunks: list[ChunkRow]) -> None:
        """Attribute these chunks (each document's chunks one after another)."""
        directory = self.directory
        assert directory is not None
        current: str | None = None
        counts: dict[int, Counter[str]] = defaultdict(Counter)
        j = -1
        for chunk in chunks:
            if chunk.doc_id != current:
                self._flush(j, counts)
                current, counts = chunk.doc_id, defaultdict(Counter)
                j = self.documents[chunk.doc_id]
            part = attribute(chunk, directory)
            words: dict[str, list[str]] = {}
            # not a set, whose order varies with the hash seed: passages summed in another
            # order round to other int8 vectors
            for pid in dict.fromkeys([*part.said, *part.named]):
                said, named = part.said.get(pid, []), part.named.get(pid, [])
                i = self.people[pid]
                found = counts[i]
                for line in said + named:
                    terms = words.get(line)
                    if terms is None:
                        terms = words[line] = tokens(line)
                    found.update(terms)
                share = (len(said) + 0.5 * len(named)) / max(part.lines, 1)
                self.chunks_of[(i, j)].append((chunk.chunk_id, share))
        self._flush(j, counts)

    def _flush(self, j: int, counts: dict[int, Counter[str]]) -> None:
        number = self.terms.__getitem__
        for i, terms in counts.items():
            self.term_ids.extend(map(number, terms))
            self.counts.extend(terms.values())
            self.persons.extend([i] * len(terms))
            self.docs.extend([j] * len(terms))

    def _merge(self, part: Attributed) -> None:
        """Add a part read apart (numbered on its own) after what is here."""
        people = _numbers(self.people, part.people)
        documents = _numbers(self.documents, part.documents)
        terms = _numbers(self.terms, part.terms)
        for target, source, renumber in (
            (self.term_ids, part.term_ids, terms),
            (self.persons, part.persons, people),
            (self.docs, part.docs, documents),
        ):
            if len(source):
                target.frombytes(renumber[np.frombuffer(source, dtype=np.int32)].tobytes())
        self.counts.extend(part.counts)
        for (i, j), passages in part.chunks_of.items():
            self.chunks_of[(int(people[i]), int(documents[j]))].extend(passages)


def _numbers(numbering: Numbering, names: Numbering) -> np.ndarray:
    """``numbering``'s numbers for ``names`` (in their order), new names numbered after."""
    return np.fromiter(map(numbering.__getitem__, names), dtype=np.int32, count=len(names))


def _attributed(directory: Directory, chunks: list[ChunkRow]) -> Attributed:
    part = Attributed(directory)
    part.attribute(chunks)
    return part


def _whole_documents(chunks: Iterable[ChunkRow], size: int) -> Iterator[list[ChunkRow]]:
    """The chunks in batches of about ``size``, a document's run of chunks never split."""
    batch: list[ChunkRow] = []
    for chunk in chunks:
        if len(batch) >= size and chunk.doc_id != batch[-1].doc_id:
            yield batch
            batch = []
        batch.append(chunk)
    if batch:
        yield batch


def _end_with(builder: int) -> None:
    """Have this worker exit once ``builder`` has: a server stops its builder with SIGKILL,
    which leaves the builder no time to stop its workers, and they would wait for batches
    for ever."""

    def watch() -> None:
        while os.getppid() == builder:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="builder-watch", daemon=True).start()


# The directory a forked worker attributes with (set in the builder before it forks).
_FORKED: Directory | None = None


def _attributed_in_worker(chunks: list[ChunkRow]) -> Attributed:
    assert _FORKED is not None
    return _attributed(_FORKED, chunks)


def _in_workers(
    directory: Directory, batches: Iterator[list[ChunkRow]], workers: int
) -> Iterator[Attributed]:
    """Each batch attributed in a forked worker, in order; at most two batches a worker
    are read ahead."""
    global _FORKED
    _FORKED = directory
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_end_with, initargs=(os.getpid(),)
        ) as pool:
            pending: deque[Future[Attributed]] = deque()
            for batch in batches:
                pending.append(pool.submit(_attributed_in_worker, batch))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    finally:
        _FORKED = None

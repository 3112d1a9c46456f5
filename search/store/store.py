"""The store: the catalog (SQLite or PostgreSQL) and the Chroma vectors, kept in step, plus
the embedder.

Every write that touches vectors goes through the pending-writes journal, so that a
process killed at any moment leaves nothing the next opening cannot finish: the write
order and the recovery are described in :mod:`search.store.journal`.
"""

from __future__ import annotations

import contextvars
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from search.store import journal
from search.store.catalog import BaseCatalog, SourceAccess, open_catalog
from search.store.embeddings import Embedder, load_embedder
from search.store.filters import Filters
from search.store.settings import ModelFingerprint, Settings
from search.store.vectors import VectorChunk, Vectors, chroma_client

# A filtered dense query takes this many nearest chunks unfiltered, or this many times k
# when that is more (see Store.nearest): a filter passing a tenth of the chunks (a common
# kind) is then answered from them.
OVERFETCH = 1000
FILTER_OVERFETCH = 10
# ... and goes deeper, as far as this, while the share that passed says k lie within reach
# (a person's chunks, a few percent of all); past it, every passing chunk is listed.
DEEPEST = 10_000
# Up to this many chunks passing a filter are scored one by one (Chroma's HNSW search is
# slow when it may visit only a few of its nodes).
EXACT = 1000
# A dense query limited by an access list alone first takes this many times k nearest
# chunks and keeps the visible ones (most chunks usually pass; see Store.nearest).
ACCESS_OVERFETCH = 4
# A dense query limited by kinds first takes as many nearest chunks as their share of the
# store says hold k of them, times this margin (never short at 100k chunks over the
# labelled queries for any kind; chat's 20%: 1,250 instead of 2,000 for k=200, 30 -> 19
# ms); one limited by a person as many, when that is deeper than the default (a person
# with 7% of the chunks: one probe of 3,572 for k=200, not 2,000 then 4,000). Where that
# is deeper than DEEPEST, every passing chunk is listed at once.
SHARE_MARGIN = 1.25
_LEGS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="dense-leg")


def _passing_nearest(
    near: list[tuple[str, float]], passing: set[str], k: int, depth: int
) -> list[tuple[str, float]] | None:
    """The ``k`` nearest passing chunks when the ``depth`` nearest of all tell them: ``k``
    of them pass, or they are every chunk there is; else None."""
    kept = [(chunk_id, score) for chunk_id, score in near if chunk_id in passing]
    return kept[:k] if len(kept) >= k or len(near) < depth else None


class EmptyStoreError(RuntimeError):
    """Nothing has been ingested into the store being searched."""


class EmbeddingModelChanged(ValueError):
    """The configured embedding model is not the one that made the store's vectors."""


@dataclass(slots=True)
class DocumentWrite:
    """One document's new version: its catalog row (with chunks) and the chunk vectors."""

    row: dict[str, Any]
    vectors: list[VectorChunk]


class Store:
    """Where ingest writes and search reads. Open it with :meth:`open`."""

    def __init__(self, settings: Settings, catalog: BaseCatalog) -> None:
        self.settings = settings
        self.catalog = catalog

    @classmethod
    def open(cls, settings: Settings | None = None, check_model: bool = True) -> Store:
        """Open (creating or migrating if needed) the catalog under ``WATERCOOLER_HOME`` or
        at ``WATERCOOLER_DATABASE_URL``; raise :class:`EmbeddingModelChanged` when the
        configured model is not the one the store recorded (``check_model=False``: for
        ``watercooler reindex``)."""
        settings = settings or Settings()
        store = cls(settings, open_catalog(settings))
        if check_model:
            try:
                store.check_model()
            except EmbeddingModelChanged:
                store.close()
                raise
        return store

    def recorded_model(self) -> ModelFingerprint | None:
        """The model that made the store's vectors, as recorded at its first write."""
        name = self.catalog.meta("embedding_model")
        dimension = self.catalog.meta("embedding_dimension")
        return ModelFingerprint(name, int(dimension or 0)) if name else None

    def check_model(self) -> None:
        """Raise :class:`EmbeddingModelChanged`, saying what to do, when the configured
        embedding model differs from the recorded one."""
        recorded, configured = self.recorded_model(), self.settings.model_fingerprint
        if recorded is not None and recorded != configured:
            raise EmbeddingModelChanged(
                f"{self.catalog.path}: the store's vectors were made by {recorded}, "
                f"but WATERCOOLER_EMBEDDING_MODEL is now {configured}: run `watercooler "
                f"reindex` to re-embed every chunk with {configured.name} (or set "
                "WATERCOOLER_EMBEDDING_MODEL back)"
            )

    def record_model(self, fingerprint: ModelFingerprint | None = None) -> None:
        """Record which model made the vectors (the configured one unless given)."""
        fingerprint = fingerprint or self.settings.model_fingerprint
        self.catalog.set_meta(
            {"embedding_model": fingerprint.name, "embedding_dimension": str(fingerprint.dimension)}
        )

    @cached_property
    def vectors(self) -> Vectors:
        """The Chroma collection, after replaying what a killed writer left pending."""
        client = chroma_client(self.settings.chroma_url, self.settings.chroma_path)
        vectors = Vectors(client, self.settings.collection)
        self.replayed_on_open = self._replay(vectors)
        return vectors

    def finish_pending(self) -> int:
        """Replay the pending writes of processes that are gone; how many were replayed
        (opening the vectors, if this does, counts)."""
        opening = "vectors" not in self.__dict__
        vectors = self.vectors
        return (self.replayed_on_open if opening else 0) + self._replay(vectors)

    def pending_writes(self) -> int:
        """How many vector writes the catalog holds that Chroma may not (yet)."""
        with self.catalog.transaction() as db:
            return len(db.execute("SELECT write_id FROM pending_writes").fetchall())

    def _replay(self, vectors: Vectors) -> int:
        replayed = 0
        with journal.WRITES:
            with self.catalog.transaction() as db:
                writes = journal.pending(db)
            for write in writes:
                if journal.abandoned(write, self.catalog.writer_gone):
                    self._apply(vectors, write.write_id, write.doc_ids, write.chunks)
                    replayed += 1
        return replayed

    def _apply(
        self, vectors: Vectors, write_id: int, doc_ids: list[str], chunks: list[VectorChunk]
    ) -> None:
        """Step 2 and 3 of a journaled write: make Chroma hold it, then drop the record."""
        journal.crash_point()
        vectors.delete_documents(doc_ids)
        vectors.delete_ids([c.chunk_id for c in chunks])
        journal.crash_point()
        vectors.add(chunks)
        journal.crash_point()
        with self.catalog.transaction() as db:
            journal.done(db, write_id)

    @cached_property
    def embedder(self) -> Embedder:
        return load_embedder(self.settings.model_path)

    def require_content(self) -> None:
        """Raise :class:`EmptyStoreError`, saying what to do, when nothing is ingested."""
        if self.catalog.is_empty():
            raise EmptyStoreError(
                f"the store at {self.settings.home_dir} is empty: "
                "run `watercooler ingest PATH` first"
            )

    def nearest(
        self, embedding: list[float], k: int, filters: Filters | None = None
    ) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) of the ``k`` nearest chunks that pass ``filters``.

        The nearest chunks unfiltered come first, and the catalog tells which of them pass:
        the :data:`ACCESS_OVERFETCH` times ``k`` nearest when an access list alone filters
        (most chunks usually pass), else the :data:`OVERFETCH` nearest, or
        :data:`FILTER_OVERFETCH` times ``k`` if more (when kinds alone filter, no more than
        their share of the store says hold :data:`SHARE_MARGIN` times ``k`` of them; when a
        person does, no less). When ``k`` of them pass, they are the answer; else deeper,
        as deep as the share that passed says ``k`` lie, up to :data:`DEEPEST`. Past that
        (or when the share says ``k`` lie deeper from the start) the catalog lists every
        passing chunk: up to :data:`EXACT` are scored one by one (exact), more are searched
        by Chroma among exactly those. The filter always applies before the top-k cut, and
        every path is much faster than Chroma's metadata filter at scale, or than listing
        every chunk of a common kind (80 ms at 1M chunks).
        """
        if not filters:
            return self.vectors.search(embedding, k)
        depth = self._first_depth(k, filters)
        while depth is not None:
            near = self.vectors.search(embedding, depth)
            passing = self.catalog.passing_among(filters, [chunk_id for chunk_id, _ in near])
            found = _passing_nearest(near, passing, k, depth)
            if found is not None:
                return found
            # where k passing chunks probably lie, from the share of these that passed
            deeper = max(2 * depth, math.ceil(1.25 * k * len(near) / max(len(passing), 1)))
            depth = deeper if deeper <= DEEPEST else None
        allowed = self.catalog.passing(filters)
        if len(allowed) <= EXACT:
            return self.vectors.rank(embedding, allowed, k)
        return self.vectors.search(embedding, k, ids=allowed)

    def _first_depth(self, k: int, filters: Filters) -> int | None:
        """How many nearest chunks a dense query with ``filters`` takes first (see
        :meth:`nearest`); None when the filter's share of the store says that k passing
        chunks lie deeper than :data:`DEEPEST`."""
        if filters.only_access:
            return k * ACCESS_OVERFETCH
        depth = max(k * FILTER_OVERFETCH, OVERFETCH)
        share = self.catalog.sampled_share(filters)
        if share:  # None: not known; 0: none seen in the sample
            sized = max(k, math.ceil(SHARE_MARGIN * k / share))
            if sized > DEEPEST:
                return None
            # a person's chunks gather by topic, unlike a kind's: never shallower for them
            return max(depth, sized) if filters.person else min(depth, sized)
        return depth

    def legs(
        self,
        query: str,
        terms: list[str],
        depth: int,
        filters: Filters | None = None,
        dense: bool = True,
    ) -> tuple[list[tuple[str, float]], list[tuple[str, float]], list[float] | None]:
        """Both retrieval legs at once: (keyword hits with BM25, dense hits with cosine, the
        query's vector). The dense leg (embedding the query, then Chroma) runs in a worker
        thread, in a copy of this context (the search's one catalog state goes along),
        while the keyword leg runs in this one; both release the GIL."""
        filters = filters or Filters()
        dense_leg = (
            _LEGS.submit(contextvars.copy_context().run, self._dense_leg, query, depth, filters)
            if dense
            else None
        )
        keyword = self.catalog.keyword_search(terms, depth, filters) if terms else []
        if dense_leg is None:
            return keyword, [], None
        vector, hits = dense_leg.result()
        return keyword, hits, vector

    def _dense_leg(
        self, query: str, depth: int, filters: Filters
    ) -> tuple[list[float], list[tuple[str, float]]]:
        vector = self.embedder.embed_query(query)
        return vector, self.nearest(vector, depth, filters)

    def close(self) -> None:
        self.catalog.close()

    def write_source(
        self,
        path: str,
        reader: str,
        content_hash: str,
        run_id: int | None,
        writes: list[DocumentWrite],
        keep: set[str],
        access: SourceAccess | None = None,
    ) -> list[str]:
        """Replace a source's documents (with who may see each, ``access``; without it,
        admins only): the catalog and a pending write in one transaction, then the vectors
        (see :mod:`search.store.journal`). Returns the doc ids the source no longer produces.
        """
        changed = [w.row["doc_id"] for w in writes]
        chunks = [v for w in writes for v in w.vectors]
        vectors = self.vectors  # replays earlier pending writes first
        noted: list[tuple[int, list[str]]] = []

        def note(db: Any, gone: list[str]) -> None:
            if changed or gone:
                write_id = journal.record(db, changed + gone, chunks, self.catalog.writer(db))
                noted.append((write_id, changed + gone))

        with journal.WRITES:
            gone = self.catalog.write_source(
                path,
                reader,
                content_hash,
                run_id,
                [w.row for w in writes],
                keep,
                access,
                journal=note,
            )
            for write_id, doc_ids in noted:
                self._apply(vectors, write_id, doc_ids, chunks)
        self.catalog.maintain()
        if chunks and self.recorded_model() is None:  # the first write: say what made them
            configured = self.settings.model_fingerprint
            self.record_model(ModelFingerprint(configured.name, len(chunks[0].embedding)))
        return gone

    def forget(self, path: str) -> list[str]:
        """Remove a source (or every source under a folder) from both stores, journaled
        like :meth:`write_source`."""
        vectors = self.vectors
        noted: list[int] = []

        def note(db: Any, doc_ids: list[str]) -> None:
            if doc_ids:
                noted.append(journal.record(db, doc_ids, [], self.catalog.writer(db)))

        with journal.WRITES:
            doc_ids = self.catalog.forget(path, journal=note)
            for write_id in noted:
                self._apply(vectors, write_id, doc_ids, [])
        self.catalog.maintain()
        return doc_ids

    def restore_vectors(self, chunks: list[VectorChunk]) -> None:
        """Write the vectors of these catalog chunks (a repair), replacing any with the
        same ids, journaled."""
        vectors = self.vectors
        with journal.WRITES:
            with self.catalog.transaction() as db:
                write_id = journal.record(db, [], chunks, self.catalog.writer(db))
            self._apply(vectors, write_id, [], chunks)

    def delete_vectors(self, chunk_ids: list[str]) -> None:
        """Remove vectors that no catalog chunk owns (a repair)."""
        with journal.WRITES:
            self.vectors.delete_ids(chunk_ids)

    def locations(self) -> dict[str, str]:
        return {
            "home": str(self.settings.home_dir),
            "catalog": str(self.catalog.path),
            "vectors": self.settings.chroma_url or str(self.settings.chroma_path),
            "embedding_model": str(self.settings.model_path),
        }

    def status(self) -> dict[str, Any]:
        """Counts by kind and source (people as distinct names), the last ingest run, and
        where everything is stored."""
        counts = self.catalog.counts()
        return {**counts, "last_run": self.catalog.last_run(), "store": self.locations()}

"""Search: the dense leg (Chroma) and the keyword leg (SQLite FTS5), blended and reranked.

Both legs apply the filters themselves (never after a top-k cut); hits are collapsed to
one per document or conversation, with a snippet, highlights and facets.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from search.retrieval.facets import count_facets, day_of
from search.retrieval.snippets import highlight, snippet
from search.retrieval.terms import proximity, query_terms, term_pattern
from search.store.catalog import ChunkRow
from search.store.filters import Filters
from search.store.store import Store

RRF_K = 60  # the reciprocal-rank fusion constant
MODES = ("keyword", "dense", "hybrid", "hybrid+rerank")
DEFAULT_MODE = "hybrid+rerank"


@dataclass(slots=True)
class Hit:
    """One search result: the chunk that matched and where to find it."""

    doc_id: str
    chunk_id: str
    title: str
    kind: str
    source: str
    channel: str | None
    source_path: str
    heading: str
    locator: str
    date: str | None
    people: list[str]
    snippet: str
    score: float
    highlights: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Results:
    """Hits plus facet counts over every matching document in the candidate pool."""

    hits: list[Hit]
    facets: dict[str, dict[str, int]]


class Retriever:
    """Hybrid retrieval over a :class:`Store`.

    ``hybrid`` blends the two legs' scores: the keyword leg's BM25 divided by the best
    BM25 of the query, weighted ``keyword_weight``, plus the dense leg's cosine similarity
    weighted ``1 - keyword_weight``. ``hybrid+rerank`` then adds a term-proximity bonus
    to the best candidates. Weights come from the settings; ``watercooler eval --compare``
    measures every mode.
    """

    def __init__(self, store: Store, candidates: int = 50) -> None:
        self.store = store
        self.candidates = candidates
        self.keyword_weight = store.settings.keyword_weight
        self.proximity_weight = store.settings.proximity_weight

    def search(
        self, query: str, k: int = 10, filters: Filters | None = None, mode: str = DEFAULT_MODE
    ) -> list[Hit]:
        """The ``k`` best documents for ``query``, one hit (its best chunk) per document.

        ``mode`` is one of :data:`MODES`: ``keyword`` (FTS5), ``dense`` (Chroma),
        ``hybrid`` (both, scores blended) or ``hybrid+rerank`` (the default).
        """
        return self.run(query, k, filters, mode).hits

    def run(
        self,
        query: str,
        k: int = 10,
        filters: Filters | None = None,
        mode: str = DEFAULT_MODE,
        facets: bool = False,
    ) -> Results:
        """Search, and count facets over the whole candidate pool when ``facets`` is set."""
        if mode not in MODES:
            raise ValueError(f"mode: unknown retriever {mode!r}; use one of {', '.join(MODES)}")
        filters = filters or Filters()
        self.store.require_content()
        terms = query_terms(query)
        best: dict[str, tuple[ChunkRow, float]] = {}
        for row, score in self.chunks(query, max(self.candidates, k * 5), filters, mode):
            best.setdefault(row.doc_id, (row, score))
        hits = [_hit(row, score, terms) for row, score in list(best.values())[:k]]
        pool = [row for row, _ in best.values()]
        return Results(hits, count_facets(pool) if facets else {})

    def chunks(
        self, query: str, depth: int, filters: Filters | None = None, mode: str = DEFAULT_MODE
    ) -> list[tuple[ChunkRow, float]]:
        """Matching chunks (not collapsed per document) with their scores, best first."""
        filters = filters or Filters()
        terms = query_terms(query)
        scores = self._blend(query, terms, depth, filters, mode)
        ranked = sorted(scores, key=scores.__getitem__, reverse=True)
        rows = self.store.catalog.chunks(ranked)
        if mode == "hybrid+rerank" and terms:
            ranked = self._rerank(ranked, rows, scores, terms)
        return [(rows[c], scores[c]) for c in ranked if c in rows]

    def _blend(
        self, query: str, terms: list[str], depth: int, filters: Filters, mode: str
    ) -> dict[str, float]:
        keyword_weight = {"keyword": 1.0, "dense": 0.0}.get(mode, self.keyword_weight)
        keyword, dense, _ = self.store.legs(
            query, terms if keyword_weight > 0 else [], depth, filters, dense=keyword_weight < 1
        )
        scores: dict[str, float] = {}
        top = keyword[0][1] if keyword and keyword[0][1] > 0 else 1.0
        for chunk_id, bm25 in keyword:
            scores[chunk_id] = keyword_weight * bm25 / top
        for chunk_id, cosine in dense:
            scores[chunk_id] = scores.get(chunk_id, 0.0) + (1 - keyword_weight) * cosine
        return scores

    def _rerank(
        self,
        ranked: list[str],
        rows: dict[str, ChunkRow],
        scores: dict[str, float],
        terms: list[str],
        top: int = 30,
    ) -> list[str]:
        """Add a bonus for query terms found close together to the ``top`` candidates."""
        patterns = [term_pattern(t) for t in terms]
        for chunk_id in ranked[:top]:
            row = rows.get(chunk_id)
            if row is not None:
                scores[chunk_id] += self.proximity_weight * proximity(row.text, patterns)
        head = sorted(ranked[:top], key=scores.__getitem__, reverse=True)
        return head + ranked[top:]


def reciprocal_rank_fusion(*legs: list[tuple[str, float]]) -> dict[str, float]:
    """chunk id -> the sum over ``legs`` (each best first) of 1 / (RRF_K + rank)."""
    fused: dict[str, float] = {}
    for leg in legs:
        for rank, (chunk_id, _) in enumerate(leg, 1):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank)
    return fused


def _hit(row: ChunkRow, score: float, terms: list[str]) -> Hit:
    text = snippet(row.text, terms)
    return Hit(
        doc_id=row.doc_id,
        chunk_id=row.chunk_id,
        title=row.title,
        kind=row.kind,
        source=row.origin,
        channel=row.channel,
        source_path=row.source_path,
        heading=row.heading,
        locator=row.locator,
        date=day_of(row.start_ts),
        people=row.people,
        snippet=text,
        score=round(score, 6),
        highlights=[highlight(text, terms)] if terms else [],
    )

"""Search: the dense leg (Chroma) and the keyword leg (SQLite FTS5), fused by reciprocal rank."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from search.catalog import ChunkRow, Filters
from search.store import Store

RRF_K = 60
MODES = ("keyword", "dense", "hybrid")
WORD = re.compile(r"[\w][\w'-]*", re.UNICODE)
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "them",
        "there",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "about",
        "into",
        "any",
        "can",
        "could",
        "should",
        "would",
    ]
)


class EmptyStoreError(RuntimeError):
    """Nothing has been ingested into the store being searched."""


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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def query_terms(query: str) -> list[str]:
    """The words of a query that carry meaning, lower-cased, in order, without repeats."""
    words = [w.lower().strip("'-") for w in WORD.findall(query)]
    return list(dict.fromkeys(w for w in words if w and w not in STOPWORDS))


def fts_match(terms: list[str]) -> str:
    """An FTS5 expression matching any of the terms (each quoted, so no syntax leaks in)."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


class Retriever:
    """Hybrid retrieval over a :class:`Store`."""

    def __init__(self, store: Store, candidates: int = 50) -> None:
        self.store = store
        self.candidates = candidates

    def search(
        self, query: str, k: int = 10, filters: Filters | None = None, mode: str = "hybrid"
    ) -> list[Hit]:
        """The ``k`` best documents for ``query``, one hit (its best chunk) per document.

        ``mode`` picks the legs: ``keyword`` (FTS5), ``dense`` (Chroma) or ``hybrid`` (both,
        fused by reciprocal rank).
        """
        if mode not in MODES:
            raise ValueError(f"mode: unknown retriever {mode!r}; use one of {', '.join(MODES)}")
        filters = filters or Filters()
        if self.store.catalog.counts()["chunks"] == 0:
            raise EmptyStoreError(
                f"the store at {self.store.settings.home_dir} is empty: "
                "run `watercooler ingest PATH` first"
            )
        depth = max(self.candidates, k * 5)
        fused: dict[str, float] = {}
        terms = query_terms(query)
        if terms and mode != "dense":
            keyword = self.store.catalog.keyword_search(fts_match(terms), depth, filters)
            _add_ranks(fused, [cid for cid, _ in keyword])
        if mode != "keyword":
            embedding = self.store.embedder.embed_query(query)
            dense = self.store.vectors.search(embedding, depth, filters)
            _add_ranks(fused, [cid for cid, _ in dense])
        ranked = sorted(fused, key=fused.__getitem__, reverse=True)
        rows = self.store.catalog.chunks(ranked)
        hits: list[Hit] = []
        seen: set[str] = set()
        for chunk_id in ranked:
            row = rows.get(chunk_id)
            if row is None or row.doc_id in seen:
                continue
            seen.add(row.doc_id)
            hits.append(_hit(row, fused[chunk_id], terms))
            if len(hits) == k:
                break
        return hits


def _add_ranks(fused: dict[str, float], ranked_ids: list[str]) -> None:
    for rank, chunk_id in enumerate(ranked_ids):
        fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)


def _hit(row: ChunkRow, score: float, terms: list[str]) -> Hit:
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
        date=_date(row.start_ts),
        people=row.people,
        snippet=snippet(row.text, terms),
        score=round(score, 6),
    )


def _date(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).date().isoformat()


def snippet(text: str, terms: list[str], width: int = 280) -> str:
    """The passage of ``text`` (about ``width`` characters) with the most query terms."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    if terms:

        def overlap(line: str) -> int:
            lower = line.lower()
            return sum(1 for t in terms if t in lower)

        best = max(range(len(lines)), key=lambda i: overlap(lines[i]))
    else:
        best = 0
    passage = lines[best]
    after = best + 1
    while len(passage) < width and after < len(lines):
        passage += " " + lines[after]
        after += 1
    if len(passage) > width:
        passage = passage[:width].rsplit(" ", 1)[0] + " …"
    return ("… " if best > 0 else "") + passage

"""Search: the dense leg (Chroma) and the keyword leg (SQLite FTS5), blended and reranked.

Both legs apply the filters themselves (never after a top-k cut); hits are collapsed to
one per document or conversation, with a snippet, highlights and facets.
"""

from __future__ import annotations

import contextvars
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from search.retrieval.facets import count_facets, day_of
from search.retrieval.places import (
    LINE_LOCATOR,
    answer_shape,
    lines_of,
    locate,
    place,
    term_weights,
)
from search.retrieval.snippets import highlight, snippet
from search.retrieval.speakers import content_terms, line_speaker, named_people, speaks
from search.retrieval.terms import proximity, search_terms
from search.store.catalog import ChunkRow
from search.store.catalog.base import CatalogCache
from search.store.filters import Filters
from search.store.store import Store

RRF_K = 60  # the reciprocal-rank fusion constant
# When a query names a person, a chunk where they speak gains up to this much (their share
# of its lines decides how much), and their own chunks join the candidates.
SPEAKER_WEIGHT = 0.08
NAMED_PEOPLE = 2  # at most this many people named by one query are looked for
# How many of a named person's own chunks each leg adds: a person filter passes few chunks,
# so that a dense leg as deep as the broad one searched ten times deeper (130 ms at 100k).
# 25, not 50: the same scores on every labelled set, and at 1M chunks with kind=chat a rare
# person's own probe half as deep (a repeated "where did Tomás go…" 335 -> 204 ms).
NAMED_DEPTH = 25
# The named people's own searches run at once, each on its thread's catalog connection
# (SQLite and PostgreSQL run a query without Python's lock held).
_NAMED = ThreadPoolExecutor(max_workers=NAMED_PEOPLE, thread_name_prefix="named-person")
# Where the query's words are counted (their weights place a hit's passage) while the legs
# run: at a million chunks the count of a query not asked before took 12 ms.
_COUNTS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="phrase-counts")
PLACED_HITS = 5  # the first hits point into the best chunk of their whole document
# Documents made of turns or long minutes, where the chunk that matched best is not always
# where the answer is said.
PLACED_KINDS = frozenset({"chat", "transcript", "meeting_notes", "email"})
# How many chunks each leg returns: one in CANDIDATE_SHARE of the store, within these
# bounds. A fixed cut loses a larger store's relevant chunks: past the dense leg's cut a
# chunk scores no cosine at all, and other sources crowd a meeting's chunks out of it.
CANDIDATE_SHARE = 50
MIN_CANDIDATES, MAX_CANDIDATES = 50, 200
MODES = ("keyword", "dense", "hybrid", "hybrid+rerank")
DEFAULT_MODE = "hybrid+rerank"
# Candidate chunks read lately, kept for the next searches (their text: tens of MB at most).
CHUNK_ROWS: CatalogCache[str, ChunkRow] = CatalogCache(20_000)


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
    date_source: str | None = None  # where the document's date comes from (header, mtime…)

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
    measures every mode. ``candidates`` fixes how many chunks each leg returns (default:
    :func:`candidate_depth` of the store's size).
    """

    def __init__(self, store: Store, candidates: int | None = None) -> None:
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
        with self.store.catalog.one_state():
            return self._run(query, k, filters or Filters(), mode, facets)

    def _run(self, query: str, k: int, filters: Filters, mode: str, facets: bool) -> Results:
        self.store.require_content()
        terms = search_terms(query)
        catalog = self.store.catalog
        total = catalog.chunk_total()
        # the words are counted while the legs run, in a copy of this context (the search's
        # one catalog state goes along)
        state = contextvars.copy_context()
        counting = _COUNTS.submit(state.run, catalog.phrase_chunk_counts, terms)
        depth = self.candidates if self.candidates is not None else candidate_depth(total)
        ranked, named, gains = self._ranked(query, max(depth, k * 5), filters, mode)
        best: dict[str, tuple[ChunkRow, float]] = {}
        for row, score in ranked:
            best.setdefault(row.doc_id, (row, score))
        top = list(best.values())[:k]
        words = content_terms(terms, named)  # some of the terms counted
        weights = term_weights(words, counting.result(), total)
        shape = answer_shape(query)
        # where a hit points depends on its chunks' own scores, not on its document's gain
        own = [(row, score - gains.get(row.doc_id, 0.0)) for row, score in ranked]
        spots = self._places(top, own, filters, weights, named, shape)
        hits = []
        for row, score in top:
            spot = spots.get(row.doc_id) or place(
                [row], {row.chunk_id: score - gains.get(row.doc_id, 0.0)}, weights, named, shape
            )
            hits.append(_pointed(_hit(spot[0] if spot else row, score, terms), spot, terms))
        pool = [row for row, _ in best.values()]
        return Results(hits, count_facets(pool) if facets else {})

    def _places(
        self,
        top: list[tuple[ChunkRow, float]],
        ranked: list[tuple[ChunkRow, float]],
        filters: Filters,
        weights: dict[str, float],
        named: list[str],
        shape: re.Pattern[str] | None,
    ) -> dict[str, tuple[ChunkRow, int, int] | None]:
        """Where the first :data:`PLACED_HITS` hits on meetings and conversations point
        (see :func:`place`): into any chunk of their document when the search has no
        filters, else into the candidates that passed them."""
        docs = [row.doc_id for row, _ in top[:PLACED_HITS] if row.kind in PLACED_KINDS]
        if not docs or not (weights or named):
            return {}
        scores: dict[str, dict[str, float]] = {d: {} for d in docs}
        rows: dict[str, list[ChunkRow]] = {d: [] for d in docs}
        for row, score in ranked:
            if row.doc_id in scores:
                scores[row.doc_id].setdefault(row.chunk_id, score)
                rows[row.doc_id].append(row)
        if not filters:
            lines = lines_of(self.store.catalog, docs)
            return {d: place(lines[d], scores[d], weights, named, shape) for d in lines}
        return {d: place(rows[d], scores[d], weights, named, shape) for d in docs if rows[d]}

    def chunks(
        self, query: str, depth: int, filters: Filters | None = None, mode: str = DEFAULT_MODE
    ) -> list[tuple[ChunkRow, float]]:
        """Matching chunks (not collapsed per document) with their scores, best first."""
        return self._ranked(query, depth, filters or Filters(), mode)[0]

    def _ranked(
        self, query: str, depth: int, filters: Filters, mode: str
    ) -> tuple[list[tuple[ChunkRow, float]], list[str], dict[str, float]]:
        """Chunks with their scores, best first, the people the query names, and what each
        document gained on its chunks (see :func:`document_gains`)."""
        terms = search_terms(query)
        blend = self._blend(query, terms, depth, filters, mode)
        scores, top = blend.scores, blend.top
        ranked = sorted(scores, key=scores.__getitem__, reverse=True)
        rows = self._rows(ranked)
        gains: dict[str, float] = {}
        if mode in ("hybrid", "hybrid+rerank"):
            gains = document_gains(blend, rows, self.keyword_weight)
        named: list[str] = []
        if mode == "hybrid+rerank":
            speakers = (p for c in ranked if c in rows for p in rows[c].people)
            named = named_people(query, speakers)[:NAMED_PEOPLE]
            if named:
                self._add_speakers(query, terms, depth, filters, named, scores, top, rows)
        for chunk_id in scores:
            if chunk_id in rows:
                scores[chunk_id] += gains.get(rows[chunk_id].doc_id, 0.0)
        if gains or named:
            ranked = sorted(scores, key=scores.__getitem__, reverse=True)
        if mode == "hybrid+rerank" and terms:
            ranked = self._rerank(ranked, rows, scores, terms)
        return [(rows[c], scores[c]) for c in ranked if c in rows], named, gains

    def _rows(self, chunk_ids: list[str]) -> dict[str, ChunkRow]:
        """The chunks with these ids that exist (see :meth:`BaseCatalog.chunks`)."""
        catalog = self.store.catalog
        return CHUNK_ROWS.get(catalog, chunk_ids, catalog.chunks)

    def _add_speakers(
        self,
        query: str,
        terms: list[str],
        depth: int,
        filters: Filters,
        named: list[str],
        scores: dict[str, float],
        top: float,
        rows: dict[str, ChunkRow],
    ) -> None:
        """The named people's own best chunks join the candidates (their ``rows`` are
        added), and every candidate gains by their share of its lines.

        A person's own best chunks are searched for only when the candidates hold fewer
        of them than that search would return: scored alike, the best of theirs are then
        among the candidates already (at 1M chunks a named query's own searches cost 50-90
        ms each). Two people's searches run at once."""
        if filters.person is None:
            deep = min(depth, NAMED_DEPTH)
            searched = [
                person
                for person in named
                if sum(1 for c in scores if c in rows and spoken_in(rows[c], [person])) < deep
            ]

            def own(person: str) -> dict[str, float]:
                narrow = replace(filters, person=person)
                return self._blend(query, terms, deep, narrow, DEFAULT_MODE, top=top).scores

            # each in a copy of this context: the search's one catalog state goes along
            runs = [_NAMED.submit(contextvars.copy_context().run, own, p) for p in searched]
            for run in runs:
                for chunk_id, score in run.result().items():
                    scores[chunk_id] = max(scores.get(chunk_id, 0.0), score)
        rows.update(self._rows([c for c in scores if c not in rows]))
        for chunk_id in scores:
            if chunk_id in rows:
                scores[chunk_id] += SPEAKER_WEIGHT * speaker_share(rows[chunk_id], named)

    def _blend(
        self,
        query: str,
        terms: list[str],
        depth: int,
        filters: Filters,
        mode: str,
        top: float | None = None,
    ) -> Blend:
        """Both legs' scores blended; BM25 is divided by the query's best, or by ``top`` (so
        that a narrower search scores on the same scale as the broad one)."""
        keyword_weight = {"keyword": 1.0, "dense": 0.0}.get(mode, self.keyword_weight)
        keyword, dense, _ = self.store.legs(
            query, terms if keyword_weight > 0 else [], depth, filters, dense=keyword_weight < 1
        )
        if top is None:
            top = keyword[0][1] if keyword and keyword[0][1] > 0 else 1.0
        blend = Blend({c: bm25 / top for c, bm25 in keyword}, dict(dense), top)
        for chunk_id, bm25 in blend.keyword.items():
            blend.scores[chunk_id] = keyword_weight * bm25
        for chunk_id, cosine in dense:
            blend.scores[chunk_id] = blend.scores.get(chunk_id, 0.0) + (1 - keyword_weight) * cosine
        return blend

    def _rerank(
        self,
        ranked: list[str],
        rows: dict[str, ChunkRow],
        scores: dict[str, float],
        terms: list[str],
        top: int = 30,
    ) -> list[str]:
        """Add a bonus for query terms found close together to the ``top`` candidates."""
        for chunk_id in ranked[:top]:
            row = rows.get(chunk_id)
            if row is not None:
                scores[chunk_id] += self.proximity_weight * proximity(row.text, terms)
        head = sorted(ranked[:top], key=scores.__getitem__, reverse=True)
        return head + ranked[top:]


@dataclass(slots=True)
class Blend:
    """One search's legs: BM25 divided by ``top`` and cosine per chunk, and their blend."""

    keyword: dict[str, float]
    dense: dict[str, float]
    top: float
    scores: dict[str, float] = field(default_factory=dict)


def document_gains(
    blend: Blend, rows: dict[str, ChunkRow], keyword_weight: float
) -> dict[str, float]:
    """doc_id -> how much better the document matches than its best chunk: the best
    keyword score and the best cosine among its candidate chunks, blended, less its best
    chunk's blend (a meeting whose words match in one part and whose meaning matches in
    another is a better hit than either part shows). Every chunk of the document gains it,
    so their order within the document stays."""
    best: dict[str, list[float]] = {}  # doc_id -> [keyword, cosine, chunk blend]
    for chunk_id, blended in blend.scores.items():
        if chunk_id in rows:
            doc = best.setdefault(rows[chunk_id].doc_id, [0.0, 0.0, 0.0])
            doc[0] = max(doc[0], blend.keyword.get(chunk_id, 0.0))
            doc[1] = max(doc[1], blend.dense.get(chunk_id, 0.0))
            doc[2] = max(doc[2], blended)
    return {
        doc_id: keyword_weight * keyword + (1 - keyword_weight) * cosine - chunk
        for doc_id, (keyword, cosine, chunk) in best.items()
    }


def candidate_depth(chunks: int) -> int:
    """How many chunks each leg returns for a store of ``chunks``: one in
    :data:`CANDIDATE_SHARE`, at least :data:`MIN_CANDIDATES`, at most :data:`MAX_CANDIDATES`."""
    return min(MAX_CANDIDATES, max(MIN_CANDIDATES, chunks // CANDIDATE_SHARE))


def reciprocal_rank_fusion(*legs: list[tuple[str, float]]) -> dict[str, float]:
    """chunk id -> the sum over ``legs`` (each best first) of 1 / (RRF_K + rank)."""
    fused: dict[str, float] = {}
    for leg in legs:
        for rank, (chunk_id, _) in enumerate(leg, 1):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank)
    return fused


def spoken_in(row: ChunkRow, named: list[str]) -> bool:
    """Whether any of the ``named`` people speaks in ``row``."""
    return any(speaks(p, named) for p in row.people)


def speaker_share(row: ChunkRow, named: list[str]) -> float:
    """How much of ``row`` the ``named`` people say: 0 when none of them speaks in it, else
    half for speaking at all and half by their share of its lines."""
    if not spoken_in(row, named):
        return 0.0
    lines = [line for line in row.text.splitlines() if line.strip()]
    own = sum(1 for line in lines if speaks(line_speaker(line, row.people), named))
    return 0.5 + 0.5 * own / max(len(lines), 1)


def _pointed(hit: Hit, spot: tuple[ChunkRow, int, int] | None, terms: list[str]) -> Hit:
    """``hit`` pointed at the passage that best answers (``spot``: its chunk, first and last
    line): its locator is the passage's place in the file (``line N`` or ``lines N-M``),
    and its snippet starts there."""
    if spot is None:
        return hit
    row, first, last = spot
    start, end = locate(row, first), locate(row, last)
    hit.locator = start
    a, b = LINE_LOCATOR.match(start), LINE_LOCATOR.match(end)
    if last > first and a and b and int(b.group(1)) > int(a.group(1)):
        hit.locator = f"lines {a.group(1)}-{b.group(1)}"
    if first > 0:
        lines = row.text.splitlines()
        hit.snippet = "… " + snippet("\n".join(lines[first:]), terms, from_first=True)
        hit.highlights = [highlight(hit.snippet, terms)] if terms else []
    return hit


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
        people=list(row.people),  # the row may be cached (CHUNK_ROWS, lines_of)
        snippet=text,
        score=round(score, 6),
        highlights=[highlight(text, terms)] if terms else [],
        date_source=row.date_source,
    )

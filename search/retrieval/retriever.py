"""Search: the dense leg (Chroma) and the keyword leg (SQLite FTS5), blended and reranked.

Both legs apply the filters themselves (never after a top-k cut); hits are collapsed to
one per document or conversation, with a snippet, highlights and facets.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from search.store.catalog import ChunkRow
from search.store.filters import Filters
from search.store.store import Store

RRF_K = 60  # the reciprocal-rank fusion constant
MODES = ("keyword", "dense", "hybrid", "hybrid+rerank")
DEFAULT_MODE = "hybrid+rerank"
WORD = re.compile(r"[\w][\w'-]*", re.UNICODE)
STOPWORDS = frozenset(
    """a an and are as at be but by did do does for from had has have how i in is it its of on
    or our so that the their them there they this to was we were what when where which who why
    will with you your about into any can could should would""".split()
)
FACET_FIELDS = ("kind", "channel", "person", "year", "month")
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\s]+\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_CODE = re.compile(r"`([^`\n]+)`")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_MD_LIST = re.compile(r"^(?:[-*+]|\d{1,2}[.)])\s+(?:\[[ xX]\]\s+)?")


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


def query_terms(query: str) -> list[str]:
    """The words of a query that carry meaning, lower-cased, in order, without repeats."""
    words = [w.lower().strip("'-") for w in WORD.findall(query)]
    return list(dict.fromkeys(w for w in words if w and w not in STOPWORDS))


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


def proximity(text: str, patterns: list[re.Pattern[str]], window: int = 12) -> float:
    """The largest share of query terms found within ``window`` consecutive words."""
    if not patterns:
        return 0.0
    words = WORD.findall(text)
    hits = [
        (i, n) for i, word in enumerate(words) for n, p in enumerate(patterns) if p.fullmatch(word)
    ]
    best, start = 0, 0
    for end in range(len(hits)):
        while hits[end][0] - hits[start][0] >= window:
            start += 1
        best = max(best, len({n for _, n in hits[start : end + 1]}))
    return best / len(patterns)


def count_facets(rows: list[ChunkRow]) -> dict[str, dict[str, int]]:
    """Documents per kind, channel, person, year and month among the matching chunks."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in FACET_FIELDS}
    for row in rows:
        counts["kind"][row.kind] += 1
        if row.channel:
            counts["channel"][row.channel] += 1
        for person in set(row.people):
            counts["person"][person] += 1
        date = _date(row.start_ts)
        if date:
            counts["year"][date[:4]] += 1
            counts["month"][date[:7]] += 1
    ordered = {name: dict(c.most_common()) for name, c in counts.items()}
    ordered["month"] = dict(sorted(counts["month"].items()))
    ordered["person"] = dict(counts["person"].most_common(20))
    return ordered


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
        date=_date(row.start_ts),
        people=row.people,
        snippet=text,
        score=round(score, 6),
        highlights=[highlight(text, terms)] if terms else [],
    )


def _date(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).date().isoformat()


def snippet(text: str, terms: list[str], width: int = 280) -> str:
    """The passage of ``text`` (about ``width`` characters) with the most query terms,
    as plain text (markdown emphasis, code ticks, link targets, heading and list marks
    dropped)."""
    lines = [plain(line) for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    best = 0
    if terms:
        patterns = [term_pattern(t) for t in terms]
        overlap = [sum(1 for p in patterns if p.search(line)) for line in lines]
        best = max(range(len(lines)), key=overlap.__getitem__)
    passage = lines[best]
    after = best + 1
    while len(passage) < width and after < len(lines):
        passage += " " + lines[after]
        after += 1
    if len(passage) > width:
        passage = passage[:width].rsplit(" ", 1)[0] + " …"
    return ("… " if best > 0 else "") + passage


def plain(line: str) -> str:
    """One line of markdown as the text a reader sees."""
    line = _MD_LINK.sub(r"\1", line.strip())
    line = _MD_EMPHASIS.sub(r"\2", line)
    line = _MD_CODE.sub(r"\1", line)
    return _MD_LIST.sub("", _MD_HEADING.sub("", line))


def term_pattern(term: str) -> re.Pattern[str]:
    """Words that start like ``term`` (a crude stem, as the porter index matches them)."""
    stem = term if len(term) <= 4 else term[: max(4, len(term) - 2)]
    return re.compile(r"\b" + re.escape(stem) + r"\w*", re.IGNORECASE)


def highlight(text: str, terms: list[str]) -> str:
    """``text`` HTML-escaped, with the words that match a query term in ``<mark>``."""
    if not terms:
        return html.escape(text)
    pattern = re.compile("|".join(term_pattern(t).pattern for t in terms), re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        out.append(f"<mark>{html.escape(match.group(0))}</mark>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)

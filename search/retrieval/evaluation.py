"""Retrieval quality on labelled queries: recall@5, MRR@10 and nDCG@10, overall and per kind.

A query file is JSON lines: ``{"id", "query", "relevant": [path or doc id, ...]}``. A hit
counts as relevant when its doc id is listed, or when its ``source_path`` ends with a
listed path (so labels can be written relative to any root).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.retrieval.retriever import Hit

Search = Callable[[str, int], list[Hit]]


@dataclass(frozen=True, slots=True)
class LabelledQuery:
    id: str
    query: str
    relevant: tuple[str, ...]


@dataclass(slots=True)
class Scores:
    """Mean metrics over a set of queries."""

    queries: int = 0
    recall_at_5: float = 0.0
    mrr_at_10: float = 0.0
    ndcg_at_10: float = 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "queries": self.queries,
            "recall@5": round(self.recall_at_5, 4),
            "mrr@10": round(self.mrr_at_10, 4),
            "ndcg@10": round(self.ndcg_at_10, 4),
        }


@dataclass(slots=True)
class Report:
    overall: Scores
    by_kind: dict[str, Scores] = field(default_factory=dict)
    per_query: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.as_dict(),
            "by_kind": {k: s.as_dict() for k, s in sorted(self.by_kind.items())},
        }


def load_queries(path: Path) -> list[LabelledQuery]:
    """Read a JSON-lines query file; errors name the file and line."""
    queries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            query = LabelledQuery(str(data["id"]), str(data["query"]), tuple(data["relevant"]))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a labelled query ({exc})") from exc
        if not query.relevant:
            raise ValueError(f"{path}:{number}: 'relevant' is empty")
        queries.append(query)
    return queries


def is_relevant(hit: Hit, relevant: tuple[str, ...]) -> str | None:
    """The label this hit satisfies, if any."""
    for label in relevant:
        if hit.doc_id == label:
            return label
        tail = label.strip("/")
        if hit.source_path == label or hit.source_path.endswith("/" + tail):
            return label
    return None


def score_ranking(hits: list[Hit], relevant: tuple[str, ...]) -> dict[str, float]:
    """recall@5, reciprocal rank within 10, and nDCG@10 (binary gains) for one query."""
    found: list[str | None] = []
    seen: set[str] = set()
    for hit in hits[:10]:
        label = is_relevant(hit, relevant)
        # a label satisfied twice (two hits from one file) earns credit once
        found.append(label if label and label not in seen else None)
        if label:
            seen.add(label)
    recall = len({f for f in found[:5] if f}) / len(relevant)
    rr = next((1.0 / (i + 1) for i, f in enumerate(found) if f), 0.0)
    dcg = sum(1.0 / math.log2(i + 2) for i, f in enumerate(found) if f)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
    return {"recall@5": recall, "mrr@10": rr, "ndcg@10": dcg / ideal if ideal else 0.0}


def evaluate(
    queries: list[LabelledQuery], search: Search, kind_of: Callable[[str], str | None]
) -> Report:
    """Run every query through ``search`` and average the metrics, overall and per kind.

    ``kind_of(label)`` names the source kind of a relevant item (None when unknown); a
    query counts toward the kind of its first relevant item.
    """
    rows = []
    groups: dict[str, list[dict[str, float]]] = defaultdict(list)
    for query in queries:
        hits = search(query.query, 10)
        metrics = score_ranking(hits, query.relevant)
        rows.append(
            {
                "id": query.id,
                "query": query.query,
                **metrics,
                "top": [h.source_path for h in hits[:3]],
            }
        )
        groups[kind_of(query.relevant[0]) or "unknown"].append(metrics)
    return Report(
        overall=_mean([{k: r[k] for k in ("recall@5", "mrr@10", "ndcg@10")} for r in rows]),
        by_kind={kind: _mean(values) for kind, values in groups.items()},
        per_query=rows,
    )


def _mean(values: list[dict[str, float]]) -> Scores:
    if not values:
        return Scores()
    n = len(values)
    return Scores(
        queries=n,
        recall_at_5=sum(v["recall@5"] for v in values) / n,
        mrr_at_10=sum(v["mrr@10"] for v in values) / n,
        ndcg_at_10=sum(v["ndcg@10"] for v in values) / n,
    )

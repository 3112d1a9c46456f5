"""Facets: matching documents counted per kind, channel, person, year and month."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from search.store.catalog import ChunkRow

FACET_FIELDS = ("kind", "channel", "person", "year", "month")


def count_facets(rows: list[ChunkRow]) -> dict[str, dict[str, int]]:
    """Documents per kind, channel, person, year and month among the matching chunks."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in FACET_FIELDS}
    for row in rows:
        counts["kind"][row.kind] += 1
        if row.channel:
            counts["channel"][row.channel] += 1
        for person in set(row.people):
            counts["person"][person] += 1
        date = day_of(row.start_ts)
        if date:
            counts["year"][date[:4]] += 1
            counts["month"][date[:7]] += 1
    ordered = {name: dict(c.most_common()) for name, c in counts.items()}
    ordered["month"] = dict(sorted(counts["month"].items()))
    ordered["person"] = dict(counts["person"].most_common(20))
    return ordered


def day_of(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).date().isoformat()

"""Facets: matching documents counted per kind, channel, person, year and month."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from functools import lru_cache

from search.store.catalog import ChunkRow

FACET_FIELDS = ("kind", "channel", "person", "year", "month")


def count_facets(rows: list[ChunkRow]) -> dict[str, dict[str, int]]:
    """Documents per kind, channel, person, year and month among the matching chunks."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in FACET_FIELDS}
    kinds, channels, people, months = (counts[n] for n in ("kind", "channel", "person", "month"))
    for row in rows:
        kinds[row.kind] += 1
        if row.channel:
            channels[row.channel] += 1
        people.update(set(row.people))
        day = day_of(row.start_ts)
        if day:
            months[day[:7]] += 1
    for month, n in months.items():
        counts["year"][month[:4]] += n
    ordered = {name: dict(c.most_common()) for name, c in counts.items()}
    ordered["month"] = dict(sorted(counts["month"].items()))
    ordered["person"] = dict(counts["person"].most_common(20))
    return ordered


def day_of(ts: float | None) -> str | None:
    """The UTC date of a timestamp, as YYYY-MM-DD."""
    if ts is None:
        return None
    return _day(int(ts // 86400))


_EPOCH = date(1970, 1, 1)


@lru_cache(maxsize=8192)
def _day(days: int) -> str:
    """The date ``days`` after 1970-01-01 (a search's hundreds of passages share few)."""
    return (_EPOCH + timedelta(days=days)).isoformat()

"""Facet counting and the dates it reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from search.retrieval.facets import day_of


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 1, 0, 0, 0, tzinfo=UTC),
        datetime(2026, 2, 28, 23, 59, 59, 999000, tzinfo=UTC),
        datetime(1969, 12, 31, 12, 0, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(1900, 6, 15, 8, 30, tzinfo=UTC),
    ],
)
def test_a_timestamp_falls_on_its_utc_day_either_side_of_midnight_and_1970(
    moment: datetime,
) -> None:
    assert day_of(moment.timestamp()) == moment.date().isoformat()


def test_no_timestamp_has_no_day() -> None:
    assert day_of(None) is None

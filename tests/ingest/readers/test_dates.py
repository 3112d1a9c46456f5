"""Stated dates in headers, titles and headings (ingest.readers.dates)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest.readers.dates import parse_date, parse_heading_date


def day(y: int, m: int, d: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05-Jul-2001", day(2001, 7, 5)),
        ("Created: 5-Jul-2001", day(2001, 7, 5)),
        ("2021-07-08", day(2021, 7, 8)),
        ("July 8, 2021", day(2021, 7, 8)),
        ("8 July 2021", day(2021, 7, 8)),
        ("Jul 8th 2021", day(2021, 7, 8)),
        ("8th of July, 2021", day(2021, 7, 8)),
        ("Tue, 8 Jul 2021 10:00:00 +0000", day(2021, 7, 8)),
        ("Sep 11-14, 2023", day(2023, 9, 11)),
        ("Sep 11 - Sep 14, 2023", day(2023, 9, 11)),
        ("11\u201314 September 2023", day(2023, 9, 11)),
        ("I2P dev meeting, November 18, 2014 @ 20:00 UTC", day(2014, 11, 18, 20, 0)),
        ("DATE", None),
        ("YYYY-MM-DD", None),
        ("Python 3.2 March 2021", None),  # a version, not a day
        ("Post 31-Feb-2021", None),
    ],
)
def test_parse_date(text: str, expected: datetime | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("WECG Meetings 2021, Public Notes, July 8", day(2021, 7, 8)),
        ("WECG March 2024 Meetup, Public Notes, Mar 18", day(2024, 3, 18)),
        ("Extra meetings at TPAC 2023, Sep 11 - Sep 14", day(2023, 9, 11)),
        ("2025 WECG Berlin F2F, Public Notes, Mar 25", day(2025, 3, 25)),
        ("Team sync 2024 - 5 March", day(2024, 3, 5)),
        ("WECG TPAC Sep 23, 2024", day(2024, 9, 23)),
        ("Planning for 2024", None),  # a year alone is no day
        ("Feb 12, 14:00 UTC", None),  # no year
        ("Roadmap 2024 and 2025, Mar 3", None),  # which year?
        ("Sync 2024: we may 4 times a week", None),  # "may" is not a month here
    ],
)
def test_parse_heading_date(heading: str, expected: datetime | None) -> None:
    assert parse_heading_date(heading) == expected

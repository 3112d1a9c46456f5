"""Dates written in titles, headers and file names: ``2024-01-31``, ``Feb 19th, 2021``."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        1,
    )
    for name in names
}  # fmt: skip
_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|" \
    r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"  # fmt: skip
_TIME = r"(?:[,\s]+(?:at\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2}))?"
_DAY_FIRST = rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?P<year>(?:19|20)\d{{2}})"
_MONTH_FIRST = rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d{{2}})"
_DATE_PATTERNS = (
    re.compile(
        r"(?<!\d)(?P<year>(?:19|20)\d{2})[-_./](?P<month>\d{1,2})[-_./](?P<day>\d{1,2})(?!\d)"
        r"(?:[T\s_]+(?P<hour>\d{1,2}):(?P<minute>\d{2}))?"
    ),
    re.compile(_MONTH_FIRST + _TIME, re.I),
    re.compile(_DAY_FIRST + _TIME, re.I),
    re.compile(r"(?<!\d)(?P<year>20\d{2})(?P<month>[01]\d)(?P<day>[0-3]\d)(?!\d)"),
)


def find_date(text: str) -> datetime | None:
    """The first plausible date (and time, taken as UTC) in ``text``."""
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = match.groupdict()
            month = parts["month"]
            month_number = int(month) if month.isdigit() else _MONTHS.get(month.lower().rstrip("."))
            try:
                return datetime(
                    int(parts["year"]),
                    month_number or 0,
                    int(parts["day"]),
                    int(parts.get("hour") or 0),
                    int(parts.get("minute") or 0),
                    tzinfo=UTC,
                )
            except ValueError:
                continue
    return None

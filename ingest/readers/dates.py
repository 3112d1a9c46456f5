"""Dates written in titles, headers and file names: ``2024-01-31``, ``Feb 19th, 2021``,
``05-Jul-2001``, ``8 July 2021``, and in headings whose year stands apart from the day
(``WECG Meetings 2021, Public Notes, July 8``)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

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


# ---------------------------------------------------------------------------- stated dates
# What documents write about themselves (headers, titles, headings): parse_date takes the
# first full date in a text; parse_heading_date also reads a heading whose year stands apart.

_MON = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ANY_MON = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_YEAR = r"(?P<y>(?:19|20)\d\d)"
_ORD = r"(?:st|nd|rd|th)?"
_DASH = r"\s*[-\u2013\u2014]\s*"
_STATED_PATTERNS = (
    # 2025-03-04, 2025/4/25, 2024.7.24
    re.compile(rf"(?<!\d){_YEAR}[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}})(?!\d)"),
    # Mar 14, 2025 / March 4th 2025 / Sep 11-14, 2023 / Sep 11 - Sep 14, 2023
    re.compile(
        rf"\b{_MON}\s+(?P<d>\d{{1,2}}){_ORD}(?:{_DASH}(?:{_ANY_MON}\s+)?\d{{1,2}}{_ORD})?"
        rf",?\s+{_YEAR}\b",
        re.I,
    ),
    # 26 February 2021 / 8th of July, 2021 / 05-Jul-2001 / 11-14 September 2023
    re.compile(
        rf"(?<![\w.])(?P<d>\d{{1,2}}){_ORD}(?:{_DASH}\d{{1,2}}{_ORD})?(?:\s+of\s+|[\s/.-]+){_MON}"
        rf"(?:,\s*|[\s/.-]+){_YEAR}\b",
        re.I,
    ),
)
_TIME_AFTER_DATE = re.compile(
    r"^\D{0,12}?(?P<h>\d{1,2}):(?P<mi>\d\d)(?::\d\d)?(?:\s*-\s*\d{1,2}:\d\d)?\s*(?:UTC|GMT|Z)\b"
)
# A heading's day without its year ("July 8", "Mar 18", "8 July"); the month is capitalised
# so that "may" in a sentence is not a month.
_LONE_YEAR = re.compile(r"(?<![\d.])(?P<y>(?:19|20)\d\d)(?![\d.])")
_CAP_MON = (
    r"(?P<mon>(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)|(?:JAN|FEB|MAR|APR|MAY|JUN"
    r"|JUL|AUG|SEP|OCT|NOV|DEC))\.?"
)
_DAY_WITHOUT_YEAR = (
    re.compile(rf"\b{_CAP_MON}\s+(?P<d>\d{{1,2}}){_ORD}\b(?![:.]?\d)"),
    re.compile(rf"\b(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?{_CAP_MON}\b(?!\s*\d)"),
)


def parse_date(text: str) -> datetime | None:
    """The first full date (with a year) in ``text`` as an aware UTC datetime, or None.

    Understands ``2025-03-04``, ``2025/4/25``, ``2024.7.24``, ``Mar 14, 2025``,
    ``March 4th 2025``, ``26 February 2021``, ``05-Jul-2001`` and ranges
    (``Sep 11-14, 2023`` is the 11th); a following ``HH:MM UTC`` sets the time. A
    placeholder such as ``DATE`` or ``YYYY-MM-DD`` is no date.
    """
    found: list[re.Match[str]] = []
    for pattern in _STATED_PATTERNS:
        found += [m for m in pattern.finditer(text)]
    for match in sorted(found, key=lambda m: m.start()):
        parsed = _date_from_match(match, text[match.end() :])
        if parsed:
            return parsed
    return None


def parse_heading_date(text: str) -> datetime | None:
    """A date in a title or heading: a full date, or a day and month with the year elsewhere
    in the same heading (``WECG Meetings 2021, Public Notes, July 8``, ``2025 WECG Berlin
    F2F, Mar 25``, ``Extra meetings at TPAC 2023, Sep 11 - Sep 14``)."""
    full = parse_date(text)
    if full is not None:
        return full
    years = {m["y"] for m in _LONE_YEAR.finditer(text)}
    if len(years) != 1:
        return None
    days = [m for pattern in _DAY_WITHOUT_YEAR for m in pattern.finditer(text)]
    for match in sorted(days, key=lambda m: m.start()):
        month = _MONTHS[match["mon"][:3].lower()]
        try:
            return datetime(int(next(iter(years))), month, int(match["d"]), tzinfo=UTC)
        except ValueError:
            continue
    return None


def _date_from_match(match: re.Match[str], rest: str) -> datetime | None:
    parts = match.groupdict()
    month = int(parts["m"]) if parts.get("m") else _MONTHS[parts["mon"][:3].lower()]
    hour = minute = 0
    time_match = _TIME_AFTER_DATE.match(rest)
    if time_match:
        hour, minute = int(time_match["h"]), int(time_match["mi"])
    try:
        return datetime(int(parts["y"]), month, int(parts["d"]), hour, minute, tzinfo=UTC)
    except ValueError:
        return None


def as_utc(value: object) -> datetime | None:
    """A YAML/front-matter/core-property date value as an aware UTC datetime, or None."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        return parse_date(value)
    return None

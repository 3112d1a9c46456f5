"""A generic chat file: JSON Lines or CSV, one message per line or row.

Format
------
Files named ``*.jsonl`` / ``*.ndjson`` (one JSON object per line, UTF-8) or ``*.csv``
(UTF-8, a header row, comma separated, RFC 4180 quoting so text may hold commas and
line breaks). Field names are case-insensitive:

============== ======== ==============================================================
field          required meaning
============== ======== ==============================================================
``timestamp``  yes      ISO 8601 (``2025-03-05T14:02:00Z``, ``2025-03-05 14:02:00+01:00``;
                        no offset means UTC) or Unix epoch seconds (``1741183320``;
                        values above 10^11 are read as milliseconds)
``author``     yes      who wrote it (a display name)
``text``       yes      what was written
``thread``     no       a thread id: messages with the same channel and thread form one
                        conversation, whatever the time between them
``channel``    no       where it was said (a name such as ``release`` or ``#release``)
``author_email`` no     the author's e-mail address
``id``         no       the message id (used in locators; default ``line N``/``row N``)
============== ======== ==============================================================

Detection: a ``.jsonl``/``.ndjson`` file whose first non-empty line is a JSON object
with ``author`` and ``text``, or a ``.csv`` whose header has ``author`` and ``text``
columns. Records: one per channel and thread; messages without a thread are grouped
per channel into windows (a new one on a new UTC day or after more than 45 minutes).
Keys are ``chatfile:<file name>:<channel>:<thread or first timestamp>``. A line or row
that cannot be read (bad JSON, no author/text, bad time) is reported and skipped; bytes
that are not UTF-8 are read as cp1252 and counted in a warning. Access
is public: the format carries no membership.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ingest.readers.textutil import (
    TOO_DEEP,
    decode_mixed,
    looks_binary,
    minute_label,
    parse_time,
    read_bytes,
    read_head,
    snippet,
    split_windows,
    unique_identities,
)
from ingest.records import Access, Identity, Message, Problem, ReadError, Record
from ingest.sources import ReadResult

NAME = "chatfile"
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
REQUIRED = ("timestamp", "author", "text")


def detect(path: Path) -> bool:
    """A JSONL file whose first line has author and text, or a CSV with those columns."""
    suffix = path.suffix.lower()
    if not path.is_file() or (suffix not in JSONL_SUFFIXES and suffix != ".csv"):
        return False
    head = read_head(path)
    if suffix == ".csv":
        return {"author", "text"} <= set(_header(head))
    first = next((line for line in head.splitlines() if line.strip()), "")
    try:
        value = json.loads(first)
    except (json.JSONDecodeError, RecursionError):
        return False
    return isinstance(value, dict) and {"author", "text"} <= {str(k).lower() for k in value}


def _header(head: str) -> list[str]:
    try:
        row = next(csv.reader(io.StringIO(head)), [])
    except csv.Error:
        return []
    return [cell.strip().lower() for cell in row]


@dataclass(slots=True)
class _Row:
    channel: str
    thread: str | None
    time: datetime
    stamp: str
    message: Message


def read(path: Path) -> ReadResult:
    """Read a JSONL or CSV chat file into one record per thread or message window."""
    path = path.resolve()
    data = read_bytes(path)
    if looks_binary(data):
        raise ReadError("binary file, not text")
    text, replaced = decode_mixed(data)
    result = ReadResult()
    if replaced:
        result.problems.append(Problem(str(path), f"{replaced} bytes not UTF-8 read as cp1252"))
    entries = _csv_rows(text) if path.suffix.lower() == ".csv" else _jsonl_rows(text)
    rows: list[_Row] = []
    for where, entry in entries:
        try:
            rows.append(_row(entry, where))
        except ValueError as exc:
            result.problems.append(Problem(str(path), str(exc), where=where))
    if not rows:
        first = f": {result.problems[0]}" if result.problems else ""
        raise ReadError(f"no readable messages{first}")
    result.records = _records(rows, path)
    return result


def _jsonl_rows(text: str) -> list[tuple[str, dict[str, Any] | str]]:
    entries: list[tuple[str, dict[str, Any] | str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            entries.append((f"line {number}", f"invalid JSON: {exc.msg}"))
            continue
        except RecursionError:
            entries.append((f"line {number}", TOO_DEEP))
            continue
        entries.append((f"line {number}", value if isinstance(value, dict) else "not an object"))
    return entries


def _csv_rows(text: str) -> list[tuple[str, dict[str, Any] | str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    fields = {str(f).strip().lower() for f in reader.fieldnames or []}
    missing = [f for f in REQUIRED if f not in fields]
    if missing:
        raise ReadError(f"CSV header lacks {', '.join(missing)}")
    try:
        return [(f"row {number}", row) for number, row in enumerate(reader, start=2)]
    except csv.Error as exc:
        raise ReadError(f"malformed CSV: {exc}") from exc


def _row(entry: dict[str, Any] | str, where: str) -> _Row:
    if isinstance(entry, str):
        raise ValueError(entry)
    fields = {str(k).strip().lower(): v for k, v in entry.items() if k is not None}
    author, text = _field(fields, "author"), _field(fields, "text")
    if not author or not text:
        raise ValueError("message without author or text skipped")
    stamp = _field(fields, "timestamp")
    try:
        when = parse_time(fields.get("timestamp") if stamp else None)
    except ValueError as exc:
        raise ValueError(f"bad timestamp {stamp!r}: {exc}") from exc
    message_id = _field(fields, "id")
    channel = _field(fields, "channel").lstrip("#")
    thread = _field(fields, "thread") or None
    email = _field(fields, "author_email") or None
    return _Row(
        channel=channel,
        thread=thread,
        time=when,
        stamp=stamp,
        message=Message(
            author=Identity(name=author, email=email),
            text=text,
            time=when,
            locator=f"message {message_id}" if message_id else where,
        ),
    )


def _field(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name)
    return "" if value is None else str(value).strip()


def _records(rows: list[_Row], path: Path) -> list[Record]:
    rows = sorted(rows, key=lambda r: r.time)
    groups: dict[tuple[str, str | None], list[_Row]] = {}
    for row in rows:
        groups.setdefault((row.channel, row.thread), []).append(row)
    records: list[Record] = []
    for (channel, thread), members in groups.items():
        windows = [members] if thread else split_windows(members, lambda r: r.time)
        records += [_record(window, channel, thread, path) for window in windows]
    return sorted(records, key=lambda r: (r.created is None, r.created, r.key))


def _record(rows: list[_Row], channel: str, thread: str | None, path: Path) -> Record:
    messages = [r.message for r in rows]
    first = messages[0]
    label = f"#{channel}" if channel else path.stem
    kind = f"thread by {first.author.label}, " if thread else ""
    return Record(
        key=f"chatfile:{path.name}:{channel}:{thread or rows[0].stamp}",
        kind="chat",
        source=NAME,
        source_path=str(path),
        title=f"{label} — {kind}{minute_label(first.time)}: {snippet(first.text)}",
        created=first.time,
        ended=messages[-1].time,
        participants=unique_identities(m.author for m in messages),
        channel=label if channel else None,
        thread=thread,
        access=Access("public"),
        messages=messages,
    )

"""The generic JSONL/CSV chat reader: detection, times, threads, windows, bad rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ingest.readers import chatfile
from ingest.records import Access, ReadError


def jsonl(tmp_path: Path, rows: list[Any], name: str = "chat.jsonl") -> Path:
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def row(when: Any, author: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"timestamp": when, "author": author, "text": text, **extra}


def test_chatfile_detects_jsonl_and_csv_with_author_and_text(tmp_path: Path) -> None:
    assert chatfile.detect(jsonl(tmp_path, [row("2025-03-05T10:00:00Z", "Ann", "hi")]))
    assert chatfile.detect(jsonl(tmp_path, ['{"Author": "Ann", "Text": "x"}'], "caps.ndjson"))
    assert not chatfile.detect(jsonl(tmp_path, [{"user": "Ann", "msg": "x"}], "other.jsonl"))
    assert not chatfile.detect(jsonl(tmp_path, ["not json"], "junk.jsonl"))
    good_csv = tmp_path / "chat.csv"
    good_csv.write_text("timestamp,Author,text\n2025-03-05T10:00:00Z,Ann,hi\n")
    assert chatfile.detect(good_csv)
    other_csv = tmp_path / "sales.csv"
    other_csv.write_text("date,amount\n2025-03-05,3\n")
    assert not chatfile.detect(other_csv)
    wrong_suffix = tmp_path / "chat.txt"
    wrong_suffix.write_text(json.dumps(row("2025-03-05T10:00:00Z", "Ann", "hi")))
    assert not chatfile.detect(wrong_suffix)


def test_chatfile_messages_grouped_by_channel_and_45_minute_gaps(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        [
            row("2025-03-05T10:00:00Z", "Ann", "a", channel="release"),
            row("2025-03-05T10:05:00Z", "Bob", "other room", channel="random"),
            row("2025-03-05T10:45:00Z", "Bob", "b", channel="#release"),
            row("2025-03-05T11:30:01Z", "Ann", "c", channel="release"),
            row("2025-03-06T00:00:00Z", "Ann", "d", channel="release"),
        ],
    )
    records = chatfile.read(path).records
    texts = {(r.channel, tuple(m.text for m in r.messages)) for r in records}
    assert texts == {
        ("#release", ("a", "b")),
        ("#random", ("other room",)),
        ("#release", ("c",)),
        ("#release", ("d",)),
    }
    first = records[0]
    assert first.key == "chatfile:chat.jsonl:release:2025-03-05T10:00:00Z"
    assert first.source == "chatfile" and first.kind == "chat"
    assert first.source_path == str(path.resolve())
    assert first.title == "#release — 2025-03-05 10:00: a"
    assert first.access == Access("public")


def test_chatfile_thread_messages_form_one_record_whatever_the_gap(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        [
            row("2025-03-05T10:00:00Z", "Ann", "question", thread="t1", channel="eng"),
            row("2025-03-05T10:01:00Z", "Bob", "chatter", channel="eng"),
            row("2025-03-07T09:00:00Z", "Bob", "answer", thread="t1", channel="eng"),
        ],
    )
    records = chatfile.read(path).records
    thread = next(r for r in records if r.thread == "t1")
    assert [m.text for m in thread.messages] == ["question", "answer"]
    assert thread.key == "chatfile:chat.jsonl:eng:t1"
    assert thread.title == "#eng — thread by Ann, 2025-03-05 10:00: question"
    assert [m.text for r in records if r.thread is None for m in r.messages] == ["chatter"]


def test_chatfile_accepts_iso_and_epoch_timestamps_as_utc(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        [
            row("2025-03-05T11:00:00+01:00", "Ann", "offset"),
            row(1741168860, "Ann", "epoch int"),
            row("1741168920.5", "Ann", "epoch text"),
            row("2025-03-05 10:03:00", "Ann", "naive"),
            row(1741169040000, "Ann", "epoch ms"),
        ],
    )
    record = chatfile.read(path).records[0]
    assert [m.time for m in record.messages] == [
        datetime(2025, 3, 5, 10, 0, tzinfo=UTC),
        datetime(2025, 3, 5, 10, 1, tzinfo=UTC),
        datetime(2025, 3, 5, 10, 2, 0, 500000, tzinfo=UTC),
        datetime(2025, 3, 5, 10, 3, tzinfo=UTC),
        datetime(2025, 3, 5, 10, 4, tzinfo=UTC),
    ]


def test_chatfile_author_email_and_message_id_are_kept(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        [
            row("2025-03-05T10:00:00Z", "Ann Lee", "x", author_email="ann@ex.com", id="m-1"),
            row("2025-03-05T10:01:00Z", "Bob", "y"),
        ],
    )
    record = chatfile.read(path).records[0]
    assert record.participants[0].email == "ann@ex.com"
    assert [m.locator for m in record.messages] == ["message m-1", "line 2"]
    assert [p.name for p in record.participants] == ["Ann Lee", "Bob"]


def test_chatfile_bad_lines_are_problems_and_the_rest_is_read(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        [
            row("2025-03-05T10:00:00Z", "Ann", "fine"),
            "{not json",
            row("someday", "Ann", "bad time"),
            row("2025-03-05T10:02:00Z", "", "no author"),
            "[1, 2]",
        ],
    )
    result = chatfile.read(path)
    assert [m.text for r in result.records for m in r.messages] == ["fine"]
    assert [p.where for p in result.problems] == ["line 2", "line 3", "line 4", "line 5"]


def test_chatfile_csv_with_quoted_multiline_text(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "Timestamp,Author,Text,Channel,Thread\n"
        '2025-03-05T10:00:00Z,Ann,"hello, world\nsecond line",general,\n'
        "2025-03-05T10:01:00Z,Bob,reply,general,\n"
        "oops,Bob,bad,general,\n",
        encoding="utf-8",
    )
    result = chatfile.read(path)
    record = result.records[0]
    assert [m.text for m in record.messages] == ["hello, world\nsecond line", "reply"]
    assert record.messages[0].locator == "row 2"
    assert [p.where for p in result.problems] == ["row 4"]


def test_chatfile_unreadable_files_raise_read_error(tmp_path: Path) -> None:
    no_time = tmp_path / "no-time.csv"
    no_time.write_text("author,text\nAnn,hi\n")
    with pytest.raises(ReadError, match="timestamp"):
        chatfile.read(no_time)
    all_bad = jsonl(tmp_path, ["{bad", "{worse"], "bad.jsonl")
    with pytest.raises(ReadError, match="no readable messages"):
        chatfile.read(all_bad)
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ReadError):
        chatfile.read(binary)

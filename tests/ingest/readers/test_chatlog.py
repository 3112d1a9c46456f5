"""Tests for the plain-text chat log reader (IRC logs, markdown logs, Zoom chat)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.readers import chatlog
from ingest.records import ReadError
from tests.conftest import SHARED

SAMPLES = SHARED / "samples" / "transcripts"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def messages(path: Path) -> list[tuple[str, str, str]]:
    return [
        (m.locator, m.author.name, m.text)
        for record in chatlog.read(path).records
        for m in record.messages
    ]


@pytest.mark.parametrize(
    "lines",
    [
        ["<alice> hi", "<bob> hello", "<alice> how are you?"],
        ["[12:01] <alice> hi", "[12:02] <@bob> hello", "[12:03] <alice> how are you?"],
        ["12:01 < alice> hi", "12:02 <+bob> hello", "12:03 < alice> how are you?"],
        ["**alice** hi", "**bob** hello", "**alice** how are you?"],
        [
            "2024-01-02 12:01:02 alice: hi",
            "2024-01-02 12:02:00 bob: hello",
            "2024-01-02 12:03:00 alice: how are you?",
        ],
        [
            "Jan 02 12:01:02 <alice>\thi",
            "Jan 02 12:02:02 <bob>\thello",
            "Jan 02 12:03:02 <alice>\thow are you?",
        ],
    ],
)
def test_chat_line_formats(tmp_path: Path, lines: list[str]) -> None:
    path = write(tmp_path / "team.log", "\n".join(lines) + "\n")
    assert chatlog.detect(path)
    assert messages(path) == [
        ("line 1", "alice", "hi"),
        ("line 2", "bob", "hello"),
        ("line 3", "alice", "how are you?"),
    ]


def test_join_part_quit_and_mode_lines_are_skipped(tmp_path: Path) -> None:
    path = write(
        tmp_path / "#dev.2024-01-02.log",
        "--- Log opened Tue Jan 02 12:00:00 2024\n"
        "12:00 -!- alice [~a@host] has joined #dev\n"
        "12:01 < alice> morning\n"
        "12:01 -!- mode/#dev [+o alice] by ChanServ\n"
        "12:02 < bob> hi alice\n"
        "12:03  * bob waves\n"
        "12:04 -!- carol [~c@host] has quit [Quit: bye]\n"
        "[12:05] *** Joins: dave (~d@host)\n",
    )
    assert chatlog.detect(path)
    record = chatlog.read(path).records[0]
    assert [(m.author.name, m.text) for m in record.messages] == [
        ("alice", "morning"),
        ("bob", "hi alice"),
        ("bob", "* bob waves"),
    ]
    assert record.channel == "#dev"
    assert record.access.scope == "public"
    assert record.kind == "chat"
    assert record.source == "chatlog"
    assert record.messages[0].time == datetime(2024, 1, 2, 12, 1, tzinfo=UTC)
    assert record.key == f"chatlog:{path.resolve()}:3"
    assert record.title == "#dev 2024-01-02 12:01"


def test_sessions_split_at_pauses_over_45_minutes(tmp_path: Path) -> None:
    path = write(
        tmp_path / "ops.log",
        "[09:00] <a> one\n[09:10] <b> two\n[09:54] <a> three\n"
        "[10:40] <b> four\n[23:59] <a> late\n[00:10] <b> after midnight\n",
    )
    records = chatlog.read(path).records
    assert [[m.text for m in r.messages] for r in records] == [
        ["one", "two", "three"],
        ["four"],
        ["late", "after midnight"],
    ]
    assert [r.key.rsplit(":", 1)[1] for r in records] == ["1", "4", "5"]
    assert all(r.channel == "ops" for r in records)


def test_logs_without_times_split_into_windows_of_lines(tmp_path: Path) -> None:
    lines = [f"<{'ab'[i % 2]}> message {i}" for i in range(450)]
    path = write(tmp_path / "old.txt", "\n".join(lines) + "\n")
    records = chatlog.read(path).records
    assert [len(r.messages) for r in records] == [200, 200, 50]
    assert records[1].messages[0].locator == "line 201"
    assert records[0].title == "old (lines 1-200)"
    assert records[0].created is None


def test_channel_from_session_header(tmp_path: Path) -> None:
    path = write(
        tmp_path / "log.txt",
        "Session Start: Tue Jan 02 12:00:00 2024\nSession Ident: #python\n"
        "[12:00] <a> x\n[12:01] <b> y\n[12:02] <a> z\n",
    )
    record = chatlog.read(path).records[0]
    assert record.channel == "#python"
    assert record.created == datetime(2024, 1, 2, 12, 0, tzinfo=UTC)


def test_zoom_chat_export_reactions_replies_and_continuations(tmp_path: Path) -> None:
    path = write(
        tmp_path / "acdt_2026-06-22_084" / "chat.txt",
        "00:04:07\tJustin Traglia:\tGm\r\n"
        "00:04:27\tJustin Florentine (Besu):\tBen looks like a steampunk hero\r\n"
        '00:04:30\tAnn:\tReacted to "Gm" with 😄\r\n'
        '00:04:31\tAnn:\tReacted to Ben looks like a st... with "👍"\r\n'
        '00:06:41\tWill:\tReplying to "Ben looks like a ste..."\n\nIndeed he does\r\n'
        "00:07:00\tBarnabas:\tlogs say:\n2026-06-22 14:04:24 DEBUG - failed import\r\n",
    )
    assert chatlog.detect(path)
    record = chatlog.read(path).records[0]
    assert [(m.locator, m.author.name, m.text, m.reply_to) for m in record.messages] == [
        ("line 1", "Justin Traglia", "Gm", None),
        ("line 2", "Justin Florentine (Besu)", "Ben looks like a steampunk hero", None),
        ("line 5", "Will", "Indeed he does", "line 2"),
        ("line 8", "Barnabas", "logs say:\n2026-06-22 14:04:24 DEBUG - failed import", None),
    ]
    assert record.channel == "acdt_2026-06-22_084"
    assert record.created == datetime(2026, 6, 22, tzinfo=UTC)
    assert record.messages[0].time is None  # Zoom times are offsets into the meeting


def test_old_zoom_from_to_format(tmp_path: Path) -> None:
    path = write(
        tmp_path / "meeting_saved_chat.txt",
        "10:02:31 From Ann Lee to Everyone: hello\n10:02:40 From Bo to Everyone: hi\n"
        "10:03:00 From Ann Lee to Everyone: agenda?\n",
    )
    assert [m[1] for m in messages(path)] == ["Ann Lee", "Bo", "Ann Lee"]


def test_notes_and_transcripts_are_not_chat_logs(tmp_path: Path) -> None:
    notes = write(
        tmp_path / "notes.md",
        "# Sync\n\n**Decision** we ship friday\n\n- item one\n- item two\n\nSome prose.\n"
        "More prose.\n",
    )
    transcript = write(
        tmp_path / "call.md",
        "**Tim**: hello\n\n**Ann**: hi\n\n**Tim**: agenda\n\n**Ann**: ok\n",
    )
    prose = write(tmp_path / "readme.txt", "Install with pip.\nThen run it.\n<b>bold</b>\n")
    for path in (notes, transcript, prose):
        assert not chatlog.detect(path), path.name
    assert not chatlog.detect(write(tmp_path / "data.json", "<a> hi\n<b> yo\n<a> x\n"))


def test_file_without_chat_lines_raises_read_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError):
        chatlog.read(write(tmp_path / "x.log", "nothing to see\n"))


# ---------------------------------------------------------------- real samples


def sample(*parts: str) -> Path:
    path = SAMPLES.joinpath(*parts)
    if not path.exists():
        pytest.skip("shared samples not available")
    return path


@pytest.mark.parametrize(
    ("folder", "count", "people", "replies"),
    [("acde_2026-03-12_232", 256, 49, 130), ("acdt_2026-06-22_084", 27, 14, 5)],
)
def test_sample_zoom_chat_counts(folder: str, count: int, people: int, replies: int) -> None:
    path = sample("ethereum-pm-zoom", folder, "chat.txt")
    assert chatlog.detect(path)
    records = chatlog.read(path).records
    assert len(records) == 1
    record = records[0]
    assert (len(record.messages), len(record.participants)) == (count, people)
    assert sum(1 for m in record.messages if m.reply_to) == replies
    assert not any(m.text.startswith(("Reacted to", "Replying to")) for m in record.messages)

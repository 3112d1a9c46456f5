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
    lines = [f"<{'ab'[i % 2]}> message {i}" for i in range(2300)]
    path = write(tmp_path / "old.txt", "\n".join(lines) + "\n")
    records = chatlog.read(path).records
    assert [len(r.messages) for r in records] == [1000, 1000, 300]
    assert records[1].messages[0].locator == "line 1001"
    assert records[0].title == "old (lines 1-1000)"
    assert records[0].created is None


def test_a_meeting_log_without_times_stays_one_record(tmp_path: Path) -> None:
    lines = [f"<{'ab'[i % 2]}> message {i}" for i in range(700)]
    path = write(tmp_path / "047.log", "\n".join(lines) + "\n")
    assert len(chatlog.read(path).records) == 1


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


@pytest.mark.parametrize(
    "lines",
    [
        # Pidgin, 12-hour clock
        [
            "(08:01:02 PM) alice: hi",
            "(08:01:40 PM) bob: hello",
            "(08:02:00 PM) alice: how are you?",
        ],
        # X-Chat, tab-separated
        ["<alice>\thi", "<bob>\thello", "<alice>\thow are you?"],
        # irssi with seconds and two spaces
        ["20:58:32  <alice> hi", "20:59:27  <bob> hello", "21:00:25  <alice> how are you?"],
        # web-published log: entities and paragraph tags
        ["14:02 < alice> hi<p>", "14:02 <+bob> hello<p>", "14:03 <@alice> how are you?<p>"],
    ],
)
def test_more_irc_formats(tmp_path: Path, lines: list[str]) -> None:
    path = write(tmp_path / "meeting.log", "\n".join(lines) + "\n")
    assert chatlog.detect(path)
    assert messages(path) == [
        ("line 1", "alice", "hi"),
        ("line 2", "bob", "hello"),
        ("line 3", "alice", "how are you?"),
    ]


def test_pidgin_twelve_hour_clock_and_room_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "2021-03-02.log",
        " (11:59:50 AM) alice: before noon\n"
        "(12:00:10 PM) bob: noon\n"
        "(12:01:00 PM) carol [c@host] entered the room.\n"
        "(12:01:05 PM) mode (+v carol) by ChanServ\n"
        "(12:02:00 PM) ***carol waves\n"
        "(12:03:00 PM) carol left the room (quit: Read error).\n",
    )
    record = chatlog.read(path).records[0]
    assert [(m.author.name, m.text) for m in record.messages] == [
        ("alice", "before noon"),
        ("bob", "noon"),
        ("carol", "* carol waves"),
    ]
    assert [m.time.hour for m in record.messages if m.time] == [11, 12, 12]


def test_continuation_lines_belong_to_the_speaker_and_status_lines_are_skipped(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "x.log",
        "-->\tYou are now talking on #dev\n"
        "---\tTopic for #dev is Meeting - logs:\n"
        "\t  http://example.org/logs\n"
        "<alice>\tAfter a year on the project I have decided to\n"
        "\t  resign as developer.\n"
        "<--\tbob has quit (Ping timeout)\n"
        "<bob>\tsad to hear\n"
        "*\tcarol hugs alice\n"
        "thecrypto (~t@anon) has joined channel #dev\n"
        "Signoff: wilde (Ping timeout)\n"
        "dave is now known as dave_\n"
        "<carol> bye\n",
    )
    assert [(m.locator, m.author.name, m.text) for m in chatlog.read(path).records[0].messages] == [
        ("line 4", "alice", "After a year on the project I have decided to\nresign as developer."),
        ("line 7", "bob", "sad to hear"),
        ("line 8", "carol", "* carol hugs alice"),
        ("line 12", "carol", "bye"),
    ]


def test_relay_bots_pass_messages_on_to_the_speaker_inside(tmp_path: Path) -> None:
    path = write(
        tmp_path / "relay.log",
        "13:10 < jr> 0) hi\n"
        "13:10 < deer> <Ragnarok> you're fired\n"
        "13:11 < deer> <postman> in/out is about 500 mails / month\n"
        "13:11 < deer> * postman waves\n"
        "13:12 <i2pr> [Slack/str4d] The new website is up\n"
        "13:12 <i2pr> [Slack/str4d] Sorry for the delay\n"
        "13:13 <iRelay> Title: Some page (at example.i2p)\n"
        "13:13 <iRelay> <Novice@kytv> I missed the torrent option\n"
        "13:14 <mids> <nop> 1) Welcome\n"
        "13:14 <mids> thanks all\n"
        "13:15 <mids> see you\n",
    )
    record = chatlog.read(path).records[0]
    found = [(m.author.name, m.text, m.is_bot) for m in record.messages]
    assert found == [
        ("jr", "0) hi", False),
        ("Ragnarok", "you're fired", False),
        ("postman", "in/out is about 500 mails / month", False),
        ("postman", "* postman waves", False),
        ("str4d", "The new website is up", False),
        ("str4d", "Sorry for the delay", False),
        ("iRelay", "Title: Some page (at example.i2p)", True),
        ("Novice", "I missed the torrent option", False),
        ("mids", "<nop> 1) Welcome", False),  # a quote, not a relay: mids mostly speaks
        ("mids", "thanks all", False),
        ("mids", "see you", False),
    ]
    names = [p.name for p in record.participants]
    assert "deer" not in names and "i2pr" not in names and "iRelay" not in names
    assert {"Ragnarok", "postman", "str4d", "Novice", "mids"} <= set(names)


def test_html_remnants_preamble_and_own_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "078.log",
        "Considering we did not have a very official meeting, here are my logs of the\n"
        "meeting from slightly before it started. (baffled)\n"
        "\n"
        "<human> baffled: we are waiting &amp; hoping\n"
        "> Don't we have to hold hands?\n"
        "<UL >\n"
        "<li> human gives his hand to baffled \n"
        "</UL>\n"
        '<DrWoo<a href="wiki?action=edit&id=DrWoo" class=wikipageedit>?</a>> you guys are funny\n'
        "<wilde> ok\n",
    )
    record = chatlog.read(path).records[0]
    found = [(m.locator, m.author.name, m.text) for m in record.messages]
    assert found[0][0] == "line 1" and found[0][1] == ""
    assert found[0][2].startswith("Considering we did not have")
    assert found[1:] == [
        ("line 4", "human", "baffled: we are waiting & hoping"),
        ("line 5", "", "Don't we have to hold hands?"),
        ("line 7", "human", "* human gives his hand to baffled"),
        ("line 9", "DrWoo", "you guys are funny"),
        ("line 10", "wilde", "ok"),
    ]
    assert "li" not in [p.name for p in record.participants]


def test_a_log_crossing_midnight_moves_to_the_next_day(tmp_path: Path) -> None:
    path = write(
        tmp_path / "2012-12-18.log",
        "23:58:45  <a> late\n23:59:10  <b> later\n00:02:24  <a> after midnight\n",
    )
    record = chatlog.read(path).records[0]
    assert [m.time for m in record.messages] == [
        datetime(2012, 12, 18, 23, 58, 45, tzinfo=UTC),
        datetime(2012, 12, 18, 23, 59, 10, tzinfo=UTC),
        datetime(2012, 12, 19, 0, 2, 24, tzinfo=UTC),
    ]
    assert len(chatlog.read(path).records) == 1


def test_day_changed_and_log_opened_headers_date_the_messages(tmp_path: Path) -> None:
    path = write(
        tmp_path / "004.log",
        "--- Log opened Tue Jun 11 22:52:16 2002\n"
        "22:55 < logger> logging started\n"
        "23:40 <@mids> welcome\n"
        "--- Day changed Wed Jun 12 2002\n"
        "00:10 <@mids> still here\n",
    )
    record = chatlog.read(path).records[0]
    assert [m.time for m in record.messages] == [
        datetime(2002, 6, 11, 22, 55, tzinfo=UTC),
        datetime(2002, 6, 11, 23, 40, tzinfo=UTC),
        datetime(2002, 6, 12, 0, 10, tzinfo=UTC),
    ]


def test_a_companion_recap_titles_and_dates_the_log(tmp_path: Path) -> None:
    write(tmp_path / "124.rst", "I2P dev meeting, January 11, 2005\n" + "=" * 33 + "\n\nRecap\n")
    path = write(tmp_path / "124.log", "13:10 < jr> 0) hi\n13:11 < zz> hello\n13:12 < jr> ok\n")
    record = chatlog.read(path).records[0]
    assert record.title == "I2P dev meeting, January 11, 2005"
    assert record.created == datetime(2005, 1, 11, 13, 10, tzinfo=UTC)


def test_a_companion_date_wins_over_the_loggers_local_day_close_to_it(tmp_path: Path) -> None:
    write(tmp_path / "025.md", "# Meeting, January 7, 2003\n\nnotes\n")
    path = write(
        tmp_path / "025.log",
        "--- Log opened Wed Jan 08 00:14:47 2003\n00:15 <nop> welcome\n00:16 <mids> hi\n",
    )
    record = chatlog.read(path).records[0]
    assert record.created == datetime(2003, 1, 7, 0, 15, tzinfo=UTC)
    assert record.title == "Meeting, January 7, 2003"


def test_a_companion_without_a_date_leaves_the_file_name_date(tmp_path: Path) -> None:
    write(tmp_path / "2024-05-02.rst", "Weekly sync, DATE\n=================\n")
    path = write(tmp_path / "2024-05-02.log", "<a> one\n<b> two\n<a> three\n")
    record = chatlog.read(path).records[0]
    assert record.title == "Weekly sync, DATE"
    assert record.created == datetime(2024, 5, 2, tzinfo=UTC)


def test_a_bulleted_list_is_not_a_chat_log(tmp_path: Path) -> None:
    path = write(
        tmp_path / "list.md",
        "* alpha beta\n* gamma delta\n* epsilon zeta\n* eta theta\n* iota kappa\n",
    )
    assert not chatlog.detect(path)


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

"""Tests for the transcript reader (WebVTT, SRT, SBV, plain-text/markdown turns)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.readers import dates, transcripts
from ingest.records import ReadError
from tests.conftest import SHARED

SAMPLES = SHARED / "samples" / "transcripts"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def read_record(path: Path):
    result = transcripts.read(path)
    assert len(result.records) == 1
    return result.records[0]


def turns(path: Path) -> list[tuple[str, str, str]]:
    return [(m.locator, m.author.name, m.text) for m in read_record(path).messages]


# ---------------------------------------------------------------- captions


def test_vtt_voice_tags_give_speakers_and_consecutive_cues_merge(tmp_path: Path) -> None:
    path = write(
        tmp_path / "standup.vtt",
        "WEBVTT\n\n"
        "0:0:0.210 --> 0:0:1.130\n<v Yuri Bakulin>There you go.</v>\n\n"
        "0:0:1.200 --> 0:0:2.000\n<v Yuri Bakulin>Can you hear me?</v>\n\n"
        "0:12:31.000 --> 0:12:33.000\n<v.loud Adrian Petrescu>Why hello there.</v>\n",
    )
    assert turns(path) == [
        ("00:00:00", "Yuri Bakulin", "There you go. Can you hear me?"),
        ("00:12:31", "Adrian Petrescu", "Why hello there."),
    ]
    record = read_record(path)
    assert record.kind == "transcript"
    assert record.source == "vtt"
    assert record.key == f"transcript:{path.resolve()}"
    assert record.source_path == str(path.resolve())
    assert [p.name for p in record.participants] == ["Yuri Bakulin", "Adrian Petrescu"]


def test_zoom_cue_prefixes_give_speakers_with_parentheses_and_handles(tmp_path: Path) -> None:
    path = write(
        tmp_path / "acde_2026-03-12_232" / "transcript.vtt",
        "WEBVTT\r\n\r\n1\r\n00:02:18.210 --> 00:02:20.410\r\n"
        "dionysuz.eth: Hello, can everyone hear me?\r\n\r\n"
        "2\r\n00:02:21.720 --> 00:02:23.119\r\nJustin Florentine (Besu): Yes.\r\n\r\n"
        "3\r\n00:02:23.550 --> 00:02:28.929\r\nJustin Florentine (Besu): Loud and clear.\r\n",
    )
    assert turns(path) == [
        ("00:02:18", "dionysuz.eth", "Hello, can everyone hear me?"),
        ("00:02:21", "Justin Florentine (Besu)", "Yes. Loud and clear."),
    ]
    record = read_record(path)
    assert record.created == datetime(2026, 3, 12, tzinfo=UTC)
    assert record.title == "acde_2026-03-12_232 transcript"


def test_occasional_colon_in_caption_is_not_a_speaker(tmp_path: Path) -> None:
    path = write(
        tmp_path / "film.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nNote: this is fine\n\n"
        "00:00:02.000 --> 00:00:03.000\nand so is this\n\n"
        "00:00:03.000 --> 00:00:04.000\nthe end\n",
    )
    assert turns(path) == [("00:00:01", "", "Note: this is fine and so is this the end")]


def test_vtt_blocks_ids_bom_settings_and_inline_tags_are_handled(tmp_path: Path) -> None:
    path = write(
        tmp_path / "tags.vtt",
        "\ufeffWEBVTT - Film night\nKind: captions\n\n"
        "STYLE\n::cue { color: papayawhip; }\n\n"
        "NOTE\nThis translation was done by Kyle\n\n"
        "REGION\nid:fred width:40%\n\n"
        "intro\n00:16.500 --> 00:18.500 align:start position:0%\n"
        "When the moon <00:17.500>hits your eye\n\n"
        "2\n00:00:18.500 --> 00:00:20.500\n"
        "That's <00:00:19.000><c.colorE5E5E5>amore</c> &amp; <i>more</i>\n",
    )
    record = read_record(path)
    assert record.title == "Film night"
    assert [m.text for m in record.messages] == ["When the moon hits your eye That's amore & more"]
    assert record.messages[0].locator == "00:00:16"


def test_vtt_without_header_line_still_reads_first_cue(tmp_path: Path) -> None:
    path = write(tmp_path / "bare.vtt", "00:00:01.000 --> 00:00:02.000\n<v Ann>First.\n")
    assert turns(path) == [("00:00:01", "Ann", "First.")]


def test_speakerless_captions_split_into_paragraphs_at_pauses(tmp_path: Path) -> None:
    path = write(
        tmp_path / "talk.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nOne\n\n"
        "00:00:02.000 --> 00:00:03.000\nTwo\n\n00:00:10.000 --> 00:00:11.000\nThree\n",
    )
    assert turns(path) == [("00:00:01", "", "One Two"), ("00:00:10", "", "Three")]


def test_srt_with_comma_milliseconds(tmp_path: Path) -> None:
    path = write(
        tmp_path / "movie.srt",
        "1\n00:00:00,500 --> 00:00:07,000\nCaption one\n\n"
        "2\n01:02:03,000 --> 01:02:04,000\n<b>Caption</b> two\nsecond line\n",
    )
    record = read_record(path)
    assert record.source == "srt"
    assert [(m.locator, m.text) for m in record.messages] == [
        ("00:00:00", "Caption one"),
        ("01:02:03", "Caption two second line"),
    ]


def test_sbv_captions(tmp_path: Path) -> None:
    path = write(
        tmp_path / "clip.sbv",
        "0:00:00.378,0:00:01.378\nFirst\n\n0:00:01.400,0:00:02.305\nSecond\nline\n",
    )
    record = read_record(path)
    assert record.source == "sbv"
    assert [m.text for m in record.messages] == ["First Second line"]


def test_youtube_rolling_captions_are_deduplicated(tmp_path: Path) -> None:
    path = write(
        tmp_path / "yt.vtt",
        "WEBVTT\nKind: captions\nLanguage: en\n\n"
        "00:04:46.070 --> 00:04:46.470 align:start position:0%\nyeah\n\n"
        "00:04:46.470 --> 00:05:04.080 align:start position:0%\nyeah\n<c.colorCCCCCC>what</c>\n"
        "00:05:04.080 --> 00:05:05.069 align:start position:0%\n"
        "this<00:05:04.199><c> will</c><c> happen</c>\n\n"
        "00:05:05.069 --> 00:05:05.400 align:start position:0%\nthis will happen\n \n\n"
        "00:05:05.400 --> 00:05:06.000 align:start position:0%\nthis will happen\nnext\n",
    )
    assert [m.text for m in read_record(path).messages] == ["yeah what this will happen next"]


def test_caption_file_without_cues_raises_read_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError):
        transcripts.read(write(tmp_path / "empty.vtt", "WEBVTT\n\nNOTE nothing here\n"))


def test_caption_files_are_always_detected(tmp_path: Path) -> None:
    assert transcripts.detect(write(tmp_path / "a.vtt", "WEBVTT\n"))
    assert transcripts.detect(write(tmp_path / "a.srt", ""))
    assert transcripts.detect(write(tmp_path / "a.sbv", ""))


# ---------------------------------------------------------------- plain transcripts

MARKDOWN = """# Core Devs Meeting 101 Notes
### Meeting Date/Time: Friday, November 27 2020, 14:00 UTC
### Moderator: Hudson

## Decisions Made
- **101.1**: ship it

# 1. Berlin updates
Video | [4:12](https://youtu.be/x?t=252)
-|-

**Hudson**: Welcome everyone.
Second line of the same turn.

**Micah Zoltu** (_via chat_): A comment.

**Micah Zoltu**: More from Micah.

# 2. Other business

**Hudson**: Anything else?

**Decisions**:
- **101.2**: EIP-2681 to Last Call

**Tim**: No.
"""


def test_markdown_transcript_turns_headings_and_header(tmp_path: Path) -> None:
    path = write(tmp_path / "Meeting 101.md", MARKDOWN)
    assert transcripts.detect(path)
    record = read_record(path)
    assert record.source == "transcript"
    assert record.title == "Core Devs Meeting 101 Notes"
    assert record.created == datetime(2020, 11, 27, 14, 0, tzinfo=UTC)
    assert [p.name for p in record.participants] == ["Hudson", "Micah Zoltu", "Tim"]
    assert turns(path) == [
        (
            "line 1",
            "",
            "### Meeting Date/Time: Friday, November 27 2020, 14:00 UTC\n### Moderator: Hudson\n"
            "## Decisions Made\n- **101.1**: ship it",
        ),
        (
            "line 12",
            "Hudson",
            "[1. Berlin updates] [Video | [4:12](https://youtu.be/x?t=252)] Welcome everyone."
            "\nSecond line of the same turn.",
        ),
        ("line 15", "Micah Zoltu", "(_via chat_) A comment.\nMore from Micah."),
        ("line 21", "Hudson", "[2. Other business] Anything else?"),
        ("line 23", "", "Decisions:\n- **101.2**: EIP-2681 to Last Call"),
        ("line 26", "Tim", "No."),
    ]


def test_plain_speaker_colon_transcript(tmp_path: Path) -> None:
    path = write(
        tmp_path / "interview_2024-03-05.txt",
        "Alice: Hi Bob.\nBob: Hi Alice, how are you?\nAlice: Fine.\nIt was a long week.\n"
        "Bob: Same here.\n",
    )
    assert transcripts.detect(path)
    record = read_record(path)
    assert record.created == datetime(2024, 3, 5, tzinfo=UTC)
    assert record.title == "interview 2024-03-05"
    assert turns(path) == [
        ("line 1", "Alice", "Hi Bob."),
        ("line 2", "Bob", "Hi Alice, how are you?"),
        ("line 3", "Alice", "Fine.\nIt was a long week."),
        ("line 5", "Bob", "Same here."),
    ]


def test_bold_dash_and_otter_styles(tmp_path: Path) -> None:
    dash = write(
        tmp_path / "call.md",
        "**Tim** - Hello.\n\n**Abdel** - Hi.\n\n**Tim** - Updates?\n\n**Abdel** - None.\n",
    )
    otter = write(
        tmp_path / "otter.txt",
        "Speaker 1  0:00\nHello there.\n\nSpeaker 2  0:05\nHi.\n\n"
        "Speaker 1  0:09\nShall we?\n\nSpeaker 2  0:12\nYes.\n",
    )
    assert [t[1] for t in turns(dash)] == ["Tim", "Abdel", "Tim", "Abdel"]
    assert turns(otter)[0] == ("line 1", "Speaker 1", "Hello there.")
    assert len(turns(otter)) == 4


def test_prose_and_label_notes_are_not_transcripts(tmp_path: Path) -> None:
    prose = write(
        tmp_path / "essay.md",
        "# Essay\n\nSome prose here.\nMore prose: with a colon.\n\nNote: a remark.\n",
    )
    labels = write(
        tmp_path / "notes.md",
        "# Breakout 14\n\n**Agenda**: link\n\n**Date & Time**: Dec 20, 2024\n\n"
        "**Recording**: https://youtu.be/x\n\n**Note**: none\n",
    )
    bullets = write(
        tmp_path / "bullets.md",
        "- **Attendance**: small\n- **Teku**: rebasing\n- **Prysm**: done\n- **Teku**: ok\n",
    )
    code = write(
        tmp_path / "api.md",
        "# API\n\n```json\n" + '"id": "1",\n"name": "x",\n' * 10 + "```\n",
    )
    for path in (prose, labels, bullets, code):
        assert not transcripts.detect(path), path.name


def test_chat_exports_are_left_to_the_chat_reader(tmp_path: Path) -> None:
    chat = "".join(f"00:0{i}:00\tAnn:\tmessage {i}\r\n00:0{i}:30\tBo:\thi\r\n" for i in range(4))
    assert not transcripts.detect(write(tmp_path / "chat.txt", chat))


def test_text_without_turns_raises_read_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError):
        transcripts.read(write(tmp_path / "none.txt", "just prose\n"))


def test_find_date_variants() -> None:
    assert dates.find_date("Meeting Date/Time: Friday, Feb 19th, 2021 14:00 UTC") == (
        datetime(2021, 2, 19, 14, 0, tzinfo=UTC)
    )
    assert dates.find_date("acdt_2026-06-22_084") == datetime(2026, 6, 22, tzinfo=UTC)
    assert dates.find_date("27 November 2020") == datetime(2020, 11, 27, tzinfo=UTC)
    assert dates.find_date("call 20240131") == datetime(2024, 1, 31, tzinfo=UTC)
    assert dates.find_date("version 1.2.3") is None


# ---------------------------------------------------------------- real samples


def sample(*parts: str) -> Path:
    path = SAMPLES.joinpath(*parts)
    if not path.exists():
        pytest.skip("shared samples not available")
    return path


@pytest.mark.parametrize(
    ("folder", "name", "messages", "speakers"),
    [
        ("acde_2026-03-12_232", "transcript.vtt", 159, 24),
        ("acde_2026-03-12_232", "transcript_corrected.vtt", 159, 24),
        ("acdt_2026-06-22_084", "transcript.vtt", 49, 7),
        ("acdt_2026-06-22_084", "transcript_corrected.vtt", 49, 7),
    ],
)
def test_sample_zoom_vtt_counts(folder: str, name: str, messages: int, speakers: int) -> None:
    record = read_record(sample("ethereum-pm-zoom", folder, name))
    assert (len(record.messages), len(record.participants)) == (messages, speakers)
    assert record.messages[0].locator == ("00:02:18" if folder.startswith("acde") else "00:09:03")
    assert "Justin Florentine (Besu)" in [p.name for p in record.participants]


def test_sample_zoom_chat_is_not_a_transcript() -> None:
    assert not transcripts.detect(sample("ethereum-pm-zoom", "acde_2026-03-12_232", "chat.txt"))


@pytest.mark.parametrize(
    ("name", "messages", "speakers", "created"),
    [
        ("Meeting 101.md", 190, 25, datetime(2020, 11, 27, 14, 0, tzinfo=UTC)),
        ("Meeting 106.md", 224, 23, datetime(2021, 2, 19, 14, 0, tzinfo=UTC)),
    ],
)
def test_sample_markdown_transcripts(
    name: str, messages: int, speakers: int, created: datetime
) -> None:
    path = sample("ethereum-pm-acd-markdown", name)
    assert transcripts.detect(path)
    record = read_record(path)
    assert (len(record.messages), len(record.participants), record.created) == (
        messages,
        speakers,
        created,
    )
    assert record.messages[0].locator == "line 1"  # the metadata header


@pytest.mark.parametrize(
    ("name", "messages", "first"),
    [
        ("teams_timeframe.vtt", 2, "There you go."),
        ("youtube_dl.vtt", 1, "yeah what this will happen is I'm telling"),
        ("cue_tags.vtt", 1, "When the moon hits your eye Like a big-a pizza pie That's amore"),
        ("captions_with_bom.vtt", 1, "Caption text #1 Caption text #2"),
        ("comments.vtt", 1, "- Ta en kopp varmt te. - Det är inte varmt."),
        ("styles.vtt", 1, "- Hello world."),
        ("sample.srt", 1, "Caption text #1 Caption text #2"),
        ("sample.sbv", 1, "Caption text #1 Caption text #2"),
        ("using_identifiers.vtt", 1, "Caption text #1 Caption text #2"),
        ("netflix_chicas_del_cable.vtt", 139, "[Alba] En 1928, las mujeres éramos"),
    ],
)
def test_sample_caption_fixtures(name: str, messages: int, first: str) -> None:
    record = read_record(sample("webvtt-py-fixtures", name))
    assert len(record.messages) == messages
    assert record.messages[0].text.startswith(first)
    assert "-->" not in " ".join(m.text for m in record.messages)
    assert "NOTE" not in " ".join(m.text for m in record.messages)

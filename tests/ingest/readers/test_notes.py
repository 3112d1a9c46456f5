"""Tests for the meeting-notes / memo reader (ingest.readers.notes)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.readers import notes
from ingest.records import ReadError, Record
from tests.conftest import SHARED

SAMPLES = SHARED / "samples"
BREAKOUTS = SAMPLES / "meeting-notes" / "ethereum-pm-breakout-rooms"
needs_samples = pytest.mark.skipif(not BREAKOUTS.is_dir(), reason="shared samples not present")


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def read_one(path: Path) -> Record:
    result = notes.read(path)
    assert len(result.records) == 1
    return result.records[0]


def names(record: Record) -> list[str]:
    return [p.name for p in record.participants]


# ---------------------------------------------------------------------------- detection


@pytest.mark.parametrize("name", ["a.md", "b.markdown", "c.txt", "D.MD"])
def test_detect_claims_markdown_and_text_files(tmp_path: Path, name: str) -> None:
    assert notes.detect(write(tmp_path, name, "x"))


@pytest.mark.parametrize("name", ["a.pdf", "b.docx", "c.json", "d.vtt"])
def test_detect_ignores_other_extensions(tmp_path: Path, name: str) -> None:
    assert not notes.detect(write(tmp_path, name, "x"))


def test_detect_ignores_directories_named_like_notes(tmp_path: Path) -> None:
    folder = tmp_path / "notes.md"
    folder.mkdir()
    assert not notes.detect(folder)


# ---------------------------------------------------------------------------- metadata


def test_front_matter_gives_title_date_attendees_and_author(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x.md",
        "---\ntitle: Release sync\ndate: 2025-03-04\nattendees: [Ann Lee, Bob Stone]\n"
        "author: Carol Diaz\n---\n# Another heading\n\nWe agreed on Friday.\n",
    )
    record = read_one(path)
    assert record.title == "Release sync"
    assert record.created == datetime(2025, 3, 4, tzinfo=UTC)
    assert names(record) == ["Ann Lee", "Bob Stone", "Carol Diaz"]
    assert record.kind == "meeting_notes"
    assert [(s.heading, s.locator, s.text) for s in record.sections] == [
        ("Another heading", "line 7", "We agreed on Friday.")
    ]


def test_front_matter_participants_string_and_datetime(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x.md",
        "---\ntitle: Design review\ndate: 2025-03-04 15:30:00\nparticipants: Ann, Bob\n---\nBody\n",
    )
    record = read_one(path)
    assert record.created == datetime(2025, 3, 4, 15, 30, tzinfo=UTC)
    assert names(record) == ["Ann", "Bob"]


def test_malformed_front_matter_is_reported_and_header_lines_still_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x.md",
        "---\ntitle: [Broken notes\ndate: 2024-02-01\n---\n# Real title\n\nSome text.\n",
    )
    result = notes.read(path)
    record = result.records[0]
    assert [p.where for p in result.problems] == ["line 1"]
    assert "malformed front matter" in result.problems[0].reason
    assert record.created == datetime(2024, 2, 1, tzinfo=UTC)
    assert record.sections[0].text == "Some text."
    assert record.sections[0].locator == "line 5"


def test_header_lines_give_title_date_attendees_and_author(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x.md",
        "# Platform weekly\n\nDate: 2025-03-04\nAttendees: Ann Lee, Bob Stone & Carol Diaz\n"
        "Author: Dan Ek\n\n## Notes\n\nShipped it.\n",
    )
    record = read_one(path)
    assert record.title == "Platform weekly"
    assert record.created == datetime(2025, 3, 4, tzinfo=UTC)
    assert names(record) == ["Ann Lee", "Bob Stone", "Carol Diaz", "Dan Ek"]


def test_bold_and_heading_fields_are_header_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x.md",
        "# Call 7\n\n**Date & Time**: [Mar 14, 2025, 14:00-15:00 UTC](https://t.example/?iso=2024)\n"
        "### Moderator: Tim Beiko\n### Notes: Pooja Ranjan\n\n## Agenda\n\n- Fork date\n",
    )
    record = read_one(path)
    assert record.created == datetime(2025, 3, 14, 14, 0, tzinfo=UTC)
    assert names(record) == ["Tim Beiko", "Pooja Ranjan"]


def test_attendees_heading_with_a_list_names_participants(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x.md",
        "# Sync\n\nStuff.\n\n## Attendees\n\n* Ann Lee\n* **Bob Stone (Acme)**\n"
        "* [Carol](https://example.com/carol)\n\n(People shown on the recording.)\n",
    )
    assert names(read_one(path)) == ["Ann Lee", "Bob Stone", "Carol"]


def test_title_and_created_fall_back_to_file_name_and_mtime(tmp_path: Path) -> None:
    path = write(tmp_path, "quarterly_plan.md", "Some prose without a heading.\n")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    record = read_one(path)
    assert record.title == "quarterly plan"
    assert record.created == datetime.fromtimestamp(1_700_000_000, tz=UTC)


def test_date_in_file_name_is_used_when_the_text_has_none(tmp_path: Path) -> None:
    record = read_one(write(tmp_path, "2024-11-05-retro.md", "# Retro\n\nWent fine.\n"))
    assert record.created == datetime(2024, 11, 5, tzinfo=UTC)


def test_wiki_edited_line_gives_author_and_date(tmp_path: Path) -> None:
    path = write(tmp_path, "EIP 1.md", "Gav Wood edited this page on Nov 25, 2015\n\nText.\n")
    record = read_one(path)
    assert names(record) == ["Gav Wood"]
    assert record.created == datetime(2015, 11, 25, tzinfo=UTC)
    assert record.kind == "memo"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-04", datetime(2025, 3, 4, tzinfo=UTC)),
        ("Friday 2025/4/25 at 15:00 UTC", datetime(2025, 4, 25, 15, 0, tzinfo=UTC)),
        ("2024.7.24", datetime(2024, 7, 24, tzinfo=UTC)),
        ("Mar 14, 2025, 14:00-15:00 UTC", datetime(2025, 3, 14, 14, 0, tzinfo=UTC)),
        ("Thursday  14 January 2021 at 16:00 UTC", datetime(2021, 1, 14, 16, 0, tzinfo=UTC)),
        ("May 29 2024, 14:00-15:00 UTC", datetime(2024, 5, 29, 14, 0, tzinfo=UTC)),
        ("Sept 3rd, 2023", datetime(2023, 9, 3, tzinfo=UTC)),
        ("Thursday, Oct 8th, 14:00 UTC", None),
        ("2024-02-31", None),
        ("Meeting 12", None),
    ],
)
def test_parse_date_formats(text: str, expected: datetime | None) -> None:
    assert notes.parse_date(text) == expected


# ---------------------------------------------------------------------------- sections


def test_markdown_sections_follow_heading_paths_with_line_locators(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x.md",
        "# Release planning\n\nIntro line.\n\n## Agenda\n\n### 1. Release date\n\nFriday.\n\n"
        "### 2. Hiring\n\nTwo roles.\n\nDecisions\n---------\n\nShip Friday.\n",
    )
    record = read_one(path)
    assert [(s.heading, s.locator, s.text) for s in record.sections] == [
        ("Release planning", "line 1", "Intro line."),
        ("Agenda > 1. Release date", "line 7", "Friday."),
        ("Agenda > 2. Hiring", "line 11", "Two roles."),
        ("Decisions", "line 15", "Ship Friday."),
    ]


def test_metadata_headings_fold_into_the_enclosing_section(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x.md",
        "# Call 13\n\n## Meeting Details\n### [Agenda](https://example.com/716)\n"
        "### Date: Jan 31, 2023\n### Notes\n\n* Interop went well\n",
    )
    record = read_one(path)
    assert [s.heading for s in record.sections] == ["Meeting Details", "Meeting Details > Notes"]
    assert record.sections[0].text == "Agenda (https://example.com/716)\nDate: Jan 31, 2023"
    assert record.created == datetime(2023, 1, 31, tzinfo=UTC)


def test_code_fences_and_rules_do_not_make_headings(tmp_path: Path) -> None:
    path = write(
        tmp_path, "x.md", "# Memo\n\n```sh\n# not a heading\n```\n\n---\n\nAfter the rule.\n"
    )
    record = read_one(path)
    assert [s.heading for s in record.sections] == ["Memo"]
    assert record.sections[0].text == "# not a heading\n\nAfter the rule."


def test_plain_text_sections_from_caps_colon_and_numbered_headings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "notes.txt",
        "Weekly sync 2025-03-04\n"
        "Attendees: Alice Ng, Bob Ray\n\n"
        "Agenda:\n1. Release date\n2. Hiring\n\n"
        "1. Release date\nAlice: we ship on Friday.\nBob: QA needs two more days.\n\n"
        "2. Hiring\nAlice: two open roles.\n\n"
        "ACTION ITEMS\n- Bob Ray to book QA\n",
    )
    record = read_one(path)
    assert record.source == "text"
    assert record.title == "Weekly sync 2025-03-04"
    assert record.created == datetime(2025, 3, 4, tzinfo=UTC)
    assert record.kind == "meeting_notes"
    assert [(s.heading, s.locator) for s in record.sections] == [
        ("Weekly sync 2025-03-04", "line 1"),
        ("Agenda", "line 4"),
        ("Agenda > 1. Release date", "line 8"),
        ("Agenda > 2. Hiring", "line 12"),
        ("ACTION ITEMS", "line 15"),
    ]
    assert record.sections[1].text == "1. Release date\n2. Hiring"
    assert record.sections[2].people == ["Alice Ng", "Bob Ray"]
    assert record.sections[4].people == ["Bob Ray"]


def test_section_people_from_known_names_mentions_and_turn_labels(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x.md",
        "# Sync\n\nAttendees: Tim Beiko, Danny Ryan\n\n## Discussion\n\n"
        "**Tim**: Let's start.\n**Stefan**: Sure.\nPaul: one thing.\nPaul: another.\n"
        "Context: not a person.\nDanny Ryan agreed; cc @potuz, mail bob@example.com.\n",
    )
    discussion = read_one(path).sections[1]
    assert discussion.heading == "Discussion"
    assert discussion.people == ["Tim Beiko", "Stefan", "Paul", "Danny Ryan", "@potuz"]


def test_tables_and_link_lists_survive_as_readable_text(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x.md",
        "# Decisions\n\n| Topic | Subtopic | Details |\n|---|---|---|\n"
        "| **Sampling** | Terms | - Manu: confusion<br>- Francesco: custody |\n"
        "| | Action Item | - Teams to continue async |\n\n"
        "## Links\n- [Agenda](https://github.com/ethereum/pm/issues/1303)\n"
        "- https://youtu.be/NGgQuRoiHNo\n- <https://example.com/x>\n",
    )
    record = read_one(path)
    assert record.sections[0].text == (
        "Topic | Subtopic | Details\n"
        "Sampling | Terms | - Manu: confusion\n    - Francesco: custody\n"
        "Sampling | Action Item | - Teams to continue async"
    )
    assert record.sections[1].text == (
        "- Agenda (https://github.com/ethereum/pm/issues/1303)\n"
        "- https://youtu.be/NGgQuRoiHNo\n- https://example.com/x"
    )


def test_html_comments_are_removed_without_shifting_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "x.md", "# T <!-- omit in toc -->\n<!--\nhidden\n-->\n## Part\n\nText\n")
    record = read_one(path)
    assert record.title == "T"
    assert [(s.heading, s.locator, s.text) for s in record.sections] == [("Part", "line 5", "Text")]


def test_heading_only_file_still_yields_a_section(tmp_path: Path) -> None:
    record = read_one(write(tmp_path, "x.md", "# Just a title\n"))
    assert [(s.heading, s.text) for s in record.sections] == [("Just a title", "Just a title")]


# ---------------------------------------------------------------------------- kind


@pytest.mark.parametrize(
    ("name", "text", "kind"),
    [
        ("a.md", "# Platform weekly\n\nShipped.\n", "meeting_notes"),
        ("standup-notes.md", "# Notes\n\nShipped.\n", "meeting_notes"),
        ("a.md", "# Plan\n\nParticipants: Ann, Bob\n", "meeting_notes"),
        ("a.md", "# Plan\n\n## Agenda\n- a\n\n## Action items\n- b\n", "meeting_notes"),
        ("a.md", "# Architecture memo\n\nWe should use Postgres.\n", "memo"),
        ("a.md", "# Merge opcodes CALL and DELEGATECALL\n\nSpec text.\n", "memo"),
        ("a.md", "# Verkle Meetings\n\nThe series page.\n", "memo"),
    ],
)
def test_kind_is_meeting_notes_only_when_it_looks_like_a_meeting(
    tmp_path: Path, name: str, text: str, kind: str
) -> None:
    assert read_one(write(tmp_path, name, text)).kind == kind


# ---------------------------------------------------------------------------- files and bytes


def test_record_key_source_and_path_are_absolute(tmp_path: Path) -> None:
    path = write(tmp_path, "x.markdown", "# T\n\nBody\n")
    record = read_one(path)
    assert record.key == f"file:{path.resolve()}"
    assert record.source == "markdown"
    assert record.source_path == str(path.resolve())


@pytest.mark.parametrize("content", [b"", b"  \n\n\t\n"])
def test_empty_file_raises_read_error(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(ReadError, match="empty file"):
        notes.read(write(tmp_path, "x.md", content))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("# Café über\n".encode(), "Café über"),
        (b"\xef\xbb\xbf# Caf\xc3\xa9\n", "Café"),
        ("# Café \u2013 5 €\n".encode("cp1252"), "Café \u2013 5 €"),
        ("# Café\n".encode("utf-16"), "Café"),
    ],
)
def test_text_is_decoded_as_utf8_bom_utf16_or_cp1252(
    tmp_path: Path, raw: bytes, expected: str
) -> None:
    assert read_one(write(tmp_path, "x.md", raw)).title == expected


def test_undecodable_bytes_never_crash(tmp_path: Path) -> None:
    result = notes.read(write(tmp_path, "x.txt", b"Title\n\nbad \x81\x8d\x90 bytes\n"))
    assert result.records[0].sections
    assert result.problems[0].reason == "3 bytes that are not UTF-8 read as cp1252"


# ---------------------------------------------------------------------------- real samples


@needs_samples
def test_reads_all_161_breakout_room_notes_without_failure() -> None:
    files = sorted(p for p in BREAKOUTS.rglob("*.md") if p.name != "PROVENANCE.md")
    assert len(files) == 161
    for path in files:
        result = notes.read(path)
        record = result.records[0]
        assert record.title, path
        assert record.sections, path
        assert record.created is not None and record.created.tzinfo is not None, path
        assert all(s.text.strip() and s.locator.startswith("line ") for s in record.sections)
        assert not result.problems, path


HAND_CHECKED = [
    # path, title, created, kind, participants (all, in order; None = not checked)
    (
        "(e)PBS/Meeting 18.md",
        "(e)PBS Breakout Room #18",
        datetime(2025, 3, 14, 14, 0, tzinfo=UTC),
        "meeting_notes",
        [],
    ),
    (
        "leanConsensus/meeting_01.md",
        "leanConsensus (fka beam chain) call #1: beam client team introductions",
        datetime(2025, 2, 14, 15, 0, tzinfo=UTC),
        "meeting_notes",
        ["Justin Drake", "Ladislaus von Daniels", "Will Corcoran"],
    ),
    (
        "EIPs-Wiki/EIP 69 Block format reorganisation.md",
        "EIP 69 Block format reorganisation",
        datetime(2015, 11, 25, tzinfo=UTC),
        "memo",
        ["Gav Wood"],
    ),
    (  # the file really says "Date: 2026.01.08" (the call was in January 2025)
        "EOF/Meeting 64.md",
        "EOF Implementers Call 64",
        datetime(2026, 1, 8, tzinfo=UTC),
        "meeting_notes",
        [],
    ),
    (  # setext title ("--" underline), date in a bold field
        "FutureEOA-AA/Meeting 03.md",
        "Future of EOA/AA Breakout Room #3",
        datetime(2024, 5, 29, 14, 0, tzinfo=UTC),
        "meeting_notes",
        [],
    ),
    (
        "Post-Merge-MEV.md",
        "Post-Merge MEV Breakout Room meeting Notes",
        datetime(2021, 12, 11, 20, 0, tzinfo=UTC),
        "meeting_notes",
        None,
    ),
]


@needs_samples
@pytest.mark.parametrize(("rel", "title", "created", "kind", "people"), HAND_CHECKED)
def test_hand_checked_breakout_notes(
    rel: str, title: str, created: datetime, kind: str, people: list[str] | None
) -> None:
    record = read_one(BREAKOUTS / rel)
    assert (record.title, record.created, record.kind) == (title, created, kind)
    if people is not None:
        assert names(record) == people


@needs_samples
def test_fee_market_call_4_moderator_attendee_list_and_note_taker() -> None:
    record = read_one(BREAKOUTS / "Fee-Market" / "Meeting 04.md")
    assert record.created == datetime(2020, 8, 28, 15, 0, tzinfo=UTC)
    people = names(record)
    assert len(people) == 16  # moderator + 16 attendees + note taker, 16 distinct
    assert people[0] == "Tim Beiko"  # "### Moderator: Tim Beiko"
    assert {"Vitalik Buterin", "Barnabé Monnot", "Pooja Ranjan", "Lightclient"} <= set(people)
    attendees = next(s for s in record.sections if s.heading == "Annex > Attendees")
    assert attendees.locator == "line 694"


@needs_samples
def test_upgrade_call_1_speaker_turns_attendees_and_sections() -> None:
    record = read_one(BREAKOUTS / "Upgrade Community Calls" / "Call_001.md")
    assert record.created == datetime(2023, 1, 20, 15, 0, tzinfo=UTC)
    people = names(record)
    # "### Moderator: Tim Bieko" (sic), 20 attendees, "### Notes: Alen (Santhosh)"
    assert people[0] == "Tim Bieko" and people[-1] == "Alen" and len(people) == 22
    assert [s.heading for s in record.sections] == [
        "Shanghai/Capella Community Call #1",
        "Withdrawals FAQ 31.26",
        "Withdrawals FAQ 31.26 > Attendees",
    ]
    assert {"Tim", "Danny Ryan", "Marius"} <= set(record.sections[0].people)


@needs_samples
def test_peerdas_19_sections_tables_and_people() -> None:
    record = read_one(BREAKOUTS / "PeerDAS" / "Meeting 19.md")
    assert record.created == datetime(2025, 2, 25, tzinfo=UTC)
    assert [(s.heading, s.locator) for s in record.sections] == [
        ("Meeting info", "line 3"),
        ("Consensus Client Team Updates", "line 8"),
        ("Devnet / Testing Updates", "line 18"),
        ("EIP / Spec Updates and Discussions", "line 23"),
        ("Open Discussions", "line 35"),
        ("Links Shared", "line 47"),
    ]
    updates = record.sections[1].text.splitlines()
    assert updates[0] == "Team | Updates"
    assert updates[1].startswith("Lighthouse | • Added new test CLI flags")
    assert "Manu" in record.sections[3].people


@needs_samples
def test_year_less_dates_fall_back_to_mtime() -> None:
    path = BREAKOUTS / "Verkle" / "Meeting 12.md"  # "Feb 12, 14:00 UTC": no year
    assert read_one(path).created == datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


# ---------------------------------------------------------------------------- stated metadata


@pytest.mark.parametrize(
    ("name", "text", "created", "source"),
    [
        ("a.md", "---\ndate: 2025-03-04\n---\n# Sync\n", datetime(2025, 3, 4), "front_matter"),
        ("a.md", "# Sync\n\nDate: 2025-03-04\n", datetime(2025, 3, 4), "header"),
        ("a.md", "# Sync 4 March 2025\n\nText.\n", datetime(2025, 3, 4), "title"),
        ("a.md", "# Sync\n\n## Minutes of 2025-03-04\n\nText\n", datetime(2025, 3, 4), "heading"),
        ("2025-03-04-sync.md", "# Sync\n\nText.\n", datetime(2025, 3, 4), "filename"),
        ("a.md", "# Sync\n\n* Last updated: 2019-02-03\n", datetime(2019, 2, 3), "header"),
    ],
)
def test_date_source_says_where_the_date_comes_from(
    tmp_path: Path, name: str, text: str, created: datetime, source: str
) -> None:
    record = read_one(write(tmp_path, name, text))
    assert record.created == created.replace(tzinfo=UTC)
    assert record.date_source == source


def test_mtime_is_the_last_resort_and_marked_as_such(tmp_path: Path) -> None:
    path = write(tmp_path, "plan.md", "# Plan\n\nDate: DATE\n")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    record = read_one(path)
    assert (record.created, record.date_source) == (
        datetime.fromtimestamp(1_700_000_000, tz=UTC),
        "mtime",
    )


def test_dated_heading_with_the_year_before_the_day(tmp_path: Path) -> None:
    text = "# WECG Meetings 2021, Public Notes, July 8\n\n* Chair: Ann Lee\n\nSee 2021-06-24.\n"
    record = read_one(write(tmp_path, "notes.md", text))
    assert (record.created, record.date_source) == (datetime(2021, 7, 8, tzinfo=UTC), "title")


def test_metadata_list_before_a_generic_first_heading(tmp_path: Path) -> None:
    text = (
        "- Feature Name: `const_generics`\n- Start Date: 2017-05-01\n"
        "- RFC PR: [rust-lang/rfcs#2000](https://github.com/rust-lang/rfcs/pull/2000)\n\n"
        "# Summary\n\nAllow types to be generic over constant values.\n\n"
        "# Motivation\n\nArrays.\n"
    )
    record = read_one(write(tmp_path, "2000-const-generics.md", text))
    assert record.title == "const generics"  # the file name's words, not "Summary"
    assert (record.created, record.date_source) == (datetime(2017, 5, 1, tzinfo=UTC), "header")
    assert [s.heading for s in record.sections] == ["const generics", "Summary", "Motivation"]


def test_title_header_beats_a_generic_first_heading(tmp_path: Path) -> None:
    text = "Title: Secure downloads\nAuthor: Ann Lee\n\n## Abstract\n\nSigned metadata.\n"
    record = read_one(write(tmp_path, "notes.md", text))
    assert record.title == "Secure downloads"
    assert "Abstract" in [s.heading for s in record.sections]


def test_a_generic_heading_stays_the_title_when_nothing_better_exists(tmp_path: Path) -> None:
    assert read_one(write(tmp_path, "README.md", "# Overview\n\nText.\n")).title == "Overview"


def test_first_top_heading_after_a_short_preamble_is_the_title(tmp_path: Path) -> None:
    text = (
        "This content was presented on 2025-11-13 at TPAC:\n\n* Minutes: link\n\n"
        "# Clickjacking and Extensions\n\nPresented by Acme\n"
    )
    record = read_one(write(tmp_path, "deck.md", text))
    assert record.title == "Clickjacking and Extensions"
    assert (record.created, record.date_source) == (datetime(2025, 11, 13, tzinfo=UTC), "header")


def test_authors_header_with_emails_and_a_comma_in_a_name(tmp_path: Path) -> None:
    text = (
        "Title: A memo\nAuthors: Fred L. Drake, Jr. <fred at example.org>, Ann Lee (@annl)\n"
        "Created: 2001-07-05\n\nBody.\n"
    )
    record = read_one(write(tmp_path, "memo.md", text))
    assert [(p.name, p.handle, p.email) for p in record.participants] == [
        ("Fred L. Drake, Jr.", None, "fred@example.org"),
        ("Ann Lee", "annl", None),
    ]


MINUTES = """\
# Group Meetings 2021, Public Notes, July 8

* Chair: Simeon Vincent
* Scribes: Rob Wu

Zoom issues? ping `@robwu` (Rob Wu, Mozilla) in chat

## Agenda

* [Issue 31](https://github.com/o/r/issues/31): Schedule ([@someone](https://github.com/someone))
* [PR 36](https://github.com/o/r/pull/36): Spec file

## Attendees (sign yourself in)

1. Rob Wu (Mozilla)
2. Simeon Vincent (Google)
3. Tim Hatcher (Apple)
4. Daniel Glazman (glazou, Dashlane)

## Meeting notes

[Issue 31](https://github.com/o/r/issues/31): Schedule

* [simeon] Created labels for the tracker.
  * [timothy]: Safari agrees.
* [glazou] Please discuss the limit.
* [sam] Who am I?
* [sam] Still unknown.
* [rob] Sounds good. cc @devlin
"""


def test_minutes_resolve_speaker_tags_to_attendees_with_their_handles(tmp_path: Path) -> None:
    record = read_one(write(tmp_path, "2021-07-08-wecg.md", MINUTES))
    assert record.kind == "meeting_notes"
    assert [(p.name, p.handle) for p in record.participants] == [
        ("Simeon Vincent", "simeon"),
        ("Rob Wu", "robwu"),  # declared next to his name
        ("Tim Hatcher", "timothy"),
        ("Daniel Glazman", "glazou"),  # written next to his name, used as his tag
        ("Rob Wu", "rob"),  # a second handle of the same person
        ("", "sam"),  # an unresolved tag stays a handle-only identity
    ]
    notes_section = next(s for s in record.sections if s.heading == "Meeting notes")
    assert notes_section.people == [
        "Simeon Vincent",
        "Tim Hatcher",
        "Daniel Glazman",
        "sam",
        "Rob Wu",
        "@devlin",
    ]
    agenda = next(s for s in record.sections if s.heading == "Agenda")
    assert agenda.people == []  # an issue's author and link text are not people


def test_inline_attendees_with_organizations_and_tags(tmp_path: Path) -> None:
    text = (
        "# Extra meetings\n\n## Prep\n\n"
        " * Attendees: Apple (Kiara), Google (Devlin, Oliver), Mozilla (Rob), Simeon\n\n"
        "* [devlin] Let's start.\n* [Kiara]: fine.\n* [devin] typo for Devlin.\n"
    )
    record = read_one(write(tmp_path, "extra.md", text))
    assert [(p.name, p.handle) for p in record.participants] == [
        ("Kiara", "Kiara"),  # a one-word attendee's tag is their handle
        ("Devlin", "devlin"),
        ("Oliver", None),
        ("Rob", None),
        ("Simeon", None),
        ("Devlin", "devin"),  # a typo of the tag is another handle of the same person
    ]


def test_abbreviation_table_and_abbreviated_turn_prefixes(tmp_path: Path) -> None:
    text = (
        "# Meeting notes 2024-05-01\n\n## Attendees\n\n"
        "| Name | Abbreviation | Organization |\n|---|---|---|\n"
        "| Shane Carr | SFC | Google |\n| Jordan Harband | JHD | Invited Expert |\n\n"
        "## Intl.Foo\n\nSFC: I think we should ship.\nJHD: Agreed.\nSFC: Great.\n"
    )
    record = read_one(write(tmp_path, "notes.md", text))
    assert [(p.name, p.handle) for p in record.participants] == [
        ("Shane Carr", "SFC"),
        ("Jordan Harband", "JHD"),
    ]
    topic = next(s for s in record.sections if s.heading == "Intl.Foo")
    assert topic.people == ["Shane Carr", "Jordan Harband"]


def test_name_with_handle_and_initials_in_an_attendee_list(tmp_path: Path) -> None:
    text = "# Sync\n\n## Attendees\n\n- Jane Doe @jdoe\n- Rob Wu (RW)\n\n## Notes\n\nRW: done.\n"
    record = read_one(write(tmp_path, "sync.md", text))
    assert [(p.name, p.handle) for p in record.participants] == [
        ("Jane Doe", "jdoe"),
        ("Rob Wu", "RW"),
    ]


def test_a_first_name_turn_label_becomes_the_attendees_handle(tmp_path: Path) -> None:
    text = "# Sync\n\nAttendees: Tim Beiko, Danny Ryan\n\n## Discussion\n\nTim: start.\nTim: go.\n"
    record = read_one(write(tmp_path, "sync.md", text))
    assert [(p.name, p.handle) for p in record.participants] == [
        ("Tim Beiko", "Tim"),
        ("Danny Ryan", None),
    ]

"""The Slack export reader: folders and zips, threads, windows, text cleaning, access."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ingest.readers import slack
from ingest.records import Access, ReadError, Record
from tests.conftest import SHARED

SAMPLES = SHARED / "samples" / "slack-export"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared samples not present")

USERS = [
    {
        "id": "U1",
        "team_id": "T9",
        "name": "priya",
        "real_name": "Priya Shah",
        "profile": {"real_name": "Priya Shah", "display_name": "priya", "email": "priya@ex.com"},
    },
    {"id": "U2", "team_id": "T9", "name": "ann", "profile": {"real_name": "Ann Lee"}},
    {"id": "U3", "team_id": "T9", "name": "bob", "profile": {"display_name": "Bobby"}},
]
CHANNELS = [{"id": "C1", "name": "release"}, {"id": "C2", "name": "random"}]

# 2025-03-05 12:00:00 UTC
T0 = 1741176000


def ts(offset_seconds: int) -> str:
    return f"{T0 + offset_seconds}.000100"


def msg(offset: int, text: str, user: str = "U1", **extra: Any) -> dict[str, Any]:
    return {"type": "message", "user": user, "text": text, "ts": ts(offset), **extra}


def make_export(
    root: Path,
    days: dict[str, list[Any]],
    *,
    users: list[dict[str, Any]] | None = None,
    channels: list[dict[str, Any]] | None = None,
    **indexes: list[dict[str, Any]],
) -> Path:
    """Write a minimal export folder: index files plus ``folder/day.json`` files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "users.json").write_text(json.dumps(USERS if users is None else users))
    (root / "channels.json").write_text(json.dumps(CHANNELS if channels is None else channels))
    for name, entries in indexes.items():
        (root / f"{name}.json").write_text(json.dumps(entries))
    for rel, messages in days.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(json.dumps(messages))
    return root


def zip_folder(folder: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, prefix + file.relative_to(folder).as_posix())
    return target


def only(records: list[Record], **match: Any) -> Record:
    found = [r for r in records if all(getattr(r, k) == v for k, v in match.items())]
    assert len(found) == 1, found
    return found[0]


# --- detection ------------------------------------------------------------------------------


def test_slack_detects_export_folder_and_zip_but_not_other_things(tmp_path: Path) -> None:
    export = make_export(tmp_path / "acme", {"release/2025-03-05.json": [msg(0, "hi")]})
    assert slack.detect(export)
    assert slack.detect(zip_folder(export, tmp_path / "acme.zip", prefix="acme export/"))
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("word/document.xml", "<x/>")
    assert not slack.detect(other)
    assert not slack.detect(export / "users.json")
    assert not slack.detect(tmp_path / "missing")
    (tmp_path / "plain").mkdir()
    assert not slack.detect(tmp_path / "plain")


# --- grouping -------------------------------------------------------------------------------


def test_slack_thread_replies_form_one_record_across_day_files(tmp_path: Path) -> None:
    parent = msg(0, "Ship Friday?", thread_ts=ts(0), reply_count=2)
    days = {
        "release/2025-03-05.json": [parent, msg(60, "yes", "U2", thread_ts=ts(0))],
        "release/2025-03-06.json": [msg(86400, "shipped", "U3", thread_ts=ts(0))],
    }
    export = make_export(tmp_path / "acme", days)
    result = slack.read(export)
    assert result.problems == []
    record = only(result.records)
    assert [m.text for m in record.messages] == ["Ship Friday?", "yes", "shipped"]
    assert record.thread == ts(0)
    assert record.key == f"slack:T9:C1:{ts(0)}"
    assert record.source_path == str(export.resolve() / "release" / "2025-03-05.json")
    assert record.title == "#release — thread by Priya Shah, 2025-03-05: Ship Friday?"
    assert record.channel == "#release"
    assert record.kind == "chat" and record.source == "slack"
    assert [m.reply_to for m in record.messages] == [None, ts(0), ts(0)]
    assert record.messages[0].locator == f"ts {ts(0)}"


def test_slack_channel_messages_split_by_day_and_by_gaps_over_45_minutes(tmp_path: Path) -> None:
    days = {
        "release/2025-03-05.json": [
            msg(0, "a"),
            msg(45 * 60, "b (exactly 45 min later: same window)"),
            msg(45 * 60 + 45 * 60 + 1, "c (45 min 1 s later: new window)"),
        ],
        "release/2025-03-06.json": [msg(45 * 60 + 45 * 60 + 60, "d (next day file)")],
    }
    records = slack.read(make_export(tmp_path / "acme", days)).records
    assert [[m.text[0] for m in r.messages] for r in records] == [["a", "b"], ["c"], ["d"]]
    assert all(r.thread is None for r in records)
    assert records[0].key == f"slack:T9:C1:{ts(0)}"
    assert records[2].source_path.endswith("2025-03-06.json")


def test_slack_window_grouping_never_cuts_a_thread(tmp_path: Path) -> None:
    days = {
        "release/2025-03-05.json": [
            msg(0, "question", thread_ts=ts(0)),
            msg(60, "chatter"),
            msg(2 * 3600, "late answer", "U2", thread_ts=ts(0)),
            msg(2 * 3600 + 60, "more chatter"),
        ]
    }
    records = slack.read(make_export(tmp_path / "acme", days)).records
    thread = only(records, thread=ts(0))
    assert [m.text for m in thread.messages] == ["question", "late answer"]
    streams = [[m.text for m in r.messages] for r in records if r.thread is None]
    assert streams == [["chatter"], ["more chatter"]]


def test_slack_parent_without_replies_in_export_stays_in_channel_stream(tmp_path: Path) -> None:
    days = {"release/2025-03-05.json": [msg(0, "a", thread_ts=ts(0)), msg(30, "b")]}
    records = slack.read(make_export(tmp_path / "acme", days)).records
    assert [[m.text for m in r.messages] for r in records] == [["a", "b"]]


def test_slack_tombstone_parent_with_surviving_replies_still_forms_a_thread(
    tmp_path: Path,
) -> None:
    tombstone = {
        "type": "message",
        "subtype": "tombstone",
        "hidden": True,
        "user": "USLACKBOT",
        "text": "This message was deleted.",
        "ts": ts(0),
        "thread_ts": ts(0),
        "reply_count": 1,
    }
    days = {"release/2025-03-05.json": [tombstone, msg(10, "still here", "U2", thread_ts=ts(0))]}
    record = only(slack.read(make_export(tmp_path / "acme", days)).records)
    assert [m.text for m in record.messages] == ["still here"]
    assert record.thread == ts(0)
    assert record.key == f"slack:T9:C1:{ts(0)}"
    assert "parent deleted" in record.title


def test_slack_keys_stay_the_same_in_a_newer_export_of_the_workspace(tmp_path: Path) -> None:
    thread = [msg(0, "a", thread_ts=ts(0)), msg(5, "b", thread_ts=ts(0))]
    first = {"release/2025-03-05.json": thread}
    newer = {
        "release/2025-03-05.json": [*thread, msg(9, "c", thread_ts=ts(0))],
        "release/2025-03-07.json": [msg(2 * 86400, "later")],
    }
    old_keys = {r.key for r in slack.read(make_export(tmp_path / "Acme Jan", first)).records}
    new_keys = {r.key for r in slack.read(make_export(tmp_path / "Acme Mar", newer)).records}
    assert old_keys < new_keys


def test_slack_key_without_team_id_does_not_depend_on_the_export_name(tmp_path: Path) -> None:
    users = [{"id": "U1", "name": "priya"}]
    days = {"release/2025-03-05.json": [msg(0, "a")]}
    march = only(slack.read(make_export(tmp_path / "export-march", days, users=users)).records)
    april = only(slack.read(make_export(tmp_path / "export-april", days, users=users)).records)
    assert march.key == april.key == f"slack:workspace:C1:{ts(0)}"


# --- text -----------------------------------------------------------------------------------


def test_slack_mentions_channel_links_urls_and_escapes_are_cleaned(tmp_path: Path) -> None:
    text = (
        "<@U2> see <#C2|random> and <#C1>, <https://x.test/a|the doc> or <https://y.test> "
        "mail <mailto:a@b.test|a@b.test> &lt;b&gt; &amp;amp; <!here> <@U404|ghost>"
    )
    days = {"release/2025-03-05.json": [msg(0, text)]}
    record = only(slack.read(make_export(tmp_path / "acme", days)).records)
    assert record.messages[0].text == (
        "@Ann Lee see #random and #release, the doc (https://x.test/a) or https://y.test "
        "mail a@b.test <b> &amp; @here @ghost"
    )


def test_slack_emoji_codes_become_emoji_and_custom_ones_stay(tmp_path: Path) -> None:
    blocks = [
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "Shipped "},
                        {"type": "emoji", "name": "tada", "unicode": "1f389"},
                        {"type": "emoji", "name": "rocket"},
                        {"type": "emoji", "name": "partyparrot"},
                    ],
                }
            ],
        }
    ]
    days = {
        "release/2025-03-05.json": [
            msg(0, ":white_check_mark: done at 10:30:45 :partyparrot:"),
            msg(60, "", blocks=blocks),
        ]
    }
    record = only(slack.read(make_export(tmp_path / "acme", days)).records)
    assert [m.text for m in record.messages] == [
        "\u2705 done at 10:30:45 :partyparrot:",
        "Shipped \U0001f389\U0001f680:partyparrot:",
    ]


def test_slack_participants_are_authors_and_mentioned_people(tmp_path: Path) -> None:
    days = {"release/2025-03-05.json": [msg(0, "ping <@U3>"), msg(5, "ok", "U2")]}
    record = only(slack.read(make_export(tmp_path / "acme", days)).records)
    people = {p.id: p for p in record.participants}
    assert list(people) == ["U1", "U3", "U2"]
    assert people["U1"].name == "Priya Shah"
    assert people["U1"].handle == "priya"
    assert people["U1"].email == "priya@ex.com"
    assert people["U3"].name == "Bobby"  # no real name: display name


def test_slack_system_subtypes_are_skipped(tmp_path: Path) -> None:
    events = [
        msg(i, f"<@U1> event {i}", subtype=subtype)
        for i, subtype in enumerate(
            ["channel_join", "channel_leave", "bot_add", "channel_topic", "channel_purpose"]
        )
    ]
    days = {"release/2025-03-05.json": [*events, msg(30, "real words")]}
    record = only(slack.read(make_export(tmp_path / "acme", days)).records)
    assert [m.text for m in record.messages] == ["real words"]


def test_slack_bot_messages_are_kept_with_bot_name_and_flag(tmp_path: Path) -> None:
    days = {
        "release/2025-03-05.json": [
            {"type": "message", "subtype": "bot_message", "bot_id": "B1", "username": "CI",
             "text": "build green", "ts": ts(0)},
            {"type": "message", "bot_id": "B2", "bot_profile": {"name": "Jira"},
             "text": "ticket moved", "ts": ts(5)},
            {"type": "message", "subtype": "bot_message", "bot_id": "B3", "text": "", "ts": ts(9),
             "attachments": [{"fallback": "deploy done"}]},
        ]
    }  # fmt: skip
    record = only(slack.read(make_export(tmp_path / "acme", days)).records)
    assert [(m.author.name, m.is_bot, m.text) for m in record.messages] == [
        ("CI", True, "build green"),
        ("Jira", True, "ticket moved"),
        ("bot B3", True, "deploy done"),
    ]
    assert not any(p.name == "Priya Shah" for p in record.participants)


def test_slack_bot_without_posted_name_is_named_from_its_bot_user(tmp_path: Path) -> None:
    jira = {
        "id": "U9",
        "team_id": "T9",
        "name": "jirabot",
        "is_bot": True,
        "profile": {"real_name": "Jira", "bot_id": "B9"},
    }
    slackbot = {
        "id": "USLACKBOT",
        "team_id": "T9",
        "name": "slackbot",
        "profile": {"real_name": "Slackbot"},
    }
    days = {
        "release/2025-03-05.json": [
            {"type": "message", "subtype": "bot_message", "bot_id": "B9", "text": "PROJ-1 done",
             "ts": ts(0)},
            msg(5, "reminder", "USLACKBOT"),
        ]
    }  # fmt: skip
    export = make_export(tmp_path / "acme", days, users=[*USERS, jira, slackbot])
    record = only(slack.read(export).records)
    assert [(m.author.name, m.author.id, m.is_bot) for m in record.messages] == [
        ("Jira", "U9", True),
        ("Slackbot", "USLACKBOT", True),
    ]


def test_slack_file_shares_and_legacy_attachments_keep_their_text(tmp_path: Path) -> None:
    days = {
        "release/2025-03-05.json": [
            msg(0, "<@U1> uploaded a file: <https://f.test/1|plan>", subtype="file_share",
                file={"id": "F1", "title": "Release plan", "name": "plan.pdf"}),
            msg(5, "here", files=[{"id": "F2", "title": "Notes"}, {"id": "F3", "name": "a.png"}]),
            msg(9, "<https://gh.test/pr/3>", attachments=[
                {"pretext": "PR opened", "title": "Fix &lt;build&gt;", "text": "by <@U2>",
                 "fallback": "ignored when text exists"}]),
        ]
    }  # fmt: skip
    texts = [m.text for m in only(slack.read(make_export(tmp_path / "a", days)).records).messages]
    assert texts[0] == (
        "@Priya Shah uploaded a file: plan (https://f.test/1)\n[file: Release plan]"
    )
    assert texts[1] == "here\n[file: Notes]\n[file: a.png]"
    assert texts[2] == "https://gh.test/pr/3\nPR opened\nFix <build>\nby @Ann Lee"


def test_slack_edited_message_takes_the_current_text(tmp_path: Path) -> None:
    edited = msg(0, "new wording", edited={"user": "U1", "ts": ts(30)})
    change = {
        "type": "message",
        "subtype": "message_changed",
        "ts": ts(40),
        "message": msg(5, "fixed typo", "U2", edited={"user": "U2", "ts": ts(40)}),
    }
    days = {"release/2025-03-05.json": [edited, msg(5, "fixd typo", "U2"), change]}
    record = only(slack.read(make_export(tmp_path / "acme", days)).records)
    assert [m.text for m in record.messages] == ["new wording", "fixed typo"]


def section(*texts: str) -> dict[str, Any]:
    return {"type": "rich_text_section", "elements": [{"type": "text", "text": t} for t in texts]}


def test_slack_rich_text_blocks_are_used_when_text_is_empty(tmp_path: Path) -> None:
    blocks = [
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "Ping "},
                        {"type": "user", "user_id": "U2"},
                        {"type": "text", "text": " see "},
                        {"type": "link", "url": "https://x.test", "text": "docs"},
                    ],
                },
                {"type": "rich_text_list", "elements": [section("one"), section("two")]},
            ],
        }
    ]
    days = {"release/2025-03-05.json": [msg(0, "", blocks=blocks)]}
    record = only(slack.read(make_export(tmp_path / "acme", days)).records)
    assert record.messages[0].text == "Ping @Ann Lee see docs (https://x.test)\n- one\n- two"
    assert [p.id for p in record.participants] == ["U1", "U2"]


def test_slack_times_are_timezone_aware_utc(tmp_path: Path) -> None:
    days = {"release/2025-03-05.json": [msg(0, "a"), msg(60, "b")]}
    record = only(slack.read(make_export(tmp_path / "acme", days)).records)
    assert record.created == datetime(2025, 3, 5, 12, 0, 0, 100, tzinfo=UTC)
    assert record.ended == datetime(2025, 3, 5, 12, 1, 0, 100, tzinfo=UTC)
    assert record.messages[0].time is not None and record.messages[0].time.tzinfo is not None


# --- access ---------------------------------------------------------------------------------


def test_slack_private_channels_dms_and_mpims_get_their_access(tmp_path: Path) -> None:
    days = {
        "release/2025-03-05.json": [msg(0, "public")],
        "secret/2025-03-05.json": [msg(0, "private")],
        "D1/2025-03-05.json": [msg(0, "direct", "U2")],
        "mpdm-priya--ann--bob-1/2025-03-05.json": [msg(0, "group")],
    }
    export = make_export(
        tmp_path / "acme",
        days,
        groups=[{"id": "G1", "name": "secret", "members": ["U1", "U3"]}],
        dms=[{"id": "D1", "members": ["U1", "U2"]}],
        mpims=[{"id": "G2", "name": "mpdm-priya--ann--bob-1", "members": ["U1", "U2", "U3"]}],
    )
    result = slack.read(export)
    assert result.problems == []
    by_text = {r.messages[0].text: r for r in result.records}
    assert by_text["public"].access == Access("public", groups=("everyone",))
    # Members are mapped to their users.json e-mail (what a signed-in user is named by)
    # and kept as id:<user id> (for people.yaml aliases).
    priya = ("priya@ex.com", "id:U1")
    assert by_text["private"].access == Access("private", ("U1", "U3"), (*priya, "id:U3"))
    assert by_text["private"].channel == "#secret"
    assert by_text["direct"].access == Access("dm", ("U1", "U2"), (*priya, "id:U2"))
    assert by_text["direct"].channel == "DM: Priya Shah, Ann Lee"
    assert by_text["group"].access == Access("dm", ("U1", "U2", "U3"), (*priya, "id:U2", "id:U3"))
    assert by_text["group"].channel == "DM: Priya Shah, Ann Lee, Bobby"
    assert by_text["group"].key == f"slack:T9:G2:{ts(0)}"


def test_slack_empty_index_lists_are_accepted(tmp_path: Path) -> None:
    days = {"release/2025-03-05.json": [msg(0, "a")]}
    export = make_export(tmp_path / "acme", days, groups=[], dms=[], mpims=[])
    assert len(slack.read(export).records) == 1


def test_slack_unlisted_folder_is_read_as_private_and_reported(tmp_path: Path) -> None:
    days = {"mystery/2025-03-05.json": [msg(0, "who can see this?")]}
    result = slack.read(make_export(tmp_path / "acme", days))
    assert only(result.records).access == Access("private")
    assert len(result.problems) == 1 and "not listed" in result.problems[0].reason


# --- errors ---------------------------------------------------------------------------------


def test_slack_bad_day_file_and_bad_message_are_problems_and_rest_is_read(
    tmp_path: Path,
) -> None:
    days = {
        "release/2025-03-05.json": [msg(0, "good"), "not a message", {"type": "message"}],
        "release/2025-03-06.json": {"not": "a list"},
    }
    export = make_export(tmp_path / "acme", days)
    (export / "release" / "2025-03-07.json").write_text("[{broken")
    result = slack.read(export)
    assert [m.text for r in result.records for m in r.messages] == ["good"]
    wheres = sorted((Path(p.path).name, p.where) for p in result.problems)
    assert wheres == [
        ("2025-03-05.json", "message 1"),
        ("2025-03-05.json", "message 2"),
        ("2025-03-06.json", ""),
        ("2025-03-07.json", ""),
    ]


def test_slack_corrupt_channels_json_raises_read_error(tmp_path: Path) -> None:
    export = make_export(tmp_path / "acme", {"release/2025-03-05.json": [msg(0, "a")]})
    (export / "channels.json").write_text("{oops")
    with pytest.raises(ReadError, match=r"channels\.json"):
        slack.read(export)


def test_slack_missing_users_json_is_reported_and_the_export_read(tmp_path: Path) -> None:
    export = make_export(tmp_path / "acme", {"release/2025-03-05.json": [msg(0, "a")]})
    (export / "users.json").unlink()
    assert slack.detect(export)
    result = slack.read(export)
    assert [m.text for r in result.records for m in r.messages] == ["a"]
    assert [str(p) for p in result.problems] == [
        f"{export / 'users.json'}: missing: people are named by their user ids"
    ]


# --- zips -----------------------------------------------------------------------------------


def test_slack_zip_is_read_in_place_with_member_source_paths(tmp_path: Path) -> None:
    thread = [msg(0, "Ship?", thread_ts=ts(0)), msg(9, "ok", "U2", thread_ts=ts(0))]
    export = make_export(tmp_path / "acme", {"release/2025-03-05.json": thread})
    archive = zip_folder(export, tmp_path / "acme.zip", prefix="Acme export/")
    from_zip = slack.read(archive)
    from_folder = slack.read(export)
    assert from_zip.problems == []
    record = only(from_zip.records)
    assert record.source_path == f"{archive.resolve()}!/Acme export/release/2025-03-05.json"
    assert record.key == only(from_folder.records).key
    assert [m.text for m in record.messages] == ["Ship?", "ok"]
    assert not (tmp_path / "Acme export").exists()


def test_slack_zip_unsafe_entries_are_reported_and_skipped(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("users.json", json.dumps(USERS))
        z.writestr("channels.json", json.dumps(CHANNELS))
        z.writestr("release/2025-03-05.json", json.dumps([msg(0, "fine")]))
        z.writestr("../release/2025-03-06.json", json.dumps([msg(86400, "escape")]))
        z.writestr("/abs/2025-03-06.json", json.dumps([msg(86400, "absolute")]))
        z.writestr("release\\..\\..\\2025-03-06.json", json.dumps([msg(86400, "backslash")]))
    result = slack.read(archive)
    assert [m.text for r in result.records for m in r.messages] == ["fine"]
    assert sorted(p.where for p in result.problems) == [
        "entry ../release/2025-03-06.json",
        "entry /abs/2025-03-06.json",
        "entry release\\..\\..\\2025-03-06.json",
    ]
    assert all(p.reason == "unsafe path in zip skipped" for p in result.problems)


def test_slack_zip_over_the_size_limit_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = make_export(tmp_path / "acme", {"release/2025-03-05.json": [msg(0, "x" * 5000)]})
    archive = zip_folder(export, tmp_path / "acme.zip")

    def no_reading(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("zip member read before the size check")

    monkeypatch.setattr(zipfile.ZipFile, "read", no_reading)
    monkeypatch.setattr(zipfile.ZipFile, "open", no_reading)
    with pytest.raises(ReadError, match="limit"):
        slack.read(archive, max_zip_bytes=1000)
    assert slack.MAX_ZIP_BYTES == 2 * 1024**3


def test_slack_corrupt_zip_raises_read_error(tmp_path: Path) -> None:
    archive = zip_folder(
        make_export(tmp_path / "acme", {"release/2025-03-05.json": [msg(0, "a")]}),
        tmp_path / "acme.zip",
    )
    archive.write_bytes(archive.read_bytes()[:-30])
    with pytest.raises(ReadError):
        slack.read(archive)


# --- real samples ---------------------------------------------------------------------------


@needs_samples
def test_slack_sample_hfaran_2016_export_counts() -> None:
    """Checked by hand: 158 raw messages - 8 channel_join - 3 bot_add = 147; no threads."""
    result = slack.read(SAMPLES / "hfaran-slack-export-viewer")
    assert result.problems == []
    records = result.records
    assert len(records) == 57
    assert sum(len(r.messages) for r in records) == 147
    assert sum(1 for r in records if r.channel == "#enrique") == 34
    assert sum(1 for r in records if r.channel == "#traveling-sailor") == 23
    assert all(r.thread is None for r in records)
    people = {p.id for r in records for p in r.participants}
    assert people == {"U0BMM2FEH", "U0BMQB6JE", "U0BMS113R", "U0BMYT2FL",
                      "B0JL6RASU", "B0JL6UFSL", "B0VJZKVHC"}  # fmt: skip
    bots = [m for r in records for m in r.messages if m.is_bot]
    assert len(bots) == 94
    comment = next(m for r in records for m in r.messages if m.locator == "ts 1459106048.000018")
    assert comment.author.name == "Hermione Granger"
    assert comment.text.endswith("[file: 10 cities]")


@needs_samples
def test_slack_sample_slackdump_export_threads_and_tombstone() -> None:
    """Checked by hand: 16 raw messages - 1 channel_join - 1 tombstone = 14; 3 threads."""
    result = slack.read(SAMPLES / "rusq-slackdump" / "source_export_dir")
    assert result.problems == []
    records = result.records
    assert len(records) == 8
    assert sum(len(r.messages) for r in records) == 14
    threads = {r.thread: len(r.messages) for r in records if r.thread}
    assert threads == {
        "1736478630.905399": 3,  # parent on 2025-01-10, replies on 2025-01-11
        "1736554801.872639": 2,
        "1736554828.343759": 1,  # tombstone parent, one surviving reply
    }
    spanning = only(records, thread="1736478630.905399")
    assert spanning.source_path.endswith("B75B4C7/2025-01-10.json")
    assert {p.id for r in records for p in r.participants} == {
        "UOF82F39AE",
        "UOB5F987BF17",
        "UO0EC43A4792",
    }
    assert all(r.key.startswith("slack:TOAC06ADF3:CO69735E8A:") for r in records)


@needs_samples
def test_slack_sample_slackdump_index_only_export_reads_empty() -> None:
    result = slack.read(SAMPLES / "rusq-slackdump" / "export")
    assert result.records == [] and result.problems == []

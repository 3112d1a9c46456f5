"""The Microsoft Graph chatMessage reader: shapes, threads, chat windows, HTML, access."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ingest.readers import teams
from ingest.records import Access, ReadError
from tests.conftest import SHARED

SAMPLES = SHARED / "samples" / "teams"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared samples not present")

CHANNEL = {"teamId": "team-1", "channelId": "19:chan@thread.tacv2"}
CHAT = "19:chat@thread.v2"
ROBIN = {"id": "u-robin", "displayName": "Robin Kline", "userIdentityType": "aadUser"}
JANE = {"id": "u-jane", "displayName": "Jane Smith", "userIdentityType": "aadUser"}


def chat_message(
    mid: str,
    when: str,
    content: str,
    *,
    author: dict[str, Any] | None = ROBIN,
    reply_to: str | None = None,
    channel: bool = True,
    content_type: str = "text",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.chatMessage",
        "id": mid,
        "replyToId": reply_to,
        "messageType": "message",
        "createdDateTime": when,
        "lastEditedDateTime": None,
        "deletedDateTime": None,
        "subject": None,
        "chatId": None if channel else CHAT,
        "channelIdentity": CHANNEL if channel else None,
        "from": {"application": None, "device": None, "user": author},
        "body": {"contentType": content_type, "content": content},
        "attachments": [],
        "mentions": [],
        "reactions": [],
        **extra,
    }


def write(tmp_path: Path, data: Any, name: str = "messages.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


# --- shapes ---------------------------------------------------------------------------------


def test_teams_detects_lists_pages_and_single_messages(tmp_path: Path) -> None:
    one = chat_message("1", "2021-03-28T21:11:12.395Z", "hi")
    assert teams.detect(write(tmp_path, one, "single.json"))
    assert teams.detect(write(tmp_path, [one], "list.json"))
    assert teams.detect(write(tmp_path, {"@odata.nextLink": "x", "value": [one]}, "page.json"))
    plain = {"id": "2", "body": {"contentType": "html", "content": "<p>x</p>"}}
    assert teams.detect(write(tmp_path, [plain], "plain.json"))
    assert not teams.detect(write(tmp_path, {"value": [{"id": "x", "name": "y"}]}, "other.json"))
    discord_like = {"guild": {}, "channel": {}, "messages": [{"content": "x"}]}
    assert not teams.detect(write(tmp_path, discord_like, "discord.json"))
    assert not teams.detect(write(tmp_path, "[{broken", "broken.json"))


def test_teams_reads_next_link_pages_in_one_file(tmp_path: Path) -> None:
    page1 = {
        "@odata.nextLink": "https://graph.test/next",
        "value": [chat_message("2", "2021-03-28T10:01:00Z", "b", reply_to="1")],
    }
    page2 = {"value": [chat_message("1", "2021-03-28T10:00:00Z", "a")]}
    for name, data in [
        ("pages-list.json", json.dumps([page1, page2])),
        ("pages-stream.json", json.dumps(page1, indent=2) + "\n" + json.dumps(page2)),
    ]:
        result = teams.read(write(tmp_path, data, name))
        assert result.problems == []
        assert [[m.text for m in r.messages] for r in result.records] == [["a", "b"]]


def test_teams_single_message_file_is_fine(tmp_path: Path) -> None:
    one = chat_message("1", "2021-02-02T18:19:52.105Z", "test", channel=False)
    record = teams.read(write(tmp_path, one)).records[0]
    assert record.messages[0].text == "test"
    assert record.created == datetime(2021, 2, 2, 18, 19, 52, 105000, tzinfo=UTC)


# --- grouping -------------------------------------------------------------------------------


def test_teams_root_and_its_replies_form_one_record(tmp_path: Path) -> None:
    messages = [
        chat_message("3", "2021-03-28T12:00:00Z", "much later", reply_to="1"),
        chat_message("1", "2021-03-28T10:00:00Z", "Release plan?", subject="Release"),
        chat_message("2", "2021-03-28T10:05:00Z", "Friday", author=JANE, reply_to="1"),
        chat_message("9", "2021-03-28T10:06:00Z", "unrelated post"),
    ]
    path = write(tmp_path, {"value": messages})
    records = teams.read(path).records
    thread = next(r for r in records if r.thread == "1")
    assert [m.text for m in thread.messages] == ["Release plan?", "Friday", "much later"]
    assert [m.reply_to for m in thread.messages] == [None, "1", "1"]
    assert thread.key == "teams:19:chan@thread.tacv2:1"
    assert (
        thread.title
        == "Teams channel 19:chan@thread.tacv2 — post by Robin Kline, 2021-03-28 10:00: Release"
    )
    assert thread.source_path == str(path.resolve())
    assert thread.access == Access("public", groups=("team-1",))  # the team's group
    assert thread.ended == datetime(2021, 3, 28, 12, 0, tzinfo=UTC)
    other = next(r for r in records if r.thread == "9")
    assert [m.text for m in other.messages] == ["unrelated post"]


def test_teams_chat_messages_without_replies_are_grouped_by_time_gap(tmp_path: Path) -> None:
    messages = [
        chat_message("1", "2021-03-28T10:00:00Z", "a", channel=False),
        chat_message("2", "2021-03-28T10:44:00Z", "b", author=JANE, channel=False),
        chat_message("3", "2021-03-28T11:30:00Z", "c", channel=False),
        chat_message("4", "2021-03-29T00:00:00Z", "d", channel=False),
    ]
    records = teams.read(write(tmp_path, messages)).records
    assert [[m.text for m in r.messages] for r in records] == [["a", "b"], ["c"], ["d"]]
    assert all(r.thread is None for r in records)
    assert records[0].key == f"teams:{CHAT}:1"
    assert records[0].channel == "DM: Robin Kline, Jane Smith"
    assert records[0].access == Access("dm", ("u-robin", "u-jane"), ("id:u-robin", "id:u-jane"))


def test_teams_replies_without_their_root_still_form_a_thread(tmp_path: Path) -> None:
    messages = [
        chat_message("5", "2021-03-29T03:49:07Z", "Reply1", reply_to="1"),
        chat_message("6", "2021-03-29T03:49:10Z", "Reply2", reply_to="1"),
        chat_message("1", "2021-03-29T03:45:00Z", "gone", deletedDateTime="2021-03-30T00:00:00Z"),
    ]
    record = teams.read(write(tmp_path, messages)).records[0]
    assert [m.text for m in record.messages] == ["Reply1", "Reply2"]
    assert record.thread == "1"
    assert record.key == "teams:19:chan@thread.tacv2:1:replies"


# --- text -----------------------------------------------------------------------------------


def test_teams_html_body_becomes_text_and_at_mentions_use_mentions_array(
    tmp_path: Path,
) -> None:
    mentions = [{"id": 0, "mentionText": "Jane", "mentioned": {"user": JANE}}]
    body = (
        '<div><p>Hello <at id="0">Jane</at> &amp; <at id="1">Sam Doe</at>,</p>'
        '<p>see <a href="https://x.test/doc">the doc</a>&nbsp;now</p>'
        "<ul><li>one</li><li>two</li></ul><img src='x'></div>"
    )
    message = chat_message(
        "1", "2021-03-28T10:00:00Z", body, content_type="html", mentions=mentions
    )
    record = teams.read(write(tmp_path, [message])).records[0]
    assert record.messages[0].text == (
        "Hello @Jane Smith & @Sam Doe,\n\nsee the doc (https://x.test/doc) now\n\n"
        "- one\n- two\n[image]"
    )
    assert [(p.name, p.id) for p in record.participants] == [
        ("Robin Kline", "u-robin"),
        ("Jane Smith", "u-jane"),
    ]


def test_teams_quoted_reply_in_chat_sets_reply_to(tmp_path: Path) -> None:
    body = (
        '<div><blockquote itemscope="" itemtype="http://schema.skype.com/Reply" '
        'itemid="1600457867820"><strong>Richard</strong><p>1237</p></blockquote>'
        "<p>this is a reply</p></div>"
    )
    message = chat_message("2", "2020-09-18T19:39:25Z", body, channel=False, content_type="html")
    record = teams.read(write(tmp_path, [message])).records[0]
    assert record.messages[0].text == "> Richard\n> 1237\n\nthis is a reply"
    assert record.messages[0].reply_to == "1600457867820"


def test_teams_deleted_and_system_messages_are_skipped(tmp_path: Path) -> None:
    messages = [
        chat_message("1", "2021-03-28T10:00:00Z", "kept", channel=False),
        chat_message("2", "2021-03-28T10:01:00Z", "x", channel=False, deletedDateTime="2021"),
        chat_message("3", "2021-03-28T10:02:00Z", "<systemEventMessage/>", channel=False,
                     messageType="systemEventMessage"),
    ]  # fmt: skip
    result = teams.read(write(tmp_path, messages))
    assert [m.text for r in result.records for m in r.messages] == ["kept"]


def test_teams_application_authors_are_bots_and_file_attachments_are_named(
    tmp_path: Path,
) -> None:
    app = {"application": {"id": "app-1", "displayName": "Build Bot"}, "user": None}
    attachment = {"id": "a", "contentType": "reference", "name": "plan.docx", "contentUrl": "u"}
    messages = [
        chat_message("1", "2021-03-28T10:00:00Z", "green", **{"from": app}),
        chat_message("2", "2021-03-28T10:01:00Z", "see file", attachments=[attachment],
                     reply_to="1"),
    ]  # fmt: skip
    record = teams.read(write(tmp_path, messages)).records[0]
    assert record.messages[0].is_bot and record.messages[0].author.name == "Build Bot"
    assert record.messages[1].text == "see file\n[file: plan.docx]"


def test_teams_message_locator_and_permalink(tmp_path: Path) -> None:
    message = chat_message("77", "2021-03-28T10:00:00Z", "x", webUrl="https://teams.test/l/77")
    record = teams.read(write(tmp_path, [message])).records[0]
    assert record.messages[0].locator == "message 77"
    assert record.messages[0].permalink == "https://teams.test/l/77"


def test_teams_one_on_one_chat_members_include_both_ids_in_the_chat_id(tmp_path: Path) -> None:
    one, two = "8ea0e38b-efb3-4757-924a-5f94061cf8c2", "97f62344-57dc-409c-88ad-c4af14158ff5"
    chat_id = f"19:{one}_{two}@unq.gbl.spaces"
    message = chat_message("1", "2021-02-02T18:19:52Z", "hi", channel=False, chatId=chat_id)
    record = teams.read(write(tmp_path, [message])).records[0]
    members = ("u-robin", one, two)
    assert record.access == Access("dm", members, tuple(f"id:{m}" for m in members))


# --- errors ---------------------------------------------------------------------------------


def test_teams_bad_message_is_a_problem_and_the_rest_is_read(tmp_path: Path) -> None:
    bad = chat_message("2", "yesterday", "broken")
    result = teams.read(write(tmp_path, [chat_message("1", "2021-03-28T10:00:00Z", "ok"), bad]))
    assert [m.text for r in result.records for m in r.messages] == ["ok"]
    assert [p.where for p in result.problems] == ["message 2"]


def test_teams_corrupt_file_or_unknown_shape_raises_read_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="invalid JSON"):
        teams.read(write(tmp_path, '{"value": [', "broken.json"))
    with pytest.raises(ReadError, match="unknown JSON shape"):
        teams.read(write(tmp_path, {"value": [{"id": "1"}]}, "unknown.json"))


# --- real samples ---------------------------------------------------------------------------

SAMPLE_COUNTS = {
    # file: (records, messages, participants); every message is by Robin Kline unless noted
    "beta-channel-getallmessages.response1.json": (2, 2, 1),  # 2 channels; 1 orphan reply
    "beta-chats-getallmessages.response1.json": (1, 1, 1),  # Richard Wilson, quoted reply
    "v1.0-channel-list-messages.response1.json": (2, 2, 2),  # @Jane Smith mention; image post
    "v1.0-chat-list-messages.response1.json": (2, 2, 1),  # 11 days apart
    "v1.0-chatmessage-delta.response1.json": (2, 2, 1),
    "v1.0-chatmessage-delta.response2.json": (2, 2, 1),
    "v1.0-chatmessage-delta.response3.json": (2, 2, 1),
    "v1.0-chatmessage-delta.response4.json": (1, 1, 1),  # the root of the replies file
    "v1.0-chatmessage-get.response1.json": (1, 1, 1),
    "v1.0-chatmessage-get.response2.json": (1, 1, 1),
    "v1.0-chatmessage-get.response3.json": (1, 1, 1),  # a reply whose root is elsewhere
    "v1.0-chatmessage-list-replies.response1.json": (1, 3, 1),  # Reply1..3 of 1616989510408
}


@needs_samples
def test_teams_samples_hand_checked_counts() -> None:
    folder = SAMPLES / "msgraph-docs-chatmessage"
    files = sorted(folder.glob("*.json"))
    assert [f.name for f in files] == sorted(SAMPLE_COUNTS)
    for file in files:
        assert teams.detect(file), file.name
        result = teams.read(file)
        assert result.problems == [], file.name
        people = {p.id for r in result.records for p in r.participants}
        counts = (len(result.records), sum(len(r.messages) for r in result.records), len(people))
        assert counts == SAMPLE_COUNTS[file.name], file.name


@needs_samples
def test_teams_samples_threads_mentions_and_access() -> None:
    folder = SAMPLES / "msgraph-docs-chatmessage"
    replies = teams.read(folder / "v1.0-chatmessage-list-replies.response1.json").records[0]
    assert replies.thread == "1616989510408"
    assert [m.text for m in replies.messages] == ["Reply1", "Reply2", "Reply3"]
    root = teams.read(folder / "v1.0-chatmessage-delta.response4.json").records[0]
    assert root.key != replies.key  # the two files do not overwrite each other
    listed = teams.read(folder / "v1.0-channel-list-messages.response1.json").records
    assert any(m.text == "Hello World @Jane Smith" for r in listed for m in r.messages)
    assert all(r.access.scope == "public" and len(r.access.groups) == 1 for r in listed)
    chat = teams.read(folder / "v1.0-chat-list-messages.response1.json").records
    assert all(r.access.scope == "dm" for r in chat)
    quoted = teams.read(folder / "beta-chats-getallmessages.response1.json").records[0]
    assert quoted.messages[0].reply_to == "1600457867820"
    assert quoted.messages[0].text.endswith("this is a reply")

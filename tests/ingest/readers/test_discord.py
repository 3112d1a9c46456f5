"""The DiscordChatExporter JSON reader: windows, authors, dedup, attachments, access."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ingest.readers import discord
from ingest.records import Access, ReadError
from tests.conftest import SHARED

SAMPLES = SHARED / "samples" / "discord"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared samples not present")

GUILD = {"id": "900", "name": "Acme", "iconUrl": ""}
GENERAL = {"id": "100", "type": "GuildTextChat", "category": "Text", "name": "general"}
ADAM = {"id": "1", "name": "adam", "discriminator": "0000", "nickname": "Adam A", "isBot": False}
EVE = {"id": "2", "name": "eve", "discriminator": "0000", "isBot": False}
BOT = {"id": "3", "name": "helper", "discriminator": "0000", "nickname": "Helper", "isBot": True}


def message(mid: str, when: str, content: str, author: dict[str, Any] = ADAM, **extra: Any) -> dict:
    return {
        "id": mid,
        "type": "Default",
        "timestamp": when,
        "timestampEdited": None,
        "content": content,
        "author": author,
        "attachments": [],
        "embeds": [],
        "reactions": [],
        "mentions": [],
        **extra,
    }


def export(
    tmp_path: Path,
    messages: list[Any],
    channel: dict[str, Any] = GENERAL,
    guild: dict[str, Any] = GUILD,
    name: str = "Acme - general [100].json",
) -> Path:
    path = tmp_path / name
    data = {"guild": guild, "channel": channel, "dateRange": {}, "messages": messages}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_discord_detects_exporter_json_only(tmp_path: Path) -> None:
    assert discord.detect(export(tmp_path, [message("1", "2025-03-05T10:00:00+00:00", "hi")]))
    reordered = tmp_path / "reordered.json"
    reordered.write_text(json.dumps({"messages": [], "channel": GENERAL, "guild": GUILD}))
    assert discord.detect(reordered)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"value": [{"messageType": "message", "body": {}}]}))
    assert not discord.detect(other)
    not_json = tmp_path / "notes.txt"
    not_json.write_text('{"guild": {}, "channel": {}, "messages": []}')
    assert not discord.detect(not_json)


def test_discord_messages_are_grouped_by_day_and_45_minute_gaps(tmp_path: Path) -> None:
    messages = [
        message("11", "2025-03-05T10:00:00+00:00", "a"),
        message("12", "2025-03-05T10:45:00+00:00", "b"),
        message("13", "2025-03-05T11:30:01+00:00", "c"),
        message("14", "2025-03-05T23:59:00+00:00", "d"),
        message("15", "2025-03-06T00:01:00+00:00", "e"),
    ]
    path = export(tmp_path, messages)
    records = discord.read(path).records
    assert [[m.text for m in r.messages] for r in records] == [["a", "b"], ["c"], ["d"], ["e"]]
    first = records[0]
    assert first.key == "discord:900:100:11"
    assert first.source_path == str(path.resolve())
    assert first.channel == "#general"
    assert first.title == "Acme #general — 2025-03-05 10:00: a"
    assert first.created == datetime(2025, 3, 5, 10, 0, tzinfo=UTC)
    assert first.ended == datetime(2025, 3, 5, 10, 45, tzinfo=UTC)
    assert first.access == Access("public", groups=("Acme",))  # the guild's group
    assert first.source == "discord" and first.kind == "chat" and first.thread is None


def test_discord_author_nickname_falls_back_to_name(tmp_path: Path) -> None:
    deleted = {"id": "4", "name": "Deleted User", "discriminator": "0000", "isBot": False}
    messages = [
        message("1", "2025-03-05T10:00:00Z", "x"),
        message("2", "2025-03-05T10:01:00Z", "y", EVE),
        message("3", "2025-03-05T10:02:00Z", "z", deleted),
    ]
    record = discord.read(export(tmp_path, messages)).records[0]
    authors = [(m.author.name, m.author.handle, m.author.id) for m in record.messages]
    assert authors == [
        ("Adam A", "adam", "1"),
        ("eve", "eve", "2"),
        ("Deleted User", "Deleted User", "4"),
    ]


def test_discord_duplicate_message_ids_are_read_once(tmp_path: Path) -> None:
    twice = message("7", "2025-03-05T10:00:00Z", "same")
    messages = [twice, twice, message("8", "2025-03-05T10:01:00Z", "next")]
    record = discord.read(export(tmp_path, messages)).records[0]
    assert [m.locator for m in record.messages] == ["message 7", "message 8"]


def test_discord_attachments_stickers_and_embeds_become_text(tmp_path: Path) -> None:
    messages = [
        message(
            "1",
            "2025-03-05T10:00:00Z",
            "look ||secret|| <:kekw:123456> https://tenor.test/x",
            attachments=[{"id": "a", "url": "f\\x.png", "fileName": "x.png"}],
            stickers=[{"id": "s", "name": "pepecute"}],
            embeds=[
                {"title": "", "url": "https://tenor.test/x"},
                {"title": "Wiki", "url": "https://wiki.test", "description": "long"},
            ],
        ),
        message("2", "2025-03-05T10:01:00Z", "", attachments=[{"fileName": "only.pdf"}]),
    ]
    texts = [m.text for m in discord.read(export(tmp_path, messages)).records[0].messages]
    assert texts == [
        "look secret :kekw: https://tenor.test/x\n[attachment: x.png]\n[sticker: pepecute]\n"
        "[embed: Wiki (https://wiki.test)]",
        "[attachment: only.pdf]",
    ]


def test_discord_reply_reference_sets_reply_to_and_stays_in_stream(tmp_path: Path) -> None:
    reference = {"messageId": "1", "channelId": "100", "guildId": "900"}
    messages = [
        message("1", "2025-03-05T10:00:00Z", "question"),
        message("2", "2025-03-05T10:01:00Z", "other topic", EVE),
        message("3", "2025-03-05T10:02:00Z", "answer", EVE, type="Reply", reference=reference),
    ]
    records = discord.read(export(tmp_path, messages)).records
    assert len(records) == 1
    assert [m.reply_to for m in records[0].messages] == [None, None, "1"]


def test_discord_system_messages_are_skipped(tmp_path: Path) -> None:
    messages = [
        message("1", "2025-03-05T10:00:00Z", "Joined the server.", EVE, type="GuildMemberJoin"),
        message("2", "2025-03-05T10:01:00Z", "Started a thread.", type="ThreadCreated"),
        message("3", "2025-03-05T10:02:00Z", "Started a call.", type="Call"),
        message("4", "2025-03-05T10:03:00Z", "Changed the channel name.", type="ChannelNameChange"),
        message("5", "2025-03-05T10:04:00Z", "real"),
    ]
    records = discord.read(export(tmp_path, messages)).records
    assert [m.text for r in records for m in r.messages] == ["real"]
    assert [p.id for p in records[0].participants] == ["1"]


def test_discord_bot_authors_are_flagged(tmp_path: Path) -> None:
    messages = [message("1", "2025-03-05T10:00:00Z", "beep", BOT)]
    record = discord.read(export(tmp_path, messages)).records[0]
    assert record.messages[0].is_bot
    assert record.messages[0].author.name == "Helper"


def test_discord_participants_include_mentioned_people(tmp_path: Path) -> None:
    mention = {"id": "2", "name": "eve", "nickname": "Eve E"}
    messages = [message("1", "2025-03-05T10:00:00Z", "hi <@2> and @Eve E", mentions=[mention])]
    record = discord.read(export(tmp_path, messages)).records[0]
    assert [(p.name, p.id) for p in record.participants] == [("Adam A", "1"), ("Eve E", "2")]
    assert record.messages[0].text == "hi @Eve E and @Eve E"


def test_discord_dm_and_group_dm_are_dm_access_with_participants(tmp_path: Path) -> None:
    dm = {"id": "555", "type": "DirectGroupTextChat", "category": "Group", "name": "pals"}
    dm_guild = {"id": "0", "name": "Direct Messages"}
    messages = [
        message("1", "2025-03-05T10:00:00Z", "renamed", EVE, type="ChannelNameChange"),
        message("2", "2025-03-05T10:01:00Z", "hello"),
    ]
    record = discord.read(export(tmp_path, messages, channel=dm, guild=dm_guild)).records[0]
    assert record.access == Access("dm", ("2", "1"), ("id:2", "id:1"))
    assert record.channel == "DM: eve, Adam A"
    assert record.key == "discord:0:555:2"
    assert record.messages[0].permalink == "https://discord.com/channels/@me/555/2"


def test_discord_guild_permalinks_are_derived(tmp_path: Path) -> None:
    record = discord.read(export(tmp_path, [message("42", "2025-03-05T10:00:00Z", "x")])).records[0]
    assert record.messages[0].permalink == "https://discord.com/channels/900/100/42"


def test_discord_thread_file_is_its_own_conversation(tmp_path: Path) -> None:
    thread = {"id": "777", "type": "GuildPublicThread", "category": "general", "name": "Big idea"}
    messages = [message("1", "2025-03-05T10:00:00Z", "let's talk")]
    record = discord.read(export(tmp_path, messages, channel=thread, name="t.json")).records[0]
    assert record.thread == "777"
    assert record.channel == "#general"
    assert record.title == "Acme #general, thread Big idea — 2025-03-05 10:00: let's talk"
    assert record.key == "discord:900:777:1"


def test_discord_private_thread_is_private_to_its_participants(tmp_path: Path) -> None:
    thread = {"id": "778", "type": "GuildPrivateThread", "category": "general", "name": "hush"}
    messages = [
        message("1", "2025-03-05T10:00:00Z", "psst"),
        message("2", "2025-03-05T10:01:00Z", "ok", EVE),
    ]
    record = discord.read(export(tmp_path, messages, channel=thread)).records[0]
    assert record.access == Access("private", ("1", "2"), ("id:1", "id:2"))


def test_discord_reexport_of_a_channel_keeps_the_same_keys(tmp_path: Path) -> None:
    messages = [
        message("1", "2025-03-05T10:00:00Z", "a"),
        message("2", "2025-03-05T10:01:00Z", "b"),
    ]
    old = discord.read(export(tmp_path, messages, name="old.json")).records
    new = discord.read(export(tmp_path, messages[:1], name="new.json")).records
    assert [r.key for r in old] == [r.key for r in new] == ["discord:900:100:1"]


def test_discord_bad_message_is_a_problem_and_the_rest_is_read(tmp_path: Path) -> None:
    messages = [
        message("1", "2025-03-05T10:00:00Z", "fine"),
        message("2", "not a time", "broken"),
        "not an object",
        {"id": "4", "content": "no timestamp"},
    ]
    result = discord.read(export(tmp_path, messages))
    assert [m.text for r in result.records for m in r.messages] == ["fine"]
    assert [p.where for p in result.problems] == ["message 2", "message 2", "message 4"]


def test_discord_corrupt_or_foreign_json_raises_read_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"guild": {"id": "1"}, "channel": {"id": ')
    with pytest.raises(ReadError, match="invalid JSON"):
        discord.read(broken)
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps({"guild": "x", "messages": []}))
    with pytest.raises(ReadError, match="not a DiscordChatExporter"):
        discord.read(foreign)


# --- real samples ---------------------------------------------------------------------------


THREAD_FILE = "Example guild - general - Thomas is Thomas [1060927310439657577].json"
CHILL = "Example guild - Text Channels - chill talk [1012224565567125544]"


def sample(name: str) -> Path:
    found = [p for p in SAMPLES.rglob("*.json") if p.name == name]
    assert len(found) == 1, name
    return found[0]


@needs_samples
@pytest.mark.parametrize(
    ("name", "records", "messages", "participants"),
    [
        # 3 raw: 1 Call notice skipped; the two messages are three weeks apart
        ("DM_2A_2M.json", 2, 2, 2),
        # 6 raw: name change, icon change and Call skipped; 2023-01-17 (2) and 01-18 (1)
        ("GC_3A_5M.json", 2, 3, 3),
        # 5 raw: one id duplicated
        ("SV_5A_5M.json", 1, 4, 2),
        # 35 raw: 3 GuildMemberJoin + 1 ThreadCreated skipped; 16:05 is 1.5 h after 14:29
        ("Example guild - Text Channels - general [1012224565567721552].json", 2, 31, 3),
        (f"{CHILL}.json", 1, 6, 4),
        # the same channel re-exported after the spam message was deleted
        (f"{CHILL} without deleted message.json", 1, 5, 3),
        (THREAD_FILE, 1, 5, 3),
    ],
)
def test_discord_samples_hand_checked_counts(
    name: str, records: int, messages: int, participants: int
) -> None:
    path = sample(name)
    assert discord.detect(path)
    result = discord.read(path)
    assert result.problems == []
    assert len(result.records) == records
    assert sum(len(r.messages) for r in result.records) == messages
    people = {p.id for r in result.records for p in r.participants}
    assert len(people) == participants


@needs_samples
def test_discord_samples_access_threads_and_reexport_keys() -> None:
    dm = discord.read(sample("DM_2A_2M.json")).records[0]
    members = ("111111111111111111", "444444444444444444")
    assert dm.access == Access("dm", members, tuple(f"id:{m}" for m in members))
    group = discord.read(sample("GC_3A_5M.json")).records[0]
    assert group.access.scope == "dm" and len(group.access.members) == 3
    server = discord.read(sample("SV_5A_5M.json")).records[0]
    assert server.access.scope == "public" and len(server.access.groups) == 1
    assert server.messages[0].author.name == "Deleted User"
    assert server.messages[1].author.name == "mlomb"  # no nickname: falls back to name
    thread = discord.read(sample(THREAD_FILE)).records[0]
    assert thread.thread == "1060927310439657577" and thread.channel == "#general"
    assert [m.reply_to for m in thread.messages][-2:] == [
        "1060927520008065176",
        "1060927555093413928",
    ]
    full = discord.read(sample(f"{CHILL}.json")).records
    trimmed = discord.read(sample(f"{CHILL} without deleted message.json")).records
    assert [r.key for r in full] == [r.key for r in trimmed]

"""DiscordChatExporter (Tyrrrz) JSON exports: one JSON file per channel, DM or thread.

Detected by a top-level object with ``guild``, ``channel`` and ``messages``. Each file
gives records of one conversation stream: a new record starts on a new UTC day or after
a pause of more than 45 minutes (replies via ``reference`` stay in the stream; the reply
target goes into ``Message.reply_to``). A thread exported as its own file
(``GuildPublicThread`` …) is read the same way, with ``thread`` set to the thread's
channel id and ``channel`` to its parent channel.

Keys are ``discord:<guild id>:<channel id>:<first message id of the window>``, so a
re-export of the same channel maps onto the same records. Authors are named by
``nickname`` falling back to ``name`` ("Deleted User" is kept as such); a message id seen
twice is read once; system messages (joins, calls, renames, pins, thread-created
notices) are skipped; attachments, stickers and link embeds are added to the text as
``[attachment: file.png]``, ``[sticker: name]`` and ``[embed: title (url)]``. Guild
channels are public; ``DirectTextChat``/``DirectGroupTextChat`` are DMs whose members
are every author and mentioned user in the file; private threads are private to the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ingest.readers.textutil import (
    load_json,
    minute_label,
    parse_time,
    read_head,
    snippet,
    split_windows,
    unique_identities,
)
from ingest.records import Access, Identity, Message, Problem, ReadError, Record
from ingest.sources import ReadResult

NAME = "discord"

#: Message types that carry something a person said (everything else is a system notice).
SPOKEN_TYPES = frozenset({"Default", "Reply", "ChatInputCommand", "ContextMenuCommand"})
DM_TYPES = frozenset({"DirectTextChat", "DirectGroupTextChat"})
THREAD_TYPES = frozenset({"GuildPublicThread", "GuildPrivateThread", "GuildNewsThread"})

_KEY = re.compile(r'"(guild|channel|messages)"\s*:')
_CUSTOM_EMOJI = re.compile(r"<a?(:\w+:)\d+>")
_RAW_MENTION = re.compile(r"<@!?(\d+)>")


def detect(path: Path) -> bool:
    """A ``.json`` file whose top-level object has ``guild``, ``channel`` and ``messages``."""
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    head = read_head(path).lstrip()
    if not head.startswith("{"):
        return False
    keys = set(_KEY.findall(head))
    if {"guild", "channel"} <= keys and "messages" in keys:
        return True
    if {"guild", "channel"} <= keys:  # keys in an unusual order: look at the whole file
        try:
            data = load_json(path)
        except ReadError:
            return False
        return _is_export(data)
    return False


def _is_export(data: object) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("guild"), dict)
        and isinstance(data.get("channel"), dict)
        and isinstance(data.get("messages"), list)
    )


@dataclass(slots=True)
class _Channel:
    guild_id: str
    guild_name: str
    id: str
    name: str
    kind: str
    parent: str


def read(path: Path) -> ReadResult:
    """Read one DiscordChatExporter JSON file into records of conversation windows."""
    path = path.resolve()
    data = load_json(path)
    if not _is_export(data):
        raise ReadError("not a DiscordChatExporter export (no guild/channel/messages)")
    channel = _channel(data)
    result = ReadResult()
    parsed = _messages(data["messages"], channel, str(path), result.problems)
    people = unique_identities(p for _, _, ids in parsed for p in ids)
    label, access = _place(channel, people)
    spoken = [(time, msg, ids) for time, msg, ids in parsed if msg is not None]
    for window in split_windows(spoken, lambda entry: entry[0]):
        result.records.append(_record(window, channel, label, access, str(path)))
    return result


def _channel(data: dict[str, Any]) -> _Channel:
    guild, channel = data["guild"], data["channel"]
    kind = str(channel.get("type") or "")
    return _Channel(
        guild_id=str(guild.get("id") or "0"),
        guild_name=str(guild.get("name") or ""),
        id=str(channel.get("id") or ""),
        name=str(channel.get("name") or channel.get("id") or "channel"),
        kind=kind,
        parent=str(channel.get("category") or "") if kind in THREAD_TYPES else "",
    )


_Parsed = tuple[datetime, Message | None, list[Identity]]


def _messages(
    raw_messages: list[Any], channel: _Channel, path: str, problems: list[Problem]
) -> list[_Parsed]:
    """Every message once (by id), time-ordered; system notices keep their people only."""
    seen: set[str] = set()
    parsed: list[_Parsed] = []
    for index, raw in enumerate(raw_messages):
        where = f"message {raw.get('id')}" if isinstance(raw, dict) else f"message {index}"
        try:
            entry = _message(raw, channel)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            problems.append(Problem(path, f"unreadable message: {exc}", where=where))
            continue
        message_id = str(raw["id"])
        if message_id in seen:
            continue
        seen.add(message_id)
        parsed.append(entry)
    return sorted(parsed, key=lambda entry: entry[0])


def _message(raw: Any, channel: _Channel) -> _Parsed:
    if not isinstance(raw, dict) or not raw.get("id"):
        raise ValueError("not a message object with an id")
    when = parse_time(raw["timestamp"])
    author = _identity(raw.get("author"))
    mentioned = [_identity(m) for m in raw.get("mentions") or [] if isinstance(m, dict)]
    people = [author, *mentioned]
    if str(raw.get("type") or "Default") not in SPOKEN_TYPES:
        return when, None, people
    text = _text(raw, mentioned)
    if not text:
        return when, None, people
    reference = raw.get("reference") if isinstance(raw.get("reference"), dict) else {}
    return (
        when,
        Message(
            author=author,
            text=text,
            time=when,
            locator=f"message {raw['id']}",
            permalink=_permalink(channel, str(raw["id"])),
            is_bot=bool((raw.get("author") or {}).get("isBot")),
            reply_to=str(reference["messageId"]) if reference.get("messageId") else None,
        ),
        people,
    )


def _identity(author: Any) -> Identity:
    if not isinstance(author, dict):
        return Identity(name="unknown")
    name = str(author.get("name") or "")
    nickname = str(author.get("nickname") or "")
    return Identity(
        name=nickname or name or "unknown",
        id=str(author["id"]) if author.get("id") else None,
        handle=name or None,
    )


def _text(raw: dict[str, Any], mentioned: list[Identity]) -> str:
    names = {m.id: m.name for m in mentioned if m.id}
    content = str(raw.get("content") or "")
    content = _RAW_MENTION.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), content)
    content = _CUSTOM_EMOJI.sub(r"\1", content).replace("||", "")
    parts = [content.strip()]
    for attachment in raw.get("attachments") or []:
        if isinstance(attachment, dict):
            parts.append(f"[attachment: {attachment.get('fileName') or 'file'}]")
    for sticker in raw.get("stickers") or []:
        if isinstance(sticker, dict):
            parts.append(f"[sticker: {sticker.get('name') or 'sticker'}]")
    for embed in raw.get("embeds") or []:
        if isinstance(embed, dict):
            parts.append(_embed(embed, content))
    return "\n".join(p for p in parts if p).strip()


def _embed(embed: dict[str, Any], content: str) -> str:
    title = str(embed.get("title") or "").strip()
    url = str(embed.get("url") or "").strip()
    if not title:
        return f"[embed: {url}]" if url and url not in content else ""
    return f"[embed: {title} ({url})]" if url else f"[embed: {title}]"


def _permalink(channel: _Channel, message_id: str) -> str | None:
    if not channel.id:
        return None
    guild = "@me" if channel.kind in DM_TYPES or channel.guild_id in ("", "0") else channel.guild_id
    return f"https://discord.com/channels/{guild}/{channel.id}/{message_id}"


def _place(channel: _Channel, people: list[Identity]) -> tuple[str, Access]:
    """The channel label and who may see it: a DM's or private thread's participants (as
    ``id:<user id>``), else the group named after the guild."""
    members = tuple(p.id for p in people if p.id)
    principals = tuple(f"id:{m}" for m in members)
    if channel.kind in DM_TYPES:
        label = "DM: " + ", ".join(p.label for p in people)
        return label, Access("dm", members, principals)
    name = f"#{channel.parent or channel.name}"
    if channel.kind == "GuildPrivateThread":
        return name, Access("private", members, principals)
    guild = channel.guild_name or channel.guild_id
    return name, Access("public", groups=(guild,) if guild else ())


def _record(
    window: list[_Parsed], channel: _Channel, label: str, access: Access, path: str
) -> Record:
    messages = [msg for _, msg, _ in window if msg is not None]
    first = messages[0]
    thread = channel.id if channel.kind in THREAD_TYPES else None
    place = f"{channel.guild_name} {label}".strip() if channel.kind not in DM_TYPES else label
    if thread:
        place += f", thread {channel.name}"
    words = snippet(first.text)
    return Record(
        key=f"discord:{channel.guild_id}:{channel.id}:{first.locator.removeprefix('message ')}",
        kind="chat",
        source=NAME,
        source_path=path,
        title=f"{place} — {minute_label(first.time)}: {words}".rstrip(": "),
        created=first.time,
        ended=messages[-1].time,
        participants=unique_identities(p for _, _, ids in window for p in ids),
        channel=label,
        thread=thread,
        access=access,
        messages=messages,
    )

"""Microsoft Teams messages in the Microsoft Graph ``chatMessage`` JSON shape.

A file may hold one ``chatMessage`` object, a JSON list of them, a Graph page
(``{"value": [...], "@odata.nextLink": ...}``), or several pages (a JSON list of pages,
or pages written one after another); messages are merged by id (a later copy wins).

Records: in a channel (``channelIdentity``) every root post is a conversation with its
``replyToId`` replies; in a chat (``chatId``) messages are grouped by time (a new
record on a new UTC day or after more than 45 minutes), except that a root that has
replies forms its own record with them. Replies whose root is not in the file (or was
deleted) still form a thread; its key ends in ``:replies`` so it does not collide with
a file that holds the root alone. Keys: ``teams:<channel or chat id>:<root id>`` for
posts and threads, ``teams:<chat id>:<first id>`` for chat windows.

Text: HTML bodies become plain text; ``<at id="0">Jane</at>`` becomes ``@Jane`` (named
from ``mentions[]`` when present); quoted replies become ``> `` lines and set
``reply_to``; file attachments add ``[file: name]``. Messages with ``deletedDateTime``
and non-``message`` types (system events) are skipped; ``from.application`` authors are
bots. Channels are public (Graph gives no channel name, so the label is the channel
id); chats are DMs whose members are the chat's authors and mentioned users (plus the
two user ids a 1:1 chat id ``19:<id>_<id>@unq.gbl.spaces`` names).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.readers.textutil import (
    html_to_text,
    loads_json_stream,
    minute_label,
    parse_time,
    read_head,
    read_utf8,
    snippet,
    split_windows,
    unique_identities,
)
from ingest.records import Access, Identity, Message, Problem, ReadError, Record
from ingest.sources import ReadResult

NAME = "teams"

_MARKERS = ("#microsoft.graph.chatMessage", '"messageType"', '"contentType"')
_ODATA_TYPE = re.compile(r'"@odata\.type"\s*:\s*"#microsoft\.graph\.chatMessage"')
_MESSAGE_KEYS = ('"messageType"', '"createdDateTime"', '"body"')
_AT = re.compile(r'<at\b[^>]*\bid="?(\d+)"?[^>]*>(.*?)</at>', re.IGNORECASE | re.DOTALL)
_QUOTED = re.compile(r'itemtype="http://schema\.skype\.com/Reply"[^>]*itemid="(\d+)"')
_ONE_ON_ONE = re.compile(r"^19:([0-9a-f-]{36})_([0-9a-f-]{36})@unq\.gbl\.spaces$", re.IGNORECASE)


def detect(path: Path) -> bool:
    """A ``.json`` file holding Graph ``chatMessage`` objects (alone, in a list or pages)."""
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    head = read_head(path)
    if not any(marker in head for marker in _MARKERS):
        return False
    if _ODATA_TYPE.search(head) or all(key in head for key in _MESSAGE_KEYS):
        return True  # clearly chatMessages: read() reports a file that is broken further on
    try:
        return bool(_chat_messages(loads_json_stream(path.read_text("utf-8-sig"))))
    except (ReadError, OSError, UnicodeDecodeError):
        return False


def _is_chat_message(value: object) -> bool:
    if not isinstance(value, dict):
        return False
    body = value.get("body")
    return (
        value.get("@odata.type") == "#microsoft.graph.chatMessage"
        or "messageType" in value
        or (isinstance(body, dict) and "contentType" in body and "id" in value)
    )


def _chat_messages(values: list[Any]) -> list[dict[str, Any]]:
    """The chatMessage objects in parsed JSON values (pages, lists, single objects)."""
    found: list[dict[str, Any]] = []
    for value in values:
        if isinstance(value, list):
            found += _chat_messages(value)
        elif isinstance(value, dict) and isinstance(value.get("value"), list):
            found += _chat_messages(value["value"])
        elif _is_chat_message(value):
            found.append(value)
    return found


@dataclass(slots=True)
class _Post:
    """A usable message and what grouping needs."""

    id: str
    root: str | None
    raw: dict[str, Any]
    message: Message
    people: list[Identity] = field(default_factory=list)


def read(path: Path) -> ReadResult:
    """Read a file of Graph chatMessages into one record per post/thread or chat window."""
    path = path.resolve()
    text = read_utf8(path)
    raws = _chat_messages(loads_json_stream(text))
    if not raws:
        raise ReadError("no Microsoft Graph chatMessage objects found (unknown JSON shape)")
    result = ReadResult()
    by_id: dict[str, dict[str, Any]] = {}
    for index, raw in enumerate(raws):
        by_id[str(raw.get("id") or f"#{index}")] = raw
    conversations: dict[tuple[str, str], list[_Post]] = {}
    for index, raw in enumerate(by_id.values()):
        where = f"message {raw.get('id') or index}"
        try:
            post = _post(raw)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            result.problems.append(Problem(str(path), f"unreadable message: {exc}", where=where))
            continue
        if post is not None:
            conversations.setdefault(_conversation(raw), []).append(post)
    for (kind, conversation_id), posts in conversations.items():
        posts.sort(key=lambda p: (p.message.time is None, p.message.time, p.id))
        result.records += _records(kind, conversation_id, posts, str(path))
    return result


def _conversation(raw: dict[str, Any]) -> tuple[str, str]:
    channel = raw.get("channelIdentity")
    if isinstance(channel, dict) and channel.get("channelId"):
        return "channel", str(channel["channelId"])
    if raw.get("chatId"):
        return "chat", str(raw["chatId"])
    return "chat", "unknown"


def _post(raw: dict[str, Any]) -> _Post | None:
    """The message, or None when it is deleted, a system event or empty."""
    if raw.get("deletedDateTime") or raw.get("messageType", "message") != "message":
        return None
    when = parse_time(raw["createdDateTime"])
    author, is_bot = _author(raw.get("from"))
    mentions = _mentions(raw.get("mentions"))
    body = raw.get("body") if isinstance(raw.get("body"), dict) else {}
    content = str(body.get("content") or "")
    text = _body_text(content, str(body.get("contentType") or "text"), mentions)
    text = "\n".join(p for p in [text, *_attachment_lines(raw.get("attachments"))] if p)
    if not text:
        return None
    message_id = str(raw["id"])
    root = str(raw["replyToId"]) if raw.get("replyToId") else None
    quoted = _QUOTED.search(content)
    return _Post(
        id=message_id,
        root=root,
        raw=raw,
        message=Message(
            author=author,
            text=text,
            time=when,
            locator=f"message {message_id}",
            permalink=str(raw["webUrl"]) if raw.get("webUrl") else None,
            is_bot=is_bot,
            reply_to=root or (quoted.group(1) if quoted else None),
        ),
        people=[author, *mentions.values()],
    )


def _author(sender: Any) -> tuple[Identity, bool]:
    if not isinstance(sender, dict):
        return Identity(name="unknown"), False
    for key, is_bot in (("user", False), ("application", True), ("device", False)):
        who = sender.get(key)
        if isinstance(who, dict):
            name = str(who.get("displayName") or who.get("id") or "unknown")
            return Identity(name=name, id=str(who["id"]) if who.get("id") else None), is_bot
    return Identity(name="unknown"), False


def _mentions(entries: Any) -> dict[str, Identity]:
    """Mention id (as in ``<at id>``) to the person mentioned (or the mention text)."""
    found: dict[str, Identity] = {}
    for entry in entries or []:
        if not isinstance(entry, dict):
            continue
        mentioned = entry.get("mentioned") if isinstance(entry.get("mentioned"), dict) else {}
        user = mentioned.get("user") if isinstance(mentioned.get("user"), dict) else None
        name = str((user or {}).get("displayName") or entry.get("mentionText") or "")
        if user and name:
            found[str(entry.get("id"))] = Identity(name=name, id=str(user.get("id") or "") or None)
        elif name:
            found[str(entry.get("id"))] = Identity(name=name)
    return found


def _body_text(content: str, content_type: str, mentions: dict[str, Identity]) -> str:
    if content_type.lower() != "html":
        return content.strip()

    def mention(match: re.Match[str]) -> str:
        who = mentions.get(match.group(1))
        return html.escape("@" + (who.name if who else html_to_text(match.group(2))))

    return html_to_text(_AT.sub(mention, content))


def _attachment_lines(attachments: Any) -> list[str]:
    lines: list[str] = []
    for attachment in attachments or []:
        if not isinstance(attachment, dict) or attachment.get("contentType") == "messageReference":
            continue
        name = attachment.get("name") or attachment.get("contentUrl")
        if attachment.get("contentType") == "reference" and name:
            lines.append(f"[file: {name}]")
        elif name:
            lines.append(f"[attachment: {name}]")
    return lines


# --- records ------------------------------------------------------------------------------


def _records(kind: str, conversation_id: str, posts: list[_Post], path: str) -> list[Record]:
    ids = {p.id for p in posts}
    replies: dict[str, list[_Post]] = {}
    for post in posts:
        if post.root and post.root != post.id:
            replies.setdefault(post.root, []).append(post)
    people = unique_identities(person for p in posts for person in p.people)
    if kind == "channel":
        team = _team(posts) or conversation_id
        label, access = f"Teams channel {conversation_id}", Access("public", groups=(team,))
    else:
        label = "DM: " + ", ".join(p.label for p in people)
        members = _chat_members(conversation_id, people)
        access = Access("dm", members, tuple(f"id:{m}" for m in members))
    groups: list[tuple[str, list[_Post]]] = []
    loose: list[_Post] = []
    for post in posts:
        if post.root and post.root != post.id:
            continue
        if kind == "channel" or post.id in replies:
            groups.append((post.id, [post, *replies.pop(post.id, [])]))
        else:
            loose.append(post)
    for root, orphans in replies.items():  # the root is deleted or in another file
        groups.append((f"{root}:replies" if root not in ids else root, orphans))
    for window in split_windows(loose, lambda p: p.message.time):
        groups.append((window[0].id, window))
    records = [
        _record(key_tail, members, kind, conversation_id, label, access, path)
        for key_tail, members in groups
    ]
    return sorted(records, key=lambda r: (r.created is None, r.created, r.key))


def _team(posts: list[_Post]) -> str | None:
    """The team a channel belongs to (``channelIdentity.teamId``): the group that may read
    it (Graph gives no team name)."""
    for post in posts:
        identity = post.raw.get("channelIdentity")
        if isinstance(identity, dict) and identity.get("teamId"):
            return str(identity["teamId"])
    return None


def _chat_members(chat_id: str, people: list[Identity]) -> tuple[str, ...]:
    """Authors and mentioned users, plus both users a 1:1 chat id names."""
    pair = _ONE_ON_ONE.match(chat_id)
    ids = [p.id for p in people if p.id] + (list(pair.groups()) if pair else [])
    return tuple(dict.fromkeys(ids))


def _record(
    key_tail: str,
    posts: list[_Post],
    kind: str,
    conversation_id: str,
    label: str,
    access: Access,
    path: str,
) -> Record:
    posts = sorted(posts, key=lambda p: (p.message.time is None, p.message.time, p.id))
    messages = [p.message for p in posts]
    first = posts[0]
    root = key_tail.split(":")[0]
    is_thread = kind == "channel" or any(p.root == root for p in posts)
    subject = str(first.raw.get("subject") or "").strip() if first.id == root else ""
    if is_thread and first.id == root:
        head = f"{label} — post by {first.message.author.label}, {minute_label(first.message.time)}"
    elif is_thread:
        head = f"{label} — replies, {minute_label(first.message.time)}"
    else:
        head = f"{label} — {minute_label(first.message.time)}"
    return Record(
        key=f"teams:{conversation_id}:{key_tail}",
        kind="chat",
        source=NAME,
        source_path=path,
        title=f"{head}: {subject or snippet(first.message.text)}",
        created=messages[0].time,
        ended=messages[-1].time,
        participants=unique_identities(person for p in posts for person in p.people),
        channel=label,
        thread=root if is_thread else None,
        access=access,
        messages=messages,
    )

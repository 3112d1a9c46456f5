"""Slack workspace exports: an unpacked export folder or the ``.zip`` Slack hands out.

Layout read: ``channels.json`` (required), ``users.json`` (without it people are named by
their user ids, and that is reported), ``groups.json`` (private
channels), ``dms.json`` and ``mpims.json`` (optional), and one folder per conversation
(named after the channel, private channel or MPIM, or the DM id) holding one JSON array
of messages per day (``YYYY-MM-DD.json``).

Records: one per thread (parent and replies, even across day files; a deleted
``tombstone`` parent still forms a thread from its replies) and one per window of
non-threaded messages (a new window starts with each day file or after a pause of more
than 45 minutes). Keys are ``slack:<workspace>:<conversation id>:<thread ts or first ts>``
where ``<workspace>`` is the team id found in ``users.json`` (stable from one export of
a workspace to the next), or ``workspace`` when there is none (never the folder or zip
name, which changes with every export).

Text: ``<@U1>`` becomes ``@Real Name``, ``<#C1|name>`` ``#name``, ``<url|label>``
``label (url)``, ``:tada:`` the emoji, ``&lt; &gt; &amp;`` are unescaped; text-less
messages fall back to their rich-text ``blocks``; legacy ``attachments`` keep their
pretext/title/text (or fallback); shared files add ``[file: title]``. System subtypes
(joins, topics, bot_add, …) are skipped; bot messages are kept with ``is_bot=True``.

Zips are read in place, never extracted. Before anything is read the sum of the
declared uncompressed sizes is checked against ``MAX_ZIP_BYTES`` (a ``ReadError`` when
above; ``read(path, max_zip_bytes=...)`` overrides it). An entry with an absolute path,
a drive letter or a ``..`` part, and a symlink entry, is reported as a ``Problem`` and
skipped; so is a file of an export folder that is a symlink to outside the folder. The rest
of the export is read. Inside a zip, ``source_path`` is ``<absolute zip path>!/<member path>``
(for example ``/data/acme.zip!/general/2025-03-05.json``); for a folder it is the day
file's absolute path.
"""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

import emoji

from ingest.readers.textutil import (
    day_label,
    from_epoch,
    loads_json,
    minute_label,
    snippet,
    split_windows,
    unique_identities,
)
from ingest.records import Access, Identity, Message, Problem, ReadError, Record
from ingest.sources import ReadResult

NAME = "slack"
MAX_ZIP_BYTES = 2 * 1024**3
# The group a public channel (channels.json) is open to: the whole workspace.
WORKSPACE = "everyone"

#: Subtypes that record events rather than something someone said.
SYSTEM_SUBTYPES = frozenset(
    {
        "channel_join", "channel_leave", "group_join", "group_leave",
        "bot_add", "bot_remove", "bot_enable", "bot_disable",
        "channel_topic", "channel_purpose", "channel_name",
        "channel_archive", "channel_unarchive",
        "group_topic", "group_purpose", "group_name", "group_archive", "group_unarchive",
        "channel_convert_to_private", "channel_convert_to_public",
        "channel_posting_permissions", "pinned_item", "unpinned_item",
        "reminder_add", "reminder_delete", "joiner_notification", "joiner_notification_for_inviter",
        "app_conversation_join", "app_conversation_leave", "sh_room_created",
        "channel_canvas_updated", "ekm_access_denied", "message_deleted", "tombstone",
    }
)  # fmt: skip

_DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
_TOKEN = re.compile(r"<([^<>\n]+)>")


# --- where the export's files are -------------------------------------------------------


class _Tree(Protocol):
    def names(self) -> list[str]: ...

    def read(self, name: str) -> bytes: ...

    def display(self, name: str) -> str: ...


@dataclass(slots=True)
class _DirTree:
    root: Path
    _names: list[str] | None = None

    def names(self) -> list[str]:
        if self._names is None:
            found = [p.name for p in self.root.glob("*.json") if self._inside(p)]
            found += [
                f"{p.parent.name}/{p.name}" for p in self.root.glob("*/*.json") if self._inside(p)
            ]
            self._names = sorted(found)
        return self._names

    def outside(self) -> list[Problem]:
        """The export's files that are symlinks to outside it, which are not read."""
        files = [*self.root.glob("*.json"), *self.root.glob("*/*.json")]
        return [
            Problem(str(p), "symlink to outside the export skipped")
            for p in sorted(files)
            if p.is_file() and not self._inside(p)
        ]

    def _inside(self, path: Path) -> bool:
        return path.is_file() and path.resolve().is_relative_to(self.root)

    def read(self, name: str) -> bytes:
        return (self.root / name).read_bytes()

    def display(self, name: str) -> str:
        return str(self.root / name)


@dataclass(slots=True)
class _ZipTree:
    archive: zipfile.ZipFile
    zip_path: Path
    prefix: str
    members: list[str]

    def names(self) -> list[str]:
        return self.members

    def read(self, name: str) -> bytes:
        try:
            return self.archive.read(self.prefix + name)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            # a damaged, encrypted or unsupported entry: that file is skipped, not the export
            raise ReadError(f"unreadable zip entry: {exc}") from exc

    def display(self, name: str) -> str:
        return f"{self.zip_path}!/{self.prefix}{name}"


# --- detection ----------------------------------------------------------------------------


def detect(path: Path) -> bool:
    """A folder holding ``channels.json`` and ``users.json`` or a channel's day files, or a
    zip of one."""
    if path.is_dir():
        if not (path / "channels.json").is_file():
            return False
        return (path / "users.json").is_file() or any(
            _DAY_FILE.match(p.name) for p in path.glob("*/*.json")
        )
    if not path.is_file():
        return False
    try:
        if not zipfile.is_zipfile(path):
            return False
        with zipfile.ZipFile(path) as archive:
            return _export_prefix(archive.namelist()) is not None
    except (OSError, zipfile.BadZipFile):
        return False


def _export_prefix(names: Iterable[str]) -> str | None:
    """The folder inside a zip that holds ``channels.json`` and ``users.json`` or a
    channel's day files (the shortest such folder)."""
    found = set(names)
    prefixes = [n[: -len("channels.json")] for n in found if n.endswith("channels.json")]
    prefixes = [p for p in prefixes if p == "" or p.endswith("/")]
    prefixes = [
        p
        for p in prefixes
        if p + "users.json" in found
        or any(n.startswith(p) and _DAY_FILE.match(PurePosixPath(n).name) for n in found)
    ]
    return min(prefixes, key=len) if prefixes else None


def _unsafe(name: str) -> bool:
    posix = name.replace("\\", "/")
    return posix.startswith("/") or bool(re.match(r"^[A-Za-z]:", posix)) or ".." in posix.split("/")


# --- reading ------------------------------------------------------------------------------


def read(path: Path, max_zip_bytes: int = MAX_ZIP_BYTES) -> ReadResult:
    """Read a Slack export folder or zip into one record per thread or message window."""
    path = path.resolve()
    if path.is_dir():
        folder = _DirTree(path)
        result = _read_tree(folder)
        result.problems[:0] = folder.outside()
        return result
    try:
        with zipfile.ZipFile(path) as archive:
            problems: list[Problem] = []
            tree = _open_zip(archive, path, max_zip_bytes, problems)
            result = _read_tree(tree)
    except zipfile.BadZipFile as exc:
        raise ReadError(f"not a readable zip: {exc}") from exc
    except OSError as exc:
        raise ReadError(f"cannot read zip: {exc.strerror or exc}") from exc
    result.problems[:0] = problems
    return result


def _open_zip(
    archive: zipfile.ZipFile, path: Path, max_bytes: int, problems: list[Problem]
) -> _ZipTree:
    infos = archive.infolist()
    total = sum(info.file_size for info in infos)
    if total > max_bytes:
        raise ReadError(f"zip expands to {total} bytes, over the {max_bytes}-byte limit")
    safe: list[str] = []
    for info in infos:
        if _unsafe(info.filename):
            problems.append(
                Problem(str(path), "unsafe path in zip skipped", where=f"entry {info.filename}")
            )
        elif stat.S_ISLNK(info.external_attr >> 16):
            problems.append(
                Problem(str(path), "symlink in zip skipped", where=f"entry {info.filename}")
            )
        elif not info.is_dir():
            safe.append(info.filename)
    prefix = _export_prefix(safe)
    if prefix is None:
        raise ReadError(
            "zip holds no channels.json with users.json or day files (not a Slack export)"
        )
    members = sorted(n[len(prefix) :] for n in safe if n.startswith(prefix) and n.endswith(".json"))
    members = [m for m in members if m.count("/") <= 1]
    return _ZipTree(archive, path, prefix, members)


@dataclass(slots=True)
class _Conversation:
    id: str
    label: str
    access: Access


@dataclass(slots=True)
class _Item:
    """One usable message of a conversation, with what grouping needs."""

    ts: str
    time: datetime
    day: str
    raw: dict[str, Any]
    message: Message | None = None
    mentions: list[str] = field(default_factory=list)


def _read_tree(tree: _Tree) -> ReadResult:
    result = ReadResult()
    users = _index(tree, "users.json")
    if "users.json" not in tree.names():
        result.problems.append(
            Problem(tree.display("users.json"), "missing: people are named by their user ids")
        )
    # Conversation ids are unique within a workspace (and in practice across them), so an
    # export without a team id still keeps its keys from one export to the next.
    workspace = _workspace_id(users) or "workspace"
    context = _Context.build(users, _index(tree, "channels.json", required=True))
    folders = _folders(tree.names())
    conversations = _conversations(tree, context)
    for folder in sorted(folders):
        conversation = conversations.get(folder)
        if conversation is None:
            conversation = _Conversation(folder, f"#{folder}", Access("private"))
            result.problems.append(
                Problem(
                    tree.display(folder),
                    "folder not listed in channels/groups/dms/mpims.json; read as private",
                )
            )
        items = _load_items(tree, folders[folder], context, result.problems)
        result.records += _records(items, conversation, workspace, tree, context)
    return result


def _index(tree: _Tree, name: str, required: bool = False) -> list[dict[str, Any]]:
    if name not in tree.names():
        if required:
            raise ReadError(f"{name} is missing (not a Slack export)")
        return []
    try:
        data = loads_json(tree.read(name))
    except ReadError as exc:
        raise ReadError(f"{name}: {exc}") from exc
    if data is None:
        return []
    if not isinstance(data, list):
        raise ReadError(f"{name} is not a JSON list")
    return [entry for entry in data if isinstance(entry, dict) and entry.get("id")]


def _workspace_id(users: list[dict[str, Any]]) -> str | None:
    teams = Counter(str(u["team_id"]) for u in users if u.get("team_id"))
    return teams.most_common(1)[0][0] if teams else None


def _folders(names: list[str]) -> dict[str, list[str]]:
    folders: dict[str, list[str]] = {}
    for name in names:
        parts = PurePosixPath(name).parts
        if len(parts) == 2 and _DAY_FILE.match(parts[1]):
            folders.setdefault(parts[0], []).append(name)
    return {folder: sorted(files) for folder, files in folders.items()}


def _conversations(tree: _Tree, context: _Context) -> dict[str, _Conversation]:
    """Conversation per folder name: channels, private channels, MPIMs by name, DMs by id."""
    found: dict[str, _Conversation] = {}
    for entry in context.channels.values():
        found[str(entry.get("name") or entry["id"])] = _Conversation(
            entry["id"],
            f"#{entry.get('name') or entry['id']}",
            Access("public", groups=(WORKSPACE,)),
        )
    for entry in _index(tree, "groups.json"):
        members = tuple(str(m) for m in entry.get("members") or ())
        found[str(entry.get("name") or entry["id"])] = _Conversation(
            entry["id"],
            f"#{entry.get('name') or entry['id']}",
            Access("private", members, context.principals(members)),
        )
    for entry in _index(tree, "mpims.json") + _index(tree, "dms.json"):
        members = tuple(dict.fromkeys(str(m) for m in entry.get("members") or ()))
        label = "DM: " + ", ".join(context.user(m).label for m in members) if members else "DM"
        conversation = _Conversation(
            entry["id"], label, Access("dm", members, context.principals(members))
        )
        found.setdefault(str(entry["id"]), conversation)
        if entry.get("name"):
            found.setdefault(str(entry["name"]), conversation)
    return found


def _load_items(
    tree: _Tree, files: list[str], context: _Context, problems: list[Problem]
) -> list[_Item]:
    by_ts: dict[str, _Item] = {}
    for name in files:
        try:
            data = loads_json(tree.read(name))
        except ReadError as exc:
            problems.append(Problem(tree.display(name), str(exc)))
            continue
        if not isinstance(data, list):
            problems.append(Problem(tree.display(name), "day file is not a JSON list"))
            continue
        for index, raw in enumerate(data):
            item = _item(raw, name, context)
            if isinstance(item, str):
                problems.append(Problem(tree.display(name), item, where=f"message {index}"))
            elif item is not None:
                by_ts[item.ts] = item
    return sorted(by_ts.values(), key=lambda i: (i.time, i.ts))


def _item(raw: object, day: str, context: _Context) -> _Item | str | None:
    """The message as an item, None when it is a system event, or a reason it is unusable."""
    if not isinstance(raw, dict):
        return "message is not a JSON object"
    if raw.get("subtype") == "message_changed" and isinstance(raw.get("message"), dict):
        raw = raw["message"]
    ts = str(raw.get("ts") or "")
    try:
        when = from_epoch(float(ts))
    except ValueError:
        return f"message has no valid ts ({ts!r})"
    subtype = raw.get("subtype")
    if subtype == "tombstone":
        return _Item(ts, when, day, raw) if raw.get("thread_ts") else None
    if subtype in SYSTEM_SUBTYPES or (raw.get("hidden") and subtype != "bot_message"):
        return None
    item = _Item(ts, when, day, raw)
    try:
        item.message = context.message(raw, when, item.mentions)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        return f"unreadable message: {exc}"
    return item if item.message is not None else None


# --- records ------------------------------------------------------------------------------


def _records(
    items: list[_Item],
    conversation: _Conversation,
    workspace: str,
    tree: _Tree,
    context: _Context,
) -> list[Record]:
    threads: dict[str, list[_Item]] = {}
    stream: list[_Item] = []
    for item in items:
        thread_ts = item.raw.get("thread_ts")
        if thread_ts:
            threads.setdefault(str(thread_ts), []).append(item)
        else:
            stream.append(item)
    records: list[Record] = []
    for thread_ts, members in threads.items():
        if all(i.ts == thread_ts for i in members):  # a parent whose replies are not here
            stream += [i for i in members if i.message is not None]
            continue
        records.append(_record(members, conversation, workspace, tree, context, thread_ts))
    stream.sort(key=lambda i: (i.time, i.ts))
    for window in split_windows(stream, lambda i: i.time, day_of=lambda i: i.day):
        records.append(_record(window, conversation, workspace, tree, context, None))
    return sorted(records, key=lambda r: (r.created is None, r.created, r.key))


def _record(
    items: list[_Item],
    conversation: _Conversation,
    workspace: str,
    tree: _Tree,
    context: _Context,
    thread_ts: str | None,
) -> Record:
    messages = [i.message for i in items if i.message is not None]
    people = [
        person
        for i in items
        if i.message is not None
        for person in (i.message.author, *(context.user(uid) for uid in i.mentions))
    ]
    first = items[0]
    return Record(
        key=f"slack:{workspace}:{conversation.id}:{thread_ts or first.ts}",
        kind="chat",
        source=NAME,
        source_path=tree.display(first.day),
        title=_title(conversation.label, items, messages, thread_ts),
        created=messages[0].time if messages else first.time,
        ended=messages[-1].time if messages else first.time,
        participants=unique_identities(people),
        channel=conversation.label,
        thread=thread_ts,
        access=conversation.access,
        messages=messages,
    )


def _title(label: str, items: list[_Item], messages: list[Message], thread_ts: str | None) -> str:
    first = messages[0] if messages else None
    words = snippet(first.text) if first else ""
    if thread_ts is None:
        return f"{label} — {minute_label(items[0].time)}: {words}".rstrip(": ")
    parent = next((i for i in items if i.ts == thread_ts), None)
    if parent is None or parent.message is None:
        head = f"{label} — thread (parent deleted), {day_label(items[0].time)}"
    else:
        head = f"{label} — thread by {parent.message.author.label}, {day_label(parent.time)}"
    return f"{head}: {words}" if words else head


# --- people and text ----------------------------------------------------------------------


@dataclass(slots=True)
class _Context:
    """Users and channels of the workspace, for names and for rendering message text."""

    users: dict[str, dict[str, Any]]
    channels: dict[str, dict[str, Any]]
    bots: dict[str, dict[str, Any]]

    @classmethod
    def build(cls, users: list[dict[str, Any]], channels: list[dict[str, Any]]) -> _Context:
        bots = {
            str(u["profile"]["bot_id"]): u
            for u in users
            if isinstance(u.get("profile"), dict) and u["profile"].get("bot_id")
        }
        return cls({str(u["id"]): u for u in users}, {str(c["id"]): c for c in channels}, bots)

    def principals(self, members: Iterable[str]) -> tuple[str, ...]:
        """Who the member ids are for access: each one's e-mail (users.json ``profile.email``,
        what a signed-in user is named by) and ``id:<user id>`` (for people.yaml aliases)."""
        found: list[str] = []
        for uid in members:
            email = self.user(uid).email
            found += [email, f"id:{uid}"] if email else [f"id:{uid}"]
        return tuple(found)

    def user(self, uid: str, fallback: dict[str, Any] | None = None) -> Identity:
        """The identity of user ``uid`` (from users.json, else the message's user_profile)."""
        entry = self.users.get(uid)
        if entry is None:
            entry = {"profile": fallback, "name": (fallback or {}).get("name")}
        return _identity(uid, entry)

    def message(self, raw: dict[str, Any], when: datetime, mentions: list[str]) -> Message | None:
        """The normalized message, or None when it has no text at all."""
        author, is_bot = self._author(raw)
        text = self._text(raw, is_bot, mentions)
        if not text:
            return None
        thread_ts, ts = raw.get("thread_ts"), str(raw.get("ts"))
        return Message(
            author=author,
            text=text,
            time=when,
            locator=f"ts {ts}",
            is_bot=is_bot,
            reply_to=str(thread_ts) if thread_ts and thread_ts != ts else None,
        )

    def _author(self, raw: dict[str, Any]) -> tuple[Identity, bool]:
        """Who wrote it: a bot by its posted name, else the user, else the bot's user entry."""
        comment = raw.get("comment") if isinstance(raw.get("comment"), dict) else {}
        uid = str(raw.get("user") or comment.get("user") or "")
        bot_id = str(raw.get("bot_id") or "")
        profile = raw.get("bot_profile") if isinstance(raw.get("bot_profile"), dict) else {}
        posted_as = raw.get("subtype") == "bot_message" or bool(bot_id)
        is_bot = posted_as or uid == "USLACKBOT" or bool(self.users.get(uid, {}).get("is_bot"))
        bot_name = raw.get("username") or profile.get("name") if posted_as else None
        if bot_name:
            return Identity(name=str(bot_name), id=uid or bot_id or None), True
        if uid:
            fallback = (
                raw.get("user_profile") if isinstance(raw.get("user_profile"), dict) else None
            )
            return self.user(uid, fallback), is_bot
        if bot_id in self.bots:
            return _identity(str(self.bots[bot_id]["id"]), self.bots[bot_id]), True
        return Identity(name=f"bot {bot_id}" if bot_id else "unknown", id=bot_id or None), is_bot

    def _text(self, raw: dict[str, Any], is_bot: bool, mentions: list[str]) -> str:
        text = self.clean(str(raw.get("text") or ""), mentions)
        blocks = raw.get("blocks") if isinstance(raw.get("blocks"), list) else []
        if blocks and (not text or is_bot):
            extra = _blocks_text(blocks, self, mentions)
            if extra and extra not in text:
                text = f"{text}\n{extra}" if text else extra
        parts = [text]
        for attachment in raw.get("attachments") or []:
            if isinstance(attachment, dict):
                parts.append(self._attachment(attachment, mentions))
        parts += [f"[file: {title}]" for title in _file_titles(raw)]
        return "\n".join(p for p in parts if p).strip()

    def _attachment(self, attachment: dict[str, Any], mentions: list[str]) -> str:
        parts = [attachment.get(k) for k in ("pretext", "author_name", "title", "text")]
        for entry in attachment.get("fields") or []:
            if isinstance(entry, dict) and (entry.get("title") or entry.get("value")):
                parts.append(f"{entry.get('title') or ''}: {entry.get('value') or ''}".strip(": "))
        lines = [self.clean(str(p), mentions) for p in parts if p]
        if not any(lines) and attachment.get("fallback"):
            lines = [self.clean(str(attachment["fallback"]), mentions)]
        return "\n".join(line for line in lines if line)

    def clean(self, text: str, mentions: list[str]) -> str:
        """Slack markup to plain text: mentions, channel links, URLs, HTML escapes, and
        emoji codes (``:tada:``) as the emoji (custom ones stay codes)."""
        rendered = _TOKEN.sub(lambda m: self._token(m.group(1), mentions), text)
        rendered = emoji.emojize(rendered, language="alias")
        return rendered.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()

    def _token(self, body: str, mentions: list[str]) -> str:
        target, _, label = body.partition("|")
        if target.startswith("@"):
            uid = target[1:]
            mentions.append(uid)
            known = uid in self.users
            return "@" + (self.user(uid).label if known or not label else label)
        if target.startswith("#"):
            channel = self.channels.get(target[1:], {})
            return "#" + (label or str(channel.get("name") or target[1:]))
        if target.startswith("!"):
            return _special(target[1:], label)
        return _link(target, label)

    def rich_element(self, element: dict[str, Any], mentions: list[str]) -> str:
        """One leaf of a rich-text block as plain text."""
        kind = element.get("type")
        if kind == "text":
            return str(element.get("text") or "")
        if kind == "link":
            return _link(str(element.get("url") or ""), str(element.get("text") or ""))
        if kind == "user":
            uid = str(element.get("user_id") or "")
            mentions.append(uid)
            return "@" + self.user(uid).label
        if kind == "channel":
            cid = str(element.get("channel_id") or "")
            return "#" + str(self.channels.get(cid, {}).get("name") or cid)
        if kind == "emoji":
            return _emoji(element)
        if kind == "broadcast":
            return f"@{element.get('range')}"
        if kind == "usergroup":
            return f"@{element.get('usergroup_id')}"
        return str(element.get("text") or element.get("fallback") or "")


def _identity(uid: str, entry: dict[str, Any]) -> Identity:
    profile = entry.get("profile") if isinstance(entry.get("profile"), dict) else {}
    name = (
        profile.get("real_name")
        or entry.get("real_name")
        or profile.get("display_name")
        or entry.get("name")
        or uid
    )
    email = str(profile.get("email") or "")
    return Identity(
        name=str(name).strip() or uid,
        id=uid or None,
        handle=str(entry.get("name") or profile.get("name") or "") or None,
        email=email.strip() if "@" in email else None,
    )


def _special(command: str, label: str) -> str:
    if label:
        return label if label.startswith("@") or command.startswith("date") else f"@{label}"
    name = command.split("^", 1)[0]
    return f"@{name}"


def _link(url: str, label: str) -> str:
    bare = re.sub(r"^(mailto|tel):", "", url)
    if not label or label in (url, bare):
        return bare
    return f"{label} ({url})"


def _blocks_text(blocks: list[Any], context: _Context, mentions: list[str]) -> str:
    lines: list[str] = []
    for block in blocks:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "rich_text":
            lines.append(_rich_text(block.get("elements") or [], context, mentions))
            continue
        objects = [block.get("text"), *(block.get("fields") or []), *(block.get("elements") or [])]
        for obj in objects:
            if isinstance(obj, dict) and isinstance(obj.get("text"), str):
                lines.append(context.clean(obj["text"], mentions))
    return "\n".join(line for line in lines if line.strip()).strip()


def _rich_text(elements: list[Any], context: _Context, mentions: list[str]) -> str:
    """Sections, lists, quotes and preformatted parts of a rich-text block, one per line."""
    parts: list[str] = []
    for element in elements:
        if not isinstance(element, dict):
            continue
        children = element.get("elements")
        if not isinstance(children, list):
            parts.append(context.rich_element(element, mentions))
        elif element.get("type") == "rich_text_list":
            items = [c.get("elements") or [] for c in children if isinstance(c, dict)]
            parts += ["- " + _leaves(item, context, mentions) for item in items]
        else:
            parts.append(_leaves(children, context, mentions))
    return "\n".join(p.strip() for p in parts if p.strip())


def _leaves(children: list[Any], context: _Context, mentions: list[str]) -> str:
    return "".join(context.rich_element(c, mentions) for c in children if isinstance(c, dict))


def _file_titles(raw: dict[str, Any]) -> list[str]:
    files = [f for f in raw.get("files") or [] if isinstance(f, dict)]
    if isinstance(raw.get("file"), dict):
        files.append(raw["file"])
    titles = [str(f.get("title") or f.get("name") or "") for f in files]
    return [t for t in dict.fromkeys(titles) if t]


def _emoji(element: dict[str, Any]) -> str:
    """A rich-text emoji element: its Unicode code points, else its name as the emoji."""
    points = str(element.get("unicode") or "")
    if points:
        try:
            return "".join(chr(int(p, 16)) for p in points.split("-"))
        except ValueError:
            pass
    return emoji.emojize(f":{element.get('name')}:", language="alias")

"""Matrix rooms (a self-hosted chat many companies run), through ``/sync`` with matrix-nio.

The cursor is the ``next_batch`` token of the last sync ingested (and the device id, so
that a sync does not register a new device each time); each sync asks for the rooms' full
state (name, join rule, members) and the timeline since the cursor. A first sync, or a room whose
timeline the server cut short (``limited``), is completed backwards with ``/messages``
from ``prev_batch``. Each room is mirrored as a generic chat file
(``rooms/ROOM/messages.jsonl``, see the README's "Generic chat format") rewritten from the
room's messages as known now: an edit (``m.replace``) replaces the text it edits, a
redaction removes the message, and a thread reply (``m.thread``) joins its thread. A
public room is open to everyone; any other room to its joined members (by Matrix ID),
through the folder's ``.watercooler-access.yaml``.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from ingest.access import SIDECAR
from ingest.connectors.config import SourceConfig
from ingest.connectors.pulled import Pulled
from search.store.files import replace_file

BACKFILL_PAGE = 200
STATE = "events.json"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "room"


class Room:
    """A room's messages as known now, kept in ``events.json`` beside its chat file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        path = folder / STATE
        self.messages: dict[str, dict[str, Any]] = (
            json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        )
        self.added = self.changed = self.deleted = 0

    def apply(self, event: dict[str, Any], names: dict[str, str]) -> None:
        """Take one timeline event (as the server sent it) into the room."""
        kind, content = event.get("type"), event.get("content") or {}
        if kind == "m.room.redaction":
            if self.messages.pop(event.get("redacts") or content.get("redacts", ""), None):
                self.deleted += 1
            return
        if kind != "m.room.message" or "body" not in content:
            return
        relation = content.get("m.relates_to") or {}
        if relation.get("rel_type") == "m.replace":
            original = self.messages.get(relation.get("event_id", ""))
            new = (content.get("m.new_content") or {}).get("body")
            if original is not None and new and original["text"] != new:
                original["text"] = new
                self.changed += 1
            return
        event_id = event["event_id"]
        if event_id in self.messages:
            return
        sender = event["sender"]
        thread = relation.get("event_id") if relation.get("rel_type") == "m.thread" else None
        self.messages[event_id] = {
            "id": event_id,
            "timestamp": datetime.fromtimestamp(event["origin_server_ts"] / 1000, UTC).isoformat(),
            "author": names.get(sender, sender),
            "author_id": sender,
            "text": content["body"],
            "thread": thread,  # the root's id for a thread reply
        }
        self.added += 1

    def save(self, channel: str, grantees: dict[str, list[str]]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        threads = {m["thread"] for m in self.messages.values() if m.get("thread")}
        lines = []
        for message in sorted(self.messages.values(), key=lambda m: m["timestamp"]):
            thread = message.get("thread") or (message["id"] if message["id"] in threads else None)
            line = {k: message[k] for k in ("id", "timestamp", "author", "text")}
            lines.append(json.dumps({**line, "channel": channel, "thread": thread}))
        replace_file(self.folder / STATE, json.dumps(self.messages))
        replace_file(self.folder / "messages.jsonl", "\n".join(lines) + "\n" if lines else "")
        replace_file(self.folder / SIDECAR, yaml.safe_dump(grantees))


async def _pull(config: SourceConfig, mirror: Path, cursor: dict) -> Pulled:
    from nio import AsyncClient, LoginResponse, MessageDirection, RoomMessagesResponse, SyncResponse

    password = config.secret("password")
    if not password:
        raise ValueError(f"matrix source {config.name!r} needs password_env or password_file")
    client = AsyncClient(
        config.options["homeserver"], config.options["user"], device_id=cursor.get("device_id")
    )
    try:
        login = await client.login(password, device_name="watercooler")
        if not isinstance(login, LoginResponse):
            raise RuntimeError(f"matrix login failed: {login}")
        since = cursor.get("next_batch")
        # Full state every time: each sync is a new client, and a room's name, join rule and
        # members must be known to write who may see it (timelines stay incremental).
        sync = await client.sync(timeout=0, since=since, full_state=True)
        if not isinstance(sync, SyncResponse):
            raise RuntimeError(f"matrix sync failed: {sync}")
        wanted = set(config.options.get("rooms") or [])
        rooms_dir = mirror / "rooms"
        rooms_dir.mkdir(parents=True, exist_ok=True)
        totals = [0, 0, 0]
        for room_id, joined in sync.rooms.join.items():
            room = client.rooms.get(room_id)
            alias = room.canonical_alias if room else None
            if wanted and room_id not in wanted and alias not in wanted:
                continue
            name = (room.display_name if room else None) or alias or room_id
            names = {
                uid: user.display_name or uid for uid, user in (room.users if room else {}).items()
            }
            state = Room(rooms_dir / _safe(room_id))
            events = [e.source for e in joined.timeline.events]
            if (since is None or joined.timeline.limited) and joined.timeline.prev_batch:
                start = joined.timeline.prev_batch
                older: list[dict[str, Any]] = []
                while start:
                    page = await client.room_messages(
                        room_id, start=start, limit=BACKFILL_PAGE, direction=MessageDirection.back
                    )
                    if not isinstance(page, RoomMessagesResponse) or not page.chunk:
                        break
                    fresh = [
                        e.source for e in page.chunk if e.source["event_id"] not in state.messages
                    ]
                    older.extend(fresh)
                    if len(fresh) < len(page.chunk) or page.end == start:
                        break
                    start = page.end
                events = list(reversed(older)) + events
            for event in events:
                state.apply(event, names)
            public = room is not None and room.join_rule == "public"
            members = sorted(room.users) if room else []
            grantees = {"groups": ["everyone"]} if public else {"principals": members}
            state.save(f"#{name}", grantees)
            totals = [totals[0] + state.added, totals[1] + state.changed, totals[2] + state.deleted]
        new_cursor = {"next_batch": sync.next_batch, "device_id": client.device_id}
        return Pulled(
            paths=[rooms_dir], cursor=new_cursor, added=totals[0], changed=totals[1],
            deleted=totals[2],
        )  # fmt: skip
    finally:
        await client.close()


def pull(config: SourceConfig, mirror: Path, cursor: dict) -> Pulled:
    return asyncio.run(_pull(config, mirror, cursor))

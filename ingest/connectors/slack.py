"""Slack workspaces through the Web API, mirrored as an export folder.

Each sync lists the users (``users.list``) and conversations (``conversations.list``: public
and private channels, group DMs and DMs, with ``conversations.members`` for the private
ones) and writes them as an "all conversations" export writes them (``users.json``,
``channels.json``, ``groups.json``, ``mpims.json``, ``dms.json``), so the Slack reader reads
the mirror with the permissions it gives any export: a private channel or DM is seen by
its members only.

Messages: per conversation the cursor is the newest ``ts`` fetched. A sync re-reads
``conversations.history`` from ``LOOKBACK`` (7 days) before it, with the replies
(``conversations.replies``) of every thread listed, and rewrites the day files of that
window from what Slack returns now: edits (same ``ts``, new text) and deletions inside the
window are followed. Once a day (``FULL_EVERY``) a sync re-reads everything, which finds
deletions and late replies to older threads too (Slack has no tombstones when polling).
Rate limits are honoured: a ``ratelimited`` answer is retried after its ``Retry-After``.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.connectors.config import SourceConfig
from ingest.connectors.pulled import Pulled
from search.store.files import replace_file

LOOKBACK = 7 * 24 * 3600
FULL_EVERY = 24 * 3600
PAGE = 200
TYPES = "public_channel,private_channel,mpim,im"


def _client(config: SourceConfig) -> Any:
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    token = config.secret("token")
    if not token:
        raise ValueError(f"slack source {config.name!r} needs token_env or token_file")
    base_url = config.options.get("base_url", "https://slack.com/api/")
    client = WebClient(token=token, base_url=base_url, timeout=60)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=10))
    return client


def _pages(call: Callable[..., Any], key: str, **params: Any) -> Iterator[dict[str, Any]]:
    """Every item under ``key`` of a cursor-paginated Web API method."""
    cursor = None
    while True:
        response = (
            call(limit=PAGE, cursor=cursor, **params) if cursor else call(limit=PAGE, **params)
        )
        yield from response.get(key, [])
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return


def _folder(conversation: dict[str, Any]) -> str:
    """The export's folder for a conversation: its name, a DM's id."""
    return conversation["id"] if conversation.get("is_im") else conversation["name"]


def _write_json(path: Path, data: Any) -> None:
    replace_file(path, json.dumps(data, ensure_ascii=False, indent=1))


def _day(ts: str) -> str:
    return datetime.fromtimestamp(float(ts), UTC).date().isoformat()


def _messages(client: Any, channel: str, oldest: float) -> list[dict[str, Any]]:
    """A conversation's messages since ``oldest`` with every listed thread's replies."""
    found: dict[str, dict[str, Any]] = {}
    for message in _pages(
        client.conversations_history, "messages", channel=channel, oldest=f"{oldest:.6f}"
    ):
        found[message["ts"]] = message
        if message.get("reply_count"):
            for reply in _pages(
                client.conversations_replies, "messages", channel=channel, ts=message["ts"]
            ):
                found.setdefault(reply["ts"], reply)
    return sorted(found.values(), key=lambda m: float(m["ts"]))


def _rewrite_days(
    folder: Path, messages: list[dict[str, Any]], since_day: str | None
) -> tuple[int, int, int]:
    """Rewrite the day files from ``since_day`` on (every day when None) from ``messages``;
    messages added, changed and deleted."""
    folder.mkdir(parents=True, exist_ok=True)
    by_day: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for message in messages:
        by_day[_day(message["ts"])].append(message)
    existing = {p.stem: p for p in folder.glob("*.json")}
    days = {d for d in existing if since_day is None or d >= since_day} | set(by_day)
    added = changed = deleted = 0
    for day in sorted(days):
        path = folder / f"{day}.json"
        before = {}
        if day in existing:
            before = {m["ts"]: m for m in json.loads(path.read_text(encoding="utf-8"))}
        now = {m["ts"]: m for m in by_day.get(day, [])}
        added += len(now.keys() - before.keys())
        deleted += len(before.keys() - now.keys())
        changed += sum(1 for ts in now.keys() & before.keys() if now[ts] != before[ts])
        if now:
            if now != before:
                _write_json(path, list(now.values()))
        elif path.exists():
            path.unlink()
    return added, changed, deleted


def pull(config: SourceConfig, mirror: Path, cursor: dict) -> Pulled:
    client = _client(config)
    export = mirror / "export"
    export.mkdir(parents=True, exist_ok=True)
    now = time.time()
    full = now - float(cursor.get("full_at", 0)) >= FULL_EVERY
    _write_json(export / "users.json", list(_pages(client.users_list, "members")))
    conversations = list(_pages(client.conversations_list, "channels", types=TYPES))
    for conversation in conversations:
        if conversation.get("is_private") or conversation.get("is_im"):
            conversation["members"] = list(
                _pages(client.conversations_members, "members", channel=conversation["id"])
            )
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for conversation in conversations:
        kind = (
            "dms" if conversation.get("is_im")
            else "mpims" if conversation.get("is_mpim")
            else "groups" if conversation.get("is_private")
            else "channels"
        )  # fmt: skip
        groups[kind].append(conversation)
    for kind in ("channels", "groups", "mpims", "dms"):
        _write_json(export / f"{kind}.json", groups.get(kind, []))

    newest: dict[str, float] = dict(cursor.get("channels", {}))
    added = changed = deleted = 0
    for conversation in conversations:
        last = float(newest.get(conversation["id"], 0))
        oldest = 0.0 if full or not last else max(0.0, last - LOOKBACK)
        if oldest:  # whole days, since their files are rewritten whole
            oldest -= oldest % 86400
        messages = _messages(client, conversation["id"], oldest)
        since_day = None if oldest == 0 else _day(f"{oldest}")
        counts = _rewrite_days(export / _folder(conversation), messages, since_day)
        added, changed, deleted = added + counts[0], changed + counts[1], deleted + counts[2]
        if messages:
            newest[conversation["id"]] = max(last, float(messages[-1]["ts"]))
    if full:  # conversations that are gone (deleted, or the app removed from them)
        kept = {_folder(c) for c in conversations}
        for folder in export.iterdir():
            if folder.is_dir() and folder.name not in kept:
                deleted += len(list(folder.glob("*.json")))
                shutil.rmtree(folder)
    state = {"channels": newest, "full_at": now if full else cursor.get("full_at", 0)}
    return Pulled(paths=[export], cursor=state, added=added, changed=changed, deleted=deleted)

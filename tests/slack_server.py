"""A local Slack Web API for the Slack source's tests: no Slack server can run here.

It answers the methods the connector calls as Slack documents them: ``users.list``,
``conversations.list``, ``conversations.members``, ``conversations.history`` (newest
first, ``oldest``/``latest`` exclusive bounds, ``has_more``) and ``conversations.replies``
(parent first), all paginated by ``limit`` and an opaque ``response_metadata.next_cursor``;
a bad token gets ``invalid_auth``. ``ratelimit_next(method)`` makes the next call of a
method answer HTTP 429 with ``Retry-After: 1`` and ``{"ok": false, "error": "ratelimited"}``.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

TOKEN = "xoxb-test-token"


@dataclass
class Workspace:
    """What the fake Slack holds: users, conversations and their messages by channel id."""

    team: str = "T0TEST"
    users: list[dict[str, Any]] = field(default_factory=list)
    conversations: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ratelimited: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)

    def ratelimit_next(self, method: str) -> None:
        self.ratelimited.add(method)

    def post(
        self, channel: str, ts: str, user: str, text: str, thread_ts: str | None = None
    ) -> None:
        message = {"type": "message", "ts": ts, "user": user, "text": text}
        if thread_ts:
            message["thread_ts"] = thread_ts
            parent = next(m for m in self.messages[channel] if m["ts"] == thread_ts)
            parent["thread_ts"] = thread_ts
            parent["reply_count"] = parent.get("reply_count", 0) + 1
            parent["latest_reply"] = ts
        self.messages.setdefault(channel, []).append(message)

    def edit(self, channel: str, ts: str, text: str) -> None:
        message = next(m for m in self.messages[channel] if m["ts"] == ts)
        message["text"] = text
        message["edited"] = {"user": message["user"], "ts": ts}

    def delete(self, channel: str, ts: str) -> None:
        self.messages[channel] = [m for m in self.messages[channel] if m["ts"] != ts]


def _page(items: list[Any], params: dict[str, str], key: str) -> dict[str, Any]:
    start = int(base64.b64decode(params["cursor"]).decode()) if params.get("cursor") else 0
    limit = max(1, min(int(params.get("limit", 100)), 1000))
    page = items[start : start + limit]
    more = start + limit < len(items)
    cursor = base64.b64encode(str(start + limit).encode()).decode() if more else ""
    return {"ok": True, key: page, "has_more": more, "response_metadata": {"next_cursor": cursor}}


def answer(workspace: Workspace, method: str, params: dict[str, str]) -> dict[str, Any]:
    if method == "users.list":
        return _page(workspace.users, params, "members")
    if method == "conversations.list":
        public = [
            {k: v for k, v in c.items() if not k.startswith("_")} for c in workspace.conversations
        ]
        return _page(public, params, "channels")
    channel = params.get("channel", "")
    known = {c["id"]: c for c in workspace.conversations}
    if channel not in known:
        return {"ok": False, "error": "channel_not_found"}
    if method == "conversations.members":
        return _page(known[channel].get("_members", []), params, "members")
    messages = workspace.messages.get(channel, [])
    if method == "conversations.history":
        oldest, latest = float(params.get("oldest", 0)), float(params.get("latest", 9e12))
        top = [
            m for m in messages
            if oldest < float(m["ts"]) < latest and m.get("thread_ts") in (None, m["ts"])
        ]  # fmt: skip
        return _page(sorted(top, key=lambda m: -float(m["ts"])), params, "messages")
    if method == "conversations.replies":
        thread = [
            m
            for m in messages
            if m.get("thread_ts") == params.get("ts") or m["ts"] == params.get("ts")
        ]
        return _page(sorted(thread, key=lambda m: float(m["ts"])), params, "messages")
    return {"ok": False, "error": "unknown_method"}


@contextmanager
def slack_server(workspace: Workspace) -> Iterator[str]:
    """Serve ``workspace`` on a loopback port; the base URL for ``WebClient(base_url=…)``."""

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            url = urlparse(self.path)
            method = url.path.rsplit("/", 1)[-1]
            params = dict(parse_qsl(url.query))
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                params.update(parse_qsl(self.rfile.read(length).decode()))
            workspace.calls.append(method)
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._send(200, {"ok": False, "error": "invalid_auth"})
            elif method in workspace.ratelimited:
                workspace.ratelimited.discard(method)
                self._send(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
            else:
                self._send(200, answer(workspace, method, params))

        def _send(self, status: int, body: dict[str, Any], headers: dict | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/"
    finally:
        server.shutdown()
        server.server_close()

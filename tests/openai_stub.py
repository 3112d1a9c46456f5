"""A deterministic OpenAI-compatible chat-completions server on loopback, for tests.

``POST /v1/chat/completions`` answers from the numbered passages in the prompt: it quotes
the first line of passage [1] and cites it. ``mode`` picks a behaviour:

- ``good``: that quote with its marker.
- ``hallucinate``: the good sentence, plus one citing passage [2] for a claim passage [2]
  does not contain, plus one citing a passage that does not exist.
- ``nothing``: says the passages do not answer.
- ``slow``: sleeps ``delay`` seconds before answering (for client timeouts).
- ``error``: HTTP 500 with an OpenAI-style error body.
- ``malformed``: HTTP 200 with a body that is not JSON.
- ``no_choices``: HTTP 200 with JSON lacking ``choices``.
- ``empty``: HTTP 200 with an empty message.

With ``"stream": true`` the same text is sent as ``chat.completion.chunk`` events, one
word at a time, then ``data: [DONE]``. Every request body is kept in ``requests``.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HALLUCINATION = "The rollout was celebrated with a team dinner in Lisbon [2]."
PHANTOM = "Marketing approved the budget on June 31 [99]."
NOTHING = "I found nothing about that in the passages."


class OpenAIStub:
    """The server, started in a background thread; use as a context manager."""

    def __init__(self, mode: str = "good", delay: float = 3.0) -> None:
        self.mode = mode
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> OpenAIStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def answer_text(self, body: dict[str, Any]) -> str:
        """What the model says for this request in the current mode."""
        if self.mode == "nothing":
            return NOTHING
        if self.mode == "empty":
            return ""
        passages = numbered_passages(body)
        first = passages.get(1, "").strip().splitlines()
        quote = first[0].strip() if first else "nothing"
        good = f"{quote.rstrip('.')} [1]."
        if self.mode == "hallucinate":
            return f"{good} {HALLUCINATION} {PHANTOM}"
        return good


def numbered_passages(body: dict[str, Any]) -> dict[int, str]:
    """Passage number -> passage text, read from the user message of a request."""
    user = next((m["content"] for m in body.get("messages", []) if m["role"] == "user"), "")
    if isinstance(user, list):
        user = " ".join(part.get("text", "") for part in user)
    found: dict[int, str] = {}
    for match in re.finditer(
        r"^\[(\d+)\] \([^\n]*\)\n(.*?)(?=^\[\d+\] \(|^Question:)", user, re.S | re.M
    ):
        found[int(match.group(1))] = match.group(2)
    return found


def _handler(stub: OpenAIStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            stub.requests.append(body)
            # A client that gave up (a timeout test) closes the connection: nothing to answer.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._answer(body, stub.mode)

        def _answer(self, body: dict[str, Any], mode: str) -> None:
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": "not found"}})
                return
            if mode == "slow":
                time.sleep(stub.delay)
            if mode == "error":
                self._send(500, {"error": {"message": "model crashed", "type": "server_error"}})
            elif mode == "malformed":
                self._raw(200, b'{"id": "x", "choices": [{"message": ', "application/json")
            elif mode == "no_choices":
                self._send(200, {"id": "chatcmpl-stub", "object": "chat.completion"})
            elif body.get("stream"):
                self._stream(body)
            else:
                self._send(200, completion(body, stub.answer_text(body)))

        def _stream(self, body: dict[str, Any]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            words = re.findall(r"\S+\s*", stub.answer_text(body))
            for n, word in enumerate(words):
                delta = {"role": "assistant", "content": word} if n == 0 else {"content": word}
                self._event(chunk(body, delta, None))
            self._event(chunk(body, {}, "stop"))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

        def _event(self, data: dict[str, Any]) -> None:
            self.wfile.write(b"data: " + json.dumps(data).encode() + b"\n\n")
            self.wfile.flush()

        def _send(self, status: int, data: dict[str, Any]) -> None:
            self._raw(status, json.dumps(data).encode(), "application/json")

        def _raw(self, status: int, payload: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def completion(body: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": body.get("model", "stub"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def chunk(body: dict[str, Any], delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": body.get("model", "stub"),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }

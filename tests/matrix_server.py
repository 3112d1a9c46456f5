"""A throwaway Synapse (matrix-synapse from PyPI, SQLite) for the Matrix source's tests.

Synapse lives in its own virtual environment (``make synapse``: ``.venv-synapse``, or the
Python named by ``WATERCOOLER_TEST_SYNAPSE_PYTHON``) so that its pins never meet ours. The
homeserver listens on a loopback port, federates with nobody and fetches no keys.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.conftest import REPO, free_port

SYNAPSE_PYTHON = Path(
    os.environ.get("WATERCOOLER_TEST_SYNAPSE_PYTHON", REPO / ".venv-synapse" / "bin" / "python")
)
FAST = {"per_second": 1000, "burst_count": 1000}


@contextmanager
def synapse_server() -> Iterator[Homeserver]:
    """Start Synapse; users are made with :meth:`Homeserver.register`."""
    if not SYNAPSE_PYTHON.exists():
        raise RuntimeError(f"the Matrix tests need Synapse at {SYNAPSE_PYTHON}: run `make synapse`")
    with tempfile.TemporaryDirectory(prefix="wc-synapse-") as tmp:
        root, port = Path(tmp), free_port()
        config = root / "homeserver.yaml"
        subprocess.run(
            [str(SYNAPSE_PYTHON), "-m", "synapse.app.homeserver", "--server-name", "localhost",
             "--config-path", str(config), "--generate-config", "--report-stats=no",
             "--data-directory", str(root / "data")],
            cwd=root, check=True, capture_output=True,
        )  # fmt: skip
        settings: dict[str, Any] = yaml.safe_load(config.read_text())
        settings["listeners"] = [
            {"port": port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": False,
             "resources": [{"names": ["client"], "compress": False}]}
        ]  # fmt: skip
        settings.update(
            trusted_key_servers=[], suppress_key_server_warning=True, report_stats=False,
            rc_message=FAST, rc_login={"address": FAST, "account": FAST, "failed_attempts": FAST},
            rc_registration=FAST, rc_joins={"local": FAST, "remote": FAST},
            log_config=None,
        )  # fmt: skip
        settings.pop("log_config")
        config.write_text(yaml.safe_dump(settings))
        log = (root / "synapse.log").open("w")
        process = subprocess.Popen(
            [str(SYNAPSE_PYTHON), "-m", "synapse.app.homeserver", "--config-path", str(config)],
            cwd=root, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{url}/_matrix/client/versions", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(
                        f"Synapse did not start: {(root / 'synapse.log').read_text()[-2000:]}"
                    )
                time.sleep(0.3)
            yield Homeserver(url, settings["registration_shared_secret"])
        finally:
            process.terminate()
            process.wait(timeout=30)
            log.close()


@dataclass(frozen=True)
class Homeserver:
    url: str
    secret: str

    def register(self, user: str, password: str) -> None:
        """Make a user through Synapse's shared-secret registration (admin API)."""
        nonce = httpx.get(f"{self.url}/_synapse/admin/v1/register").json()["nonce"]
        message = "\0".join([nonce, user, password, "notadmin"]).encode()
        mac = hmac.new(self.secret.encode(), message, hashlib.sha1).hexdigest()
        body = {"nonce": nonce, "username": user, "password": password, "mac": mac}
        httpx.post(f"{self.url}/_synapse/admin/v1/register", json=body).raise_for_status()


class Matrix:
    """A test user talking to the homeserver through the client-server API."""

    def __init__(self, url: str, user: str, password: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=30)
        body = {"type": "m.login.password", "identifier": {"type": "m.id.user", "user": user},
                "password": password}  # fmt: skip
        response = self.http.post("/_matrix/client/v3/login", json=body)
        response.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        self.user_id = response.json()["user_id"]
        self.txn = 0

    def create_room(self, name: str, public: bool, invite: list[str] = ()) -> str:
        body = {"name": name, "preset": "public_chat" if public else "private_chat",
                "invite": list(invite)}  # fmt: skip
        response = self.http.post("/_matrix/client/v3/createRoom", json=body)
        response.raise_for_status()
        return response.json()["room_id"]

    def join(self, room_id: str) -> None:
        self.http.post(f"/_matrix/client/v3/join/{room_id}", json={}).raise_for_status()

    def send(self, room_id: str, content: dict[str, Any], kind: str = "m.room.message") -> str:
        self.txn += 1
        path = f"/_matrix/client/v3/rooms/{room_id}/send/{kind}/t{self.txn}-{time.time_ns()}"
        response = self.http.put(path, json=content)
        response.raise_for_status()
        return response.json()["event_id"]

    def say(self, room_id: str, text: str, thread: str | None = None) -> str:
        content: dict[str, Any] = {"msgtype": "m.text", "body": text}
        if thread:
            content["m.relates_to"] = {"rel_type": "m.thread", "event_id": thread}
        return self.send(room_id, content)

    def edit(self, room_id: str, event_id: str, text: str) -> str:
        return self.send(room_id, {
            "msgtype": "m.text", "body": f"* {text}",
            "m.new_content": {"msgtype": "m.text", "body": text},
            "m.relates_to": {"rel_type": "m.replace", "event_id": event_id},
        })  # fmt: skip

    def redact(self, room_id: str, event_id: str) -> None:
        self.txn += 1
        path = f"/_matrix/client/v3/rooms/{room_id}/redact/{event_id}/r{self.txn}-{time.time_ns()}"
        self.http.put(path, json={}).raise_for_status()

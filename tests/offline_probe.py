"""Run ingest, search and an HTTP request while recording every outbound network attempt.

Run as a script (by test_offline.py) so that the audit hook, which cannot be removed,
lives only in this process and its children. Every Python process it starts (the server's
people snapshot child) runs the same hook from ``tests/offline_guard/sitecustomize.py``
and writes what it blocked, and that it ran guarded, to the file named by
:data:`GUARD_LOG`. Prints one JSON line: the attempts and what was done.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
import time
from pathlib import Path

ATTEMPTS: list[str] = []
GUARD_LOG = "WATERCOOLER_OFFLINE_GUARD_LOG"
GUARD_DIR = Path(__file__).resolve().parent / "offline_guard"
REPO = Path(__file__).resolve().parents[1]


def _record(line: str) -> None:
    """Note ``line`` here and, in a guarded process, in the guard log."""
    log = os.environ.get(GUARD_LOG)
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(json.dumps({"pid": os.getpid(), "line": line}) + "\n")


def is_local(address: object) -> bool:
    """A loopback host (or a ``(host, port)`` address on one)."""
    host = address[0] if isinstance(address, tuple) else address
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def block_network(event: str, args: tuple) -> None:
    """An audit hook that records and refuses every non-loopback connect and DNS lookup."""
    if event == "socket.connect":
        sock, address = args
        if sock.family == socket.AF_UNIX:
            return
        if not is_local(address):
            ATTEMPTS.append(f"connect {address}")
            _record(f"connect {address}")
            raise OSError(f"blocked outbound connection to {address}")
    elif event == "socket.getaddrinfo":
        host = args[0]
        if isinstance(host, bytes):
            host = host.decode()
        if not is_local(host):
            ATTEMPTS.append(f"resolve {host}")
            _record(f"resolve {host}")
            raise OSError(f"blocked DNS lookup of {host}")


def guard_this_process() -> None:
    """Block the network here and log that this process (its command line) runs guarded."""
    sys.addaudithook(block_network)
    _record("guarded " + " ".join(sys.orig_argv))


def guard_children(log: Path) -> None:
    """Make every Python process started from here on run :func:`guard_this_process`
    first (a ``sitecustomize`` on PYTHONPATH) and report to ``log``."""
    os.environ[GUARD_LOG] = str(log)
    paths = [str(GUARD_DIR), str(REPO), os.environ.get("PYTHONPATH", "")]
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)


def guard_log(log: Path) -> list[dict]:
    """What guarded processes wrote: ``{"pid", "line"}`` records."""
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def wait_for(path: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return path.exists()


def main(source: Path, home: Path, log: Path) -> None:
    sys.addaudithook(block_network)
    guard_children(log)
    import httpx

    from ingest.pipeline import ingest
    from search.retrieval.retriever import Retriever
    from search.store.settings import Settings
    from search.store.store import Store
    from tests.conftest import LiveServer

    settings = Settings(home=home)
    store = Store.open(settings)
    summary = ingest([source], store)
    hits = Retriever(store).search("release date decision", k=3)
    store.close()
    with LiveServer(settings) as server:
        response = httpx.get(server.url + "/search", params={"q": "pricing"}, timeout=30)
        # the server builds the people directory in a child process: let it finish
        snapshot = wait_for(home / "people.snapshot", 600)
    children = [r for r in guard_log(log) if r["pid"] != os.getpid()]
    print(
        json.dumps(
            {
                "attempts": ATTEMPTS,
                "ingested": summary.count("new"),
                "failed": [f"{f.path}: {f.reason}" for f in summary.failures],
                "hits": len(hits),
                "http_status": response.status_code,
                "http_hits": len(response.json()["hits"]),
                "snapshot_built": snapshot,
                "guarded_children": [
                    r["line"].removeprefix("guarded ")
                    for r in children
                    if r["line"].startswith("guarded ")
                ],
                "child_attempts": [
                    r["line"] for r in children if not r["line"].startswith("guarded ")
                ],
            }
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))

"""Run ingest, search and an HTTP request while recording every outbound network attempt.

Run as a script (by test_offline.py) so that the audit hook, which cannot be removed,
lives only in this process. Prints one JSON line: the attempts and what was done.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import sys
from pathlib import Path

ATTEMPTS: list[str] = []


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
            raise OSError(f"blocked outbound connection to {address}")
    elif event == "socket.getaddrinfo":
        host = args[0]
        if isinstance(host, bytes):
            host = host.decode()
        if not is_local(host):
            ATTEMPTS.append(f"resolve {host}")
            raise OSError(f"blocked DNS lookup of {host}")


def main(source: Path, home: Path) -> None:
    sys.addaudithook(block_network)
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
    print(
        json.dumps(
            {
                "attempts": ATTEMPTS,
                "ingested": summary.count("new"),
                "failed": [f"{f.path}: {f.reason}" for f in summary.failures],
                "hits": len(hits),
                "http_status": response.status_code,
                "http_hits": len(response.json()["hits"]),
            }
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))

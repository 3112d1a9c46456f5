"""Search latency right after `serve` starts, while the people directory is being built.

    .venv/bin/python benchmarks/warm_start.py --home DIR [--seconds 60] [--queries FILE]

Starts ``python -m api.cli serve`` on a loopback port over an ingested store (``--home``),
with its people snapshot removed so that the directory must be built, and from the moment
``/healthz`` answers sends one ``/search`` at a time (queries from the store's own document
titles, or ``--queries``, one per line). Prints p50 / p99 / max of the searches made while
the directory and its expert index were building (until ``people.snapshot`` holds the
index) and after it, then restarts the server to time how soon a start with a snapshot has
the directory (``/experts`` p50).
"""

from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.scale import complete  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(home: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "WATERCOOLER_HOME": str(home), "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_up(http: httpx.Client, deadline: float = 120) -> float:
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        try:
            if http.get("/healthz").status_code == 200:
                return time.monotonic() - start
        except httpx.TransportError:
            time.sleep(0.05)
    raise SystemExit("the server did not start")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def line(label: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    if not ms:
        return f"{label:<28} n=0"
    return (
        f"{label:<28} n={len(ms):<5} p50 {statistics.median(ms):7.1f} ms  "
        f"p99 {percentile(ms, 0.99):7.1f} ms  max {max(ms):7.1f} ms"
    )


def titles(home: Path) -> list[str]:
    with sqlite3.connect(f"file:{home / 'catalog.db'}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT title FROM documents WHERE title != '' LIMIT 400").fetchall()
    return [r[0][:60] for r in rows] or ["meeting"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--queries", type=Path)
    args = parser.parse_args()
    home = args.home.resolve()
    queries = (
        [q for q in args.queries.read_text().splitlines() if q.strip()]
        if args.queries
        else titles(home)
    )
    snapshot = home / "people.snapshot"
    snapshot.unlink(missing_ok=True)
    port = free_port()
    server = serve(home, port)
    building: list[float] = []
    built: list[float] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            started = wait_up(http)
            print(f"server up after {started:.1f} s (model loaded); searching for {args.seconds} s")
            t0 = time.monotonic()
            ready_at = None
            n = 0
            while time.monotonic() - t0 < args.seconds:
                q = queries[n % len(queries)]
                n += 1
                t = time.monotonic()
                response = http.get("/search", params={"q": q, "k": 10})
                elapsed = time.monotonic() - t
                response.raise_for_status()
                if ready_at is None and snapshot.exists() and complete(snapshot):
                    ready_at = time.monotonic() - t0
                (built if ready_at is not None else building).append(elapsed)
            after = f"{ready_at:.1f} s" if ready_at is not None else "more than the run"
            print(f"people directory and expert index built in a child process after {after}")
            print(line("/search while building", building))
            print(line("/search after", built))
    finally:
        server.terminate()
        server.wait(timeout=30)
    port = free_port()
    server = serve(home, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            wait_up(http)
            times = []
            for q in queries[:20]:
                t = time.monotonic()
                http.get("/experts", params={"q": q, "k": 5}).raise_for_status()
                times.append(time.monotonic() - t)
            print(line("/experts, restart w/ snapshot", times))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

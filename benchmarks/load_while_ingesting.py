"""Searching, asking and finding experts while the server ingests more data.

    .venv/bin/python benchmarks/load_while_ingesting.py [--clients 20] [--seconds 60]

Starts ``watercooler serve`` (a real uvicorn subprocess on a free loopback port, with its own
``WATERCOOLER_HOME`` where ``watercooler ingest`` stored api/sample_org), then uploads copies
of the sample organization's Slack export (under another team id), mailbox and transcripts
through ``POST /ingest``, one after another, for the whole run, while ``--clients`` threads
mix ``/search`` (50%), ``/ask`` (25%) and ``/experts`` (25%). After each search a client opens
the top hits with ``/documents/{id}``; at the end every document seen is opened again, and
one whose chunk count changed was seen half-written.

Prints requests/s, p50/p99 per endpoint, errors (a 5xx, any other unexpected status, a
timeout, "database is locked" anywhere in a body) and documents seen half-written; both must
be 0 (exit status 1 otherwise). ``tests/api/test_load_while_ingesting.py`` runs a short one.

``--via cli`` ingests with ``watercooler ingest`` in another process instead. With the
embedded Chroma store that is refused (exit 4, see search/store/lock.py): Chroma's
PersistentClient is not multi-process safe (the server's index would not see the other
process's vectors, and queries whose candidates include them would fail with Chroma's
"Error finding id"); it runs with a Chroma server (WATERCOOLER_CHROMA_URL).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
SAMPLE_ORG = REPO / "api" / "sample_org"
DATA = REPO / "tests" / "data"
TIMEOUT = 120.0  # a request slower than this counts as a hang


@dataclass
class Report:
    """What the clients saw and what the ingest did."""

    clients: int
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    half_written: list[str] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)  # doc id -> chunks when first opened
    seen_uploaded: set[str] = field(default_factory=set)  # of those, ingested during the run
    uploads: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)

    def lines(self) -> list[str]:
        written = sum((u.get("summary") or {}).get("documents_written", 0) for u in self.uploads)
        out = [
            f"clients: {self.clients}, {self.seconds:.1f} s, {self.requests} requests, "
            f"{self.requests / max(self.seconds, 1e-9):.1f} requests/s",
            f"ingest during the run: {len(self.uploads)} uploads, {written} documents written "
            f"({', '.join(u['filename'] + ' ' + u['status'] for u in self.uploads)})",
        ]
        for endpoint, values in sorted(self.latencies.items()):
            out.append(
                f"  {endpoint:<10} n={len(values):>5}  p50 {percentile(values, 0.5) * 1000:7.0f} ms"
                f"  p99 {percentile(values, 0.99) * 1000:7.0f} ms"
            )
        out.append(f"errors: {len(self.errors)}")
        out += [f"  {e}" for e in self.errors[:20]]
        out.append(
            f"documents seen: {len(self.seen)} ({len(self.seen_uploaded)} ingested during the "
            f"run), seen half-written: {len(self.half_written)}"
        )
        out += [f"  {h}" for h in self.half_written[:20]]
        return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(*args: str, env: dict[str, str], **options: Any) -> Any:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], env=env, cwd=REPO, **options)


class Server:
    """``watercooler serve`` in a subprocess, on a free loopback port."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", str(self.port)],
            env=env,
            cwd=REPO,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait(self, seconds: float = 180) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited ({self.process.returncode}); see {self.log.name}"
                )
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def upload_files(round_: int) -> list[tuple[str, bytes]]:
    """Another copy of the sample organization, as uploads whose documents are all new."""
    export = SAMPLE_ORG / "chat" / "slack-export"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(export.rglob("*.json")):
            data = path.read_bytes()
            if path.name == "users.json":  # another workspace: new record keys, all embedded
                users = json.loads(data)
                for user in users:
                    user["team_id"] = f"TCOPY{round_}"
                data = json.dumps(users).encode()
            archive.writestr(str(path.relative_to(export)), data)
    files = [(f"slack-copy{round_}.zip", buffer.getvalue())]
    files.append(
        (f"company-copy{round_}.mbox", (SAMPLE_ORG / "mail" / "company.mbox").read_bytes())
    )
    for path in sorted((SAMPLE_ORG / "transcripts").glob("*.*")):
        if not path.name.startswith("."):
            files.append((f"{path.stem}-copy{round_}{path.suffix}", path.read_bytes()))
    return files


def ingester(url: str, report: Report, stop: threading.Event) -> None:
    """Upload copies one after another until ``stop``; each job is waited for."""
    with httpx.Client(base_url=url, timeout=TIMEOUT) as client:
        round_ = 0
        while not stop.is_set():
            round_ += 1
            for filename, data in upload_files(round_):
                if stop.is_set():
                    return
                response = client.post("/ingest", params={"filename": filename}, content=data)
                if response.status_code != 202:
                    report.error(
                        f"POST /ingest {filename}: {response.status_code} {response.text[:200]}"
                    )
                    return
                job_id = response.json()["job_id"]
                while True:
                    job = client.get(f"/ingest/{job_id}").json()
                    if job["status"] in ("done", "failed"):
                        break
                    time.sleep(0.2)
                if job["status"] == "failed":
                    report.error(f"ingest of {filename} failed: {job.get('error')}")
                with report.lock:
                    report.uploads.append(job)


def cli_ingester(env: dict[str, str], workdir: Path, report: Report, stop: threading.Event) -> None:
    """``--via cli``: ``watercooler ingest`` of new copies, in another process, until ``stop``."""
    round_ = 0
    while not stop.is_set():
        round_ += 1
        folder = workdir / f"copy{round_}"
        for filename, data in upload_files(round_):
            target = folder / filename
            if filename.endswith(".zip"):
                target = folder / filename.removesuffix(".zip")
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    archive.extractall(target)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        done = cli("ingest", str(folder), "--json", env=env, capture_output=True, text=True)
        try:
            summary = json.loads(done.stdout)
        except json.JSONDecodeError:
            report.error(
                f"watercooler ingest {folder.name}: {done.returncode} {done.stderr[-300:]}"
            )
            return
        status = "done" if done.returncode == 0 else "failed"
        if status == "failed":
            report.error(f"watercooler ingest {folder.name}: {summary.get('failures')}")
        with report.lock:
            report.uploads.append({"filename": folder.name, "status": status, "summary": summary})


def client_loop(
    url: str, report: Report, deadline: float, rng: random.Random, inputs: dict[str, list[str]]
) -> None:
    with httpx.Client(base_url=url, timeout=TIMEOUT) as client:
        while time.monotonic() < deadline:
            pick = rng.random()
            if pick < 0.5:
                endpoint, call = (
                    "search",
                    lambda: client.get(
                        "/search", params={"q": rng.choice(inputs["search"]), "k": 10}
                    ),
                )
            elif pick < 0.75:
                endpoint, call = (
                    "ask",
                    lambda: client.post("/ask", json={"question": rng.choice(inputs["ask"])}),
                )
            else:
                endpoint, call = (
                    "experts",
                    lambda: client.get(
                        "/experts", params={"q": rng.choice(inputs["experts"]), "k": 5}
                    ),
                )
            body = timed(report, endpoint, call)
            if endpoint == "search" and body is not None:
                for hit in body["hits"][:3]:
                    open_document(client, report, hit["doc_id"])


def timed(report: Report, endpoint: str, call: Any) -> dict[str, Any] | None:
    started = time.perf_counter()
    try:
        response = call()
    except httpx.HTTPError as exc:
        report.error(f"{endpoint}: {type(exc).__name__}: {exc}")
        return None
    elapsed = time.perf_counter() - started
    with report.lock:
        report.latencies[endpoint].append(elapsed)
    if "database is locked" in response.text:
        report.error(f"{endpoint}: 'database is locked' in a {response.status_code} answer")
    if response.status_code != 200:
        report.error(f"{endpoint}: {response.status_code} {response.text[:200]}")
        return None
    return response.json()


def open_document(client: httpx.Client, report: Report, doc_id: str) -> None:
    body = timed(report, "documents", lambda: client.get(f"/documents/{doc_id}"))
    if body is None:
        report.half_written.append(f"{doc_id}: a hit that /documents could not open")
        return
    with report.lock:
        first = report.seen.setdefault(doc_id, len(body["chunks"]))
        if "/uploads/" in body["source_path"]:
            report.seen_uploaded.add(doc_id)
    if first != len(body["chunks"]):
        report.half_written.append(f"{doc_id}: {first} chunks, then {len(body['chunks'])}")


def inputs() -> dict[str, list[str]]:
    def field_of(name: str, key: str) -> list[str]:
        lines = (DATA / name).read_text(encoding="utf-8").splitlines()
        return [json.loads(line)[key] for line in lines if line.strip()]

    return {
        "search": field_of("search_queries.jsonl", "query"),
        "ask": field_of("questions.jsonl", "question"),
        "experts": field_of("expert_topics.jsonl", "topic"),
    }


def run(
    clients: int,
    seconds: float,
    workdir: Path,
    seed: int = 1,
    via: str = "upload",
    parts: Sequence[str] = (),
) -> Report:
    """Serve the sample organization (only its folders ``parts``, when given) from
    ``workdir``, load it while it ingests, report."""
    home = workdir / "home"
    env = {**os.environ, "WATERCOOLER_HOME": str(home), "WATERCOOLER_HOST": "127.0.0.1"}
    env.pop("WATERCOOLER_CHROMA_URL", None)
    org = workdir / "sample_org"
    for part in parts or [p.name for p in SAMPLE_ORG.iterdir()]:
        shutil.copytree(SAMPLE_ORG / part, org / part)
    cli("ingest", str(org), env=env, check=True, capture_output=True)
    server = Server(env, workdir / "server.log")
    report = Report(clients)
    try:
        server.wait()
        stop = threading.Event()
        uploads = (
            threading.Thread(target=ingester, args=(server.url, report, stop))
            if via == "upload"
            else threading.Thread(target=cli_ingester, args=(env, workdir, report, stop))
        )
        rng = random.Random(seed)
        given = inputs()
        started = time.monotonic()
        deadline = started + seconds
        threads = [
            threading.Thread(
                target=client_loop,
                args=(server.url, report, deadline, random.Random(rng.random()), given),
            )
            for _ in range(clients)
        ]
        uploads.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        report.seconds = time.monotonic() - started
        stop.set()
        uploads.join()
        with httpx.Client(base_url=server.url, timeout=TIMEOUT) as client:
            for doc_id, first in sorted(report.seen.items()):
                final = client.get(f"/documents/{doc_id}")
                count = len(final.json()["chunks"]) if final.status_code == 200 else -1
                if count != first:
                    report.half_written.append(f"{doc_id}: {first} chunks seen, {count} final")
        if server.process.poll() is not None:
            report.error(f"the server exited ({server.process.returncode})")
    finally:
        server.stop()
    log = (workdir / "server.log").read_text(errors="replace")
    for line in log.splitlines():
        if "database is locked" in line or "Traceback" in line:
            report.error(f"server log: {line[:200]}")
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--via",
        choices=("upload", "cli"),
        default="upload",
        help="POST /ingest (in the server) or `watercooler ingest` (another process)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wc-load-") as tmp:
        report = run(args.clients, args.seconds, Path(tmp), args.seed, args.via)
    print("\n".join(report.lines()))
    return 1 if report.errors or report.half_written else 0


if __name__ == "__main__":
    raise SystemExit(main())

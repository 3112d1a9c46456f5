"""Kill ingest at random moments: every rerun must leave the store a clean run leaves.

    .venv/bin/python benchmarks/crash_kill.py [--points 100] [--seed 14] [--workers 2]

Ingests the sample organization (api/sample_org) plus a generated chat export (JSONL, a
few hundred messages) into a fresh store once, cleanly, counting its write steps. Then, per
kill point, a real ``watercooler ingest`` process on a fresh store dies by SIGKILL: at a
random write step (``WATERCOOLER_CRASH_AT``) for three points in four, else after a random
delay; the ingest is rerun and the store compared with the clean one (documents, chunks,
ledger, access, people, vectors within 1e-5; see tests/crash_check.py). Prints the kill
points tried and the differences found; exits 1 when any were found. A kill point costs
about half an ingest of the sample organization (some 20 s on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from search.store.embeddings import load_embedder  # noqa: E402
from search.store.settings import Settings  # noqa: E402
from tests.crash_check import (  # noqa: E402
    RememberingEmbedder,
    differences,
    ingest_here,
    kill_ingest,
    snapshot,
    timed,
)

PEOPLE = ["Priya Raman", "Felix Amsel", "Nadia Chowdhury", "Tomás Herrera", "Owen Mbeki"]
WORDS = (
    "cutover runbook replica lag pricing tier invoice offline sync release freeze "
    "rollback migration budget hiring on-call incident postmortem roadmap beta"
).split()


def write_chat_export(path: Path, messages: int, rng: random.Random) -> None:
    """A generic JSONL chat export: threads in a few channels over some weeks."""
    start = datetime(2025, 3, 1, 9, tzinfo=UTC)
    lines = []
    for n in range(messages):
        when = start + timedelta(minutes=37 * n)
        lines.append(
            json.dumps(
                {
                    "timestamp": when.isoformat(),
                    "author": rng.choice(PEOPLE),
                    "channel": rng.choice(["platform", "release", "sales"]),
                    "thread": f"t{n // 6}",
                    "text": " ".join(rng.choices(WORDS, k=rng.randint(4, 16))).capitalize(),
                }
            )
        )
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100, help="kill points to try")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--workers", type=int, default=2, help="killed ingests at once")
    args = parser.parse_args()
    if args.points < 1 or args.workers < 1:
        parser.error("--points and --workers must be at least 1")
    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="crash-kill-"))
    try:
        org = root / "org"
        shutil.copytree(REPO / "api" / "sample_org", org)
        write_chat_export(org / "chat" / "team-chat.jsonl", 300, rng)
        embedder = RememberingEmbedder(load_embedder(Settings().model_path))
        (summary, steps), seconds = timed(ingest_here, root / "clean", [org], embedder)
        clean = snapshot(root / "clean")
        print(
            f"clean run: {len(summary.outcomes)} sources, {summary.chunks_written} chunks, "
            f"{steps} write steps, {seconds:.0f} s",
            flush=True,
        )
        kills = [
            {"crash_at": rng.randint(1, steps)}
            if rng.random() < 0.75
            else {"delay": rng.uniform(1.0, seconds + 4.0)}
            for _ in range(args.points)
        ]
        started = time.perf_counter()
        tried = killed = 0
        found: dict[str, list[str]] = {}

        def run(n: int) -> int:
            return kill_ingest(root / f"kill-{n}", [org], **kills[n])

        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            for n, code in enumerate(pool.map(run, range(len(kills)))):
                home = root / f"kill-{n}"
                ingest_here(home, [org], embedder)
                diff = differences(snapshot(home), clean)
                shutil.rmtree(home, ignore_errors=True)
                tried += 1
                killed += code == -9
                label = ", ".join(
                    f"{k}={v:.2f}" if k == "delay" else f"{k}={v}" for k, v in kills[n].items()
                )
                if diff:
                    found[label] = diff
                    print(f"  DIFFERENCE after kill {label}: {diff}", flush=True)
                if tried % 10 == 0 or tried == len(kills):
                    elapsed = time.perf_counter() - started
                    print(f"  {tried} kill points, {elapsed:.0f} s", flush=True)
        by_step = sum("crash_at" in k for k in kills)
        print(
            f"crash kill: {tried} kill points tried ({by_step} at a write step, "
            f"{tried - by_step} after a random delay; {killed} died by SIGKILL, the rest "
            f"finished first), {len(found)} with differences"
        )
        sys.exit(1 if found else 0)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

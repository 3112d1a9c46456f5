"""Ingest killed by SIGKILL at any write step, then rerun, leaves the store a clean run leaves.

A small organization is ingested once (state A); then it changes (state B: a note edited,
one removed, one added, a mail thread edited, a chat export added) and ``watercooler ingest
--prune`` runs on a copy of A's store in a real process that SIGKILLs itself at each of its
write steps in turn, plus a few killed after random delays (each process forked from one that
imported the command line once: the delays then fall inside the ingest itself, not in the
imports). After each kill the ingest runs
again, and the store must equal the one a clean run leaves: documents, chunks, ledger,
access, people, vectors (within float tolerance), nothing extra, nothing left pending.
"""

from __future__ import annotations

import json
import random
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from search.store.embeddings import Embedder
from tests.conftest import SAMPLE_ORG
from tests.crash_check import (
    RememberingEmbedder,
    differences,
    ingest_here,
    kill_ingest,
    snapshot,
    timed,
)

NOTES = SAMPLE_ORG / "meeting-notes"
CHAT = [
    {
        "timestamp": "2025-03-05T14:02:00Z",
        "author": "Priya Raman",
        "channel": "platform",
        "thread": "cutover",
        "text": "Cutover moves to April 26 because the DMS full load took longer.",
    },
    {
        "timestamp": "2025-03-05T14:05:10Z",
        "author": "Felix Amsel",
        "channel": "platform",
        "thread": "cutover",
        "text": "I'll update the runbook and the status page draft.",
    },
    {
        "timestamp": "2025-03-06T09:00:00Z",
        "author": "Nadia Chowdhury",
        "channel": "release",
        "text": "Burrow 2.3 release notes are ready for review.",
    },
]


def write_state_a(org: Path) -> None:
    (org / "notes").mkdir(parents=True)
    (org / "mail").mkdir()
    shutil.copy(NOTES / "2025-01-07-all-hands-kickoff.md", org / "notes" / "kickoff.md")
    shutil.copy(NOTES / "2025-01-14-platform-weekly.md", org / "notes" / "platform.md")
    shutil.copy(SAMPLE_ORG / "mail" / "company.mbox", org / "mail" / "company.mbox")


def write_state_b(org: Path) -> None:
    kickoff = org / "notes" / "kickoff.md"
    kickoff.write_text(kickoff.read_text() + "\n## Addendum\n\nOffsite moves to March 3.\n")
    (org / "notes" / "platform.md").unlink()
    shutil.copy(NOTES / "2025-02-18-mobile-weekly.txt", org / "notes" / "mobile.txt")
    mbox = org / "mail" / "company.mbox"
    mbox.write_text(mbox.read_text().replace("$1,400 compressor", "$2,100 compressor", 1))
    (org / "chat").mkdir()
    (org / "chat" / "team.jsonl").write_text("".join(json.dumps(m) + "\n" for m in CHAT))


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder):
    """(org folder in state B, A's store to copy, the clean run's snapshot, write steps)."""
    root = tmp_path_factory.mktemp("crash")
    org = root / "org"
    write_state_a(org)
    remembering = RememberingEmbedder(embedder)
    base = root / "base"
    ingest_here(base, [org], remembering)
    write_state_b(org)
    clean = root / "clean"
    shutil.copytree(base, clean)
    summary, steps = ingest_here(clean, [org], remembering, prune=True)
    assert (summary.count("new"), summary.count("updated"), len(summary.removed)) == (2, 2, 1)
    return org, base, snapshot(clean), steps, remembering


def kill_then_rerun(scenario, root: Path, kills: list[dict]) -> list[tuple[int, list[str]]]:
    """For each of ``kills`` (``crash_at=N`` or ``delay=S``): a copy of A's store, the
    ingest of B killed on it (two at a time), then the rerun here; (exit code, differences
    from the clean store) of each."""
    org, base, clean, _, remembering = scenario

    def killed(n: int) -> int:
        home = root / f"kill-{n}"
        shutil.copytree(base, home)
        return kill_ingest(home, [org], prune=True, forked=True, **kills[n])

    with ThreadPoolExecutor(max_workers=2) as pool:
        codes = list(pool.map(killed, range(len(kills))))
    results = []
    for n, code in enumerate(codes):
        ingest_here(root / f"kill-{n}", [org], remembering, prune=True)
        results.append((code, differences(snapshot(root / f"kill-{n}"), clean)))
    return results


def test_the_scenario_has_at_least_twenty_write_steps(scenario) -> None:
    assert scenario[3] >= 20


def test_a_kill_at_any_write_step_then_a_rerun_leaves_the_clean_store(
    scenario, tmp_path: Path
) -> None:
    steps = range(1, scenario[3] + 1)
    results = kill_then_rerun(scenario, tmp_path, [{"crash_at": step} for step in steps])
    assert [code for code, _ in results] == [-9] * len(steps), "every step must kill"
    found = {step: diff for step, (_, diff) in zip(steps, results, strict=True) if diff}
    assert not found, found


def test_a_kill_after_a_random_delay_then_a_rerun_leaves_the_clean_store(
    scenario, tmp_path: Path
) -> None:
    # How long an unkilled ingest of state B takes from a copy of A, then kills within it.
    home = tmp_path / "timing"
    shutil.copytree(scenario[1], home)
    code, seconds = timed(kill_ingest, home, [scenario[0]], prune=True, forked=True)
    assert code == 0
    rng = random.Random(14)
    delays = [rng.uniform(0.5, seconds) for _ in range(4)]
    results = kill_then_rerun(scenario, tmp_path, [{"delay": d} for d in delays])
    for delay, (code, diff) in zip(delays, results, strict=True):
        assert not diff, f"killed after {delay:.2f} s (exit {code}): {diff}"


def test_the_comparison_notices_a_missing_vector(scenario, tmp_path: Path) -> None:
    """The check above could fail: a store short of one vector differs from the clean one."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    org, base, clean, _, remembering = scenario
    home = tmp_path / "short"
    shutil.copytree(base, home)
    ingest_here(home, [org], remembering, prune=True)
    client = chromadb.PersistentClient(
        path=str(home / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    victim = sorted(clean.vectors)[0]
    client.get_collection("watercooler").delete(ids=[victim])
    assert f"vectors: missing {victim}" in differences(snapshot(home), clean)

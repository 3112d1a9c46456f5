"""Ingest, search and the server make no outbound connection: no hub, telemetry or download."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ingest.pipeline import ingest
from search.store.embeddings import Embedder
from tests.conftest import REPO, SAMPLE_ORG, make_store
from tests.offline_probe import GUARD_DIR, GUARD_LOG, guard_log


def network_jail() -> list[str]:
    """`unshare -n` (a network namespace with only loopback) when this machine allows it."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return []
    probe = subprocess.run(
        ["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True, check=False
    )
    if probe.returncode != 0:
        return []
    return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "jail"]


def test_ingest_search_and_server_make_no_outbound_connection(tmp_path: Path) -> None:
    """An audit hook blocks and records any non-loopback connect or DNS lookup, in the probe
    and in the server's people snapshot child; where the machine allows it, the process
    also runs in a network namespace with only loopback, which stops native code (Rust, C)
    that Python's hook cannot see."""
    jail = network_jail()
    source = tmp_path / "org"
    # every reader the sample organization exercises: markdown, text, office files, chat, mail
    shutil.copytree(SAMPLE_ORG, source)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [
            *jail,
            sys.executable,
            "-m",
            "tests.offline_probe",
            str(source),
            str(tmp_path / "home"),
            str(tmp_path / "guard.log"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["attempts"] == []
    assert report["failed"] == []
    assert report["ingested"] > 40
    assert report["hits"] == 3
    assert report["http_status"] == 200 and report["http_hits"] > 0
    # the snapshot child ran under the same block, to the end, and tried nothing
    assert report["snapshot_built"]
    assert any("-m search.people.snapshot" in child for child in report["guarded_children"])
    assert report["child_attempts"] == []


def test_the_guard_reports_a_snapshot_child_that_connects_out(
    tmp_path: Path, embedder: Embedder
) -> None:
    """The check above can fail: the same snapshot child, on a store with people but told
    its vectors are on a Chroma server at a non-loopback address, is blocked and its attempt
    is in the guard log."""
    notes = tmp_path / "notes"
    notes.mkdir()
    shutil.copy(SAMPLE_ORG / "meeting-notes" / "2025-01-14-platform-weekly.md", notes)
    store = make_store(tmp_path / "home")
    store.__dict__["embedder"] = embedder
    try:
        assert ingest([notes], store).count("new") == 1
    finally:
        store.close()
    log = tmp_path / "guard.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    env |= {"PYTHONPATH": f"{GUARD_DIR}{os.pathsep}{REPO}", GUARD_LOG: str(log)}
    settings = {"home": str(tmp_path / "home"), "chroma_url": "http://203.0.113.7:8000"}
    result = subprocess.run(
        [sys.executable, "-m", "search.people.snapshot", json.dumps(settings)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    lines = [record["line"] for record in guard_log(log)]
    assert result.returncode != 0
    assert any("-m search.people.snapshot" in line for line in lines if line.startswith("guarded"))
    assert any("203.0.113.7" in line for line in lines if not line.startswith("guarded")), lines

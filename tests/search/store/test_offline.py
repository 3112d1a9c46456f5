"""Ingest, search and the server make no outbound connection: no hub, telemetry or download."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, SAMPLE_ORG


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
    """An audit hook blocks and records any non-loopback connect or DNS lookup; where the
    machine allows it, the process also runs in a network namespace with only loopback,
    which stops native code (Rust, C) that Python's hook cannot see."""
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

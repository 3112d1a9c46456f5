"""Server mode as deployed, run as processes: PostgreSQL, a Chroma server, `watercooler
ingest` and `watercooler serve --workers 2` (deploy/docker-compose.yml's topology)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from api.cli import app
from tests.conftest import REPO, SAMPLE_ORG, chroma_server, free_port, postgres_schema


def worker_pids(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found |= {int(p) for p in (task / "children").read_text().split()}
    return found


def test_two_api_workers_serve_one_postgresql_catalog_and_chroma_server(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for path in sorted((SAMPLE_ORG / "meeting-notes").glob("*.md"))[:4]:
        shutil.copy(path, notes / path.name)
    with postgres_schema() as url, chroma_server(tmp_path / "chroma") as chroma_url:
        env = {
            **os.environ,
            "WATERCOOLER_HOME": str(tmp_path / "home"),
            "WATERCOOLER_DATABASE_URL": url,
            "WATERCOOLER_CHROMA_URL": chroma_url,
        }
        cli = [sys.executable, "-m", "api.cli"]
        ingested = subprocess.run(
            [*cli, "ingest", str(notes)], env=env, cwd=REPO, capture_output=True, text=True
        )
        assert ingested.returncode == 0, ingested.stderr
        port = free_port()
        server = subprocess.Popen(
            [*cli, "serve", "--port", str(port), "--workers", "2"],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while True:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "serve --workers 2 did not start"
                time.sleep(0.5)
            assert len(worker_pids(server.pid)) >= 2
            with httpx.Client(base_url=base, timeout=60) as client:
                tops = set()
                for _ in range(12):  # spread over both workers
                    response = client.get("/search", params={"q": "Burrow scope freeze", "k": 3})
                    assert response.status_code == 200, response.text
                    tops.add(response.json()["hits"][0]["title"])
                assert tops == {"Mobile weekly — 2025-01-21"}
                status = client.get("/status").json()
                assert status["chunks"] > 0
        finally:
            server.terminate()
            server.communicate(timeout=30)  # closes its output pipe too


def test_several_workers_need_a_chroma_server(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["serve", "--workers", "2"],
        env={"WATERCOOLER_HOME": str(tmp_path / "home"), "WATERCOOLER_CHROMA_URL": ""},
    )
    assert result.exit_code == 2
    assert "WATERCOOLER_CHROMA_URL" in result.output

"""A running ``watercooler serve`` holds the embedded store: commands in other processes that
would write it are refused at once (exit 4) and touch nothing, commands that read it work,
and writing commands take turns. Real processes throughout."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from benchmarks.load_while_ingesting import Server, cli
from search.store.lock import writing
from search.store.settings import Settings
from tests.conftest import REPO, SAMPLE_ORG
from tests.search.store.test_chroma_server import chroma_url  # noqa: F401 (a fixture)

NOTE = SAMPLE_ORG / "meeting-notes" / "2025-01-14-platform-weekly.md"
MAIL = SAMPLE_ORG / "mail" / "company.mbox"
NEW_NOTE = SAMPLE_ORG / "meeting-notes" / "2025-01-21-mobile-weekly.md"


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATERCOOLER_")}
    return {**env, "WATERCOOLER_HOME": str(home), "PYTHONPATH": str(REPO), **extra}


def fingerprint(home: Path) -> dict[str, str]:
    """Every stored file under ``home`` (the catalog and its WAL, the Chroma folder) by
    content hash; the lock files are left out."""
    return {
        str(path.relative_to(home)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(home.rglob("*"))
        if path.is_file() and not path.name.endswith(".lock")
    }


def small_home(root: Path) -> Path:
    """A store of one meeting note and the company mailbox, and its backup, written by the
    command line (no Chroma client of this process stays open on it)."""
    org = root / "org"
    org.mkdir(parents=True)
    for source in (NOTE, MAIL):
        (org / source.name).write_bytes(source.read_bytes())
    env = environment(root / "home")
    for args in (["ingest", str(org)], ["backup", str(root / "backup")]):
        done = cli(*args, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
    return root / "home"


def settled(home: Path) -> dict[str, str]:
    """The store's files once the server has warmed up (its people snapshot written and
    nothing changing for two seconds)."""
    deadline = time.monotonic() + 300
    while not (home / "people.snapshot").exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    before, now = {}, fingerprint(home)
    while before != now and time.monotonic() < deadline:
        time.sleep(2)
        before, now = now, fingerprint(home)
    return now


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """:func:`small_home` written once for this module: (its home, which ``served`` serves;
    an untouched copy of that home, made before any server opened it, for the tests that
    need a store of their own)."""
    root = tmp_path_factory.mktemp("served")
    home = small_home(root)
    pristine = tmp_path_factory.mktemp("pristine") / "home"
    shutil.copytree(home, pristine)
    return home, pristine


def copy_of(prepared: tuple[Path, Path], root: Path) -> Path:
    """A store of its own under ``root``: a copy of the prepared small home (the same files
    :func:`small_home` writes there, without running the command line again)."""
    home = root / "home"
    shutil.copytree(prepared[1], home)
    return home


@pytest.fixture(scope="module")
def served(prepared: tuple[Path, Path]) -> Iterator[tuple[Path, Server]]:
    """A small store under a real ``watercooler serve`` process, warmed up."""
    home = prepared[0]
    root = home.parent
    server = Server(environment(home), root / "serve.log")
    try:
        server.wait()
        settled(home)
        yield home, server
    finally:
        server.stop()


def writing_commands(home: Path) -> dict[str, list[str]]:
    new = home.parent / "new"
    new.mkdir(exist_ok=True)
    (new / NEW_NOTE.name).write_bytes(NEW_NOTE.read_bytes())
    return {
        "ingest": ["ingest", str(new)],
        "forget": ["forget", str(home.parent / "org" / NOTE.name)],
        "reindex": ["reindex"],
        "restore": ["restore", str(home.parent / "backup"), "--force"],
        "check --repair": ["check", "--repair"],
    }


@pytest.mark.parametrize("command", ["ingest", "forget", "reindex", "restore", "check --repair"])
def test_a_writing_command_is_refused_while_serve_holds_the_embedded_store(
    served: tuple[Path, Server], command: str
) -> None:
    home, server = served
    before = settled(home)
    started = time.monotonic()
    done = cli(
        *writing_commands(home)[command],
        env=environment(home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    message = " ".join(done.stderr.split())
    assert done.returncode == 4, done.stderr
    assert f"watercooler serve (pid {server.process.pid}, {server.url})" in message
    assert f"`watercooler {command}` did not run" in message
    assert f"{server.url}/ingest?filename=" in message and "WATERCOOLER_CHROMA_URL" in message
    assert time.monotonic() - started < 60  # refused at once, not after waiting for the server
    assert fingerprint(home) == before


def test_reading_commands_work_while_serve_holds_the_embedded_store(
    served: tuple[Path, Server],
) -> None:
    home, server = served
    queries = home.parent / "queries.jsonl"
    relevant = {"id": "q1", "query": "platform weekly", "relevant": [NOTE.name]}
    queries.write_text(json.dumps(relevant) + "\n")
    env = environment(home)
    commands = (
        ["search", "platform weekly", "--json"],
        ["status", "--json"],
        ["check", "--json"],
        ["eval", str(queries), "--json"],
        ["backup", str(home.parent / "backup-while-serving")],
    )
    # Independent readers: two processes at a time (each spends seconds importing).
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(
                lambda args: cli(*args, env=env, capture_output=True, text=True, timeout=300),
                commands,
            )
        )
    for args, done in zip(commands, results, strict=True):
        assert done.returncode == 0, f"{args[0]}: {done.stderr}"
        if args[0] == "check":
            assert json.loads(done.stdout)["clean"]
        if args[0] == "eval":
            assert json.loads(done.stdout)["hybrid"]["overall"]["recall@5"] == 1.0
    answer = httpx.get(f"{server.url}/search", params={"q": "platform weekly"}, timeout=60)
    assert answer.status_code == 200 and answer.json()["hits"]


def test_a_killed_server_leaves_the_store_free_for_ingest(
    prepared: tuple[Path, Path], tmp_path: Path
) -> None:
    home = copy_of(prepared, tmp_path)
    server = Server(environment(home), tmp_path / "serve.log")
    try:
        server.wait()
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
    finally:
        server.stop()
    new = tmp_path / "new"
    new.mkdir()
    (new / NEW_NOTE.name).write_bytes(NEW_NOTE.read_bytes())
    done = cli("ingest", str(new), "--json", env=environment(home), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["new"] == 1


def test_serve_refuses_to_start_while_a_command_writes_the_store(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    with writing(settings, "ingest"):
        done = cli(
            "serve",
            "--port",
            "1",
            env=environment(settings.home),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 4
    assert f"watercooler ingest (pid {os.getpid()}) is using the embedded store" in " ".join(
        done.stderr.split()
    )


def test_a_second_ingest_waits_for_the_first_then_runs(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    new = tmp_path / "new"
    new.mkdir()
    (new / NEW_NOTE.name).write_bytes(NEW_NOTE.read_bytes())
    log = tmp_path / "ingest.err"
    with writing(settings, "ingest"), log.open("w") as err:
        second = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "ingest", str(new), "--json"],
            env=environment(settings.home),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
        deadline = time.monotonic() + 120
        while "waiting for" not in log.read_text() and time.monotonic() < deadline:
            assert second.poll() is None, log.read_text()
            time.sleep(0.2)
        waited = " ".join(log.read_text().split())
        assert f"waiting for watercooler ingest (pid {os.getpid()}) to finish" in waited
        time.sleep(1)
        assert second.poll() is None
        assert not settings.catalog_path.exists()  # nothing written while it waits
    out, _ = second.communicate(timeout=300)
    assert second.returncode == 0, log.read_text()
    assert json.loads(out)["new"] == 1


def test_with_a_chroma_server_a_cli_ingest_runs_beside_serve_and_its_uploads(
    tmp_path: Path,
    chroma_url: str,  # noqa: F811
) -> None:
    """No lock with WATERCOOLER_CHROMA_URL: the server ingests uploads while a CLI ingest in
    another process writes the same catalog (SQLite WAL) and Chroma server."""
    env = environment(
        tmp_path / "home", WATERCOOLER_CHROMA_URL=chroma_url, WATERCOOLER_COLLECTION="lock_test"
    )
    org = tmp_path / "org"
    org.mkdir()
    (org / NOTE.name).write_bytes(NOTE.read_bytes())
    assert cli("ingest", str(org), env=env, capture_output=True).returncode == 0
    new = tmp_path / "new"
    new.mkdir()
    (new / NEW_NOTE.name).write_bytes(NEW_NOTE.read_bytes())
    server = Server(env, tmp_path / "serve.log")
    jobs: list[dict] = []
    try:
        server.wait()

        def upload() -> None:
            with httpx.Client(base_url=server.url, timeout=120) as client:
                for source in [MAIL, *sorted((SAMPLE_ORG / "transcripts").glob("2025-*"))]:
                    sent = client.post(
                        "/ingest", params={"filename": source.name}, content=source.read_bytes()
                    )
                    job = sent.json() if sent.status_code == 202 else {"error": sent.text}
                    while job.get("status") in ("queued", "running"):
                        time.sleep(0.2)
                        job = client.get(f"/ingest/{job['job_id']}").json()
                    jobs.append(job)

        uploader = threading.Thread(target=upload)
        uploader.start()
        done = cli("ingest", str(new), "--json", env=env, capture_output=True, text=True)
        uploader.join(timeout=600)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["new"] == 1
        assert jobs and all(job.get("status") == "done" for job in jobs), jobs
        check = cli("check", "--json", env=env, capture_output=True, text=True)
        assert check.returncode == 0 and json.loads(check.stdout)["clean"], check.stdout
        hits = httpx.get(f"{server.url}/search", params={"q": "mobile weekly"}, timeout=60)
        assert NEW_NOTE.name in {Path(h["source_path"]).name for h in hits.json()["hits"]}
    finally:
        server.stop()

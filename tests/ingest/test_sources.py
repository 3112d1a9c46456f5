"""Live capture: folder, git and IMAP sources synced by `watercooler sources sync` and by
the server's schedule, following additions, edits and deletions at the source."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from api.cli import app
from search.retrieval.retriever import Retriever
from search.store.settings import Settings
from search.store.store import Store
from tests.conftest import REPO, SAMPLE_ORG, LiveServer
from tests.crash_check import forked_cli
from tests.imap_server import dovecot_server, mail, mailbox

NOTE = """# {title}

Attendees: Priya Raman, Felix Amsel
Date: 2025-03-04

## Notes

{body}
"""


def cli(home: Path, *args: str, **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"WATERCOOLER_HOME": str(home), **env})
    return result.exit_code, result.output


def found(home: Path, query: str) -> set[str]:
    """Titles of the documents a search for ``query`` finds."""
    store = Store.open(Settings(home=home))
    try:
        return {hit.title for hit in Retriever(store).search(query, k=5) if hit.score > 0}
    finally:
        store.close()


def titles(home: Path) -> set[str]:
    store = Store.open(Settings(home=home))
    try:
        return {doc["title"] for doc in store.catalog.documents_index()}
    finally:
        store.close()


def write_note(folder: Path, name: str, title: str, body: str) -> Path:
    path = folder / name
    path.write_text(NOTE.format(title=title, body=body), encoding="utf-8")
    return path


def sync(home: Path, name: str, **env: str) -> dict:
    code, output = cli(home, "sources", "sync", name, "--json", **env)
    assert code == 0, output
    return json.loads(output)[name]


def test_a_folder_source_follows_new_and_deleted_files(tmp_path: Path) -> None:
    home, notes = tmp_path / "home", tmp_path / "notes"
    notes.mkdir()
    write_note(notes, "a.md", "Pricing review", "We agreed the starter tier stays at 9 euros.")
    code, output = cli(home, "sources", "add", "folder", "notes", "--path", str(notes))
    assert code == 0, output
    assert sync(home, "notes")["added"] == 1

    write_note(notes, "b.md", "Cutover planning", "The database cutover moves to the weekend.")
    second = sync(home, "notes")
    assert (second["added"], second["deleted"]) == (1, 0)
    assert titles(home) == {"Pricing review", "Cutover planning"}

    (notes / "a.md").unlink()
    third = sync(home, "notes")
    assert (third["added"], third["deleted"]) == (0, 1)
    assert titles(home) == {"Cutover planning"}

    code, output = cli(home, "sources", "list", "--json")
    listed = json.loads(output)[0]
    assert listed["name"] == "notes" and listed["kind"] == "folder"
    assert listed["sync"]["syncs"] == 3 and listed["sync"]["last_error"] is None
    assert listed["sync"]["lag"] is not None and listed["sync"]["lag"] < 60


def test_sources_config_keeps_secrets_out_and_names_bad_options(tmp_path: Path) -> None:
    home = tmp_path / "home"
    code, output = cli(home, "sources", "add", "imap", "support", "--host", "mail.example")
    assert code == 2 and "needs user" in output
    code, output = cli(
        home, "sources", "add", "imap", "support", "--host", "mail.example", "--user", "support",
        "--password-env", "SUPPORT_IMAP_PASSWORD",
    )  # fmt: skip
    assert code == 0, output
    saved = (home / "sources.yaml").read_text(encoding="utf-8")
    assert "SUPPORT_IMAP_PASSWORD" in saved and "password:" not in saved
    code, output = cli(home, "sources", "add", "folder", "Bad Name", "--path", str(tmp_path))
    assert code == 2 and "source name" in output
    code, output = cli(home, "sources", "sync", "support", "--json")
    assert code == 1  # the password variable is not set: the sync says so
    assert "SUPPORT_IMAP_PASSWORD is not set" in json.loads(output)["support"]["last_error"]
    code, output = cli(home, "sources", "remove", "support")
    assert code == 0 and cli(home, "sources", "list", "--json")[1].strip() == "[]"


def git(*args: str, cwd: Path) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Dana Whitfield",
        "GIT_AUTHOR_EMAIL": "dana@corp.example",
        "GIT_COMMITTER_NAME": "Dana Whitfield",
        "GIT_COMMITTER_EMAIL": "dana@corp.example",
    }
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_git_source_follows_commits_that_add_edit_and_delete(tmp_path: Path) -> None:
    home, bare, work = tmp_path / "home", tmp_path / "adrs.git", tmp_path / "work"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare), cwd=tmp_path)
    git("clone", "--quiet", str(bare), str(work), cwd=tmp_path)
    write_note(work, "0001-queue.md", "ADR 1: job queue", "We use PostgreSQL for the job queue.")
    write_note(work, "0002-cache.md", "ADR 2: cache", "Redis holds the session cache.")
    git("add", ".", cwd=work)
    git("commit", "--quiet", "-m", "first ADRs", cwd=work)
    git("push", "--quiet", "origin", "HEAD:main", cwd=work)

    assert cli(home, "sources", "add", "git", "adrs", "--url", str(bare))[0] == 0
    first = sync(home, "adrs")
    assert first["added"] == 2 and len(first["cursor"]["commit"]) == 40
    assert titles(home) == {"ADR 1: job queue", "ADR 2: cache"}

    write_note(work, "0001-queue.md", "ADR 1: job queue", "We moved the job queue to NATS.")
    (work / "0002-cache.md").unlink()
    git("add", "-A", ".", cwd=work)
    git("commit", "--quiet", "-m", "queue on NATS, no cache ADR", cwd=work)
    git("push", "--quiet", "origin", "HEAD:main", cwd=work)
    second = sync(home, "adrs")
    assert (second["added"], second["changed"], second["deleted"]) == (0, 1, 1)
    assert second["cursor"]["commit"] != first["cursor"]["commit"]
    assert titles(home) == {"ADR 1: job queue"}
    assert found(home, "NATS job queue") == {"ADR 1: job queue"}


# --- IMAP against a real Dovecot ------------------------------------------------------


@pytest.fixture
def dovecot() -> Iterator[int]:
    with dovecot_server() as port:
        yield port


def test_an_imap_source_follows_new_and_deleted_mail(tmp_path: Path, dovecot: int) -> None:
    home = tmp_path / "home"
    box = mailbox(dovecot)
    box.append(
        "INBOX", None, None, mail("Invoice export broken", "The CSV export drops VAT.", "<a@corp>")
    )
    box.append("INBOX", None, None, mail("Printer on floor 3", "Toner is out again.", "<b@corp>"))
    code, output = cli(
        home, "sources", "add", "imap", "support", "--host", "127.0.0.1",
        "--port", str(dovecot), "--user", "support", "--password-env", "WC_IMAP_PASSWORD",
    )  # fmt: skip
    assert code == 0, output
    first = sync(home, "support", WC_IMAP_PASSWORD="secret")
    assert (first["added"], first["deleted"]) == (2, 0)
    assert first["cursor"]["INBOX"]["last_uid"] == 2
    assert found(home, "CSV export VAT") >= {"Invoice export broken"}

    box.append("INBOX", None, None, mail("Toner ordered", "Ordered two cartridges.", "<c@corp>"))
    box.store("1", "+FLAGS", "\\Deleted")  # the invoice mail is deleted at the source
    box.expunge()
    box.logout()
    second = sync(home, "support", WC_IMAP_PASSWORD="secret")
    assert (second["added"], second["deleted"]) == (1, 1)
    assert "Invoice export broken" not in titles(home)
    assert "Toner ordered" in titles(home)
    again = sync(home, "support", WC_IMAP_PASSWORD="secret")
    assert (again["added"], again["deleted"]) == (0, 0)


def test_serve_syncs_a_folder_source_and_a_new_file_becomes_searchable(tmp_path: Path) -> None:
    home, notes = tmp_path / "home", tmp_path / "notes"
    notes.mkdir()
    write_note(notes, "a.md", "Pricing review", "The starter tier stays at 9 euros.")
    assert (
        cli(home, "sources", "add", "folder", "notes", "--path", str(notes), "--every", "2")[0] == 0
    )
    assert cli(home, "sources", "sync", "notes")[0] == 0  # the store exists before serving
    with LiveServer(Settings(home=home), sync_sources=True) as server:
        written = time.monotonic()
        write_note(notes, "b.md", "Offsite logistics", "The offsite moves to Lisbon in May.")
        deadline = written + 60
        while True:
            hits = httpx.get(f"{server.url}/search", params={"q": "offsite Lisbon"}).json()["hits"]
            if any(h["title"] == "Offsite logistics" for h in hits):
                break
            assert time.monotonic() < deadline, "the new file never became searchable"
            time.sleep(0.5)
        latency = time.monotonic() - written
        assert latency < 30, latency
        (notes / "b.md").unlink()
        while any(
            h["title"] == "Offsite logistics"
            for h in httpx.get(f"{server.url}/search", params={"q": "offsite Lisbon"}).json()[
                "hits"
            ]
        ):
            assert time.monotonic() < deadline + 60, "the deleted file stayed searchable"
            time.sleep(0.5)


def store_contents(home: Path) -> tuple[list[tuple[str, int]], int, int]:
    """(title, chunks) of every document, the chunk count and the vector count."""
    store = Store.open(Settings(home=home))
    try:
        docs = sorted(
            (doc["title"], len(store.catalog.chunks_of_documents([doc["doc_id"]])))
            for doc in store.catalog.documents_index()
        )
        return docs, store.catalog.chunk_total(), store.vectors.count()
    finally:
        store.close()


@pytest.mark.parametrize("kill_at", [1, 3, 5])
def test_an_imap_sync_killed_midway_and_rerun_duplicates_and_loses_nothing(
    tmp_path: Path, dovecot: int, kill_at: int
) -> None:
    box = mailbox(dovecot)
    for n in range(6):
        body = f"Ticket {n}: the export of region {n} fails on VAT rounding."
        box.append("INBOX", None, None, mail(f"Ticket {n}", body, f"<t{n}@corp>"))
    box.logout()
    add = ["sources", "add", "imap", "support", "--host", "127.0.0.1", "--port", str(dovecot)]
    add += ["--user", "support", "--password-env", "WC_IMAP_PASSWORD"]
    env = {**os.environ, "WC_IMAP_PASSWORD": "secret"}
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    for home in (clean, killed):
        assert cli(home, *add)[0] == 0
    sync(clean, "support", WC_IMAP_PASSWORD="secret")

    command = [sys.executable, "-m", "api.cli", "sources", "sync", "support"]
    # the killed sync: a process forked from one that imported the command line already
    crashed = forked_cli(
        command[3:],
        {**env, "WATERCOOLER_HOME": str(killed), "WATERCOOLER_CRASH_AT": str(kill_at)},
    )
    assert crashed == -9  # SIGKILL at that write step
    rerun = subprocess.run(
        command, env={**env, "WATERCOOLER_HOME": str(killed)}, cwd=REPO, capture_output=True
    )
    assert rerun.returncode == 0, rerun.stderr
    docs, chunks, vectors = store_contents(killed)
    assert (docs, chunks, vectors) == store_contents(clean)
    assert len(docs) == 6 and chunks == vectors


def test_a_git_file_is_dated_by_its_last_commit_and_names_its_author(tmp_path: Path) -> None:
    home, bare, work = tmp_path / "home", tmp_path / "rfcs.git", tmp_path / "work"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare), cwd=tmp_path)
    git("clone", "--quiet", str(bare), str(work), cwd=tmp_path)
    (work / "rfc-7.md").write_text("# RFC 7: retention\n\nKeep chat for two years.\n")
    git("add", ".", cwd=work)
    os.environ["GIT_COMMITTER_DATE"] = os.environ["GIT_AUTHOR_DATE"] = "2024-02-03T10:00:00Z"
    try:
        git("commit", "--quiet", "-m", "RFC 7", cwd=work)
    finally:
        del os.environ["GIT_COMMITTER_DATE"], os.environ["GIT_AUTHOR_DATE"]
    git("push", "--quiet", "origin", "HEAD:main", cwd=work)
    assert cli(home, "sources", "add", "git", "rfcs", "--url", str(bare))[0] == 0
    sync(home, "rfcs")
    store = Store.open(Settings(home=home))
    try:
        (doc,) = store.catalog.documents_index()
        people = {(r["name"], r["email"]) for r in store.catalog.people_rows()}
    finally:
        store.close()
    assert datetime.fromtimestamp(doc["created"], UTC).date().isoformat() == "2024-02-03"
    assert ("Dana Whitfield", "dana@corp.example") in people


def test_a_newer_slack_export_dropped_in_a_folder_takes_over_the_older_one(
    tmp_path: Path,
) -> None:
    home, drop = tmp_path / "home", tmp_path / "exports"
    drop.mkdir()
    older = drop / "acme-2025-02"
    shutil.copytree(SAMPLE_ORG / "chat" / "slack-export", older)
    assert cli(home, "sources", "add", "folder", "exports", "--path", str(drop))[0] == 0
    sync(home, "exports")
    before = store_contents(home)

    newer = drop / "acme-2025-03"  # the next export: all of the old one, and a new day
    shutil.copytree(older, newer)
    day = sorted((newer / "general").glob("*.json"))[-1]
    messages = json.loads(day.read_text(encoding="utf-8"))
    late = {**messages[-1], "ts": f"{float(messages[-1]['ts']) + 86400 * 30:.6f}"}
    late["text"] = "March update: the kiosk pilot starts in Lyon."
    for key in ("client_msg_id", "thread_ts", "parent_user_id", "reply_count", "replies"):
        late.pop(key, None)
    named = datetime.fromtimestamp(float(late["ts"]), UTC).date().isoformat()
    (newer / "general" / f"{named}.json").write_text(json.dumps([late]), encoding="utf-8")
    sync(home, "exports")
    docs, chunks, vectors = store_contents(home)
    assert len(docs) == len(before[0]) + 1  # the new thread only: nothing twice
    assert chunks == vectors

    shutil.rmtree(older)  # the old export is cleared away: what the new one holds stays
    sync(home, "exports")
    assert store_contents(home) == (docs, chunks, vectors)
    assert found(home, "kiosk pilot Lyon")

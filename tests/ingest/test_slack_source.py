"""The Slack source against a local Slack Web API (tests/slack_server.py): pagination,
rate limits, edits and deletions in the re-read window, private channels and DMs kept to
their members."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.retrieval.retriever import Retriever
from search.store.access import Principal
from search.store.filters import Filters
from search.store.settings import Settings
from search.store.store import Store
from tests.conftest import REPO
from tests.crash_check import forked_cli
from tests.ingest.test_sources import cli, store_contents
from tests.slack_server import TOKEN, Workspace, slack_server

USERS = [
    {"id": "U1", "team_id": "T0TEST", "name": "priya", "real_name": "Priya Raman",
     "profile": {"real_name": "Priya Raman", "email": "priya@corp.example"}},
    {"id": "U2", "team_id": "T0TEST", "name": "felix", "real_name": "Felix Amsel",
     "profile": {"real_name": "Felix Amsel", "email": "felix@corp.example"}},
    {"id": "U3", "team_id": "T0TEST", "name": "nadia", "real_name": "Nadia Chowdhury",
     "profile": {"real_name": "Nadia Chowdhury", "email": "nadia@corp.example"}},
]  # fmt: skip


def now_ts(minutes_ago: float) -> str:
    return f"{time.time() - minutes_ago * 60:.6f}"


@pytest.fixture
def workspace() -> Workspace:
    ws = Workspace(users=USERS)
    ws.conversations = [
        {"id": "C1", "name": "general", "is_channel": True, "is_private": False, "created": 1},
        {"id": "G1", "name": "leads", "is_channel": True, "is_group": True, "is_private": True,
         "created": 1, "_members": ["U1", "U2"]},
        {"id": "D1", "is_im": True, "user": "U3", "created": 1, "_members": ["U1", "U3"]},
    ]  # fmt: skip
    for n in range(5):  # more than a page of two
        ws.post("C1", now_ts(60 - n), "U1", f"General update {n}: the kiosk beta is on track.")
    ws.post("G1", now_ts(50), "U2", "Leads only: the reorg moves support under ops.")
    ws.post("G1", now_ts(49), "U1", "Agreed, announce it on Friday.", thread_ts=None)
    ws.post("D1", now_ts(40), "U3", "Can you cover my on-call shift on the 12th?")
    parent = ws.messages["C1"][0]["ts"]
    ws.post("C1", now_ts(30), "U2", "Reply: QA signed off the kiosk build.", thread_ts=parent)
    return ws


@pytest.fixture
def slack(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("WC_SLACK_TOKEN", TOKEN)
    with slack_server(workspace) as url:
        yield url


def add_source(home: Path, slack: str) -> None:
    add = ["sources", "add", "slack", "acme", "--token-env", "WC_SLACK_TOKEN", "--base-url", slack]
    assert cli(home, *add)[0] == 0


def sync(home: Path) -> dict:
    code, output = cli(home, "sources", "sync", "acme", "--json", WC_SLACK_TOKEN=TOKEN)
    assert code == 0, output
    return json.loads(output)["acme"]


def texts(home: Path, principal: Principal | None = None) -> set[str]:
    store = Store.open(Settings(home=home))
    try:
        access = principal.grantees() if principal else None
        ids = store.catalog.passing(Filters(access=access))
        return {row.text for row in store.catalog.chunks(ids).values()}
    finally:
        store.close()


def test_a_slack_workspace_is_pulled_page_by_page_through_a_rate_limit(
    tmp_path: Path, workspace: Workspace, slack: str
) -> None:
    home = tmp_path / "home"
    workspace.ratelimit_next("conversations.history")
    add_source(home, slack)
    first = sync(home)
    assert first["last_error"] is None and first["added"] == 9  # 6 + 2 + 1 messages
    assert workspace.calls.count("conversations.history") >= 4  # the 429, then pages
    everything = "\n".join(texts(home))
    assert "kiosk beta" in everything and "QA signed off" in everything
    assert "@Priya Raman" in everything or "Priya Raman" in everything

    store = Store.open(Settings(home=home))
    try:
        hit = Retriever(store).search("QA signed off the kiosk build", k=1)[0]
    finally:
        store.close()
    assert hit.channel == "#general"


def test_private_channels_and_dms_reach_only_their_members(
    tmp_path: Path, workspace: Workspace, slack: str
) -> None:
    home = tmp_path / "home"
    add_source(home, slack)
    sync(home)
    felix = "\n".join(texts(home, Principal("felix@corp.example", ())))
    nadia = "\n".join(texts(home, Principal("nadia@corp.example", ())))
    assert "reorg moves support" in felix and "reorg moves support" not in nadia
    assert "on-call shift" in nadia and "on-call shift" not in felix


def test_edits_and_deletions_in_the_window_follow_into_search(
    tmp_path: Path, workspace: Workspace, slack: str
) -> None:
    home = tmp_path / "home"
    add_source(home, slack)
    sync(home)
    general = workspace.messages["C1"]
    workspace.edit("C1", general[1]["ts"], "General update 1: the kiosk beta slips a week.")
    workspace.delete("C1", general[2]["ts"])
    workspace.post("C1", now_ts(1), "U3", "New today: the kiosk pilot starts in Lyon.")
    second = sync(home)
    assert (second["added"], second["changed"], second["deleted"]) == (1, 1, 1)
    everything = "\n".join(texts(home))
    assert "slips a week" in everything and "General update 2" not in everything
    assert "pilot starts in Lyon" in everything
    third = sync(home)
    assert (third["added"], third["changed"], third["deleted"]) == (0, 0, 0)


def test_a_bad_token_is_reported_and_nothing_is_lost(
    tmp_path: Path, workspace: Workspace, slack: str
) -> None:
    home = tmp_path / "home"
    add_source(home, slack)
    sync(home)
    before = texts(home)
    code, output = cli(home, "sources", "sync", "acme", "--json", WC_SLACK_TOKEN="xoxb-wrong")
    assert code == 1 and "invalid_auth" in json.loads(output)["acme"]["last_error"]
    assert texts(home) == before


@pytest.mark.parametrize("kill_at", [2, 4])
def test_a_slack_sync_killed_midway_and_rerun_duplicates_and_loses_nothing(
    tmp_path: Path, workspace: Workspace, slack: str, kill_at: int
) -> None:
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    for home in (clean, killed):
        add_source(home, slack)
    sync(clean)
    command = [sys.executable, "-m", "api.cli", "sources", "sync", "acme"]
    env = {**os.environ, "WC_SLACK_TOKEN": TOKEN, "WATERCOOLER_HOME": str(killed)}
    # the killed sync: a process forked from one that imported the command line already
    crashed = forked_cli(command[3:], {**env, "WATERCOOLER_CRASH_AT": str(kill_at)})
    assert crashed == -9
    rerun = subprocess.run(command, env=env, cwd=REPO, capture_output=True)
    assert rerun.returncode == 0, rerun.stderr
    assert store_contents(killed) == store_contents(clean)

"""Conversations end to end: re-exported workspaces, zip limits, and who said what in hits."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from ingest.pipeline import ingest
from search.retrieval.retriever import Retriever
from search.store.filters import Filters
from search.store.settings import Settings
from search.store.store import Store
from tests.conftest import make_store

USERS = [
    {
        "id": "U1",
        "name": "priya",
        "real_name": "Priya Raman",
        "profile": {"real_name": "Priya Raman"},
    },
    {
        "id": "U2",
        "name": "felix",
        "real_name": "Felix Amsel",
        "profile": {"real_name": "Felix Amsel"},
    },
]


def slack_export(root: Path, days: dict[str, list[dict]]) -> Path:
    """A minimal Slack export with one public channel, #platform."""
    root.mkdir(parents=True)
    (root / "users.json").write_text(json.dumps(USERS))
    (root / "channels.json").write_text(
        json.dumps([{"id": "C1", "name": "platform", "members": ["U1", "U2"]}])
    )
    (root / "platform").mkdir()
    for day, messages in days.items():
        (root / "platform" / f"{day}.json").write_text(json.dumps(messages))
    return root


def msg(user: str, ts: str, text: str, thread_ts: str | None = None) -> dict:
    message = {"type": "message", "user": user, "ts": ts, "text": text}
    if thread_ts:
        message["thread_ts"] = thread_ts
    return message


MARCH = {
    "2025-03-04": [
        msg(
            "U1",
            "1741082400.000100",
            "Replica lag hit 40 seconds during the backfill",
            "1741082400.000100",
        ),
        msg(
            "U2",
            "1741082460.000200",
            "I will throttle the backfill to 500 rows per batch",
            "1741082400.000100",
        ),
    ],
    "2025-03-05": [
        msg(
            "U2",
            "1741168800.000100",
            "Cutover rehearsal is booked for Saturday",
            "1741168800.000100",
        ),
        msg(
            "U1",
            "1741168860.000200",
            "Thanks, I will bring the rollback script",
            "1741168800.000100",
        ),
    ],
}


def messages_stored(store: Store) -> int:
    return store.catalog.counts()["messages"]


def test_newer_export_adds_only_new_messages_and_replaces_edited_threads(
    tmp_path: Path, store: Store
) -> None:
    ingest([slack_export(tmp_path / "export-march", MARCH)], store)
    assert messages_stored(store) == 4
    april = json.loads(json.dumps(MARCH))
    april["2025-03-05"][1]["text"] = "Thanks, I will bring the rollback script and the runbook"
    april["2025-03-05"][1]["edited"] = {"user": "U1", "ts": "1741170000.000000"}
    april["2025-04-01"] = [msg("U1", "1743501600.000100", "Aurora cutover finished at 02:10")]
    newer = slack_export(tmp_path / "export-april", april)
    summary = ingest([newer], store)
    [outcome] = summary.outcomes
    assert outcome.documents == 2  # the edited thread and the new message, nothing else
    assert messages_stored(store) == 5
    texts = " ".join(r[0] for r in store.catalog._db.execute("SELECT text FROM chunks"))
    assert "rollback script and the runbook" in texts
    assert texts.count("rollback script") == 1
    assert store.vectors.count() == store.catalog.counts()["chunks"]
    # the newer export now owns every thread: dropping the old one loses nothing
    ingest([tmp_path], store)
    (tmp_path / "export-march" / "platform" / "2025-03-04.json").unlink()
    ingest([tmp_path], store, prune=True)
    assert messages_stored(store) == 5


def test_search_finds_a_thread_by_what_was_said_and_shows_who_said_it(
    tmp_path: Path, store: Store
) -> None:
    ingest([slack_export(tmp_path / "export", MARCH)], store)
    [hit] = Retriever(store).search("throttle the backfill batch size", k=1)
    assert hit.kind == "chat" and hit.channel == "#platform"
    assert "Felix Amsel: I will throttle the backfill" in hit.snippet
    assert hit.people == ["Priya Raman", "Felix Amsel"]
    assert hit.source_path == str(tmp_path / "export" / "platform" / "2025-03-04.json")
    assert hit.locator
    felix = Retriever(store).search("backfill", k=5, filters=Filters(person="Felix Amsel"))
    assert felix and all("Felix Amsel" in h.people for h in felix)


def test_zip_export_past_the_configured_limit_is_refused_and_nothing_is_lost(
    tmp_path: Path,
) -> None:
    store = make_store(tmp_path / "home", max_zip_bytes=2_000)
    try:
        export = slack_export(tmp_path / "export", MARCH)
        ingest([export], store)
        before = messages_stored(store)
        big = tmp_path / "zips" / "workspace.zip"
        big.parent.mkdir()
        with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in export.rglob("*.json"):
                archive.write(file, file.relative_to(export))
            archive.writestr("platform/2025-03-06.json", json.dumps([msg("U1", "1", "x" * 5000)]))
        summary = ingest([big], store)
        [failure] = summary.failures
        assert failure.path == str(big) and "2000" in failure.reason.replace(",", "")
        assert messages_stored(store) == before
    finally:
        store.close()


def test_zip_export_is_read_in_place_with_member_paths(tmp_path: Path, store: Store) -> None:
    export = slack_export(tmp_path / "export", MARCH)
    archive_path = tmp_path / "workspace.zip"
    with zipfile.ZipFile(archive_path, "w") as archive:
        for file in export.rglob("*.json"):
            archive.write(file, file.relative_to(export))
        archive.writestr("../evil.json", "[]")
    summary = ingest([archive_path], store)
    assert summary.count("new") == 1
    assert any("evil" in str(p) for p in summary.problems)
    [hit] = Retriever(store).search("rollback script", k=1)
    assert hit.source_path == f"{archive_path}!/platform/2025-03-05.json"


def test_settings_reach_the_reader(tmp_path: Path) -> None:
    assert Settings(home=tmp_path, max_zip_bytes=5).max_zip_bytes == 5

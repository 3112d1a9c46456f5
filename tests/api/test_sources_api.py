"""`/sources` over HTTP: admins add, sync and remove sources; nobody else sees them."""

from __future__ import annotations

from pathlib import Path

import httpx

from search.store.principals import create_token
from search.store.settings import Settings
from tests.conftest import LiveServer, make_store
from tests.ingest.test_sources import write_note


def test_admins_add_sync_and_remove_a_source_over_http(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    write_note(notes, "a.md", "Pricing review", "The starter tier stays at 9 euros.")
    store = make_store(tmp_path / "home")
    _, admin = create_token(store.catalog, "root@corp.example", [], admin=True)
    _, member = create_token(store.catalog, "dana@corp.example", ["eng"], admin=False)
    store.close()
    as_admin = {"Authorization": f"Bearer {admin}"}
    as_member = {"Authorization": f"Bearer {member}"}
    source = {"kind": "folder", "name": "notes", "every": 3600, "options": {"paths": [str(notes)]}}
    with (
        LiveServer(Settings(home=tmp_path / "home")) as server,
        httpx.Client(base_url=server.url, timeout=120) as client,
    ):
        assert client.post("/sources", json=source, headers=as_member).status_code == 403
        assert client.get("/sources", headers=as_member).status_code == 403
        added = client.post("/sources", json=source, headers=as_admin)
        assert added.status_code == 201, added.text
        assert client.post("/sources", json=source, headers=as_admin).status_code == 409
        bad = client.post("/sources", json={**source, "name": "x", "options": {}}, headers=as_admin)
        assert bad.status_code == 422 and "needs paths" in bad.text

        synced = client.post("/sources/notes/sync", headers=as_admin)
        assert synced.status_code == 200, synced.text
        assert synced.json()["sync"]["added"] == 1
        hits = client.get("/search", params={"q": "starter tier"}, headers=as_admin).json()
        assert hits["hits"][0]["title"] == "Pricing review"
        live = client.get("/status", headers=as_admin).json()["live_sources"]
        assert [(s["name"], s["sync"]["syncs"]) for s in live] == [("notes", 1)]
        assert "live_sources" not in client.get("/status", headers=as_member).json()

        assert client.delete("/sources/notes", headers=as_admin).status_code == 204
        assert client.delete("/sources/notes", headers=as_admin).status_code == 404
        assert client.get("/sources", headers=as_admin).json() == []

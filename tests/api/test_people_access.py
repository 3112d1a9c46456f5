"""The people directory and profiles as each reader may see them, over a real server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ingest.pipeline import ingest
from search.store.principals import create_token
from search.store.settings import Settings
from search.store.store import Store
from tests.conftest import LiveServer

USERS = [
    ("U1", "ann", "Ann Archer", "ann@corp.example"),
    ("U2", "bob", "Bob Baker", "bob@corp.example"),
    ("U3", "cleo", "Cleo Carter", "cleo@corp.example"),
]


def _message(user: str, ts: int, text: str) -> dict[str, str]:
    return {"type": "message", "user": user, "ts": f"{ts}.000100", "text": text}


def _slack_export(root: Path) -> Path:
    """A public #general with Ann and Bob; a private #board where Cleo and Ann talk about
    a word nobody else uses (zqboardx)."""
    export = root / "slack"
    users = [
        {
            "id": uid,
            "name": handle,
            "real_name": name,
            "profile": {"real_name": name, "email": mail},
        }
        for uid, handle, name, mail in USERS
    ]
    files = {
        "users.json": users,
        "channels.json": [{"id": "C1", "name": "general", "members": ["U1", "U2", "U3"]}],
        "groups.json": [{"id": "G1", "name": "board", "members": ["U1", "U3"]}],
        "general/2025-03-03.json": [
            _message("U1", 1741000000, "The quarterly planning doc is ready for review."),
            _message("U2", 1741000300, "Thanks Ann, I will review the planning doc today."),
        ],
        "board/2025-03-04.json": [
            _message("U3", 1741090000, "The zqboardx acquisition talks start next week."),
            _message("U1", 1741090300, "Understood, zqboardx stays between us for now."),
            _message("U3", 1741090600, "I will draft the zqboardx term sheet."),
        ],
    }
    for name, content in files.items():
        path = export / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content), encoding="utf-8")
    return export


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict]]:
    base = tmp_path_factory.mktemp("people-access")
    settings = Settings(home=base / "home")
    store = Store.open(settings)
    try:
        summary = ingest([_slack_export(base)], store)
        assert not summary.failures
        tokens = {
            "admin": create_token(store.catalog, "root@corp.example", [], True)[1],
            "bob": create_token(store.catalog, "bob@corp.example", [], False)[1],
            "cleo": create_token(store.catalog, "cleo@corp.example", [], False)[1],
        }
    finally:
        store.close()
    with LiveServer(settings) as server:
        yield server, {k: {"Authorization": f"Bearer {v}"} for k, v in tokens.items()}


def _names(http: httpx.Client, headers: dict[str, str]) -> set[str]:
    response = http.get("/people", headers=headers)
    assert response.status_code == 200, response.text
    return {p["name"] for p in response.json()["people"]}


def test_a_reader_sees_only_people_from_documents_they_may_see(served: tuple) -> None:
    server, headers = served
    with httpx.Client(base_url=server.url, timeout=60) as http:
        assert _names(http, headers["admin"]) >= {"Ann Archer", "Bob Baker", "Cleo Carter"}
        assert _names(http, headers["cleo"]) >= {"Ann Archer", "Bob Baker", "Cleo Carter"}
        # Cleo writes only in the private #board: Bob does not learn that she exists.
        assert _names(http, headers["bob"]) == {"Ann Archer", "Bob Baker"}


def test_a_profile_counts_and_quotes_only_visible_documents(served: tuple) -> None:
    server, headers = served
    with httpx.Client(base_url=server.url, timeout=60) as http:
        ann = http.get("/people", params={"q": "Ann"}, headers=headers["admin"]).json()["people"][0]
        url = f"/people/{ann['person_id']}"
        as_admin = http.get(url, headers=headers["admin"])
        as_bob = http.get(url, headers=headers["bob"])
        assert as_admin.status_code == as_bob.status_code == 200
        assert "zqboardx" in as_admin.text
        assert "zqboardx" not in as_bob.text and "board" not in as_bob.text
        assert len(as_admin.json()["conversations"]) == 2
        assert len(as_bob.json()["conversations"]) == 1
        assert "Cleo" not in as_bob.text  # nobody Bob may not see is named as a contact
        summary = http.get("/people", params={"q": "Ann"}, headers=headers["bob"]).json()
        assert summary["people"][0]["documents"] == 1
        assert summary["people"][0]["messages"] == 1


def test_a_person_seen_only_in_hidden_documents_is_not_found(served: tuple) -> None:
    server, headers = served
    with httpx.Client(base_url=server.url, timeout=60) as http:
        cleo = http.get("/people", params={"q": "Cleo"}, headers=headers["admin"]).json()
        person_id = cleo["people"][0]["person_id"]
        hidden = http.get(f"/people/{person_id}", headers=headers["bob"])
        missing = http.get("/people/0000000000000000", headers=headers["bob"])
        assert hidden.status_code == missing.status_code == 404
        assert http.get("/people", params={"q": "Cleo"}, headers=headers["bob"]).json() == {
            "total": 0,
            "offset": 0,
            "limit": 50,
            "people": [],
        }

"""Sign-in on a real server over loopback: tokens, the sign-in proxy, admins, uploads, serve."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from ingest.pipeline import ingest
from search.store.principals import create_token
from search.store.settings import Settings
from search.store.store import Store
from tests.access_org import Org, build
from tests.conftest import LiveServer

SEED = 3


@pytest.fixture(scope="module")
def org_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Org, Settings]]:
    """A small random organization (tests/access_org.py) ingested once, without tokens."""
    base = tmp_path_factory.mktemp("sign-in")
    org = build(SEED, base / "files")
    settings = Settings(
        home=base / "home", people_file=org.people_file, default_access=org.default_access
    )
    store = Store.open(settings)
    summary = ingest([org.root / "chat", org.root / "mail", org.root / "notes"], store)
    assert not summary.failures
    store.close()
    yield org, settings


def fresh(org_home: tuple[Org, Settings], tmp_path: Path, **overrides: Any) -> Settings:
    """A copy of the organization's store that a test may add tokens to."""
    org, settings = org_home
    home = tmp_path / "home"
    shutil.copytree(settings.home, home)
    return Settings(
        home=home, people_file=org.people_file, default_access=org.default_access, **overrides
    )


def token(
    settings: Settings, principal: str, groups: tuple[str, ...] = (), admin: bool = False
) -> tuple[int, str]:
    store = Store.open(settings)
    try:
        return create_token(store.catalog, principal, list(groups), admin)
    finally:
        store.close()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def hits_text(response: httpx.Response) -> str:
    """The hits and facets of a /search answer (not the query it echoes)."""
    body = response.json()
    return json.dumps([body["hits"], body.get("facets")])


def canaries_found(response: httpx.Response) -> set[str]:
    return set(re.findall(r"zq[a-z]{6}", hits_text(response)))


def test_once_a_token_exists_every_request_but_healthz_and_the_page_needs_one(
    org_home: tuple[Org, Settings], tmp_path: Path
) -> None:
    org, _ = org_home
    settings = fresh(org_home, tmp_path)
    with LiveServer(settings) as server, httpx.Client(base_url=server.url) as http:
        # no token yet: local single-user mode, everything visible
        everything = http.get("/search", params={"q": "plan", "k": 100})
        assert everything.status_code == 200 and everything.json()["hits"]
        assert http.get("/status").json()["documents"] > 0
        _, alice = token(settings, org.viewers[0].name)
        for path in ("/search?q=plan", "/status", "/documents/x", "/experts?q=plan", "/people"):
            response = http.get(path)
            assert response.status_code == 401, path
            assert "Bearer" in response.json()["detail"]
            assert response.headers["www-authenticate"] == "Bearer"
        assert http.post("/ask", json={"question": "plan?"}).status_code == 401
        assert http.get("/healthz").json() == {"status": "ok"}
        assert http.get("/").status_code == 200  # the page asks for a token itself
        assert http.get("/openapi.json").json()["components"]["securitySchemes"]
        assert http.get("/search", params={"q": "x"}, headers=bearer("wc_nope")).status_code == 401
        mine = http.get("/search", params={"q": "plan", "k": 100}, headers=bearer(alice))
        assert mine.status_code == 200
        assert canaries_found(mine) <= org.visible(org.viewers[0])
        assert canaries_found(mine) < canaries_found(everything)
        status = http.get("/status", headers=bearer(alice)).json()
        assert status["signed_in_as"] == org.viewers[0].name and not status["admin"]


def test_a_revoked_token_gets_a_401(org_home: tuple[Org, Settings], tmp_path: Path) -> None:
    settings = fresh(org_home, tmp_path)
    token_id, secret = token(settings, "u3@corp.example")
    with LiveServer(settings) as server, httpx.Client(base_url=server.url) as http:
        assert http.get("/search", params={"q": "plan"}, headers=bearer(secret)).status_code == 200
        store = Store.open(settings)
        assert store.catalog.revoke_token(token_id)
        store.close()
        response = http.get("/search", params={"q": "plan"}, headers=bearer(secret))
        assert response.status_code == 401
        assert response.json()["detail"] == "the API token is unknown or was revoked"


def test_proxy_headers_are_believed_only_from_the_proxy_address(
    org_home: tuple[Org, Settings], tmp_path: Path
) -> None:
    org, _ = org_home
    viewer = org.viewers[2]  # u2: in the g-team group through people.yaml
    headers = {
        "X-Auth-Email": viewer.name,
        "X-Forwarded-Groups": ",".join(viewer.token_groups),
        "X-Forwarded-For": "10.11.12.13",
    }
    trusted = fresh(
        org_home,
        tmp_path / "a",
        auth_proxy_addresses=["127.0.0.1/32"],
        auth_proxy_email_header="X-Auth-Email",
    )
    with LiveServer(trusted) as server, httpx.Client(base_url=server.url) as http:
        signed_in = http.get("/search", params={"q": "plan", "k": 100}, headers=headers)
        assert signed_in.status_code == 200
        assert canaries_found(signed_in) <= org.visible(viewer)
        status = http.get("/status", headers=headers).json()
        assert status == {**status, "signed_in_as": viewer.name, "admin": False}
        anonymous = http.get("/search", params={"q": "plan"})
        assert anonymous.status_code == 401 and "proxy" in anonymous.json()["detail"]
    # The same headers from an address that is not the proxy are ignored, X-Forwarded-For
    # naming the proxy included: the request is anonymous, and sign-in is required.
    elsewhere = fresh(
        org_home,
        tmp_path / "b",
        auth_proxy_addresses=["10.11.12.13"],
        auth_proxy_email_header="X-Auth-Email",
    )
    with LiveServer(elsewhere) as server, httpx.Client(base_url=server.url) as http:
        spoofed = http.get("/search", params={"q": "plan"}, headers=headers)
        assert spoofed.status_code == 401
        admin_spoof = {**headers, "X-Forwarded-Groups": "admins"}
        assert http.get("/status", headers=admin_spoof).status_code == 401


def test_proxy_admins_come_from_the_admins_setting(
    org_home: tuple[Org, Settings], tmp_path: Path
) -> None:
    settings = fresh(
        org_home,
        tmp_path,
        auth_proxy_addresses=["127.0.0.1"],
        admins=["group:it-admins", "boss@corp.example"],
    )
    with LiveServer(settings) as server, httpx.Client(base_url=server.url) as http:
        by_group = {"X-Forwarded-User": "kim", "X-Forwarded-Groups": "eng, it-admins"}
        assert "documents" in http.get("/status", headers=by_group).json()
        by_mail = {"X-Forwarded-Email": "Boss@corp.example"}
        assert "documents" in http.get("/status", headers=by_mail).json()
        plain = {"X-Forwarded-Email": "someone@corp.example"}
        assert http.get("/status", headers=plain).json()["admin"] is False
        assert http.get("/people", headers=plain).status_code == 200


def test_admins_upload_and_ingest_others_may_not(
    org_home: tuple[Org, Settings], tmp_path: Path
) -> None:
    settings = fresh(org_home, tmp_path, max_upload_bytes=4000)
    _, admin = token(settings, "root@corp.example", admin=True)
    _, member = token(settings, "u4@corp.example", ("uploaders",))
    _, other = token(settings, "u5@corp.example")
    note = b"# Roadmap\n\nDate: 2025-04-01\n\nThe zqwwwwww roadmap is final.\n"
    with LiveServer(settings) as server, httpx.Client(base_url=server.url) as http:
        params = {"filename": "roadmap.md", "groups": "uploaders"}
        refused = http.post("/ingest", params=params, content=note, headers=bearer(member))
        assert refused.status_code == 403 and "admin" in refused.json()["detail"]
        assert http.get("/ingest/abc", headers=bearer(member)).status_code == 403
        assert http.get("/people", headers=bearer(member)).status_code == 200
        too_big = http.post("/ingest", params=params, content=b"x" * 5000, headers=bearer(admin))
        assert too_big.status_code == 413 and "4000" in too_big.json()["detail"]
        bad_name = {"filename": "../etc/passwd"}
        response = http.post("/ingest", params=bad_name, content=note, headers=bearer(admin))
        assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "filename"
        job = http.post("/ingest", params=params, content=note, headers=bearer(admin))
        assert job.status_code == 202, job.text
        url = f"/ingest/{job.json()['job_id']}"
        deadline = time.monotonic() + 60
        while (state := http.get(url, headers=bearer(admin)).json())["status"] in (
            "queued",
            "running",
        ):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert state["status"] == "done" and state["summary"]["new"] == 1, state
        query = {"q": "zqwwwwww roadmap"}
        assert "zqwwwwww" in hits_text(http.get("/search", params=query, headers=bearer(member)))
        assert "zqwwwwww" not in hits_text(http.get("/search", params=query, headers=bearer(other)))


def test_anonymous_visitors_see_only_what_is_open_to_everyone(
    org_home: tuple[Org, Settings], tmp_path: Path
) -> None:
    org, _ = org_home
    settings = fresh(org_home, tmp_path)
    outsider = next(v for v in org.viewers if v.name.startswith("outsider"))
    with (
        LiveServer(settings, open_mode="anonymous") as server,
        httpx.Client(base_url=server.url) as http,
    ):
        found = http.get("/search", params={"q": "plan", "k": 100})
        assert found.status_code == 200
        assert canaries_found(found) <= org.visible(outsider)
        assert http.get("/status").json()["signed_in_as"] == "anonymous"


def test_tokens_commands_create_list_and_revoke(
    org_home: tuple[Org, Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = fresh(org_home, tmp_path)
    monkeypatch.setenv("WATERCOOLER_HOME", str(settings.home))
    runner = CliRunner()
    made = runner.invoke(
        cli, ["tokens", "create", "--principal", "ann@corp.example", "--groups", "leads,eng"]
    )
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[-1]
    assert secret.startswith("wc_") and len(secret) > 40
    listed = runner.invoke(cli, ["tokens", "list", "--json"])
    assert '"principal": "ann@corp.example"' in listed.stdout and secret not in listed.stdout
    store = Store.open(settings)
    stored = store.catalog._db.execute("SELECT secret_hash FROM tokens").fetchall()
    store.close()
    assert all(secret not in row[0] for row in stored)
    assert runner.invoke(cli, ["tokens", "revoke", "1"]).exit_code == 0
    assert runner.invoke(cli, ["tokens", "revoke", "1"]).exit_code == 1
    assert runner.invoke(cli, ["tokens", "create", "--principal", " "]).exit_code == 2


def test_serve_refuses_a_public_address_without_sign_in(
    org_home: tuple[Org, Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = fresh(org_home, tmp_path)
    monkeypatch.setenv("WATERCOOLER_HOME", str(settings.home))
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "--allow-anonymous" in result.output and "tokens create" in result.output

"""``/decisions``, ``/actions`` and ``/decisions.atom`` over a real server: each asker
sees only decisions and action items from documents they may see."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree import ElementTree as ET

import httpx
import pytest

from tests.conftest import LiveServer, two_readers

PUBLIC = """# Platform weekly 2025-03-04

Attendees: Priya Raman, Felix Amsel

## Cutover

Decision: the database cutover moves to Saturday April 26.

## Action items
- [ ] Felix: update the cutover runbook
"""
LATER = """# Platform weekly 2025-04-01

Attendees: Priya Raman, Felix Amsel

## Cutover

Decision: the database cutover moves again, to Saturday May 10.
"""
PRIVATE = """# Board 2025-03-05

Attendees: Dana Okafor

## Decisions

Decision: the qxzanzibar acquisition is approved at the April board meeting.

## Action items
- [ ] Dana: draft the qxzanzibar term sheet
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict]]:
    base = tmp_path_factory.mktemp("decisions")
    notes = base / "notes"
    (notes / "board").mkdir(parents=True)
    (notes / "2025-03-04-platform.md").write_text(PUBLIC, encoding="utf-8")
    (notes / "2025-04-01-platform.md").write_text(LATER, encoding="utf-8")
    (notes / "board" / "2025-03-05-board.md").write_text(PRIVATE, encoding="utf-8")
    (notes / "board" / ".watercooler-access.yaml").write_text(
        "principals: [dana@corp.example]\n", encoding="utf-8"
    )
    with two_readers(base / "home", notes) as served:
        yield served


def test_a_private_decision_reaches_only_who_may_see_it(served: tuple) -> None:
    server, headers = served
    with httpx.Client(base_url=server.url, timeout=120) as http:
        for path in ("/decisions", "/actions", "/decisions.atom"):
            as_dana = http.get(path, headers=headers["dana"])
            as_felix = http.get(path, headers=headers["felix"])
            assert as_dana.status_code == as_felix.status_code == 200
            assert "qxzanzibar" in as_dana.text, path
            assert "qxzanzibar" not in as_felix.text and "board" not in as_felix.text, path
        searched = http.get("/decisions", params={"q": "acquisition"}, headers=headers["felix"])
        assert "qxzanzibar" not in searched.text


def test_the_current_decision_comes_first_with_the_one_it_replaced(served: tuple) -> None:
    server, headers = served
    with httpx.Client(base_url=server.url, timeout=120) as http:
        found = http.get(
            "/decisions", params={"q": "cutover date"}, headers=headers["felix"]
        ).json()["decisions"]
    first = found[0]
    assert "May 10" in first["quote"] and first["date"] == "2025-04-01"
    assert [h["date"] for h in first["history"]] == ["2025-03-04"]
    assert "April 26" in first["history"][0]["quote"]
    assert first["source_path"].endswith("2025-04-01-platform.md")
    assert first["locator"].startswith("line ")


def test_actions_filter_by_owner_and_state(served: tuple) -> None:
    server, headers = served
    with httpx.Client(base_url=server.url, timeout=120) as http:
        mine = http.get(
            "/actions", params={"owner": "felix", "open": "true"}, headers=headers["felix"]
        )
        done = http.get("/actions", params={"open": "false"}, headers=headers["felix"])
    assert [a["quote"] for a in mine.json()["actions"]] == ["update the cutover runbook"]
    assert mine.json()["actions"][0]["owner"] == "Felix Amsel"
    assert done.json()["actions"] == []


def test_the_feed_is_atom_with_one_entry_per_decision(served: tuple) -> None:
    server, headers = served
    with httpx.Client(base_url=server.url, timeout=120) as http:
        response = http.get("/decisions.atom", headers=headers["felix"])
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [e.findtext(f"{atom}title") for e in feed.iter(f"{atom}entry")]
    assert len(titles) == 2 and "May 10" in titles[0]

"""``/topics``, ``/topics/{id}``, ``/risk`` and ``/people/{id}/unique-knowledge`` over a real
server: computed per asker, so a private conversation's words and people reach only those
who may see it, through labels, timelines, decisions and risk evidence alike."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import LiveServer, two_readers
from tests.search.knowledge.topic_org import write_channel, write_org

CANARY = "qxzanzibar"
INSIDER = "Zed Qorvath"
PRIVATE = (
    [
        f"The {CANARY} acquisition term sheet is due before the board meeting.",
        f"Decision: we go ahead with the {CANARY} acquisition at the agreed valuation.",
        f"Legal finished the {CANARY} due diligence on the acquisition.",
        f"The {CANARY} founders asked for an earn-out in the acquisition terms.",
    ],
    [[INSIDER], [INSIDER, "Dana Okafor"], [INSIDER]],
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict]]:
    base = tmp_path_factory.mktemp("topics-api")
    org = write_org(base / "org")
    write_channel(org / "board", "board", *PRIVATE)
    (org / "board" / ".watercooler-access.yaml").write_text(
        "principals: [dana@corp.example]\n", encoding="utf-8"
    )
    with two_readers(base / "home", org) as served:
        yield served


def _everything(server: LiveServer, headers: dict) -> str:
    """Every topic, risk and unique-knowledge answer this asker gets, as one text."""
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
        texts = [client.get("/topics").text, client.get("/risk").text]
        for topic in client.get("/topics").json()["topics"]:
            got = client.get(f"/topics/{topic['topic_id']}")
            assert got.status_code == 200
            texts.append(got.text)
        for person in client.get("/people", params={"limit": 200}).json()["people"]:
            got = client.get(f"/people/{person['person_id']}/unique-knowledge")
            assert got.status_code == 200
            texts.append(got.text)
    return "\n".join(texts).casefold()


def test_a_private_conversation_reaches_only_who_may_see_it(served: tuple) -> None:
    server, headers = served
    assert CANARY in _everything(server, headers["dana"])
    assert INSIDER.casefold() in _everything(server, headers["dana"])
    seen = _everything(server, headers["felix"])
    assert CANARY not in seen
    assert "qorvath" not in seen


def test_a_topic_the_asker_may_not_see_is_not_found(served: tuple) -> None:
    server, headers = served
    topics = httpx.get(f"{server.url}/topics", headers=headers["dana"]).json()["topics"]
    private = [t for t in topics if CANARY in t["terms"]]
    assert len(private) == 1
    got = httpx.get(f"{server.url}/topics/{private[0]['topic_id']}", headers=headers["felix"])
    assert got.status_code == 404


def test_a_topic_has_its_timeline_decisions_people_and_related_topics(served: tuple) -> None:
    server, headers = served
    topics = httpx.get(f"{server.url}/topics", headers=headers["dana"]).json()["topics"]
    private = next(t for t in topics if CANARY in t["terms"])
    detail = httpx.get(f"{server.url}/topics/{private['topic_id']}", headers=headers["dana"])
    body = detail.json()
    assert sum(p["conversations"] for p in body["timeline"]) == body["conversations"] == 3
    assert [p["month"] for p in body["timeline"]] == sorted(p["month"] for p in body["timeline"])
    assert any(CANARY in d["quote"] for d in body["decisions"])
    assert body["people"][0]["name"] == INSIDER and body["bus_factor"] == 1
    assert all(r["topic_id"] != private["topic_id"] for r in body["related"])


def test_risk_lists_a_bus_factor_one_topic_with_a_successor_and_evidence(served: tuple) -> None:
    server, headers = served
    risks = httpx.get(f"{server.url}/risk", headers=headers["dana"]).json()["topics"]
    private = next(r for r in risks if CANARY in r["label"])
    assert private["bus_factor"] == 1 and "bus factor 1" in private["reasons"]
    assert private["successor"]["name"] == "Dana Okafor"
    assert private["successor"]["topic_documents"]
    insider = private["holders"][0]
    unique = httpx.get(
        f"{server.url}/people/{insider['person_id']}/unique-knowledge", headers=headers["dana"]
    ).json()["topics"]
    assert [t["topic_id"] for t in unique] == [private["topic_id"]]

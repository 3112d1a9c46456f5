"""The HTTP API on a real server over loopback, with the sample organization ingested."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from search.store.settings import Settings
from tests.conftest import LiveServer

HIT_FIELDS = {
    "doc_id",
    "title",
    "kind",
    "source_path",
    "locator",
    "date",
    "people",
    "snippet",
    "score",
}


def get(server: LiveServer, path: str, **params: object) -> httpx.Response:
    return httpx.get(server.url + path, params=params, timeout=30)


def test_search_returns_hits_that_point_at_the_file_and_place(sample_server: LiveServer) -> None:
    response = get(sample_server, "/search", q="postgres migration cutover", k=5)
    assert response.status_code == 200
    hits = response.json()["hits"]
    assert 0 < len(hits) <= 5
    for hit in hits:
        assert hit.keys() >= HIT_FIELDS
        assert Path(hit["source_path"]).is_absolute() and Path(hit["source_path"]).exists()
        assert hit["locator"]
    assert len({h["doc_id"] for h in hits}) == len(hits)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_search_filters_by_kind_and_date(sample_server: LiveServer) -> None:
    hits = get(sample_server, "/search", q="pricing", kind="memo", k=20).json()["hits"]
    assert hits and {h["kind"] for h in hits} == {"memo"}
    dated = get(
        sample_server, "/search", q="release date", since="2025-04-01", until="2025-06-30", k=20
    ).json()["hits"]
    assert dated
    assert all("2025-04-01" <= h["date"] <= "2025-06-30" for h in dated)


def test_search_filters_by_person(sample_server: LiveServer) -> None:
    everyone = get(sample_server, "/search", q="decision", k=30).json()["hits"]
    person = everyone[0]["people"][0]
    hits = get(sample_server, "/search", q="decision", person=person, k=30).json()["hits"]
    assert hits
    assert all(person in h["people"] for h in hits)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"q": ""}, "q"),
        ({"q": "x", "k": 0}, "k"),
        ({"q": "x", "k": "many"}, "k"),
        ({"q": "x", "since": "last tuesday"}, "since"),
        ({"q": "x", "kind": "podcast"}, "kind"),
        ({"q": "x", "since": "2025-05-01", "until": "2025-01-01"}, "until"),
        ({}, "q"),
    ],
)
def test_invalid_query_parameter_gets_a_422_naming_it(
    sample_server: LiveServer, params: dict, name: str
) -> None:
    response = get(sample_server, "/search", **params)
    assert response.status_code == 422
    assert any(error["loc"][-1] == name for error in response.json()["detail"])


def test_document_endpoint_returns_the_document_with_its_chunks(sample_server: LiveServer) -> None:
    hit = get(sample_server, "/search", q="on-call rotation", k=1).json()["hits"][0]
    doc = get(sample_server, f"/documents/{hit['doc_id']}").json()
    assert doc["doc_id"] == hit["doc_id"] and doc["title"] == hit["title"]
    assert [c["position"] for c in doc["chunks"]] == list(range(len(doc["chunks"])))
    assert any(c["chunk_id"] == hit["chunk_id"] for c in doc["chunks"])
    missing = get(sample_server, "/documents/nope")
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]


def test_status_counts_what_was_ingested(sample_server: LiveServer) -> None:
    status = get(sample_server, "/status").json()
    assert status["documents"] >= 40
    assert status["chunks"] >= status["documents"]
    assert {"meeting_notes", "memo"} <= status["by_kind"].keys()
    assert status["people"] >= 10
    assert status["last_run"]["summary"]["failed"] == 0
    assert status["store"]["catalog"].endswith("catalog.db")
    assert get(sample_server, "/healthz").json() == {"status": "ok"}


def test_openapi_schema_documents_the_search_parameters(sample_server: LiveServer) -> None:
    schema = get(sample_server, "/openapi.json").json()
    names = {p["name"] for p in schema["paths"]["/search"]["get"]["parameters"]}
    assert {"q", "k", "kind", "person", "since", "until"} <= names
    assert schema["paths"]["/search"]["get"]["operationId"] == "search"


def test_empty_store_answers_with_a_clear_notice(tmp_path: Path) -> None:
    with LiveServer(Settings(home=tmp_path / "empty")) as server:
        response = get(server, "/search", q="anything")
        assert response.status_code == 200
        body = response.json()
        assert body["hits"] == [] and "watercooler ingest" in body["notice"]
        assert get(server, "/status").json()["documents"] == 0

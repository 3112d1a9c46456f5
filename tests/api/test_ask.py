"""POST /ask and /ask/stream on a real server over loopback, and `watercooler ask`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from search.store.settings import Settings
from search.store.store import Store
from tests.conftest import LiveServer

ANSWER_FIELDS = {"answer", "citations", "confidence", "mode", "notice"}
CITATION_FIELDS = {"n", "doc_id", "title", "source_path", "locator", "quote", "date", "people"}


def ask_server(settings: Settings) -> LiveServer:
    """A live server of the app (which serves the ask router)."""
    return LiveServer(settings)


@pytest.fixture(scope="module")
def server(sample_store: Store) -> Iterator[LiveServer]:
    with ask_server(sample_store.settings) as live:
        yield live


def post(server: LiveServer, path: str, body: dict) -> httpx.Response:
    return httpx.post(server.url + path, json=body, timeout=60)


def events(text: str) -> list[tuple[str, dict]]:
    """(event, data) pairs of a text/event-stream body."""
    found = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            found.append((fields["event"], json.loads(fields["data"])))
    return found


def test_ask_answers_with_quotes_and_citations(server: LiveServer) -> None:
    response = post(server, "/ask", {"question": "How much is paid for a week as primary on-call?"})
    assert response.status_code == 200
    body = response.json()
    assert body.keys() >= ANSWER_FIELDS
    assert body["mode"] == "extractive" and body["notice"] is None
    assert "$300" in body["answer"] and 0.5 <= body["confidence"] <= 1
    assert body["citations"]
    for citation in body["citations"]:
        assert citation.keys() >= CITATION_FIELDS
        assert f"[{citation['n']}]" in body["answer"]
        assert Path(citation["source_path"]).is_file()


def test_ask_applies_search_filters(server: LiveServer) -> None:
    body = post(
        server,
        "/ask",
        {"question": "What did we decide about pricing?", "since": "2025-05-01", "kind": ["chat"]},
    ).json()
    assert body["citations"]
    assert all(c["date"] >= "2025-05-01" for c in body["citations"])


def test_ask_abstains_when_nothing_answers(server: LiveServer) -> None:
    body = post(server, "/ask", {"question": "How many vacation days do employees get?"}).json()
    assert body["abstained"] is True and body["citations"] == []
    assert body["answer"].startswith("I found no conversation about")
    assert body["closest"]


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"question": ""}, "question"),
        ({}, "question"),
        ({"question": "x", "kind": ["podcast"]}, "kind"),
        ({"question": "x", "since": "last tuesday"}, "since"),
        ({"question": "x", "since": "2025-05-01", "until": "2025-01-01"}, "until"),
        ({"question": "x", "k": 3}, "k"),
    ],
)
def test_an_invalid_request_gets_a_422_naming_the_field(
    server: LiveServer, body: dict, name: str
) -> None:
    for path in ("/ask", "/ask/stream"):
        response = post(server, path, body)
        assert response.status_code == 422
        assert any(error["loc"][-1] == name for error in response.json()["detail"])


def test_stream_in_extractive_mode_sends_just_the_answer(server: LiveServer) -> None:
    response = post(server, "/ask/stream", {"question": "Which firm is Quillmark's SOC 2 auditor?"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    sent = events(response.text)
    assert [name for name, _ in sent] == ["answer"]
    assert "Harlow & Finch" in sent[0][1]["answer"]


def test_ask_on_an_empty_store_says_what_to_do(tmp_path: Path) -> None:
    with ask_server(Settings(home=tmp_path / "empty")) as live:
        body = post(live, "/ask", {"question": "anything?"}).json()
    assert body["abstained"] is True and "watercooler ingest" in body["notice"]


def test_the_openapi_schema_names_the_operations(server: LiveServer) -> None:
    paths = httpx.get(server.url + "/openapi.json", timeout=30).json()["paths"]
    assert paths["/ask"]["post"]["operationId"] == "ask"
    assert paths["/ask/stream"]["post"]["operationId"] == "ask_stream"


@pytest.fixture(scope="module")
def cli(sample_store: Store) -> Iterator[tuple[CliRunner, dict[str, str]]]:
    yield CliRunner(), {"WATERCOOLER_HOME": str(sample_store.settings.home_dir)}


def test_cli_ask_prints_the_answer_and_numbered_citations(
    cli: tuple[CliRunner, dict[str, str]],
) -> None:
    from api.cli import app

    runner, env = cli
    result = runner.invoke(app, ["ask", "Which platform replaced Complyra?"], env=env)
    assert result.exit_code == 0, result.output
    assert "Vaultline" in result.output and "[1]" in result.output
    assert "confidence" in result.output
    as_json = runner.invoke(app, ["ask", "Which platform replaced Complyra?", "--json"], env=env)
    assert json.loads(as_json.output)["citations"][0]["n"] == 1


def test_cli_ask_exits_1_when_it_abstains(cli: tuple[CliRunner, dict[str, str]]) -> None:
    from api.cli import app

    runner, env = cli
    result = runner.invoke(app, ["ask", "What is Quillmark's parental leave policy?"], env=env)
    assert result.exit_code == 1
    assert "I found no conversation about" in result.output

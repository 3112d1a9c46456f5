"""The LLM path against a local OpenAI-compatible protocol server (tests/openai_stub.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from search.answers.llm import Asker, check_citations, split_sentences
from search.store.catalog import ChunkRow
from search.store.store import Store
from tests.api.test_ask import ask_server, events
from tests.openai_stub import HALLUCINATION, OpenAIStub

QUESTION = "How many customers were affected by the OPS-412 incident?"
TIMEOUT = 1.0


@pytest.fixture(scope="module")
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub(delay=3 * TIMEOUT) as server:
        yield server


@pytest.fixture
def asker(sample_store: Store, stub: OpenAIStub) -> Iterator[Asker]:
    settings = sample_store.settings.model_copy(
        update={"llm_url": stub.url, "llm_timeout": TIMEOUT}
    )
    stub.mode = "good"
    yield Asker(sample_store, settings)
    stub.mode = "good"


def quoted_in_document(store: Store, doc_id: str, quote: str) -> bool:
    doc = store.catalog.document(doc_id)
    return doc is not None and any(quote in chunk.text for chunk in doc["chunks"])


def test_a_good_answer_keeps_its_verified_citations(asker: Asker, stub: OpenAIStub) -> None:
    answer = asker.ask(QUESTION)
    assert answer.mode == "llm" and answer.notice is None and not answer.abstained
    assert answer.citations and "[1]" in answer.answer
    for citation in answer.citations:
        assert quoted_in_document(asker.store, citation.doc_id, citation.quote)
    prompt = stub.requests[-1]["messages"][-1]["content"]
    assert prompt.startswith("Passages:") and "\n[1] (" in prompt and QUESTION in prompt


def test_a_hallucinated_citation_is_dropped_and_its_claim_marked(
    asker: Asker, stub: OpenAIStub
) -> None:
    stub.mode = "hallucinate"
    answer = asker.ask(QUESTION)
    assert answer.mode == "llm"
    assert "Lisbon. (unsupported)" in answer.answer
    assert "June 31. (unsupported)" in answer.answer
    assert "[2]" not in answer.answer and "[99]" not in answer.answer
    assert [c.n for c in answer.citations] == [1]
    assert "not supported" in (answer.notice or "")


def test_a_model_that_finds_nothing_abstains(asker: Asker, stub: OpenAIStub) -> None:
    stub.mode = "nothing"
    answer = asker.ask(QUESTION)
    assert answer.abstained and answer.citations == [] and answer.closest


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("slow", f"did not answer within {TIMEOUT:g} s"),
        ("error", "failed with HTTP 500"),
        ("malformed", "could not be read"),
        ("no_choices", "could not be read"),
        ("empty", "answered nothing"),
    ],
)
def test_a_failing_model_falls_back_to_the_extractive_answer(
    asker: Asker, stub: OpenAIStub, mode: str, reason: str
) -> None:
    stub.mode = mode
    answer = asker.ask(QUESTION)
    assert answer.mode == "extractive" and not answer.abstained
    assert reason in answer.notice and "extractive answer" in answer.notice
    assert "23" in answer.answer and answer.citations


def test_a_server_that_is_not_there_falls_back(sample_store: Store) -> None:
    from tests.conftest import free_port

    settings = sample_store.settings.model_copy(
        update={"llm_url": f"http://127.0.0.1:{free_port()}/v1", "llm_timeout": TIMEOUT}
    )
    answer = Asker(sample_store, settings).ask(QUESTION)
    assert answer.mode == "extractive" and "could not be reached" in answer.notice


@pytest.fixture(scope="module")
def llm_server(sample_store: Store, stub: OpenAIStub) -> Iterator:
    settings = sample_store.settings.model_copy(
        update={"llm_url": stub.url, "llm_timeout": TIMEOUT}
    )
    with ask_server(settings) as live:
        yield live


def test_ask_over_http_uses_the_model(llm_server, stub: OpenAIStub) -> None:
    stub.mode = "good"
    body = httpx.post(llm_server.url + "/ask", json={"question": QUESTION}, timeout=60).json()
    assert body["mode"] == "llm" and body["citations"]


@pytest.mark.parametrize("mode", ["error", "slow", "malformed"])
def test_model_failures_over_http_are_never_a_500(llm_server, stub: OpenAIStub, mode: str) -> None:
    stub.mode = mode
    try:
        response = httpx.post(llm_server.url + "/ask", json={"question": QUESTION}, timeout=60)
    finally:
        stub.mode = "good"
    assert response.status_code == 200
    assert response.json()["mode"] == "extractive" and response.json()["notice"]


def test_the_stream_sends_tokens_then_the_verified_answer(llm_server, stub: OpenAIStub) -> None:
    stub.mode = "hallucinate"
    try:
        response = httpx.post(
            llm_server.url + "/ask/stream", json={"question": QUESTION}, timeout=60
        )
    finally:
        stub.mode = "good"
    assert response.headers["content-type"].startswith("text/event-stream")
    sent = events(response.text)
    names = [name for name, _ in sent]
    assert names[-1] == "answer" and set(names[:-1]) == {"token"} and len(names) > 5
    streamed = "".join(data["text"] for name, data in sent if name == "token")
    assert "Lisbon [2]" in streamed
    final = sent[-1][1]
    assert final["mode"] == "llm" and "Lisbon. (unsupported)" in final["answer"]


def test_the_stream_falls_back_when_the_model_errors(llm_server, stub: OpenAIStub) -> None:
    stub.mode = "error"
    try:
        response = httpx.post(
            llm_server.url + "/ask/stream", json={"question": QUESTION}, timeout=60
        )
    finally:
        stub.mode = "good"
    assert response.status_code == 200
    sent = events(response.text)
    assert [name for name, _ in sent] == ["answer"]
    assert sent[0][1]["mode"] == "extractive" and "HTTP 500" in sent[0][1]["notice"]


# --- citation checking, without a server ------------------------------------------------------


def passage(text: str) -> ChunkRow:
    return ChunkRow(
        chunk_id="d:0",
        doc_id="d",
        position=0,
        kind="meeting_notes",
        origin="markdown",
        channel=None,
        title="Burrow release review",
        heading="Decision",
        locator="line 3",
        source_path="/nowhere.md",
        text=text,
        people=[],
        start_ts=None,
        end_ts=None,
    )


def test_a_claim_with_a_wrong_number_is_not_supported() -> None:
    passages = [passage("Burrow GA moves from April 15 to Tuesday May 20, 2025.")]
    right, wrong = check_citations("GA moves to May 20 [1]. GA moves to May 21 [1].", passages)
    assert [u.text for u in right.support] == [
        "Burrow GA moves from April 15 to Tuesday May 20, 2025."
    ]
    assert wrong.support == [] and wrong.factual


def test_markers_after_the_full_stop_stay_with_their_sentence() -> None:
    assert split_sentences("First claim. [1] Second claim [2].") == [
        "First claim[1].",
        "Second claim [2].",
    ]


def test_a_citation_to_a_passage_that_does_not_exist_is_dropped() -> None:
    (claim,) = check_citations(HALLUCINATION.replace("[2]", "[7]"), [passage("Nothing here.")])
    assert claim.cited == [7] and claim.support == []


def test_the_stub_speaks_the_chat_completions_protocol(stub: OpenAIStub) -> None:
    stub.mode = "good"
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "Passages:\n\n[1] (t)\nHi.\n\nQuestion: q"}],
    }
    reply = httpx.post(stub.url + "/chat/completions", json=body, timeout=10).json()
    assert reply["choices"][0]["message"] == {"role": "assistant", "content": "Hi [1]."}
    streamed = httpx.post(stub.url + "/chat/completions", json={**body, "stream": True}, timeout=10)
    chunks = [
        json.loads(line[6:]) for line in streamed.text.splitlines() if line.startswith("data: {")
    ]
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks) == "Hi [1]."
    assert streamed.text.rstrip().endswith("data: [DONE]")


LLM_PROBE = """
import json, sys
from tests.offline_probe import ATTEMPTS, block_network
sys.addaudithook(block_network)
from search.answers.llm import build_llm, messages
from search.store.settings import Settings
from tests.openai_stub import OpenAIStub
with OpenAIStub() as stub:
    llm = build_llm(Settings(llm_url=stub.url, llm_timeout=10))
    prompt = messages("q?", [])
    said = llm.chat(prompt).message.content
    streamed = "".join(c.delta or "" for c in llm.stream_chat(prompt))
print(json.dumps({"attempts": ATTEMPTS, "said": said, "streamed": streamed}))
"""


def test_the_llm_client_makes_no_outbound_connection() -> None:
    """Building the llama-index client and chatting fetch nothing (no tiktoken download)."""
    import subprocess
    import sys

    from tests.conftest import REPO

    probe = subprocess.run(
        [sys.executable, "-c", LLM_PROBE], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    assert result["attempts"] == []
    assert result["said"] == result["streamed"] == "nothing [1]."

"""Schemathesis against the app's own OpenAPI schema on a real server, anonymous and with a
token: no 5xx, responses as documented, and every 4xx says what was wrong."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from ingest.pipeline import ingest
from search.store.principals import create_token
from search.store.settings import Settings
from search.store.store import Store
from tests.access_org import build
from tests.conftest import LiveServer

EXAMPLES = 15  # per operation and caller: bounded, so that the run stays short


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    """A small organization with one member token, served on loopback."""
    base = tmp_path_factory.mktemp("fuzz")
    org = build(1, base / "files")
    settings = Settings(home=base / "home", people_file=org.people_file)
    store = Store.open(settings)
    ingest([org.root / "chat", org.root / "mail", org.root / "notes"], store)
    _, secret = create_token(store.catalog, "u1@corp.example", ["g-a"], admin=False)
    store.close()
    with LiveServer(settings) as server:
        yield server, secret


def says_what_was_wrong(ctx: Any, response: Any, case: Any) -> None:
    """A 4xx answer carries a ``detail`` naming the problem (a message or 422 locations)."""
    if 400 <= response.status_code < 500:
        detail = response.json().get("detail")
        assert detail, f"{response.status_code} without a detail: {response.text}"
        if isinstance(detail, list):
            assert all(d.get("loc") and d.get("msg") for d in detail), detail


CHECKS = [not_a_server_error, response_schema_conformance, says_what_was_wrong]


def known_answers_bug(case: Any) -> bool:
    """A question holding a digit that is not a decimal digit ('²'): a 500 from
    search/answers/extractive.py, pinned by the strict xfail below (remove both once fixed)."""
    question = case.body.get("question") if isinstance(case.body, dict) else None
    return isinstance(question, str) and any(
        ch.isdigit() and not re.match(r"\d", ch) for ch in question
    )


def fuzz(server: LiveServer, headers: dict[str, str]) -> Counter[int]:
    """Every operation of the served schema, with valid and invalid data; status counts."""
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    statuses: Counter[int] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,  # the same cases on every run: CI never flickers
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case: Any) -> None:
                assume(not known_answers_bug(case))
                response = case.call(base_url=server.url, headers=headers)
                case.validate_response(response, checks=CHECKS)
                statuses[response.status_code] += 1

            try:
                call()
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                assert mode is GenerationMode.NEGATIVE, operation.label
    return statuses


def test_anonymous_callers_get_clear_answers(served: tuple[LiveServer, str]) -> None:
    statuses = fuzz(served[0], {})
    assert not any(status >= 500 for status in statuses)
    assert statuses[401] > 0 and set(statuses) <= {200, 400, 401, 404, 405, 422}, statuses


def test_a_token_holders_calls_get_clear_answers(served: tuple[LiveServer, str]) -> None:
    server, secret = served
    statuses = fuzz(server, {"Authorization": f"Bearer {secret}"})
    assert not any(status >= 500 for status in statuses)
    assert statuses[200] > 0 and statuses[403] > 0, statuses  # admin-only routes: 403


# Found by this fuzzing: '²' is a digit to str.isdigit but not to \d (it was a 500).
def test_a_question_with_a_superscript_digit_is_answered(served: tuple[LiveServer, str]) -> None:
    server, secret = served
    response = httpx.post(
        server.url + "/ask",
        json={"question": "x²"},
        headers={"Authorization": f"Bearer {secret}"},
        timeout=30,
    )
    assert response.status_code == 200


def test_the_schema_declares_bearer_sign_in(served: tuple[LiveServer, str]) -> None:
    spec = httpx.get(served[0].url + "/openapi.json").json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert Path(spec["paths"]["/search"]["get"]["operationId"]) == Path("search")

"""``POST /ask`` and ``POST /ask/stream``: answers that quote and cite the conversations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.sse import EventSourceResponse, ServerSentEvent

from api.deps import AskerDep, PrincipalDep, filters_or_422, invalid
from api.schemas import AskRequest, AskResponse, answer_response
from search.store.filters import Filters
from search.store.store import EmptyStoreError

router = APIRouter(tags=["ask"])


@dataclass(frozen=True, slots=True)
class Query:
    question: str
    filters: Filters


def parse_request(body: AskRequest, principal: PrincipalDep) -> Query:
    """The question and its filters, limited to what the asker may see; a 422 naming the
    field when one is invalid."""
    filters = filters_or_422(
        "body",
        kinds=body.kind,
        sources=body.source,
        channels=body.channel,
        person=body.person,
        since=body.since,
        until=body.until,
    )
    if not body.question.strip():
        raise invalid("body", "question", "the question is blank")
    return Query(body.question.strip(), principal.restrict(filters))


QueryDep = Annotated[Query, Depends(parse_request)]


@router.post("/ask", response_model=AskResponse, operation_id="ask")
def ask(query: QueryDep, asker: AskerDep) -> AskResponse:
    """Answer a question from what was said, quoting and citing the conversations."""
    try:
        return answer_response(asker.ask(query.question, query.filters))
    except EmptyStoreError as exc:
        return empty_store(exc)


@router.post(
    "/ask/stream",
    response_class=EventSourceResponse,
    operation_id="ask_stream",
    responses={200: {"description": "`token` events while the model writes, then `answer`."}},
)
def ask_stream(query: QueryDep, asker: AskerDep) -> Iterator[ServerSentEvent]:
    """Server-sent events: ``token`` ({"text"}) as the LLM writes, then ``answer``.

    The ``answer`` event carries the verified answer (the shape of ``POST /ask``) and is
    the one to show: when the model fails mid-way it is the extractive fallback.
    Extractive mode sends only the ``answer`` event.
    """
    try:
        for kind, value in asker.stream(query.question, query.filters):
            if kind == "token":
                yield ServerSentEvent(event="token", data={"text": value})
            else:
                yield ServerSentEvent(event="answer", data=answer_response(value).model_dump())
    except EmptyStoreError as exc:
        yield ServerSentEvent(event="answer", data=empty_store(exc).model_dump())


def empty_store(exc: EmptyStoreError) -> AskResponse:
    return AskResponse(
        answer="Nothing has been ingested yet, so there is nothing to answer from.",
        citations=[],
        confidence=0.0,
        mode="extractive",
        notice=str(exc),
        abstained=True,
    )

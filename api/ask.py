"""Question answering over HTTP (``POST /ask``, ``POST /ask/stream``) and the ``ask`` command.

The app includes :data:`router`; the CLI registers :func:`ask_cli` as ``watercooler ask``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

import typer
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel, ConfigDict, Field
from rich.console import Console
from rich.markup import escape

from ingest.records import KINDS
from search.answers import Answer
from search.catalog import Filters
from search.llm import Asker
from search.store import EmptyStoreError

router = APIRouter(tags=["ask"])


class AskRequest(BaseModel):
    """A question, with the same filters as ``GET /search``."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=1000, description="What you want to know.")
    kind: list[str] | None = Field(None, description=f"Only these kinds: {', '.join(KINDS)}.")
    source: list[str] | None = Field(None, description="Only these formats.")
    channel: list[str] | None = Field(None, description="Only these channels.")
    person: str | None = Field(None, description="Only passages naming this person.")
    since: date | None = Field(None, description="From this date (YYYY-MM-DD).")
    until: date | None = Field(None, description="Up to this date, inclusive.")


class Citation(BaseModel):
    n: int = Field(description="The number the answer's [n] markers use.")
    doc_id: str
    title: str
    source_path: str = Field(description="Absolute path of the file a person would open.")
    locator: str = Field(description="Where in the file: line, page, message or cue time.")
    quote: str = Field(description="The supporting text, verbatim from the document.")
    date: str | None = Field(None, description="ISO date of the quoted passage.")
    people: list[str] = Field(description="Who said it (conversations) or who was there.")


class Closest(BaseModel):
    doc_id: str
    title: str
    source_path: str
    locator: str
    date: str | None = None


class AskResponse(BaseModel):
    answer: str = Field(description="Sentences stating facts end with [n] citation markers.")
    citations: list[Citation]
    confidence: float = Field(description="0..1; below 0.5 the answer abstains.")
    mode: Literal["extractive", "llm"] = Field(description="What wrote the answer.")
    notice: str | None = Field(None, description="Why the answer is not what was asked for.")
    abstained: bool = Field(False, description="No conversation answers the question.")
    closest: list[Closest] = Field(
        default_factory=list, description="When abstaining: the nearest documents found."
    )


@dataclass(frozen=True, slots=True)
class Query:
    question: str
    filters: Filters


def parse_request(body: AskRequest) -> Query:
    """The question and its filters; a 422 naming the field when a filter is invalid."""
    from api.app import day_end, day_start

    unknown = sorted(set(body.kind or ()) - set(KINDS))
    if unknown:
        raise _invalid("kind", f"unknown kind {', '.join(unknown)}; use one of {', '.join(KINDS)}")
    if body.since and body.until and body.since > body.until:
        raise _invalid("until", "until is before since")
    if not body.question.strip():
        raise _invalid("question", "the question is blank")
    filters = Filters(
        kinds=tuple(body.kind or ()),
        sources=tuple(body.source or ()),
        channels=tuple(body.channel or ()),
        person=body.person or None,
        since=day_start(body.since),
        until=day_end(body.until),
    )
    return Query(body.question.strip(), filters)


def _invalid(field: str, message: str) -> HTTPException:
    return HTTPException(
        status_code=422,
        detail=[{"loc": ["body", field], "msg": message, "type": "value_error"}],
    )


def get_asker(request: Request) -> Asker:
    """One :class:`Asker` per app, made on first use over the app's store."""
    asker = getattr(request.app.state, "asker", None)
    if asker is None:
        asker = request.app.state.asker = Asker(request.app.state.store)
    return asker


QueryDep = Annotated[Query, Depends(parse_request)]
AskerDep = Annotated[Asker, Depends(get_asker)]


@router.post("/ask", response_model=AskResponse, operation_id="ask")
def ask(query: QueryDep, asker: AskerDep) -> AskResponse:
    """Answer a question from what was said, quoting and citing the conversations."""
    try:
        return response(asker.ask(query.question, query.filters))
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
                yield ServerSentEvent(event="answer", data=response(value).model_dump())
    except EmptyStoreError as exc:
        yield ServerSentEvent(event="answer", data=empty_store(exc).model_dump())


def response(answer: Answer) -> AskResponse:
    data = answer.as_dict()
    data.pop("question")
    return AskResponse(**data)


def empty_store(exc: EmptyStoreError) -> AskResponse:
    return AskResponse(
        answer="Nothing has been ingested yet, so there is nothing to answer from.",
        citations=[],
        confidence=0.0,
        mode="extractive",
        notice=str(exc),
        abstained=True,
    )


# --- the command line ----------------------------------------------------------------------


def ask_cli(
    question: Annotated[str, typer.Argument(help="The question, in plain words.")],
    kind: Annotated[
        list[str] | None, typer.Option(help=f"Only this kind ({', '.join(KINDS)}).")
    ] = None,
    person: Annotated[str | None, typer.Option(help="Only passages naming this person.")] = None,
    since: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="From this date.")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Up to this date.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """Answer a question with quotes and citations; exit 1 when nothing answers it."""
    from api.app import day_end, day_start
    from api.cli import (
        EXIT_FAILED,
        EXIT_UNAVAILABLE,
        _open_store,
        _print_json,
        check_choice,
        console,
        day,
        errors,
    )
    from search.vectors import VectorStoreUnavailable

    check_choice("--kind", kind or (), KINDS)
    filters = Filters(
        kinds=tuple(kind or ()),
        person=person,
        since=day_start(day(since)),
        until=day_end(day(until)),
    )
    store = _open_store()
    try:
        answer = Asker(store).ask(question, filters)
    except (EmptyStoreError, VectorStoreUnavailable) as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_UNAVAILABLE) from exc
    finally:
        store.close()
    if as_json:
        _print_json(response(answer).model_dump())
    else:
        print_answer(answer, console)
    if answer.abstained:
        raise typer.Exit(EXIT_FAILED)


def print_answer(answer: Answer, console: Console) -> None:
    """The answer, its notice, then each citation's title, date, file and place."""
    if answer.notice:
        console.print(f"[yellow]note:[/yellow] {escape(answer.notice)}", highlight=False)
    console.print(answer.answer, markup=False, highlight=False)
    sources = [(f"[{c.n}]", c) for c in answer.citations]
    sources += [(f"~{n}", c) for n, c in enumerate(answer.closest, 1)]
    for label, c in sources:
        where = c.source_path + (f" ({c.locator})" if c.locator else "")
        console.print(
            f"[bold]{escape(label)}[/bold] {escape(c.title)}  [dim]{c.date or ''}[/dim]",
            highlight=False,
        )
        console.print(f"    {escape(where)}", style="cyan", highlight=False)
    console.print(f"[dim]{answer.mode} · confidence {answer.confidence:.2f}[/dim]")

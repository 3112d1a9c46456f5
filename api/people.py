"""People and experts over HTTP (``router``) and on the command line.

``GET /people``, ``GET /people/{person_id}`` and ``GET /experts``; the CLI commands
``watercooler experts "TOPIC"`` (:func:`experts_cli`) and ``watercooler eval-experts
TOPICS.jsonl [--compare]`` (:func:`eval_experts_cli`). Exit codes as in :mod:`api.cli`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field
from rich.table import Table

from ingest.records import KINDS
from search.catalog import Filters
from search.experts import DEFAULT_MODEL, MODELS, Expert, ExpertFinder
from search.people import Directory, Person, directory_for
from search.people_file import PeopleFileError
from search.store import EmptyStoreError, Store
from search.topics import person_topics
from search.vectors import VectorStoreUnavailable

router = APIRouter()


# ---------------------------------------------------------------------------- response models


class PersonSummary(BaseModel):
    person_id: str = Field(description="Stable id: a slug of the canonical name.")
    name: str
    team: str | None = None
    title: str | None = None
    left: bool = Field(False, description="Has left the organization.")
    messages: int = Field(description="Messages written, across every source.")
    documents: int = Field(description="Documents and conversations the person appears in.")


class PeoplePage(BaseModel):
    total: int
    offset: int
    limit: int
    people: list[PersonSummary]


class PersonIdentity(BaseModel):
    name: str
    email: str | None = None
    user_id: str | None = None
    handle: str | None = None
    source: str = Field(description="The format the identity was read from: slack, mbox…")
    merged_by: str = Field(
        description="Why it belongs to this person: self, people.yaml, user id, email, name, "
        "handle, email local part or first name."
    )
    merged_with: str | None = Field(None, description="The identity it was matched with.")


class Conversation(BaseModel):
    doc_id: str
    title: str
    date: str | None = None
    source_path: str


class Contact(BaseModel):
    person_id: str
    name: str
    count: int = Field(description="Conversations and meetings shared.")


class PersonProfile(BaseModel):
    person_id: str
    name: str
    identities: list[PersonIdentity]
    team: str | None = None
    title: str | None = None
    left: bool = False
    left_on: str | None = None
    activity: dict[str, int] = Field(
        description="Per month (YYYY-MM): messages written plus notes and memos appeared in."
    )
    topics: list[str] = Field(description="Key phrases of their own words, most telling first.")
    conversations: list[Conversation]
    talks_with: list[Contact]


class EvidenceItem(BaseModel):
    doc_id: str
    title: str
    source_path: str = Field(description="Absolute path of the file a person would open.")
    locator: str = Field(description="Where in the file: line, page, message or cue time.")
    quote: str = Field(description="What the person said there (or the passage naming them).")
    date: str | None = None


class ExpertItem(BaseModel):
    person_id: str
    name: str
    score: float
    left: bool
    evidence: list[EvidenceItem]


class Experts(BaseModel):
    query: str
    model: str
    experts: list[ExpertItem]
    notice: str | None = Field(None, description="Why there are no experts, when it is not q.")


# ---------------------------------------------------------------------------- endpoints


def _store(request: Request) -> Store:
    return request.app.state.store


StoreDep = Annotated[Store, Depends(_store)]


def _directory(store: Store) -> Directory:
    try:
        return directory_for(store.catalog, store.settings.people_path)
    except PeopleFileError as exc:
        raise HTTPException(status_code=500, detail=str(exc)) from exc


@router.get("/people", response_model=PeoplePage, operation_id="list_people", tags=["people"])
def list_people(
    store: StoreDep,
    q: Annotated[
        str | None, Query(max_length=200, description="Part of a name, handle or e-mail.")
    ] = None,
    offset: Annotated[int, Query(ge=0, description="How many to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=200, description="How many to return.")] = 50,
) -> PeoplePage:
    """Everyone in the directory (identities merged across sources), by name."""
    total, people = _directory(store).search(q or "", offset, limit)
    return PeoplePage(total=total, offset=offset, limit=limit, people=[_summary(p) for p in people])


@router.get(
    "/people/{person_id}",
    response_model=PersonProfile,
    operation_id="get_person",
    tags=["people"],
    responses={404: {"description": "No person with this id."}},
)
def get_person(person_id: str, store: StoreDep) -> PersonProfile:
    """A person: identities and how they were merged, activity, topics, conversations."""
    directory = _directory(store)
    if directory.get(person_id) is None:
        raise HTTPException(status_code=404, detail=f"no person with person_id {person_id!r}")
    return PersonProfile(**profile(store, directory, person_id))


@router.get("/experts", response_model=Experts, operation_id="find_experts", tags=["people"])
def find_experts(
    store: StoreDep,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="The topic.")],
    k: Annotated[int, Query(ge=1, le=50, description="How many people.")] = 10,
    kind: Annotated[
        list[str] | None, Query(description=f"Only evidence of these kinds: {', '.join(KINDS)}.")
    ] = None,
    since: Annotated[date | None, Query(description="Evidence from this date.")] = None,
    until: Annotated[date | None, Query(description="Evidence up to this date.")] = None,
    model: Annotated[
        str, Query(description=f"Ranking model: {', '.join(MODELS)}.")
    ] = DEFAULT_MODEL,
    half_life_days: Annotated[
        float | None, Query(gt=0, description="Recency half-life (WATERCOOLER_ setting).")
    ] = None,
) -> Experts:
    """People who know about a topic, best first, with the evidence (people who left last)."""
    from api.app import check_filters, day_end, day_start, invalid_query

    check_filters(kind, since, until)
    if model not in MODELS:
        raise invalid_query("model", f"unknown model {model!r}; use one of {', '.join(MODELS)}")
    filters = Filters(kinds=tuple(kind or ()), since=day_start(since), until=day_end(until))
    finder = ExpertFinder(store)
    try:
        found = finder.find(q, k=k, filters=filters, model=model, half_life_days=half_life_days)
    except EmptyStoreError as exc:
        return Experts(query=q, model=model, experts=[], notice=str(exc))
    except PeopleFileError as exc:
        raise HTTPException(status_code=500, detail=str(exc)) from exc
    return Experts(query=q, model=model, experts=[_expert_item(e) for e in found])


def _summary(person: Person) -> PersonSummary:
    return PersonSummary(
        person_id=person.person_id,
        name=person.name,
        team=person.team,
        title=person.title,
        left=person.left,
        messages=person.messages,
        documents=len(person.documents),
    )


def profile(store: Store, directory: Directory, person_id: str) -> dict[str, Any]:
    """Everything ``GET /people/{person_id}`` shows, as plain data."""
    person = directory.persons[person_id]
    topics, cited = person_topics(store.catalog, directory, person_id)
    ranked = sorted(
        person.documents,
        key=lambda d: (-cited.get(d, 0), -(directory.docs[d].created or 0), d),
    )
    return {
        **_summary(person).model_dump(exclude={"messages", "documents"}),
        "left_on": person.left_on,
        "identities": [
            {
                "name": m.identity.name,
                "email": m.identity.email,
                "user_id": m.identity.user_id,
                "handle": m.identity.handle,
                "source": m.identity.source,
                "merged_by": m.merged_by,
                "merged_with": m.merged_with,
            }
            for m in person.identities
        ],
        "activity": directory.activity(person_id),
        "topics": topics,
        "conversations": [
            {
                "doc_id": d,
                "title": directory.docs[d].title,
                "date": directory.docs[d].date,
                "source_path": directory.docs[d].source_path,
            }
            for d in ranked[:10]
        ],
        "talks_with": [
            {"person_id": p.person_id, "name": p.name, "count": n}
            for p, n in directory.talks_with(person_id)
        ],
    }


def _expert_item(expert: Expert) -> ExpertItem:
    return ExpertItem(
        person_id=expert.person_id,
        name=expert.name,
        score=expert.score,
        left=expert.left,
        evidence=[
            EvidenceItem(
                doc_id=e.doc_id,
                title=e.title,
                source_path=e.source_path,
                locator=e.locator,
                quote=e.quote,
                date=e.date,
            )
            for e in expert.evidence
        ],
    )


# ---------------------------------------------------------------------------- command line


@contextmanager
def _finder() -> Iterator[ExpertFinder]:
    """An expert finder over the configured store; store and people.yaml errors exit."""
    from api.cli import EXIT_UNAVAILABLE, EXIT_USAGE, _open_store, errors

    store = _open_store()
    try:
        yield ExpertFinder(store)
    except (EmptyStoreError, VectorStoreUnavailable) as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_UNAVAILABLE) from exc
    except PeopleFileError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from exc
    finally:
        store.close()


def experts_cli(
    topic: Annotated[str, typer.Argument(help="The topic to find people for.")],
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=50, help="How many people.")] = 10,
    kind: Annotated[
        list[str] | None, typer.Option(help=f"Only evidence of this kind ({', '.join(KINDS)}).")
    ] = None,
    since: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Evidence from this date.")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Evidence up to this date.")
    ] = None,
    model: Annotated[
        str, typer.Option(help=f"Ranking model ({', '.join(MODELS)}).")
    ] = DEFAULT_MODEL,
    as_json: Annotated[bool, typer.Option("--json", help="Print the experts as JSON.")] = False,
) -> None:
    """Who knows about TOPIC: ranked people with the conversations that show it."""
    from api.app import day_end, day_start
    from api.cli import EXIT_FAILED, _print_json, check_choice, day

    check_choice("--kind", kind or (), KINDS)
    check_choice("--model", (model,), MODELS)
    filters = Filters(
        kinds=tuple(kind or ()),
        since=day_start(day(since)),
        until=day_end(day(until)),
    )
    with _finder() as finder:
        found = finder.find(topic, k=k, filters=filters, model=model)
    if as_json:
        _print_json([_expert_item(e).model_dump() for e in found])
    else:
        _print_experts(found)
    if not found:
        raise typer.Exit(EXIT_FAILED)


def _print_experts(found: list[Expert]) -> None:
    from api.cli import console

    for n, expert in enumerate(found, 1):
        left = "  [yellow](left)[/yellow]" if expert.left else ""
        console.print(f"[bold]{n}. {expert.name}[/bold]  [dim]{expert.score:.3f}[/dim]{left}")
        for e in expert.evidence:
            where = e.source_path + (f" ({e.locator})" if e.locator else "")
            console.print(f"   {e.title}  [dim]{e.date or ''}[/dim]", highlight=False)
            console.print(f"     {where}", style="cyan", highlight=False)
            console.print(f"     “{e.quote}”", highlight=False)
    if not found:
        console.print("no experts found")


def eval_experts_cli(
    topics: Annotated[
        Path, typer.Argument(help="JSON lines: {id, topic, experts: [names], aliases?}.")
    ],
    compare: Annotated[bool, typer.Option(help="Score every model side by side.")] = False,
    model: Annotated[
        str, typer.Option(help="The model to score without --compare.")
    ] = DEFAULT_MODEL,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Score expert finding on labelled topics: P@1 and MAP@10 per model."""
    from api.cli import EXIT_USAGE, _print_json, check_choice, console, errors
    from search.expert_evaluation import evaluate, load_topics

    if not topics.is_file():
        errors.print(f"[red]error:[/red] no such topics file: {topics}")
        raise typer.Exit(EXIT_USAGE)
    check_choice("--model", (model,), MODELS)
    try:
        labelled = load_topics(topics)
    except ValueError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from exc
    with _finder() as finder:
        reports = {m: evaluate(finder, labelled, m) for m in (MODELS if compare else (model,))}
    if as_json:
        _print_json(reports)
        return
    table = Table("model", "topics", "P@1", "MAP")
    for name, report in reports.items():
        table.add_row(name, str(report["topics"]), f"{report['p@1']:.3f}", f"{report['map']:.3f}")
    console.print(table)

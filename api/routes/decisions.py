"""``GET /decisions``, ``GET /decisions.atom`` and ``GET /actions``: the decisions log and
action items, over what the asker may see."""

from __future__ import annotations

from typing import Annotated
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from api.deps import KindParam, PrincipalDep, SinceParam, StoreDep, UntilParam, filters_or_422
from search.knowledge.extract import Item
from search.knowledge.log import DecisionLog, decision_log
from search.store.access import visible_documents

router = APIRouter(tags=["decisions"])


class ItemOut(BaseModel):
    """A decision or action item and where it was said."""

    item_id: str
    type: str
    quote: str
    date: str | None
    people: list[str]
    owner: str | None
    open: bool | None
    kind: str
    title: str
    doc_id: str
    source_path: str
    locator: str
    confidence: float


class DecisionThread(ItemOut):
    """The current decision on a subject, with the ones it replaced (``history``)."""

    history: list[ItemOut]


class Decisions(BaseModel):
    query: str | None
    decisions: list[DecisionThread]


class Actions(BaseModel):
    actions: list[ItemOut]


def item_out(item: Item) -> ItemOut:
    return ItemOut(
        item_id=item.item_id,
        type=item.type,
        quote=item.quote,
        date=item.date,
        people=item.people,
        owner=item.owner,
        open=item.open,
        kind=item.kind,
        title=item.title,
        doc_id=item.doc_id,
        source_path=item.source_path,
        locator=item.locator,
        confidence=item.confidence,
    )


def _log(store: StoreDep, principal: PrincipalDep) -> DecisionLog:
    return decision_log(store, visible_documents(store.catalog, principal))


@router.get("/decisions", response_model=Decisions, operation_id="list_decisions")
def list_decisions(
    store: StoreDep,
    principal: PrincipalDep,
    q: Annotated[str | None, Query(max_length=1000, description="What about.")] = None,
    since: SinceParam = None,
    until: UntilParam = None,
    person: Annotated[str | None, Query(max_length=200, description="Decided by.")] = None,
    kind: KindParam = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Decisions:
    """Decisions, each the current one on its subject with the ones it replaced below it;
    with ``q`` the best matching subjects first, else the newest."""
    filters_or_422(kinds=kind, since=since, until=until)
    threads = _log(store, principal).decisions(q, since, until, person, kind, limit)
    return Decisions(
        query=q,
        decisions=[
            DecisionThread(
                **item_out(t.current).model_dump(), history=[item_out(h) for h in t.history]
            )
            for t in threads
        ],
    )


@router.get("/actions", response_model=Actions, operation_id="list_actions")
def list_actions(
    store: StoreDep,
    principal: PrincipalDep,
    owner: Annotated[str | None, Query(max_length=200, description="Part of a name.")] = None,
    open: Annotated[bool | None, Query(description="Only open (true) or done (false).")] = None,
    since: SinceParam = None,
    until: UntilParam = None,
    kind: KindParam = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> Actions:
    """Action items, newest first."""
    filters_or_422(kinds=kind, since=since, until=until)
    found = _log(store, principal).actions(owner, open, since, until, kind, limit)
    return Actions(actions=[item_out(i) for i in found])


ATOM = "http://www.w3.org/2005/Atom"


def atom_feed(items: list[Item], self_url: str) -> bytes:
    """An Atom feed of decisions, newest first, each linking to its source file."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = "Watercooler decisions"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = self_url
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    newest = items[0].date if items else "1970-01-01"
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = f"{newest}T00:00:00Z"
    for item in items:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:watercooler:decision:{item.item_id}"
        ET.SubElement(entry, f"{{{ATOM}}}title").text = item.quote[:120]
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = f"{item.date or '1970-01-01'}T00:00:00Z"
        for name in item.people:
            ET.SubElement(ET.SubElement(entry, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = name
        ET.SubElement(entry, f"{{{ATOM}}}link", href=f"file://{item.source_path}")
        where = f"{item.title} — {item.source_path} ({item.locator})"
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = f"{item.quote}\n\n{where}"
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


@router.get("/decisions.atom", operation_id="decisions_feed", response_class=Response)
def decisions_feed(
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    since: SinceParam = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    """An Atom feed of the newest decisions the asker may see."""
    items = _log(store, principal).new_decisions(since=since, limit=limit)
    return Response(atom_feed(items, str(request.url)), media_type="application/atom+xml")

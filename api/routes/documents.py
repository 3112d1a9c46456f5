"""``GET /documents/{doc_id}``: a document or conversation with all its chunks."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException

from api import schemas
from api.deps import PrincipalDep, StoreDep

router = APIRouter(tags=["search"])


@router.get(
    "/documents/{doc_id}",
    response_model=schemas.Document,
    operation_id="get_document",
    responses={404: {"description": "No document with this id that you may see."}},
)
def get_document(doc_id: str, store: StoreDep, principal: PrincipalDep) -> schemas.Document:
    """A document or conversation with all its chunks in order. One you may not see is
    answered exactly as one that does not exist."""
    visible = store.catalog.can_see(doc_id, principal.access())
    doc = store.catalog.document(doc_id) if visible else None
    if doc is None:
        raise HTTPException(status_code=404, detail=f"no document with doc_id {doc_id!r}")
    return schemas.Document(
        doc_id=doc["doc_id"],
        kind=doc["kind"],
        source=doc["origin"],
        source_path=doc["source_path"],
        title=doc["title"],
        created=iso(doc["created"]),
        date_source=doc.get("date_source"),
        ended=iso(doc["ended"]),
        channel=doc["channel"],
        thread=doc["thread"],
        participants=[schemas.Participant(**p) for p in doc["participants"]],
        access=schemas.Access(
            scope=doc["access_scope"],
            members=doc["access_members"],
            visible_to=list(store.catalog.grantees_of(doc_id) or ()),
        ),
        message_count=doc["message_count"],
        chunks=[
            schemas.Chunk(
                chunk_id=c.chunk_id,
                position=c.position,
                heading=c.heading,
                locator=c.locator,
                source_path=c.source_path,
                text=c.text,
                people=c.people,
                date=iso(c.start_ts),
            )
            for c in doc["chunks"]
        ],
    )


def iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat() if ts is not None else None

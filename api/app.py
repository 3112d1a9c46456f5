"""The FastAPI application: search, documents, status and health over one store."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from api import ask, people, schemas
from api.page import mount_page
from ingest.records import KINDS
from search import experts
from search.catalog import Filters
from search.retrieval import Retriever
from search.settings import Settings
from search.store import EmptyStoreError, Store
from search.vectors import VectorStoreUnavailable

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, warm: bool = False) -> FastAPI:
    """An app serving the store that ``settings`` names; ``warm`` loads the model at start
    and builds the people directory in the background."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store.open(settings)
        app.state.store = store
        app.state.retriever = Retriever(store)
        if warm:
            store.embedder.embed_query("warm up")
            _ = store.vectors
            # The people directory takes seconds to build on a large store: do it now, in
            # the background, rather than on the first /experts or /people request.
            threading.Thread(target=_warm_people, args=(store,), daemon=True).start()
        try:
            yield
        finally:
            store.close()

    app = FastAPI(
        title="Watercooler",
        summary="Search what your organization said in meetings, memos, chats and mail.",
        version="0.1.0",
        lifespan=lifespan,
    )

    @app.exception_handler(VectorStoreUnavailable)
    async def vector_store_unavailable(
        request: Request, exc: VectorStoreUnavailable
    ) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(exc)})

    mount_page(app)
    app.include_router(ask.router)
    app.include_router(people.router)
    app.get("/healthz", response_model=schemas.Health, operation_id="health", tags=["service"])(
        health
    )
    app.get("/status", response_model=schemas.Status, operation_id="status", tags=["service"])(
        status
    )
    app.get(
        "/search", response_model=schemas.SearchResults, operation_id="search", tags=["search"]
    )(search)
    app.get(
        "/documents/{doc_id}",
        response_model=schemas.Document,
        operation_id="get_document",
        tags=["search"],
        responses={404: {"description": "No document with this id."}},
    )(get_document)
    return app


def _warm_people(store: Store) -> None:
    try:
        experts.warm(store)
    except Exception as exc:  # a bad people.yaml or a store closed at shutdown
        logger.warning("people directory not built at start: %s", exc)


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_retriever(request: Request) -> Retriever:
    return request.app.state.retriever


StoreDep = Annotated[Store, Depends(get_store)]
RetrieverDep = Annotated[Retriever, Depends(get_retriever)]


def health() -> schemas.Health:
    """The service is up."""
    return schemas.Health()


def status(store: StoreDep) -> dict:
    """Counts of documents, conversations, messages, chunks and people; the last ingest run."""
    return store.status()


def search(
    retriever: RetrieverDep,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="What to look for.")],
    k: Annotated[int, Query(ge=1, le=100, description="How many hits.")] = 10,
    kind: Annotated[
        list[str] | None, Query(description=f"Only these kinds: {', '.join(KINDS)}.")
    ] = None,
    source: Annotated[list[str] | None, Query(description="Only these formats.")] = None,
    channel: Annotated[list[str] | None, Query(description="Only these channels.")] = None,
    person: Annotated[str | None, Query(description="Only passages naming this person.")] = None,
    since: Annotated[date | None, Query(description="From this date (YYYY-MM-DD).")] = None,
    until: Annotated[date | None, Query(description="Up to this date, inclusive.")] = None,
) -> schemas.SearchResults:
    """Search everything ingested; one hit per document or conversation, best first."""
    check_filters(kind, since, until)
    filters = Filters(
        kinds=tuple(kind or ()),
        sources=tuple(source or ()),
        channels=tuple(channel or ()),
        person=person or None,
        since=day_start(since),
        until=day_end(until),
    )
    try:
        results = retriever.run(q, k=k, filters=filters, facets=True)
    except EmptyStoreError as exc:
        return schemas.SearchResults(query=q, k=k, hits=[], notice=str(exc))
    return schemas.SearchResults(
        query=q,
        k=k,
        hits=[schemas.Hit(**h.as_dict()) for h in results.hits],
        facets=results.facets,
    )


def get_document(doc_id: str, store: StoreDep) -> schemas.Document:
    """A document or conversation with all its chunks in order."""
    doc = store.catalog.document(doc_id)
    if doc is None:
        raise HTTPException(status_code=404, detail=f"no document with doc_id {doc_id!r}")
    return schemas.Document(
        doc_id=doc["doc_id"],
        kind=doc["kind"],
        source=doc["origin"],
        source_path=doc["source_path"],
        title=doc["title"],
        created=iso(doc["created"]),
        ended=iso(doc["ended"]),
        channel=doc["channel"],
        thread=doc["thread"],
        participants=[schemas.Participant(**p) for p in doc["participants"]],
        access=schemas.Access(scope=doc["access_scope"], members=doc["access_members"]),
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


def check_filters(kind: list[str] | None, since: date | None, until: date | None) -> None:
    """A 422 naming ``kind`` when a kind is unknown, or ``until`` when it precedes ``since``."""
    unknown = sorted(set(kind or ()) - set(KINDS))
    if unknown:
        message = f"unknown kind {', '.join(unknown)}; use one of {', '.join(KINDS)}"
        raise invalid_query("kind", message)
    if since and until and since > until:
        raise invalid_query("until", "until is before since")


def invalid_query(parameter: str, message: str) -> HTTPException:
    """A 422 in FastAPI's own shape, naming the query parameter."""
    return HTTPException(
        status_code=422,
        detail=[{"loc": ["query", parameter], "msg": message, "type": "value_error"}],
    )


def day_start(day: date | None) -> float | None:
    return datetime.combine(day, time.min, UTC).timestamp() if day else None


def day_end(day: date | None) -> float | None:
    return datetime.combine(day, time.max, UTC).timestamp() if day else None


def iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat() if ts is not None else None

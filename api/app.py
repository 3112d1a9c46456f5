"""The FastAPI application: :func:`create_app` serves one store's routes and the page."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.routes import ask, documents, experts, people, search, status
from api.routes.page import mount_page
from search.people import experts as expert_finding
from search.retrieval.retriever import Retriever
from search.store.settings import Settings
from search.store.store import Store
from search.store.vectors import VectorStoreUnavailable

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
    for routes in (ask, people, experts, status, search, documents):
        app.include_router(routes.router)
    return app


def _warm_people(store: Store) -> None:
    try:
        expert_finding.warm(store)
    except Exception as exc:  # a bad people.yaml or a store closed at shutdown
        logger.warning("people directory not built at start: %s", exc)

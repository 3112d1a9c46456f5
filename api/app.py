"""The FastAPI application: :func:`create_app` serves one store's routes and the page."""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from api.auth import OpenMode
from api.deps import current_principal
from api.routes import (
    ask,
    decisions,
    documents,
    experts,
    people,
    search,
    sources,
    status,
    topics,
    uploads,
)
from api.routes.page import mount_page
from ingest.connectors.schedule import Scheduler
from search.people.snapshot import warm_in_background
from search.retrieval.retriever import Retriever
from search.store.lock import serving
from search.store.settings import Settings
from search.store.store import Store
from search.store.vectors import VectorStoreUnavailable

# How `watercooler serve --workers N` tells its worker processes who may come in anonymously.
OPEN_MODE_VARIABLE = "_WATERCOOLER_WORKER_OPEN_MODE"


def create_app(
    settings: Settings | None = None,
    *,
    warm: bool = False,
    open_mode: OpenMode = "local",
    sync_sources: bool = False,
) -> FastAPI:
    """An app serving the store that ``settings`` names; ``warm`` loads the model at start
    and builds the people directory in the background; ``sync_sources`` syncs the sources
    of sources.yaml on their schedules (see :mod:`ingest.connectors.schedule`). Without
    tokens or a sign-in proxy the app is open: to its ``local`` single user (an admin), or to
    ``anonymous`` visitors who see what is open to everyone (see :mod:`api.auth`)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # While it runs, commands that would write the embedded store are refused.
        with serving(settings):
            store = Store.open(settings)
            app.state.store = store
            app.state.open_mode = open_mode
            app.state.retriever = Retriever(store)
            warmer = None
            if warm:
                store.embedder.embed_query("warm up")
                _ = store.vectors
                # The people directory takes seconds to build on a large store: do it now,
                # in a child process, rather than on the first /experts or /people request.
                warmer = warm_in_background(store)
                # What start loaded lives on: the collector's full passes need not walk it
                # (see search.collector; no pass first: 170 ms more to the start at 10k chunks)
                gc.freeze()
            scheduler = Scheduler(store).start() if sync_sources else None
            try:
                yield
            finally:
                if scheduler is not None:
                    scheduler.stop()
                if warmer is not None:
                    warmer.stop()
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
    # Every data route needs a principal; /status answers each by its reach, /healthz anyone.
    signed_in = [Depends(current_principal)]
    for routes in (ask, people, experts, search, documents, uploads, sources, decisions, topics):
        app.include_router(routes.router, dependencies=signed_in)
    app.include_router(status.router)
    return app


def worker_app() -> FastAPI:
    """The app of one worker process of ``watercooler serve --workers N`` (uvicorn's
    factory): settings from the environment, as the serving command read them."""
    open_mode: OpenMode = (
        "anonymous" if os.environ.get(OPEN_MODE_VARIABLE) == "anonymous" else "local"
    )
    return create_app(Settings(), warm=True, open_mode=open_mode, sync_sources=True)

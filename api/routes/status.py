"""``GET /status`` (what the store holds) and ``GET /healthz``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api import schemas
from api.deps import PrincipalDep, StoreDep
from api.routes.sources import source_states
from search.status import status as store_status

router = APIRouter(tags=["service"])


@router.get("/healthz", response_model=schemas.Health, operation_id="health")
def health() -> schemas.Health:
    """The service is up."""
    return schemas.Health()


@router.get("/status", response_model=schemas.Status | schemas.StatusBrief, operation_id="status")
def status(store: StoreDep, principal: PrincipalDep) -> dict[str, Any] | schemas.StatusBrief:
    """For an admin: counts of documents, conversations, messages, chunks and people (as
    distinct names until the people directory is built), the last ingest run, where the
    store is, each live source's last sync. For anyone else: who they are signed in as."""
    if not principal.admin:
        return schemas.StatusBrief(signed_in_as=principal.name)
    return {**store_status(store, build_people=False), "live_sources": source_states(store)}

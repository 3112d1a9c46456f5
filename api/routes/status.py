"""``GET /status`` (what the store holds) and ``GET /healthz``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api import schemas
from api.deps import StoreDep
from search.status import status as store_status

router = APIRouter(tags=["service"])


@router.get("/healthz", response_model=schemas.Health, operation_id="health")
def health() -> schemas.Health:
    """The service is up."""
    return schemas.Health()


@router.get("/status", response_model=schemas.Status, operation_id="status")
def status(store: StoreDep) -> dict[str, Any]:
    """Counts of documents, conversations, messages, chunks and people; the last ingest run."""
    return store_status(store)

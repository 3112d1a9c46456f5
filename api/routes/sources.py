"""``/sources`` (admins): the sources Watercooler syncs, their state, and a sync now."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import BaseModel, Field

from api.deps import AdminDep, StoreDep
from ingest.connectors.config import (
    DEFAULT_EVERY,
    Kind,
    SourceConfig,
    SourcesError,
    load_sources,
    save_sources,
)
from ingest.connectors.state import forget_state, load_state
from ingest.connectors.sync import SyncBusy, sync_source
from search.store.store import Store

router = APIRouter(tags=["sources"])


class SourceIn(BaseModel):
    """A source to add; secrets only by reference (``password_env``, ``password_file``)."""

    kind: Kind
    name: str = Field(description="Lower-case letters, digits, '-' and '_'.")
    every: float = Field(DEFAULT_EVERY, gt=0, description="Seconds between syncs.")
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="folder: paths; git: url, branch; imap: host, port, user, password_env "
        "or password_file, folders, ssl.",
    )


class SourceOut(SourceIn):
    sync: dict[str, Any] = Field(
        description="cursor, last_attempt, last_success, last_error, added, changed, "
        "deleted, syncs, lag (seconds since the last successful sync)."
    )


def _sources(store: Store) -> dict[str, SourceConfig]:
    try:
        return load_sources(store.settings.home_dir)
    except SourcesError as exc:
        raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, str(exc)) from exc


def described(store: Store, config: SourceConfig) -> SourceOut:
    state = load_state(store.catalog, config.name)
    return SourceOut(**config.model_dump(), sync=state.as_dict())


def source_states(store: Store) -> list[dict[str, Any]]:
    """Every source with its sync state, for /status."""
    return [described(store, c).model_dump() for c in _sources(store).values()]


@router.get("/sources", response_model=list[SourceOut], operation_id="list_sources")
def list_sources(store: StoreDep, _admin: AdminDep) -> list[SourceOut]:
    """Every configured source and how its last sync went."""
    return [described(store, c) for c in _sources(store).values()]


@router.post(
    "/sources",
    response_model=SourceOut,
    status_code=status.HTTP_201_CREATED,
    operation_id="add_source",
    responses={409: {"description": "A source of that name exists."}},
)
def add_source(source: SourceIn, store: StoreDep, _admin: AdminDep) -> SourceOut:
    """Add a source; ``watercooler serve`` syncs it on its schedule from now on."""
    sources = _sources(store)
    if source.name in sources:
        raise HTTPException(status.HTTP_409_CONFLICT, f"a source named {source.name!r} exists")
    try:
        config = SourceConfig(**source.model_dump()).check_options()
    except (ValueError, SourcesError) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    sources[config.name] = config
    save_sources(store.settings.home_dir, sources)
    return described(store, config)


@router.delete(
    "/sources/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="remove_source",
    responses={404: {"description": "No such source."}},
)
def remove_source(name: str, store: StoreDep, _admin: AdminDep) -> Response:
    """Stop syncing a source (what it brought in stays searchable)."""
    sources = _sources(store)
    if sources.pop(name, None) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no source named {name!r}")
    save_sources(store.settings.home_dir, sources)
    forget_state(store.catalog, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/sources/{name}/sync",
    response_model=SourceOut,
    operation_id="sync_source",
    responses={404: {"description": "No such source."}, 409: {"description": "Syncing."}},
)
def sync_now(name: str, store: StoreDep, _admin: AdminDep) -> SourceOut:
    """Sync a source now and say how it went (its error, if it failed)."""
    config = _sources(store).get(name)
    if config is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no source named {name!r}")
    try:
        sync_source(config, store)
    except SyncBusy as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return described(store, config)

"""What routes take: the app's store, retriever and asker, who is asking (the principal),
and the shared query parameters."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials

from api.auth import authenticate, bearer
from search.answers.llm import Asker
from search.people.directory import Directory, directory_for
from search.people.people_file import PeopleFileError
from search.retrieval.retriever import Retriever
from search.store.access import Principal
from search.store.filters import Filters, InvalidFilter
from search.store.kinds import KINDS
from search.store.store import Store


# async: FastAPI runs a plain function dependency in its thread pool, a hop per request
# that an attribute read does not need.
async def get_store(request: Request) -> Store:
    return request.app.state.store


async def get_retriever(request: Request) -> Retriever:
    return request.app.state.retriever


def get_asker(request: Request) -> Asker:
    """One :class:`Asker` per app, made on first use over the app's store."""
    asker = getattr(request.app.state, "asker", None)
    if asker is None:
        asker = request.app.state.asker = Asker(request.app.state.store)
    return asker


StoreDep = Annotated[Store, Depends(get_store)]
RetrieverDep = Annotated[Retriever, Depends(get_retriever)]
AskerDep = Annotated[Asker, Depends(get_asker)]


def current_principal(
    request: Request,
    store: StoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """Who is asking (see :mod:`api.auth`); a 401 saying how to sign in otherwise."""
    return authenticate(request, credentials, store, request.app.state.open_mode)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def admin_principal(principal: PrincipalDep) -> Principal:
    if not principal.admin:
        raise HTTPException(status_code=403, detail="only an admin may do this")
    return principal


AdminDep = Annotated[Principal, Depends(admin_principal)]

KindParam = Annotated[list[str] | None, Query(description=f"Only these kinds: {', '.join(KINDS)}.")]
SinceParam = Annotated[date | None, Query(description="From this date (YYYY-MM-DD).")]
UntilParam = Annotated[date | None, Query(description="Up to this date, inclusive.")]


def invalid(location: str, parameter: str, message: str) -> HTTPException:
    """A 422 in FastAPI's own shape, naming the parameter (``location`` is query or body)."""
    return HTTPException(
        status_code=422,
        detail=[{"loc": [location, parameter], "msg": message, "type": "value_error"}],
    )


def filters_or_422(location: str = "query", **requested: object) -> Filters:
    """:meth:`Filters.build` of the request's filters; a 422 naming the bad one."""
    try:
        return Filters.build(**requested)  # type: ignore[arg-type]
    except InvalidFilter as exc:
        raise invalid(location, exc.parameter, str(exc)) from exc


def directory_or_500(store: Store) -> Directory:
    """The people directory; a broken people.yaml is the server's fault (500, saying why)."""
    try:
        return directory_for(store.catalog, store.settings.people_path)
    except PeopleFileError as exc:
        raise HTTPException(status_code=500, detail=str(exc)) from exc

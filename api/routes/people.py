"""``GET /people`` (the directory, paged) and ``GET /people/{person_id}`` (a profile)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from api.deps import PrincipalDep, StoreDep, directory_or_500
from api.schemas import PeoplePage, PersonProfile, person_summary
from search.people.directory import Directory
from search.people.profile import profile
from search.people.visible import visible_directory
from search.store.access import visible_documents

router = APIRouter(tags=["people"])


def reader_directory(store: StoreDep, principal: PrincipalDep) -> Directory:
    """The directory as this reader may see it: people, identities, counts and profiles
    from the documents they may see (all of them for an admin)."""
    visible = visible_documents(store.catalog, principal)
    return visible_directory(directory_or_500(store), visible, principal.access())


ReaderDirectoryDep = Annotated[Directory, Depends(reader_directory)]


@router.get("/people", response_model=PeoplePage, operation_id="list_people")
def list_people(
    directory: ReaderDirectoryDep,
    q: Annotated[
        str | None, Query(max_length=200, description="Part of a name, handle or e-mail.")
    ] = None,
    offset: Annotated[int, Query(ge=0, description="How many to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=200, description="How many to return.")] = 50,
) -> PeoplePage:
    """Everyone in the directory (identities merged across sources), by name."""
    total, people = directory.search(q or "", offset, limit)
    return PeoplePage(
        total=total, offset=offset, limit=limit, people=[person_summary(p) for p in people]
    )


@router.get(
    "/people/{person_id}",
    response_model=PersonProfile,
    operation_id="get_person",
    responses={404: {"description": "No person with this id."}},
)
def get_person(person_id: str, store: StoreDep, directory: ReaderDirectoryDep) -> PersonProfile:
    """A person: identities and how they were merged, activity, topics, conversations
    (from the documents the reader may see)."""
    if directory.get(person_id) is None:
        raise HTTPException(status_code=404, detail=f"no person with person_id {person_id!r}")
    return PersonProfile(**profile(store, directory, person_id))

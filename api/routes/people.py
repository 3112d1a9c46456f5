"""``GET /people`` (the directory, paged) and ``GET /people/{person_id}`` (a profile)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from api.deps import PrincipalDep, StoreDep, directory_or_500
from api.schemas import PeoplePage, PersonProfile, person_summary
from search.people.profile import profile

router = APIRouter(tags=["people"])


def directory_reader(principal: PrincipalDep) -> None:
    """The directory and profiles count every document: admins only, until they count
    only what the reader may see (``search.store.access.visible_documents`` is the hook)."""
    if not principal.admin:
        raise HTTPException(
            status_code=403,
            detail="the people directory is shown to admins only for now: its profiles "
            "count documents you may not see",
        )


ReaderDep = Annotated[None, Depends(directory_reader)]


@router.get("/people", response_model=PeoplePage, operation_id="list_people")
def list_people(
    store: StoreDep,
    _reader: ReaderDep,
    q: Annotated[
        str | None, Query(max_length=200, description="Part of a name, handle or e-mail.")
    ] = None,
    offset: Annotated[int, Query(ge=0, description="How many to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=200, description="How many to return.")] = 50,
) -> PeoplePage:
    """Everyone in the directory (identities merged across sources), by name."""
    total, people = directory_or_500(store).search(q or "", offset, limit)
    return PeoplePage(
        total=total, offset=offset, limit=limit, people=[person_summary(p) for p in people]
    )


@router.get(
    "/people/{person_id}",
    response_model=PersonProfile,
    operation_id="get_person",
    responses={404: {"description": "No person with this id."}},
)
def get_person(person_id: str, store: StoreDep, _reader: ReaderDep) -> PersonProfile:
    """A person: identities and how they were merged, activity, topics, conversations."""
    directory = directory_or_500(store)
    if directory.get(person_id) is None:
        raise HTTPException(status_code=404, detail=f"no person with person_id {person_id!r}")
    return PersonProfile(**profile(store, directory, person_id))

"""``GET /search``: hits, one per document or conversation, with facets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api import schemas
from api.deps import (
    KindParam,
    PrincipalDep,
    RetrieverDep,
    SinceParam,
    UntilParam,
    filters_or_422,
)
from search.store.store import EmptyStoreError

router = APIRouter(tags=["search"])


@router.get("/search", response_model=schemas.SearchResults, operation_id="search")
def search(
    retriever: RetrieverDep,
    principal: PrincipalDep,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="What to look for.")],
    k: Annotated[int, Query(ge=1, le=100, description="How many hits.")] = 10,
    kind: KindParam = None,
    source: Annotated[list[str] | None, Query(description="Only these formats.")] = None,
    channel: Annotated[list[str] | None, Query(description="Only these channels.")] = None,
    person: Annotated[str | None, Query(description="Only passages naming this person.")] = None,
    since: SinceParam = None,
    until: UntilParam = None,
) -> schemas.SearchResults:
    """Search what you may see; one hit per document or conversation, best first."""
    filters = filters_or_422(
        kinds=kind, sources=source, channels=channel, person=person, since=since, until=until
    )
    filters = principal.restrict(filters)
    try:
        results = retriever.run(q, k=k, filters=filters, facets=True)
    except EmptyStoreError as exc:
        return schemas.SearchResults(query=q, k=k, hits=[], notice=str(exc))
    return schemas.SearchResults(
        query=q,
        k=k,
        hits=[schemas.Hit.model_validate(h, from_attributes=True) for h in results.hits],
        facets=results.facets,
    )

"""``GET /experts``: people who know about a topic, with the evidence."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from api.deps import (
    KindParam,
    PrincipalDep,
    SinceParam,
    StoreDep,
    UntilParam,
    filters_or_422,
    invalid,
)
from api.schemas import Experts, expert_item
from search.people.experts import DEFAULT_MODEL, MODELS, ExpertFinder
from search.people.people_file import PeopleFileError
from search.store.access import visible_documents
from search.store.store import EmptyStoreError

router = APIRouter(tags=["people"])
PROFILES_PENDING = (
    "People's profiles are still being built after the server started: "
    "ranked by the passages about the topic alone."
)


@router.get("/experts", response_model=Experts, operation_id="find_experts")
def find_experts(
    store: StoreDep,
    principal: PrincipalDep,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="The topic.")],
    k: Annotated[int, Query(ge=1, le=50, description="How many people.")] = 10,
    kind: KindParam = None,
    since: SinceParam = None,
    until: UntilParam = None,
    model: Annotated[
        str, Query(description=f"Ranking model: {', '.join(MODELS)}.")
    ] = DEFAULT_MODEL,
    half_life_days: Annotated[
        float | None, Query(gt=0, description="Recency half-life (WATERCOOLER_ setting).")
    ] = None,
) -> Experts:
    """People who know about a topic, best first, with the evidence (people who left last).
    Only documents the asker may see count, as scores and as evidence."""
    filters = principal.restrict(filters_or_422(kinds=kind, since=since, until=until))
    if model not in MODELS:
        raise invalid("query", "model", f"unknown model {model!r}; use one of {', '.join(MODELS)}")
    visible = visible_documents(store.catalog, principal)
    finder = ExpertFinder(store)
    try:
        used = finder.available_model(model)
        found = finder.find(
            q,
            k=k,
            filters=filters,
            model=used,
            half_life_days=half_life_days,
            visible=None if visible is None else (lambda doc: doc.doc_id in visible),
        )
    except EmptyStoreError as exc:
        return Experts(query=q, model=model, experts=[], notice=str(exc))
    except PeopleFileError as exc:
        raise HTTPException(status_code=500, detail=str(exc)) from exc
    notice = None if used == model else PROFILES_PENDING
    return Experts(query=q, model=used, experts=[expert_item(e) for e in found], notice=notice)

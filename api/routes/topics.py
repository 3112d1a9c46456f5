"""``GET /topics``, ``GET /topics/{topic_id}``, ``GET /risk`` and
``GET /people/{person_id}/unique-knowledge``: topics, their timelines and knowledge at risk.

All of it is computed per asker over the documents they may see (see
:mod:`search.knowledge.topics`): labels, months, people, decisions, bus factors and
successors come from their visible documents alone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from api.deps import PrincipalDep, StoreDep, directory_or_500
from api.routes.decisions import ItemOut, item_out
from search.knowledge.risk import Holder, RiskMap, Successor, TopicRisk
from search.knowledge.topics import Topic, TopicMap
from search.people.directory import Directory
from search.people.visible import visible_directory
from search.store.access import visible_documents

router = APIRouter(tags=["topics"])


def reader_topics(store: StoreDep, principal: PrincipalDep) -> TopicMap:
    """The topics as this reader may see them, cached with their view of the directory."""
    visible = visible_documents(store.catalog, principal)
    directory: Directory = visible_directory(directory_or_500(store), visible, principal.access())
    return directory.derived("topic-map", lambda: TopicMap(store, directory, visible))


TopicsDep = Annotated[TopicMap, Depends(reader_topics)]


def risk_map(topics: TopicMap) -> RiskMap:
    """The risk map of these topics, built once with them (it reads who said what)."""
    return topics.directory.derived("risk-map", lambda: RiskMap(topics))


class DocRef(BaseModel):
    doc_id: str
    title: str
    kind: str
    date: str | None
    source_path: str = Field(description="Absolute path of the file a person would open.")


class PersonRef(BaseModel):
    person_id: str
    name: str
    left: bool


class TopicSummary(BaseModel):
    topic_id: str = Field(description="Stable across re-ingests while the topic persists.")
    label: str
    terms: list[str] = Field(description="Its most distinctive terms (c-TF-IDF), best first.")
    conversations: int
    first: str | None
    last: str | None


class TopicList(BaseModel):
    topics: list[TopicSummary]


class PeriodOut(BaseModel):
    month: str
    conversations: int
    people: list[PersonRef]


class HolderOut(PersonRef):
    documents: int = Field(description="How many of the topic's documents they took part in.")
    messages: int
    evidence: list[DocRef]


class RelatedTopic(BaseModel):
    topic_id: str
    label: str
    similarity: float


class TopicDetail(TopicSummary):
    timeline: list[PeriodOut] = Field(description="Per month: documents and who took part.")
    documents: list[DocRef]
    decisions: list[ItemOut] = Field(description="Decisions in its documents, oldest first.")
    people: list[HolderOut]
    related: list[RelatedTopic]
    bus_factor: int


class SuccessorOut(PersonRef):
    score: float
    topic_documents: list[DocRef]
    shared_with_experts: int = Field(description="Documents shared with the main experts.")
    shared_documents: list[DocRef] = Field(description="The most on-topic of those.")
    similarity: float = Field(description="Cosine of their documents' mean to the topic.")


class RiskOut(BaseModel):
    topic_id: str
    label: str
    conversations: int
    bus_factor: int
    reasons: list[str]
    holders: list[HolderOut]
    main_experts: list[PersonRef]
    experts_left: bool
    successor: SuccessorOut | None


class RiskList(BaseModel):
    topics: list[RiskOut]


def doc_ref(topics: TopicMap, doc_id: str) -> DocRef:
    doc = topics.directory.docs[doc_id]
    return DocRef(
        doc_id=doc_id, title=doc.title, kind=doc.kind, date=doc.date, source_path=doc.source_path
    )


def person_ref(topics: TopicMap, person_id: str) -> PersonRef:
    person = topics.directory.persons[person_id]
    return PersonRef(person_id=person_id, name=person.name, left=person.left)


def summary(topics: TopicMap, topic: Topic) -> TopicSummary:
    dates = [topics.directory.docs[d].date for d in topic.doc_ids]
    dated = [d for d in dates if d]
    return TopicSummary(
        topic_id=topic.topic_id,
        label=topic.label,
        terms=topic.terms,
        conversations=len(topic.doc_ids),
        first=min(dated, default=None),
        last=max(dated, default=None),
    )


def holder_out(topics: TopicMap, holder: Holder) -> HolderOut:
    return HolderOut(
        **person_ref(topics, holder.person_id).model_dump(),
        documents=holder.documents,
        messages=holder.messages,
        evidence=[doc_ref(topics, d) for d in holder.evidence],
    )


def successor_out(topics: TopicMap, found: Successor) -> SuccessorOut:
    return SuccessorOut(
        **person_ref(topics, found.person_id).model_dump(),
        score=found.score,
        topic_documents=[doc_ref(topics, d) for d in found.topic_documents],
        shared_with_experts=found.shared_with_experts,
        shared_documents=[doc_ref(topics, d) for d in found.shared_documents],
        similarity=found.similarity,
    )


def reasons(risk: TopicRisk) -> list[str]:
    found = []
    if risk.bus_factor <= 1:
        found.append(f"bus factor {risk.bus_factor}")
    if risk.experts_left:
        found.append("its main experts all left")
    return found


def risk_out(topics: TopicMap, risk: TopicRisk) -> RiskOut:
    return RiskOut(
        topic_id=risk.topic.topic_id,
        label=risk.topic.label,
        conversations=len(risk.topic.doc_ids),
        bus_factor=risk.bus_factor,
        reasons=reasons(risk),
        holders=[holder_out(topics, h) for h in risk.holders[:8]],
        main_experts=[person_ref(topics, p) for p in risk.main_experts],
        experts_left=risk.experts_left,
        successor=successor_out(topics, risk.successor) if risk.successor else None,
    )


@router.get("/topics", response_model=TopicList, operation_id="list_topics")
def list_topics(topics: TopicsDep) -> TopicList:
    """The topics of what the asker may see, the largest first."""
    return TopicList(topics=[summary(topics, t) for t in topics.ranked()])


@router.get(
    "/topics/{topic_id}",
    response_model=TopicDetail,
    operation_id="get_topic",
    responses={404: {"description": "No topic with this id (or none the asker may see)."}},
)
def get_topic(topic_id: str, topics: TopicsDep) -> TopicDetail:
    """A topic: its documents by month with who took part, its decisions in order, its
    people, related topics and bus factor."""
    topic = topics.get(topic_id)
    if topic is None:
        raise HTTPException(status_code=404, detail=f"no topic with topic_id {topic_id!r}")
    risk = risk_map(topics).assess(topic)
    return TopicDetail(
        **summary(topics, topic).model_dump(),
        timeline=[
            PeriodOut(
                month=p.month,
                conversations=p.conversations,
                people=[person_ref(topics, pid) for pid in p.people],
            )
            for p in topics.timeline(topic)
        ],
        documents=[doc_ref(topics, d) for d in topic.doc_ids],
        decisions=[item_out(i) for i in topics.decisions(topic)],
        people=[holder_out(topics, h) for h in risk.holders],
        related=[
            RelatedTopic(topic_id=t.topic_id, label=t.label, similarity=round(s, 3))
            for t, s in topics.related(topic)
        ],
        bus_factor=risk.bus_factor,
    )


@router.get("/risk", response_model=RiskList, operation_id="knowledge_at_risk")
def knowledge_at_risk(topics: TopicsDep) -> RiskList:
    """Topics with bus factor 1 (or 0) or whose main experts all left, each with who holds
    it and a suggested successor, with the evidence."""
    return RiskList(topics=[risk_out(topics, r) for r in risk_map(topics).at_risk()])


@router.get(
    "/people/{person_id}/unique-knowledge",
    response_model=RiskList,
    operation_id="unique_knowledge",
    responses={404: {"description": "No person with this id."}},
)
def unique_knowledge(
    person_id: str,
    topics: TopicsDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> RiskList:
    """What this person knows that no other active person does: the topics where they are
    the only active expert, with a successor for each (for a handover)."""
    if topics.directory.get(person_id) is None:
        raise HTTPException(status_code=404, detail=f"no person with person_id {person_id!r}")
    found = risk_map(topics).unique_knowledge(person_id)[:limit]
    return RiskList(topics=[risk_out(topics, r) for r in found])

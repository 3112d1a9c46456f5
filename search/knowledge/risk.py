"""Knowledge at risk: per topic, who holds it, its bus factor, and a successor.

Holders are the people who took part in a topic's documents, ranked by the evidence: the
documents they spoke in (a chat or mail message, a transcript turn), weighted by how much
they said there. A document whose source counts no messages (meeting notes, memos) credits
the lines each person said or owns there, as the expert finder's attribution reads them (a
speaker tag, an action item they own, a memo's text to its authors); failing that, its
authors or attendees.

The bus factor follows Avelino et al.'s truck-factor algorithm ("A novel approach for
estimating truck factors", ICPC 2016), with a topic's documents for files and their
participants for authors: remove the active participant of the most still-covered
documents, again and again, until more than half of the documents have no active
participant left; the bus factor is how many were removed (0 when more than half have
none already, everyone who spoke in them having left). ``left:`` in people.yaml says who
left.

The main experts are the people that same greedy cover picks when nobody has left yet; a
topic whose main experts all left is at risk whatever its bus factor. A successor is the
active person, not already a main holder, closest to the topic: the topic documents they
took part in, the documents they share with its main experts, and the cosine between their
documents' mean vector and the topic's centroid.

Everything is computed from a :class:`~search.knowledge.topics.TopicMap`, so it counts the
asker's visible documents only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np

from search.knowledge.topics import Topic, TopicMap
from search.people.attribution import attribute
from search.people.directory import Directory

SHARED_WEIGHT = 0.25  # a document shared with a main expert, against one in the topic


@dataclass(slots=True)
class Holder:
    """A person who holds a topic's knowledge, with the documents that say so."""

    person_id: str
    name: str
    left: bool
    documents: int
    messages: int
    evidence: list[str] = field(default_factory=list)  # doc ids, newest first


@dataclass(slots=True)
class Successor:
    """Who could take a topic over, and why."""

    person_id: str
    name: str
    score: float
    topic_documents: list[str]
    shared_with_experts: int
    similarity: float
    shared_documents: list[str] = field(default_factory=list)  # most on-topic first


@dataclass(slots=True)
class TopicRisk:
    """A topic's holders, bus factor and whether its main experts left."""

    topic: Topic
    holders: list[Holder]
    bus_factor: int
    at_risk_if_gone: list[str]  # the active people whose departure orphans the topic
    main_experts: list[str]
    experts_left: bool
    successor: Successor | None = None

    @property
    def at_risk(self) -> bool:
        return self.bus_factor <= 1 or self.experts_left


def speakers(directory: Directory, doc_id: str, said: Counter[str] | None = None) -> dict[str, int]:
    """Person id -> how much they said in a document: their messages or turns; else their
    own lines as the expert evidence attributes them (``said``: a speaker tag, an action
    item they own, a memo's text to its authors); else its authors or attendees (each 0)."""
    people = directory.doc_people.get(doc_id, ())
    spoke = {dp.person_id: dp.messages for dp in people if dp.messages > 0}
    if spoke:
        return spoke
    if said:
        return dict(said)
    owners = directory.owners(doc_id)
    return dict.fromkeys(owners or [dp.person_id for dp in people], 0)


def lines_said(catalog: Any, directory: Directory, doc_ids: list[str]) -> dict[str, Counter[str]]:
    """Per document, how many of its lines each person said or owns
    (:func:`search.people.attribution.attribute`)."""
    found: dict[str, Counter[str]] = {}
    for chunk in catalog.chunks_of_documents(doc_ids):
        said = attribute(chunk, directory).said
        found.setdefault(chunk.doc_id, Counter()).update({p: len(ls) for p, ls in said.items()})
    return found


def greedy_cover(covers: dict[str, set[str]], weight: Counter[str]) -> list[str]:
    """Avelino's greedy step: remove the person covering the most still-covered documents
    (ties: more messages, then id) until more than half are left uncovered."""
    remaining = {d: set(ps) for d, ps in covers.items()}
    removed: list[str] = []
    while remaining and sum(1 for ps in remaining.values() if not ps) * 2 <= len(remaining):
        counts = Counter(p for ps in remaining.values() for p in ps)
        if not counts:
            break
        top = min(counts, key=lambda p: (-counts[p], -weight[p], p))
        removed.append(top)
        for ps in remaining.values():
            ps.discard(top)
    return removed


class RiskMap:
    """Knowledge at risk over one :class:`TopicMap`."""

    def __init__(self, topics: TopicMap, today: date | None = None) -> None:
        self.topics = topics
        self.directory = topics.directory
        self.today = (today or datetime.now(UTC).date()).isoformat()
        quiet = [  # documents whose source counts no messages (notes, memos)
            d
            for t in topics.topics.values()
            for d in t.doc_ids
            if not any(dp.messages for dp in self.directory.doc_people.get(d, ()))
        ]
        self.said = lines_said(topics.store.catalog, self.directory, quiet)

    def speakers(self, doc_id: str) -> dict[str, int]:
        """Who spoke in a document, and how much (see :func:`speakers`)."""
        return speakers(self.directory, doc_id, self.said.get(doc_id))

    def left(self, person_id: str) -> bool:
        """Whether they are gone: ``left:`` with a date still to come is someone leaving,
        who still counts (their handover is what the unique-knowledge view is for)."""
        person = self.directory.get(person_id)
        if person is None:
            return True
        return person.left and not (person.left_on and person.left_on > self.today)

    def assess(self, topic: Topic) -> TopicRisk:
        covers = {d: set(self.speakers(d)) for d in topic.doc_ids}
        messages: Counter[str] = Counter()
        documents: dict[str, list[str]] = {}
        for doc_id in reversed(topic.doc_ids):  # newest first
            for pid, n in self.speakers(doc_id).items():
                messages[pid] += n
                documents.setdefault(pid, []).append(doc_id)
        holders = [
            Holder(
                pid,
                self.directory.persons[pid].name,
                self.left(pid),
                len(docs),
                messages[pid],
                docs[:5],
            )
            for pid, docs in documents.items()
            if pid in self.directory.persons
        ]
        holders.sort(key=lambda h: (-h.documents, -h.messages, h.name))
        active = {d: {p for p in ps if not self.left(p)} for d, ps in covers.items()}
        gone = greedy_cover(active, messages)
        main = greedy_cover(covers, messages)
        return TopicRisk(
            topic=topic,
            holders=holders,
            bus_factor=len(gone),
            at_risk_if_gone=gone,
            main_experts=main,
            experts_left=bool(main) and all(self.left(p) for p in main),
        )

    def successor(self, risk: TopicRisk) -> Successor | None:
        """The active person closest to the topic who is not already one of its keepers."""
        keepers = set(risk.at_risk_if_gone)
        experts = set(risk.main_experts)
        topic_docs = set(risk.topic.doc_ids)
        best: Successor | None = None
        for person in self.directory.persons.values():
            if person.left or person.person_id in keepers:
                continue
            docs = [d for d in person.documents if d in self.directory.docs]
            if not docs:
                continue
            in_topic = [d for d in docs if d in topic_docs]
            shared = [
                d
                for d in docs
                if d not in topic_docs
                and experts & {dp.person_id for dp in self.directory.doc_people.get(d, ())}
            ]
            vectors = [self.topics.vectors[d] for d in docs if d in self.topics.vectors]
            similarity = 0.0
            if vectors:
                mean = np.mean(vectors, axis=0)
                mean /= float(np.linalg.norm(mean)) or 1.0
                similarity = float(np.dot(mean, risk.topic.centroid))
            if not in_topic and not shared:
                continue
            score = round(len(in_topic) + SHARED_WEIGHT * len(shared) + similarity, 3)
            if best is None or (-score, person.name) < (-best.score, best.name):
                best = Successor(
                    person.person_id,
                    person.name,
                    score,
                    in_topic,
                    len(shared),
                    round(similarity, 3),
                )
                best.shared_documents = self._on_topic(shared, risk.topic)[:5]
        return best

    def _on_topic(self, doc_ids: list[str], topic: Topic) -> list[str]:
        """Documents by cosine to the topic's centroid, closest first."""
        vectors = self.topics.vectors
        scored = [(float(np.dot(vectors[d], topic.centroid)), d) for d in doc_ids if d in vectors]
        return [d for _, d in sorted(scored, key=lambda sd: (-sd[0], sd[1]))]

    def at_risk(self) -> list[TopicRisk]:
        """Topics with bus factor 1 or less, or whose main experts all left, each with a
        successor; the smallest bus factor first, then the largest topic."""
        found = []
        for topic in self.topics.ranked():
            risk = self.assess(topic)
            if risk.at_risk:
                risk.successor = self.successor(risk)
                found.append(risk)
        return sorted(found, key=lambda r: (r.bus_factor, -len(r.topic.doc_ids)))

    def unique_knowledge(self, person_id: str) -> list[TopicRisk]:
        """Topics where this person is the only active expert: their departure alone would
        leave more than half of the topic's documents with no active participant."""
        found = []
        for topic in self.topics.ranked():
            risk = self.assess(topic)
            if risk.at_risk_if_gone == [person_id]:
                risk.successor = self.successor(risk)
                found.append(risk)
        return found

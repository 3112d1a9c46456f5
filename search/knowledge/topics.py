"""Topics as one asker sees them: labels, timelines, decisions, people, related topics.

The clustering (:mod:`search.knowledge.clusters`) is computed once per catalog change over
every document, and never shown. A :class:`TopicMap` keeps, for one asker, only the
documents they may see: a topic none of whose documents they may see does not exist for
them, and its label (c-TF-IDF, as BERTopic does), months, people, decisions and related
topics are computed from their visible documents alone. So no word, name or date of a
document reaches someone who may not see it.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import numpy as np

from search.knowledge.clusters import Clustering, clustering_for
from search.knowledge.extract import Item
from search.knowledge.log import decision_log
from search.people.directory import Directory, iso_day
from search.store.store import Store

LABEL_TERMS = 4
RELATED = 3
RELATED_SIMILARITY = 0.3


@dataclass(slots=True)
class Topic:
    """A topic: its id, label terms and the visible documents in it (oldest first)."""

    topic_id: str
    terms: list[str]
    doc_ids: list[str]
    centroid: np.ndarray = field(repr=False)

    @property
    def label(self) -> str:
        return ", ".join(self.terms) or self.topic_id


@dataclass(slots=True)
class Period:
    """One month of a topic: how many of its documents, and who took part in them."""

    month: str
    conversations: int
    people: list[str]


def c_tf_idf(classes: dict[str, Counter[str]], limit: int = LABEL_TERMS) -> dict[str, list[str]]:
    """The most distinctive terms of each class: tf of the term in the class times
    ``log(1 + A / f)``, A the mean number of words per class and f the term's frequency
    over all classes (BERTopic's class-based TF-IDF)."""
    totals: Counter[str] = Counter()
    for counts in classes.values():
        totals.update(counts)
    if not classes:
        return {}
    average = sum(totals.values()) / len(classes)
    labels: dict[str, list[str]] = {}
    for name, counts in classes.items():
        size = sum(counts.values()) or 1
        scored = {
            t: (n / size) * math.log(1 + average / totals[t]) for t, n in counts.items() if n > 1
        }
        labels[name] = [t for t, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))][
            :limit
        ]
    return labels


class TopicMap:
    """The topics over the documents ``visible`` (None: all, for an admin)."""

    def __init__(
        self,
        store: Store,
        directory: Directory,
        visible: AbstractSet[str] | None,
        clustering: Clustering | None = None,
    ) -> None:
        self.store = store
        self.directory = directory
        self.visible = visible
        found = clustering or clustering_for(store)
        self.vectors = found.vectors
        members: dict[str, list[str]] = defaultdict(list)
        for doc_id, topic_id in found.topic_of.items():
            if (visible is None or doc_id in visible) and doc_id in directory.docs:
                members[topic_id].append(doc_id)
        classes = {
            t: sum((found.terms.get(d, Counter()) for d in docs), Counter())
            for t, docs in members.items()
        }
        labels = c_tf_idf(classes)
        self.topics: dict[str, Topic] = {}
        for topic_id, docs in members.items():
            docs.sort(key=lambda d: (directory.docs[d].created or 0.0, d))
            mean = np.mean([self.vectors[d] for d in docs], axis=0)
            centroid = mean / (float(np.linalg.norm(mean)) or 1.0)
            self.topics[topic_id] = Topic(topic_id, labels.get(topic_id, []), docs, centroid)

    def ranked(self) -> list[Topic]:
        """Every topic, the largest first."""
        return sorted(self.topics.values(), key=lambda t: (-len(t.doc_ids), t.topic_id))

    def get(self, topic_id: str) -> Topic | None:
        return self.topics.get(topic_id)

    def topics_of_doc(self) -> dict[str, str]:
        return {d: t.topic_id for t in self.topics.values() for d in t.doc_ids}

    def participants(self, doc_id: str) -> list[str]:
        """Person ids named in a document."""
        return list(dict.fromkeys(dp.person_id for dp in self.directory.doc_people.get(doc_id, ())))

    def timeline(self, topic: Topic) -> list[Period]:
        """Per month: the topic's documents and the people in them (most active first)."""
        months: dict[str, tuple[int, Counter[str]]] = {}
        for doc_id in topic.doc_ids:
            day = iso_day(self.directory.docs[doc_id].created)
            if day is None:
                continue
            count, people = months.get(day[:7], (0, Counter()))
            for dp in self.directory.doc_people.get(doc_id, ()):
                people[dp.person_id] += dp.messages + 1
            months[day[:7]] = (count + 1, people)
        return [
            Period(m, n, [pid for pid, _ in people.most_common()])
            for m, (n, people) in sorted(months.items())
        ]

    def decisions(self, topic: Topic) -> list[Item]:
        """Decisions said in the topic's documents, oldest first."""
        docs = set(topic.doc_ids)
        found = [
            i
            for i in decision_log(self.store, self.visible).items
            if i.type == "decision" and i.doc_id in docs
        ]
        return sorted(found, key=lambda i: (i.ts or 0.0, i.item_id))

    def related(self, topic: Topic, limit: int = RELATED) -> list[tuple[Topic, float]]:
        """The closest other topics by centroid cosine."""
        scored = [
            (other, float(np.dot(topic.centroid, other.centroid)))
            for other in self.topics.values()
            if other.topic_id != topic.topic_id
        ]
        scored = [(t, s) for t, s in scored if s >= RELATED_SIMILARITY]
        return sorted(scored, key=lambda ts: -ts[1])[:limit]


def topic_map(store: Store, directory: Directory, visible: AbstractSet[str] | None) -> TopicMap:
    """The topics as someone who may see ``visible`` documents (None: everything) sees
    them; ``directory`` is already restricted to those documents."""
    return TopicMap(store, directory, visible)

"""The decisions log and action items one asker may see.

Extraction runs once per catalog change over every chunk (it is the expensive part:
embedding and classifying sentences) and is never shown as is. Each request keeps only the
items of documents the asker may see, and supersession runs over those alone, so a
decision from a document someone may not see neither appears nor shows as "replaced by"
in their view.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from search.knowledge.extract import Extracted, Item, extracted_for
from search.knowledge.supersession import chains, terms
from search.store.store import Store

# A query keeps decisions at least this close (cosine) or sharing a content term with it.
QUERY_SIMILARITY = 0.35


@dataclass(slots=True)
class Thread:
    """A current decision and the decisions it replaced, newest first."""

    current: Item
    history: list[Item]
    score: float = 0.0


def _day_start(day: date) -> float:
    return datetime.combine(day, time(), tzinfo=UTC).timestamp()


def _matches_person(item: Item, person: str | None) -> bool:
    if not person:
        return True
    wanted = person.casefold().lstrip("@")
    names = [*item.people, item.owner or "", item.speaker or ""]
    return any(wanted in n.casefold() for n in names if n)


def _passes(
    item: Item,
    since: date | None,
    until: date | None,
    person: str | None,
    kinds: list[str] | None,
) -> bool:
    if kinds and item.kind not in kinds:
        return False
    if since is not None and (item.ts is None or item.ts < _day_start(since)):
        return False
    if until is not None and (item.ts is None or item.ts >= _day_start(until + timedelta(1))):
        return False
    return _matches_person(item, person)


class DecisionLog:
    """What one asker may see of the extracted items (``visible``: their doc ids, None
    for an admin)."""

    def __init__(
        self, extracted: Extracted, visible: AbstractSet[str] | None, store: Store
    ) -> None:
        self.vectors = extracted.vectors
        self.items = [i for i in extracted.items if visible is None or i.doc_id in visible]
        self.store = store

    def decisions(
        self,
        q: str | None = None,
        since: date | None = None,
        until: date | None = None,
        person: str | None = None,
        kinds: list[str] | None = None,
        limit: int = 50,
    ) -> list[Thread]:
        """Threads of decisions, the current one first; best match for ``q`` first, else
        newest first. A thread is kept when one of its decisions passes the filters."""
        decided = [i for i in self.items if i.type == "decision"]
        threads = [Thread(c[0], c[1:]) for c in chains(decided, self.vectors)]
        threads = [
            t
            for t in threads
            if any(_passes(i, since, until, person, kinds) for i in [t.current, *t.history])
        ]
        if q:
            query = np.asarray(self.store.embedder.embed_query(q), dtype=np.float32)
            query /= float(np.linalg.norm(query)) or 1.0
            wanted = terms(q)
            for thread in threads:
                thread.score = max(
                    float(np.dot(query, self.vectors[i.item_id]))
                    + 0.05 * len(wanted & terms(i.quote))
                    for i in [thread.current, *thread.history]
                )
            threads = [t for t in threads if t.score >= QUERY_SIMILARITY]
            threads.sort(key=lambda t: -t.score)
        else:
            threads.sort(key=lambda t: -(t.current.ts or 0.0))
        return threads[:limit]

    def new_decisions(
        self, since: date | None = None, until: date | None = None, limit: int = 100
    ) -> list[Item]:
        """Decisions newest first (the feed and the digest)."""
        found = [
            i for i in self.items if i.type == "decision" and _passes(i, since, until, None, None)
        ]
        return sorted(found, key=lambda i: -(i.ts or 0.0))[:limit]

    def actions(
        self,
        owner: str | None = None,
        open_only: bool | None = None,
        since: date | None = None,
        until: date | None = None,
        kinds: list[str] | None = None,
        limit: int = 200,
    ) -> list[Item]:
        """Action items newest first; ``owner`` matches part of the owner's name."""
        found = [
            i
            for i in self.items
            if i.type == "action"
            and (open_only is None or i.open == open_only)
            and (not owner or (i.owner and owner.casefold().lstrip("@") in i.owner.casefold()))
            and _passes(i, since, until, None, kinds)
        ]
        return sorted(found, key=lambda i: -(i.ts or 0.0))[:limit]


def decision_log(store: Store, visible: AbstractSet[str] | None) -> DecisionLog:
    """The log as someone who may see ``visible`` documents (None: everything) sees it."""
    return DecisionLog(extracted_for(store.catalog, store.embedder), visible, store)

"""One person's profile: identities and why they merged, activity, topics, conversations."""

from __future__ import annotations

from typing import Any

from search.people.directory import Directory
from search.people.topics import person_topics
from search.store.store import Store


def profile(store: Store, directory: Directory, person_id: str) -> dict[str, Any]:
    """Everything ``GET /people/{person_id}`` shows, as plain data."""
    person = directory.persons[person_id]
    topics, cited = person_topics(store.catalog, directory, person_id)
    ranked = sorted(
        person.documents,
        key=lambda d: (-cited.get(d, 0), -(directory.docs[d].created or 0), d),
    )
    return {
        "person_id": person.person_id,
        "name": person.name,
        "team": person.team,
        "title": person.title,
        "left": person.left,
        "left_on": person.left_on,
        "identities": [
            {
                "name": m.identity.name,
                "email": m.identity.email,
                "user_id": m.identity.user_id,
                "handle": m.identity.handle,
                "source": m.identity.source,
                "merged_by": m.merged_by,
                "merged_with": m.merged_with,
            }
            for m in person.identities
        ],
        "activity": directory.activity(person_id),
        "topics": topics,
        "conversations": [
            {
                "doc_id": d,
                "title": directory.docs[d].title,
                "date": directory.docs[d].date,
                "source_path": directory.docs[d].source_path,
            }
            for d in ranked[:10]
        ],
        "talks_with": [
            {"person_id": p.person_id, "name": p.name, "count": n}
            for p, n in directory.talks_with(person_id)
        ],
    }

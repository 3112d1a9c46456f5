"""The people directory as one reader may see it: built from their visible documents only.

The directory itself (:mod:`search.people.directory`) counts every document. For a reader
who may not see everything, :func:`visible_directory` keeps only the documents they may see
(:func:`search.store.access.visible_documents`), and with them:

- the people who appear in at least one of those documents (nobody seen only in a private
  channel, a DM or a mailbox shows up, not even by name);
- of each person, only the identities (names, e-mail addresses, handles, accounts) seen in
  those documents, their message counts there, and who they share those documents with.

Profiles, topics and conversations read the view, so they quote and count visible
documents only. A view is cached with the directory, one per set of grantees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import replace

from search.people.directory import Directory, Person
from search.people.identities import MergedIdentity


def visible_directory(
    directory: Directory, visible: AbstractSet[str] | None, access: tuple[str, ...] | None = None
) -> Directory:
    """``directory`` restricted to the doc ids in ``visible`` (itself when None: an admin).

    ``access`` (the reader's grantees) keys the cache; without it nothing is cached."""
    if visible is None:
        return directory
    if access is None:
        return _restrict(directory, visible)
    return directory.derived(
        "visible:" + "\x1f".join(access), lambda: _restrict(directory, visible)
    )


def _restrict(directory: Directory, visible: set[str]) -> Directory:
    docs = {d: info for d, info in directory.docs.items() if d in visible}
    doc_people = {d: dps for d, dps in directory.doc_people.items() if d in docs}
    messages: dict[str, int] = defaultdict(int)
    for dps in doc_people.values():
        for dp in dps:
            messages[dp.person_id] += dp.messages
    persons = [
        person
        for person in (_person(p, docs, messages) for p in directory.persons.values())
        if person is not None
    ]
    return Directory(persons, docs, doc_people, [], directory.common)


def _shown(merged_with: str | None, labels: set[str]) -> bool:
    """Whether the identity a merge went through may be named (a visible one, or an entry
    of people.yaml)."""
    return merged_with is not None and (
        merged_with in labels or merged_with.startswith("people.yaml:")
    )


def _person(person: Person, docs: dict[str, object], messages: dict[str, int]) -> Person | None:
    documents = [d for d in person.documents if d in docs]
    if not documents:
        return None
    shown = [m for m in person.identities if m.documents & docs.keys()]
    labels = {m.identity.label for m in shown}
    identities = [
        MergedIdentity(
            m.identity,
            m.merged_by,
            m.merged_with if _shown(m.merged_with, labels) else None,
            frozenset(m.documents & docs.keys()),
        )
        for m in shown
    ]
    return replace(
        person, identities=identities, documents=documents, messages=messages[person.person_id]
    )

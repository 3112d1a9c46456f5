"""What the store holds: counts by kind and source, people, the last run, locations."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from search.people.directory import built_directory, directory_for
from search.people.people_file import PeopleFileError
from search.store.store import Store


def status(store: Store, build_people: bool = True) -> dict[str, Any]:
    """The store's counts with people as the directory merges them (distinct names, as the
    catalog counts them, when people.yaml is broken, or when ``build_people`` is off and the
    directory is not built yet: a server starting on a large store must not wait for it)."""
    info = store.status()
    people_file = store.settings.people_path
    with suppress(PeopleFileError):
        if build_people:
            directory = directory_for(store.catalog, people_file)
        else:
            directory = built_directory(store.catalog, people_file)
        if directory is not None:
            info["people"] = len(directory.persons)
    return info

"""What the store holds: counts by kind and source, people, the last run, locations."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from search.people.directory import directory_for
from search.people.people_file import PeopleFileError
from search.store.store import Store


def status(store: Store) -> dict[str, Any]:
    """The store's counts with people as the directory merges them (distinct names, as the
    catalog counts them, when people.yaml is broken)."""
    info = store.status()
    with suppress(PeopleFileError):
        info["people"] = len(directory_for(store.catalog, store.settings.people_path).persons)
    return info

"""Ingest is idempotent, replaces changed sources exactly, prunes and forgets, reports failures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.pipeline import ingest
from search.retrieval.retriever import Retriever
from search.store.catalog import Catalog
from search.store.filters import Filters
from search.store.store import Store
from tests.conftest import make_store

NOTE = """---
title: Platform weekly
date: 2025-03-04
attendees: [Priya Shah, Tom Berg]
---
# Platform weekly

## Postgres migration
Priya reported that dual writes to the new Postgres cluster have run for a week with no
drift. The cutover is planned for the last Saturday of March with a rollback script ready.

## On-call
Tom proposed moving the on-call handover from Monday to Wednesday so that weekend incidents
are reviewed by the person who handled them. Everyone agreed to try it for a month.
"""

MEMO = """# Travel policy

Economy class for flights under six hours. Book through the travel portal at least two
weeks ahead. Hotel nights are capped at 180 euros in most cities, 250 in London and Paris.
"""


def write_org(root: Path) -> Path:
    (root / "notes").mkdir(parents=True)
    (root / "notes" / "2025-03-04-platform.md").write_text(NOTE)
    (root / "memos").mkdir()
    (root / "memos" / "travel.md").write_text(MEMO)
    return root


@pytest.fixture
def store(tmp_path: Path, engine: dict[str, Any]) -> Iterator[Store]:
    """A store whose catalog (the ingest ledger) is in each engine in turn."""
    s = make_store(tmp_path / "home", **engine)
    yield s
    s.close()


@pytest.fixture
def embedded_store(tmp_path: Path) -> Iterator[Store]:
    s = make_store(tmp_path / "home")
    yield s
    s.close()


def vector_ids(store: Store) -> set[str]:
    return set(store.vectors._collection.get(include=[])["ids"])


def catalog_ids(store: Store) -> set[str]:
    rows = store.catalog._db.execute("SELECT chunk_id FROM chunks").fetchall()
    return {r[0] for r in rows}


def test_ingesting_the_same_folder_twice_adds_nothing(tmp_path: Path, store: Store) -> None:
    org = write_org(tmp_path / "org")
    first = ingest([org], store)
    assert (first.count("new"), first.count("failed")) == (2, 0)
    chunks = catalog_ids(store)
    second = ingest([org], store)
    assert second.count("unchanged") == 2
    assert second.count("new") == second.count("updated") == 0
    assert catalog_ids(store) == chunks == vector_ids(store)


def test_changed_file_replaces_its_chunks_with_no_stale_ones(tmp_path: Path, store: Store) -> None:
    org = write_org(tmp_path / "org")
    ingest([org], store)
    note = org / "notes" / "2025-03-04-platform.md"
    note.write_text(NOTE.replace("Wednesday", "Thursday").replace("Postgres", "CockroachDB"))
    summary = ingest([org], store)
    assert summary.count("updated") == 1 and summary.count("unchanged") == 1
    texts = " ".join(r[0] for r in store.catalog._db.execute("SELECT text FROM chunks"))
    assert "Thursday" in texts and "Wednesday" not in texts
    assert "Postgres" not in texts
    assert catalog_ids(store) == vector_ids(store)
    hits = Retriever(store).search("on-call handover day", k=5)
    assert hits[0].source_path == str(note)
    assert "Wednesday" not in hits[0].snippet


def test_prune_removes_sources_whose_files_disappeared(tmp_path: Path, store: Store) -> None:
    org = write_org(tmp_path / "org")
    ingest([org], store)
    (org / "memos" / "travel.md").unlink()
    kept = ingest([org], store)
    assert kept.removed == [] and store.catalog.counts()["documents"] == 2
    pruned = ingest([org], store, prune=True)
    assert pruned.removed == [str(org / "memos" / "travel.md")]
    assert store.catalog.counts()["documents"] == 1
    assert catalog_ids(store) == vector_ids(store)


def test_forget_removes_one_source_from_catalog_and_vectors(tmp_path: Path, store: Store) -> None:
    org = write_org(tmp_path / "org")
    ingest([org], store)
    removed = store.forget(str(org / "memos" / "travel.md"))
    assert len(removed) == 1
    assert store.catalog.counts()["documents"] == 1
    assert catalog_ids(store) == vector_ids(store)
    assert all("travel" not in h.source_path for h in Retriever(store).search("hotel cap", k=5))


def test_unreadable_file_is_reported_and_the_rest_is_ingested(tmp_path: Path, store: Store) -> None:
    org = write_org(tmp_path / "org")
    (org / "memos" / "broken.docx").write_bytes(b"this is not a zip archive")
    summary = ingest([org], store)
    assert summary.count("new") == 2
    [failure] = summary.failures
    assert failure.path == str(org / "memos" / "broken.docx")
    assert failure.reason


def test_a_file_that_breaks_keeps_what_was_stored_before(tmp_path: Path, store: Store) -> None:
    org = write_org(tmp_path / "org")
    (org / "memos" / "policy.docx").write_bytes(b"")
    ingest([org], store)
    before = catalog_ids(store)
    (org / "memos" / "travel.md").write_bytes(b"")  # now empty: unreadable
    summary = ingest([org], store)
    assert [f.path for f in summary.failures] == [
        str(org / "memos" / "policy.docx"),
        str(org / "memos" / "travel.md"),
    ]
    assert catalog_ids(store) == before
    assert Retriever(store).search("hotel nights cap London", k=1)[0].title == "Travel policy"


def test_run_ledger_records_the_summary(tmp_path: Path, store: Store) -> None:
    org = write_org(tmp_path / "org")
    ingest([org], store)
    run = store.status()["last_run"]
    assert run["paths"] == [str(org.resolve())]
    assert run["summary"]["new"] == 2


def test_person_filter_follows_changes_and_works_on_a_catalog_from_before_its_index(
    tmp_path: Path, embedded_store: Store
) -> None:
    store = embedded_store
    org = write_org(tmp_path / "org")
    ingest([org], store)
    by_tom = Filters(person="Tom Berg")
    expected = store.catalog.passing(by_tom)
    assert expected and set(expected) < catalog_ids(store)
    # A catalog written before chunk_people existed gets it filled when it is opened.
    with store.catalog.transaction() as db:
        db.execute("DELETE FROM chunk_people")
        db.execute("DELETE FROM meta WHERE key IN ('chunk_people', 'schema_version')")
    reopened = Catalog(store.settings.catalog_path)
    assert sorted(reopened.passing(by_tom)) == sorted(expected)
    reopened.close()
    store.forget(str(org / "notes" / "2025-03-04-platform.md"))
    assert store.catalog.passing(by_tom) == []
    rows = store.catalog._db.execute("SELECT count(*) FROM chunk_people").fetchone()[0]
    assert rows == 0

"""Schema migrations: an older catalog is migrated in place at open, a newer one refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from search.store.catalog import Catalog
from search.store.filters import Filters
from search.store.migrations import (
    MIGRATIONS,
    SCHEMA_VERSION,
    CatalogVersionError,
    migrate,
    statements,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def version_1_catalog(path: Path) -> Path:
    """A catalog made by schema version 1 (tests/fixtures/catalog_v1.sql)."""
    db = sqlite3.connect(path)
    db.executescript((FIXTURES / "catalog_v1.sql").read_text(encoding="utf-8"))
    db.close()
    return path


def columns(path: Path, table: str) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def recorded_version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])


def test_there_is_one_step_per_version() -> None:
    assert SCHEMA_VERSION == len(MIGRATIONS) + 1 >= 5


def test_a_version_1_catalog_is_migrated_in_place_and_keeps_its_rows(tmp_path: Path) -> None:
    path = version_1_catalog(tmp_path / "catalog.db")

    catalog = Catalog(path)

    assert catalog.migrated_from == 1
    assert recorded_version(path) == SCHEMA_VERSION
    assert "date_source" in columns(path, "documents")
    assert "embed_text" in columns(path, "chunks")
    assert columns(path, "document_access")  # created by the current DDL
    memo = catalog.document("memo-lunar")
    assert memo is not None and memo["title"] == "Lunar gateway budget"
    assert memo["date_source"] is None  # not recorded back then
    assert catalog.counts()["chunks"] == 3
    assert catalog.last_run() is not None
    catalog.close()


def test_a_migrated_catalog_finds_its_old_rows_by_keyword_and_person(tmp_path: Path) -> None:
    catalog = Catalog(version_1_catalog(tmp_path / "catalog.db"))

    hits = catalog.keyword_search(["tungsten"], 10, Filters())
    assert [chunk_id for chunk_id, _ in hits] == ["memo-lunar:0"]
    hits = catalog.keyword_search(["staging", "cluster"], 10, Filters())
    assert [chunk_id for chunk_id, _ in hits] == ["slack-C1-1:0"]
    # chunk_people was filled in for chunks stored before it was kept
    assert catalog.passing(Filters(person="okafor")) == ["memo-lunar:0", "memo-lunar:1"]
    # and chunk_people_rowids from it, which the keyword leg checks a person on
    hits = catalog.keyword_search(["tungsten"], 10, Filters(person="okafor"))
    assert [chunk_id for chunk_id, _ in hits] == ["memo-lunar:0"]
    assert catalog.keyword_search(["staging"], 10, Filters(person="okafor")) == []
    # and chunk_facts, which the keyword leg checks the other filters on
    hits = catalog.keyword_search(["tungsten"], 10, Filters(kinds=("memo",)))
    assert [chunk_id for chunk_id, _ in hits] == ["memo-lunar:0"]
    assert catalog.keyword_search(["tungsten"], 10, Filters(kinds=("chat",))) == []
    catalog.close()


def test_a_migrated_catalog_takes_new_writes_and_reopens_without_migrating(
    tmp_path: Path,
) -> None:
    path = version_1_catalog(tmp_path / "catalog.db")
    Catalog(path).close()

    reopened = Catalog(path)

    assert reopened.migrated_from == SCHEMA_VERSION
    reopened.forget("/org/slack")
    assert reopened.keyword_search(["staging"], 10, Filters()) == []
    assert [c for c, _ in reopened.keyword_search(["shielding"], 10, Filters())] == ["memo-lunar:1"]
    reopened.close()
    assert columns(path, "chunks").count("embed_text") == 1


def test_a_new_catalog_is_created_at_the_current_version(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.db")
    assert catalog.migrated_from is None
    assert recorded_version(tmp_path / "catalog.db") == SCHEMA_VERSION
    catalog.close()


def test_a_newer_catalog_is_refused_naming_the_file_and_both_versions(tmp_path: Path) -> None:
    path = tmp_path / "catalog.db"
    Catalog(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION + 1,))
    before = path.read_bytes()

    with pytest.raises(CatalogVersionError) as refused:
        Catalog(path)

    message = str(refused.value)
    assert str(path) in message
    assert f"schema version {SCHEMA_VERSION + 1}" in message
    assert f"Watercooler's {SCHEMA_VERSION}" in message
    assert path.read_bytes() == before


def test_a_failing_step_leaves_the_catalog_as_it_was(tmp_path: Path) -> None:
    path = version_1_catalog(tmp_path / "catalog.db")
    db = sqlite3.connect(path, isolation_level=None)

    with pytest.raises(sqlite3.OperationalError):
        migrate(db, path, "CREATE TABLE IF NOT EXISTS ok (x);\nCREATE TABLE broken (;\n")

    db.close()
    assert recorded_version(path) == 1
    assert "date_source" not in columns(path, "documents")
    assert columns(path, "ok") == []


def test_statements_keep_a_trigger_body_whole() -> None:
    script = (
        "-- a comment\nCREATE TABLE t (x);\n"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  SELECT 1;\n  SELECT 2;\nEND;\n-- end\n"
    )
    found = list(statements(script))
    assert len(found) == 2
    assert found[1].startswith("CREATE TRIGGER") and found[1].endswith("END;")

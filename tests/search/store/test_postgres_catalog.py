"""What only the PostgreSQL catalog does: its schema version, a clear error when the server
does not answer, backups refused (pg_dump's job), ingests of one source taking turns."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from search.store.backup import BackupError, backup, restore
from search.store.catalog import open_catalog
from search.store.catalog.postgres import SCHEMA_VERSION, CatalogUnavailable, PostgresCatalog
from search.store.migrations import CatalogVersionError
from search.store.settings import Settings
from tests.conftest import free_port, make_store, postgres_schema


@pytest.fixture
def database_url() -> Iterator[str]:
    with postgres_schema() as url:
        yield url


def test_an_unreachable_server_is_a_clear_error_naming_the_variable_and_host(
    tmp_path: Path,
) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/test"
    with pytest.raises(CatalogUnavailable, match=r"WATERCOOLER_DATABASE_URL.*127\.0\.0\.1"):
        make_store(tmp_path / "home", database_url=url)


def test_the_schema_is_created_once_and_a_newer_one_is_refused(database_url: str) -> None:
    catalog = PostgresCatalog(database_url)
    assert catalog.migrated_from is None
    assert catalog.meta("schema_version") == str(SCHEMA_VERSION)
    catalog.close()
    reopened = open_catalog(Settings(database_url=database_url))
    assert isinstance(reopened, PostgresCatalog) and reopened.migrated_from == SCHEMA_VERSION
    reopened.set_meta({"schema_version": str(SCHEMA_VERSION + 1)})
    reopened.close()
    with pytest.raises(CatalogVersionError, match="newer"):
        PostgresCatalog(database_url)


def test_backup_and_restore_refuse_a_postgresql_catalog_naming_pg_dump(
    tmp_path: Path, database_url: str
) -> None:
    store = make_store(tmp_path / "home", database_url=database_url)
    try:
        with pytest.raises(BackupError, match="pg_dump"):
            backup(store, tmp_path / "backup")
        with pytest.raises(BackupError, match="pg_dump"):
            restore(tmp_path / "backup", store.settings)
        assert not (tmp_path / "backup").exists()
    finally:
        store.close()


def test_a_source_being_written_makes_a_second_writer_wait(database_url: str) -> None:
    first, second = PostgresCatalog(database_url), PostgresCatalog(database_url)
    order: list[str] = []

    def other_writer() -> None:
        with second.source_lock("/org/notes.md"):
            order.append("second")

    with first.source_lock("/org/notes.md"):
        waiting = threading.Thread(target=other_writer)
        waiting.start()
        with first.source_lock("/org/other.md"), second.source_lock("/org/another.md"):
            pass  # other sources are not held up
        time.sleep(0.3)
        order.append("first")
    waiting.join(timeout=10)
    assert order == ["first", "second"]
    first.close()
    second.close()


def test_tables_go_into_the_first_schema_of_the_search_path(database_url: str) -> None:
    PostgresCatalog(database_url).close()
    schema = database_url.rsplit("search_path%3D", 1)[1]
    with psycopg.connect(database_url) as db:
        found = db.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s "
            "AND table_name IN ('chunks', 'documents', 'pending_writes')",
            (schema,),
        ).fetchone()
    assert found == (3,)

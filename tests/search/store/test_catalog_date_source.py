"""``documents.date_source``: written, read back, and added in place to older catalogs."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from search.store.catalog import Catalog

# The documents table as catalogs written before date_source existed have it.
OLD_DOCUMENTS = """
CREATE TABLE sources (path TEXT PRIMARY KEY, reader TEXT NOT NULL, content_hash TEXT NOT NULL,
    ingested_at REAL NOT NULL, run_id INTEGER);
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY,
    source TEXT NOT NULL REFERENCES sources(path) ON DELETE CASCADE,
    kind TEXT NOT NULL, origin TEXT NOT NULL, source_path TEXT NOT NULL, title TEXT NOT NULL,
    created REAL, ended REAL, channel TEXT, thread TEXT, participants TEXT NOT NULL,
    access_scope TEXT NOT NULL, access_members TEXT NOT NULL, content_hash TEXT NOT NULL,
    message_count INTEGER NOT NULL, chunk_count INTEGER NOT NULL
);
INSERT INTO sources VALUES ('/old.md', 'notes', 'h', 0, NULL);
INSERT INTO documents VALUES ('old1', '/old.md', 'memo', 'markdown', '/old.md', 'Old memo',
    1700000000, 1700000000, NULL, NULL, '[]', 'public', '[]', 'h', 0, 0);
"""


def document(doc_id: str, date_source: str | None) -> dict[str, Any]:
    return {
        "doc_id": doc_id,
        "kind": "memo",
        "origin": "rst",
        "source_path": f"/{doc_id}.rst",
        "title": "A memo",
        "created": 994291200.0,
        "date_source": date_source,
        "ended": 994291200.0,
        "channel": None,
        "thread": None,
        "participants": [{"name": "Ann Lee", "email": "ann@example.org"}],
        "access_scope": "public",
        "access_members": [],
        "content_hash": "x",
        "message_count": 0,
        "chunks": [
            {
                "chunk_id": f"{doc_id}:0",
                "doc_id": doc_id,
                "position": 0,
                "heading": "A memo",
                "locator": "line 1",
                "source_path": f"/{doc_id}.rst",
                "text": "Frobnicate the spam module.",
                "people": ["Ann Lee"],
                "start_ts": 994291200.0,
                "end_ts": 994291200.0,
            }
        ],
    }


def test_date_source_is_stored_and_read_back(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.db")
    catalog.write_source("/new.rst", "notes", "h", None, [document("new", "header")], set())
    assert catalog.document("new")["date_source"] == "header"
    assert catalog.chunks(["new:0"])["new:0"].date_source == "header"
    catalog.write_source("/other.rst", "notes", "h", None, [document("other", None)], set())
    assert catalog.document("other")["date_source"] is None


def test_a_catalog_written_before_date_source_opens_and_gains_the_column(
    tmp_path: Path,
) -> None:
    path = tmp_path / "catalog.db"
    db = sqlite3.connect(path)
    db.executescript(OLD_DOCUMENTS)
    db.close()

    catalog = Catalog(path)
    old = catalog.document("old1")
    assert old is not None and old["title"] == "Old memo"
    assert old["date_source"] is None  # not recorded back then
    catalog.write_source("/new.rst", "notes", "h", None, [document("new", "mtime")], set())
    assert catalog.document("new")["date_source"] == "mtime"
    catalog.close()

    reopened = Catalog(path)  # a second open finds the column and leaves it be
    assert reopened.document("new")["date_source"] == "mtime"
    columns = [r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(documents)")]
    assert columns.count("date_source") == 1

"""The catalog's schema version and the ordered steps that bring an older catalog up to it.

``MIGRATIONS[n - 1]`` takes a catalog from version ``n`` to ``n + 1``; :data:`SCHEMA_VERSION`
is one past the last step. :func:`migrate` runs, at open and in one ``BEGIN IMMEDIATE``
transaction, every step from the version recorded in ``meta`` up to the current one, then
the current DDL (all ``IF NOT EXISTS``: it creates whatever table, index or trigger is new)
and records the new version; a failure leaves the catalog as it was. Steps do only what
``IF NOT EXISTS`` cannot: add columns and fill them. They are idempotent (a column is added
only to a table that lacks it), because catalogs written before versions were kept stamp
version 1 whatever their columns. A catalog from a newer Watercooler is refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

Step = Callable[[sqlite3.Connection], None]
# Where the version is kept (with other facts about the store, such as its embedding model).
META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"


class CatalogVersionError(ValueError):
    """The catalog was written by a newer Watercooler than this one."""


def _add_column(db: sqlite3.Connection, table: str, column: str, declaration: str) -> None:
    """Add ``column`` to ``table`` when the table exists without it (a missing table is
    created whole by the current DDL afterwards)."""
    columns = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    if columns and column not in columns:
        db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return found.fetchone() is not None


def _v1_to_v2(db: sqlite3.Connection) -> None:
    """``documents.date_source`` (NULL for documents stored before: not recorded), the
    ``chunk_people`` rows of chunks stored before that table, and (from the current DDL)
    the access-list and token tables."""
    _add_column(db, "documents", "date_source", "TEXT")
    done = db.execute("SELECT 1 FROM meta WHERE key = 'chunk_people'").fetchone()
    if not done and _has_table(db, "chunks") and _has_table(db, "chunk_people"):
        rows = db.execute("SELECT chunk_id, people_terms FROM chunks").fetchall()
        db.execute("DELETE FROM chunk_people")
        db.executemany(
            "INSERT INTO chunk_people(chunk_id, term) VALUES (?, ?)",
            [(r[0], term) for r in rows for term in r[1].split("|") if term],
        )
    db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('chunk_people', '1')")


def _v2_to_v3(db: sqlite3.Connection) -> None:
    """``chunks.embed_text``: the text the model embedded (context header included), so
    that ``watercooler reindex`` re-embeds exactly it; NULL for chunks stored before."""
    _add_column(db, "chunks", "embed_text", "TEXT")


# chunk_people by the chunk's rowid, the keyword index's (kept by triggers on both tables):
# a keyword search limited to a person checks the rowids the index matched here, so it
# reads no chunk row before its cut.
CHUNK_PEOPLE_ROWIDS = """
CREATE TABLE IF NOT EXISTS chunk_people_rowids (
    term TEXT NOT NULL,
    chunk_rowid INTEGER NOT NULL,  -- chunks.rowid
    PRIMARY KEY (term, chunk_rowid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chunk_people_rowids_chunk ON chunk_people_rowids(chunk_rowid);
CREATE TRIGGER IF NOT EXISTS chunk_people_rowids_ai AFTER INSERT ON chunk_people BEGIN
    INSERT OR IGNORE INTO chunk_people_rowids(term, chunk_rowid)
    SELECT new.term, rowid FROM chunks WHERE chunk_id = new.chunk_id;
END;
CREATE TRIGGER IF NOT EXISTS chunk_people_rowids_ad AFTER DELETE ON chunks BEGIN
    DELETE FROM chunk_people_rowids WHERE chunk_rowid = old.rowid;
END;
"""


def _v3_to_v4(db: sqlite3.Connection) -> None:
    """``chunk_people_rowids`` (:data:`CHUNK_PEOPLE_ROWIDS`), filled from ``chunk_people``:
    13 s at a million chunks (6.9M rows), once."""
    if _has_table(db, "chunks") and _has_table(db, "chunk_people"):
        for statement in statements(CHUNK_PEOPLE_ROWIDS):
            db.execute(statement)
        db.execute(
            "INSERT OR IGNORE INTO chunk_people_rowids(term, chunk_rowid) "
            "SELECT p.term, c.rowid FROM chunk_people p JOIN chunks c ON c.chunk_id = p.chunk_id"
        )


# What the keyword leg's other filters read, by the chunk's rowid: a narrow copy of the
# chunk's filter columns (kept by triggers), so that a kind or date filter reads no chunk
# row with its text before the cut.
CHUNK_FACTS = """
CREATE TABLE IF NOT EXISTS chunk_facts (
    chunk_rowid INTEGER PRIMARY KEY,  -- chunks.rowid
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    channel TEXT,
    start_ts REAL,
    end_ts REAL
);
CREATE TRIGGER IF NOT EXISTS chunk_facts_ai AFTER INSERT ON chunks BEGIN
    INSERT OR REPLACE INTO chunk_facts(chunk_rowid, kind, origin, channel, start_ts, end_ts)
    VALUES (new.rowid, new.kind, new.origin, new.channel, new.start_ts, new.end_ts);
END;
CREATE TRIGGER IF NOT EXISTS chunk_facts_ad AFTER DELETE ON chunks BEGIN
    DELETE FROM chunk_facts WHERE chunk_rowid = old.rowid;
END;
"""


def _v4_to_v5(db: sqlite3.Connection) -> None:
    """``chunk_facts`` (:data:`CHUNK_FACTS`), filled from ``chunks``: 2.4 s at a million
    chunks, once."""
    if _has_table(db, "chunks"):
        for statement in statements(CHUNK_FACTS):
            db.execute(statement)
        db.execute(
            "INSERT OR REPLACE INTO chunk_facts(chunk_rowid, kind, origin, channel, start_ts, "
            "end_ts) SELECT rowid, kind, origin, channel, start_ts, end_ts FROM chunks"
        )


MIGRATIONS: list[Step] = [_v1_to_v2, _v2_to_v3, _v3_to_v4, _v4_to_v5]
SCHEMA_VERSION = len(MIGRATIONS) + 1


def stored_version(db: sqlite3.Connection) -> int | None:
    """The catalog's recorded schema version; 1 for a catalog from before versions were
    recorded; None for a new, empty database."""
    if not _has_table(db, "sources"):
        return None
    if not _has_table(db, "meta"):
        return 1
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 1


def migrate(db: sqlite3.Connection, path: Path, ddl: str) -> int | None:
    """Bring the catalog at ``path`` (open as ``db``, in autocommit mode) to
    :data:`SCHEMA_VERSION`, creating it from ``ddl`` when new; returns the version it had
    (None: it was new). Raises :class:`CatalogVersionError` for a newer catalog."""
    found = stored_version(db)
    if found == SCHEMA_VERSION:
        db.executescript(ddl)  # only IF NOT EXISTS: nothing to write, as a rule
        return found
    db.execute("BEGIN IMMEDIATE")
    try:
        found = stored_version(db)  # another process may have migrated meanwhile
        _refuse_newer(path, found)
        db.execute(META)
        for step in MIGRATIONS[(found or SCHEMA_VERSION) - 1 :]:
            step(db)
        for statement in statements(ddl):
            db.execute(statement)
        db.execute(
            "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (str(SCHEMA_VERSION),),
        )
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return found


def _refuse_newer(path: Path, found: int | None) -> None:
    if found is not None and found > SCHEMA_VERSION:
        raise CatalogVersionError(
            f"{path}: the catalog has schema version {found}, newer than this Watercooler's "
            f"{SCHEMA_VERSION}; upgrade Watercooler, or restore a backup made by this version"
        )


def statements(script: str) -> Iterator[str]:
    """The SQL statements of ``script`` one by one (``executescript`` would commit the
    transaction a migration runs in); a trigger's body stays whole."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                yield pending.strip()
            pending = ""
    if pending.strip() and not pending.strip().startswith("--"):
        yield pending.strip()

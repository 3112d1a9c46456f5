"""The embedded catalog: one SQLite file, keyword search with FTS5 (the default engine)."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from search.store.catalog import base
from search.store.catalog.base import BaseCatalog, access_sql, filter_sql
from search.store.catalog.rows import person_key
from search.store.filters import Filters
from search.store.migrations import CHUNK_FACTS, CHUNK_PEOPLE_ROWIDS, migrate

# Keyword scoring is weighted by field: title, heading, people, text.
BM25 = "bm25(chunks_fts, 4.0, 2.0, 1.0, 1.0)"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS sources (
    path TEXT PRIMARY KEY,
    reader TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    ingested_at REAL NOT NULL,
    run_id INTEGER
);

CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    source TEXT NOT NULL REFERENCES sources(path) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    source_path TEXT NOT NULL,
    title TEXT NOT NULL,
    created REAL,
    ended REAL,
    channel TEXT,
    thread TEXT,
    participants TEXT NOT NULL,
    access_scope TEXT NOT NULL,
    access_members TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    message_count INTEGER NOT NULL,
    chunk_count INTEGER NOT NULL,
    date_source TEXT  -- where created comes from: header, title, filename, mtime, ...
);
CREATE INDEX IF NOT EXISTS documents_source ON documents(source);

CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    chunk_id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    channel TEXT,
    title TEXT NOT NULL,
    heading TEXT NOT NULL,
    locator TEXT NOT NULL,
    source_path TEXT NOT NULL,
    text TEXT NOT NULL,
    people TEXT NOT NULL,
    people_terms TEXT NOT NULL,
    start_ts REAL,
    end_ts REAL,
    embed_text TEXT  -- what the model embedded (text with a context header); see reindex
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
-- Covers the filter columns, so that filtering reads an index, not rows with long text.
CREATE INDEX IF NOT EXISTS chunks_filter
    ON chunks(kind, start_ts, end_ts, origin, channel, chunk_id);

-- Who each chunk names, one row per way a person filter may name them (person_terms).
CREATE TABLE IF NOT EXISTS chunk_people (
    chunk_id TEXT NOT NULL REFERENCES chunks(chunk_id) ON DELETE CASCADE,
    term TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunk_people_term ON chunk_people(term, chunk_id);
CREATE INDEX IF NOT EXISTS chunk_people_chunk ON chunk_people(chunk_id);

CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    title, heading, people, text,
    content='chunks', content_rowid='rowid', tokenize='porter unicode61'
);
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, title, heading, people, text)
    VALUES (new.rowid, new.title, new.heading, new.people, new.text);
END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, title, heading, people, text)
    VALUES ('delete', old.rowid, old.title, old.heading, old.people, old.text);
END;

CREATE TABLE IF NOT EXISTS document_people (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    person_key TEXT NOT NULL,
    email TEXT,
    user_id TEXT,
    handle TEXT,
    messages INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS document_people_doc ON document_people(doc_id);
CREATE INDEX IF NOT EXISTS document_people_key ON document_people(person_key);

CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY,
    started_at REAL NOT NULL,
    finished_at REAL,
    paths TEXT NOT NULL,
    summary TEXT
);
"""

# Who may see what (see search.store.access). Documents sharing one list of grantees share
# an access list; a chunk carries its document's list, so a filter reads two small integer
# tables and never a chunk's text. A document or chunk without a row is seen by admins only.
ACCESS_SCHEMA = """
CREATE TABLE IF NOT EXISTS access_lists (
    acl_id INTEGER PRIMARY KEY,
    grantees TEXT NOT NULL UNIQUE  -- sorted, one per line; '' is admins only
);
CREATE TABLE IF NOT EXISTS access_grants (
    grantee TEXT NOT NULL,
    acl_id INTEGER NOT NULL,
    PRIMARY KEY (grantee, acl_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS document_access (
    doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE,
    acl_id INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS document_access_acl ON document_access(acl_id, doc_id);
CREATE TABLE IF NOT EXISTS chunk_access (
    chunk_rowid INTEGER PRIMARY KEY,  -- chunks.rowid
    acl_id INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunk_access_acl ON chunk_access(acl_id, chunk_rowid);
CREATE TRIGGER IF NOT EXISTS chunks_access_ad AFTER DELETE ON chunks BEGIN
    DELETE FROM chunk_access WHERE chunk_rowid = old.rowid;
END;
-- The access rules a source was last written under (its folder's policy, the rules'
-- version): a change re-reads the source and rewrites access rows, never re-embeds.
CREATE TABLE IF NOT EXISTS source_access (
    path TEXT PRIMARY KEY REFERENCES sources(path) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL
);
-- API tokens: only a hash of each secret is kept.
CREATE TABLE IF NOT EXISTS tokens (
    token_id INTEGER PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    principal TEXT NOT NULL,
    groups TEXT NOT NULL,
    admin INTEGER NOT NULL,
    created_at REAL NOT NULL,
    revoked_at REAL
);
"""

# Vector writes not yet known to be in Chroma (see search.store.journal): a row is written
# in the same transaction as the catalog change it belongs to and deleted once Chroma has
# the change; the next opening of the vectors replays what a killed process left.
JOURNAL_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending_writes (
    write_id INTEGER PRIMARY KEY,
    pid INTEGER NOT NULL,        -- the writing process: replayed only once it is gone
    created_at REAL NOT NULL,
    doc_ids TEXT NOT NULL        -- JSON list: documents whose vectors are cleared first
);
CREATE TABLE IF NOT EXISTS pending_vectors (
    write_id INTEGER NOT NULL REFERENCES pending_writes(write_id) ON DELETE CASCADE,
    chunk_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    text TEXT NOT NULL,
    embedding BLOB NOT NULL,     -- float32, as Chroma keeps it
    metadata TEXT NOT NULL       -- JSON
);
CREATE INDEX IF NOT EXISTS pending_vectors_write ON pending_vectors(write_id);
"""


def rowid_sql(filters: Filters) -> tuple[str, list[Any]]:
    """Conditions (each starting with AND) on ``chunks_fts.rowid`` for the access list and
    the person of ``filters``, and their parameters: each a lookup in a small table keyed
    by rowid. Checking a person by chunk id instead read every matching chunk's row (at a
    million chunks the keyword leg of a named person's own search took 45-57 ms)."""
    parts, params = [], []
    if filters.access is not None:
        condition, values = access_sql("chunks_fts", filters.access)
        parts.append(condition)
        params += values
    if filters.person:
        parts.append(
            "EXISTS (SELECT 1 FROM chunk_people_rowids p "
            "WHERE p.term = ? AND p.chunk_rowid = chunks_fts.rowid)"
        )
        params.append(person_key(filters.person))
    return "".join(f" AND {p}" for p in parts), params


class Catalog(BaseCatalog):
    """The embedded catalog at ``path`` (created on first use)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self.migrated_from = migrate(
            self._db,
            path,
            SCHEMA + CHUNK_PEOPLE_ROWIDS + CHUNK_FACTS + ACCESS_SCHEMA + JOURNAL_SCHEMA,
        )

    @property
    def _db(self) -> sqlite3.Connection:
        """This thread's connection: threads read at once (WAL) instead of taking turns."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
            with self._connections_lock:
                self._connections.append(db)
        return db

    def close(self) -> None:
        with self._connections_lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: a failure inside leaves the catalog as it was."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")

    # --- the keyword leg: FTS5 with BM25 --------------------------------------------------

    def passing_among(self, filters: Filters, chunk_ids: list[str]) -> set[str]:
        """Which of these chunks pass ``filters``, each looked up by its id: the ids are the
        outer loop (a CROSS JOIN), since without statistics SQLite may instead walk the
        filter's index over every chunk of a kind (80 ms at 1M chunks, against 3 ms). Each
        id is looked up in the chunk id index alone and checked on its rowid: kinds,
        sources, channels and dates in ``chunk_facts``, an access list in its table, a
        person per chunk id (``by_chunk``: 55 -> 35 ms for 7,600 candidates at 1M chunks).
        No chunk row is read: rows hold the text, so 1,294 candidates' rows lay on as many
        pages (at 1M chunks, kind=chat for 20 queries: 6-8 ms each against 7-21 warm, 1.9
        against 3.4 s in all from a cold page cache)."""
        where, params = filter_sql(replace(filters, access=None, person=None), alias="f")
        checked, more = filter_sql(
            Filters(access=filters.access, person=filters.person), alias="c", by_chunk=True
        )
        facts = "JOIN chunk_facts f ON f.chunk_rowid = c.rowid " if where else ""
        sql = (
            "SELECT c.chunk_id FROM json_each(?) ids CROSS JOIN chunks c "
            f"ON c.chunk_id = ids.value {facts}WHERE 1{where}{checked}"
        )
        return {r[0] for r in self._db.execute(sql, [json.dumps(chunk_ids), *params, *more])}

    def keyword_search(
        self, terms: list[str], limit: int, filters: Filters
    ) -> list[tuple[str, float]]:
        """(chunk_id, BM25 score; higher is better) of chunks matching any of ``terms``,
        within the posting budget (see :meth:`BaseCatalog.keyword_search`). An access list
        alone is checked on the index's rowids inside the ranking query, so no chunk row
        is read before the cut."""
        kept = self._within_budget(terms)
        if not kept:
            return []
        if sum(kept.values()) > base.POSTING_BUDGET:
            # Even the rarest term is said nearly everywhere (scoring it alone cost 200 ms
            # at 1M chunks): rank the chunks holding every term, when there are enough.
            said = [t for t, n in self._cached_postings(terms).items() if n]
            if len(said) > 1:
                every = self._ranked(" AND ".join(_quoted(t) for t in said), limit, filters)
                if len(every) >= limit:
                    return every
        return self._ranked(" OR ".join(_quoted(t) for t in kept), limit, filters)

    def _ranked(self, match: str, limit: int, filters: Filters) -> list[tuple[str, float]]:
        """The best ``limit`` chunks for an FTS5 ``match`` that pass ``filters``, checked on
        the index's rowids: an access list and a person in their tables
        (:func:`rowid_sql`), the other filters in ``chunk_facts``. No chunk row is read
        before the cut: with a kind filter that read every matching chunk's row (at a
        million chunks the keyword leg of kind=chat took 47 ms p50 against 34 plain)."""
        checked, params = rowid_sql(filters)
        where, more = filter_sql(replace(filters, access=None, person=None), alias="f")
        facts = "JOIN chunk_facts f ON f.chunk_rowid = chunks_fts.rowid " if where else ""
        sql = (
            f"SELECT c.chunk_id, -m.score FROM (SELECT chunks_fts.rowid, {BM25} AS score "
            f"FROM chunks_fts {facts}WHERE chunks_fts MATCH ?{checked}{where} "
            "ORDER BY score LIMIT ?) m JOIN chunks c ON c.rowid = m.rowid ORDER BY m.score"
        )
        params += more
        try:
            rows = self._db.execute(sql, [match, *params, limit]).fetchall()
        except sqlite3.OperationalError:
            return []
        return [(r[0], float(r[1])) for r in rows]

    def _postings(self, term: str) -> int:
        """How many chunks match ``term``, counted up to just past the budget."""
        return self._matches(_quoted(term), base.POSTING_BUDGET + 1)

    def _phrase_counts(self, phrases: list[str]) -> dict[str, int]:
        """How many chunks hold each phrase, up to the budget; past it, in
        :func:`base.sample_windows`, scaled. A one-word phrase is counted in any field, as
        the keyword leg reads it and as the server catalog counts it (counted in the text
        alone, FTS5 reads every match's positions: 7.6 against 4.6 ms a query at 100k
        chunks), a longer one in the text."""
        counts: dict[str, int] = {}
        span: tuple[int, int] | None = None
        # a word is counted as the keyword leg counts it (once for both: _cached_postings)
        words = self._cached_postings([p for p in phrases if _ONE_TOKEN.fullmatch(p)])
        for phrase in phrases:
            if phrase in words:
                match = _quoted(phrase)
                counts[phrase] = min(words[phrase], base.POSTING_BUDGET)
            else:
                match = "text : " + _quoted(phrase)
                counts[phrase] = self._matches(match, base.POSTING_BUDGET)
            if counts[phrase] >= base.POSTING_BUDGET:
                span = span or self._rowid_span()
                windows = base.sample_windows(span)
                sampled = sum(self._matches(match, None, window) for window in windows)
                counts[phrase] = base.scaled_count(sampled, windows, span)
        return counts

    def _matches(self, match: str, cap: int | None, window: tuple[int, int] | None = None) -> int:
        """How many chunks an FTS5 ``match`` finds (up to ``cap``; within a rowid window)."""
        where = " AND rowid BETWEEN ? AND ?" if window else ""
        limit = " LIMIT ?" if cap is not None else ""
        params = [match, *(window or ()), *([cap] if cap is not None else [])]
        try:
            row = self._db.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ?{where}"
                f"{limit})",
                params,
            ).fetchone()
        except sqlite3.OperationalError:
            return 0
        return int(row[0])


# A phrase FTS5's unicode61 tokenizer reads as one token (letters and digits only).
_ONE_TOKEN = re.compile(r"[^\W_]+")


def _quoted(term: str) -> str:
    """``term`` as an FTS5 string (a phrase when it has several tokens), no syntax leaking."""
    return '"' + term.replace('"', '""') + '"'

"""The server catalog: PostgreSQL, keyword search with ``tsvector`` (``WATERCOOLER_DATABASE_URL``).

Why psycopg 3 with a small dialect layer rather than SQLAlchemy Core: the catalog's SQL is
hand-written and tuned per engine where it matters (FTS5's ``bm25()`` against a weighted
``tsvector`` with a GIN index; SQLite's rowid tricks), and the rest is plain SQL both
engines run as written. SQLAlchemy would add a layer, and a dependency, without removing
the engine-specific parts. So :class:`Connection` lets the shared SQL of
:class:`search.store.catalog.base.BaseCatalog` (and of :mod:`search.store.journal`) run
unchanged: ``?`` and ``:name`` placeholders become psycopg's, and rows read by index or
by column name, as ``sqlite3.Row`` does.

Each thread has its own connection (autocommit; :meth:`PostgresCatalog.transaction` opens
a real transaction), as the embedded catalog does.

Several ``watercooler ingest`` processes may write one catalog at once: a source is read
and written under a session advisory lock on its path (:meth:`PostgresCatalog.source_lock`),
so a second process ingesting the same source waits, then finds it written and skips it;
other sources go on at once. Access lists are written in sorted order so that concurrent
transactions wait for each other in one order.

The keyword leg (see :meth:`PostgresCatalog.keyword_search`): a generated ``tsvector``
(``english``: title weighted A, heading B, people C, text D) with a GIN index, scored
by BM25 written in SQL: each term's IDF (from its posting count, which the posting budget
counts anyway) times a saturated, length-normalized term frequency, the frequency being
``ts_rank_cd`` of that term alone with field weights (title 4, heading 2, people and text
1, as FTS5's ``bm25()`` weights them). Text is split on punctuation before PostgreSQL's
parser reads it (see :func:`words`), as FTS5's unicode61 does.

Those frequencies are kept per lexeme and chunk in ``chunk_terms`` (schema version 2; a
trigger on ``chunks`` writes them in the transaction that writes the chunk and deletes them
with it), so a query reads only its terms' postings from one covering index and keeps the
best with a LIMIT. Ranking every matching tsvector with ``ts_rank_cd`` instead (version 1)
spent about 20 µs per matching chunk and term, 290 ms at 100k synthetic chunks where a
query's terms match 11k of them, and counting each term's postings for the budget with the
GIN index (a bitmap heap scan: every matching row is read) 130-250 ms more. The ranking is
the same (scores equal to 1e-6). Measured with ``benchmarks/catalog_engines.py
--synthetic``: keyword p50 / p99 at 100k chunks 344 / 723 ms before, 27 / 161 ms after
(FTS5 40 / 94 ms), 127 ms p50 right after a bulk write (index-only scans need the visibility
map: ``chunk_terms`` is vacuumed after every 1% of new rows); devsets 54 -> 9 ms p50 (FTS5
9 ms). The postings cost writes about a fifth (793 -> 624 chunks/s at 100k) and 3.2x the
chunks table on disk (520 MB for 4.35M postings at 100k chunks). A phrase (``eip-7688``,
``field-sync``) is scored from its words' postings too, as an upper bound checked in the
best chunks' tsvectors only (see :meth:`PostgresCatalog.keyword_search`): ranking every
chunk matching it with ``ts_rank_cd`` read all their rows, 279-370 ms for ``field-sync`` at
a million chunks.

Measured, nDCG@10 / recall@5 of the keyword leg alone (hybrid with rerank in brackets):

- sample organization, 40 queries (tests/data/search_queries.jsonl, 342 chunks): this BM25
  0.670 / 0.594 (0.742); FTS5's bm25 0.658 / 0.563 (0.755); ``ts_rank_cd`` over the OR of
  the terms 0.546 / 0.482 (0.703);
- devsets, 50 queries (benchmarks/devsets/search_queries.jsonl, 8,979 chunks): this BM25
  0.737 / 0.777 (0.795); FTS5 0.731 / 0.817 (0.807); ``ts_rank_cd`` 0.365 / 0.410 (0.695).
  Before splitting on punctuation this BM25 had 0.669 (``developer.name``, ``3.12``).

The schema has its own version in ``meta`` (created on first use, under an advisory lock).
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, NamedTuple

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import TransactionStatus

from search.store.catalog import base
from search.store.catalog.base import BaseCatalog, filter_sql
from search.store.filters import Filters
from search.store.migrations import CatalogVersionError

logger = logging.getLogger(__name__)

# The PostgreSQL schema's version (its own line: SQLite's migrations do not apply).
SCHEMA_VERSION = 4
# Advisory lock keys: creating or migrating the schema; a source being ingested (with
# the path's hash as the second key).
SCHEMA_LOCK = 0x7761746572  # "water"
SOURCE_LOCK = 0x636F6F6C  # "cool"
REINDEX_LOCK = 0x696E646578  # "index": rebuilding the postings' index
STATS_LOCK = 0x7374617473  # "stats": folding the chunk statistics' rows into one
# BM25's term-frequency saturation and length normalization.
K1, B = 1.2, 0.75
# ts_rank_cd's weights for {D, C, B, A}: text, people, heading, title (at most 1 each, so
# a quarter of FTS5's 1, 1, 2, 4; scores are multiplied back by 4).
WEIGHTS = "'{0.25, 0.25, 0.5, 1.0}'"
# Terms whose tsquery is remembered (the least recently used forgotten past this).
QUERY_CACHE = 10_000
# What :meth:`PostgresCatalog.maintain` vacuums, and when: once this share of the postings
# (and at least this many) were written or deleted since the last vacuum.
VACUUMED = ("chunk_terms", "chunks", "documents", "chunk_access", "chunk_people")
VACUUM_SHARE = 0.01
VACUUM_MIN_ROWS = 10_000
# ... and vacuums the tables whose rows writes add and delete again (the chunk statistics'
# rows of changes, the journal's pending writes) once this many of their rows are dead: a
# server running no autovacuum kept every one (at 310k chunks, 693 MB of pending vectors and
# 13 MB of statistics' rows, which every reading of the statistics scanned).
CHURNED = ("chunk_stats", "pending_writes", "pending_vectors")
CHURN_VACUUM_ROWS = 10_000
# ... and rebuilds the postings' index once they are this many times as many as when it
# was last built (see PostgresCatalog.maintain).
REINDEX_GROWTH = 2
# A filtered keyword search checks this many of the best scored chunks against the filter,
# then (when fewer than it needs passed) this many times as many, before all of them (see
# _filtered_best).
KEYWORD_OVERFETCH = 1000
KEYWORD_DEEPER = 8
# ... unless more are asked for than that (a phrase's rounds ask for 1,600 and more): then as
# many as hold the asked number by the filter's sampled share (BaseCatalog.sampled_share),
# with this margin, or by this share where it is not known (an access list, a date).
KEYWORD_SHARE_MARGIN = 1.25
KEYWORD_UNKNOWN_SHARE = 0.5
# A search with a phrase reads this many times its limit of the best upper-bound scores
# to check the phrase in, then this many times more each round, at most this many rounds
# (see PostgresCatalog._with_phrases_checked).
PHRASE_DEPTH = 8
PHRASE_DEEPER = 4
PHRASE_DEEPEST = 4
# A phrase's chunks for its IDF: those holding its words, times the share of them holding
# it in a row in this many of them (all when fewer), checked in their tsvectors.
PHRASE_SAMPLE = 200
# Ends a subquery that PostgreSQL is to run for each row rather than join (see
# PostgresCatalog.passing_among).
PER_ROW = " OFFSET 0"
# Counting a term's chunks stops here: past the budget, how many more does not matter.
BUDGET_CAP = base.POSTING_BUDGET + 1


# A lexeme's field-weighted frequency in a chunk, from ``unnest(fts)``'s weights (one per
# position): what ``4 * ts_rank_cd(WEIGHTS, fts, 'lexeme', 0)`` gives.
TF_SQL = "(SELECT sum(CASE w WHEN 'A' THEN 4 WHEN 'B' THEN 2 ELSE 1 END) FROM unnest(u.weights) w)"


def words(column: str) -> str:
    """SQL for ``column`` with every run of characters that are neither letters, digits nor
    spaces made a space, before PostgreSQL's parser reads it: it would otherwise keep
    ``developer.name``, ``3.12`` or a path as one token that no query word matches (FTS5's
    unicode61 splits them). Queries go through the same (see ``_tsqueries``)."""
    return f"regexp_replace({column}, '[^[:alnum:][:space:]]+', ' ', 'g')"


SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS sources (
    path TEXT PRIMARY KEY,
    reader TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    ingested_at DOUBLE PRECISION NOT NULL,
    run_id BIGINT
);

CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    source TEXT NOT NULL REFERENCES sources(path) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    source_path TEXT NOT NULL,
    title TEXT NOT NULL,
    created DOUBLE PRECISION,
    ended DOUBLE PRECISION,
    channel TEXT,
    thread TEXT,
    participants TEXT NOT NULL,
    access_scope TEXT NOT NULL,
    access_members TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    message_count INTEGER NOT NULL,
    chunk_count INTEGER NOT NULL,
    date_source TEXT
);
CREATE INDEX IF NOT EXISTS documents_source ON documents(source);

CREATE TABLE IF NOT EXISTS chunks (
    rowid BIGSERIAL PRIMARY KEY,
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
    start_ts DOUBLE PRECISION,
    end_ts DOUBLE PRECISION,
    embed_text TEXT,
    fts TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('english', {words("title")}), 'A')
        || setweight(to_tsvector('english', {words("heading")}), 'B')
        || setweight(to_tsvector('english', {words("people")}), 'C')
        || setweight(to_tsvector('english', {words("text")}), 'D')
    ) STORED
);
-- Kept in the row (compressed) rather than in the TOAST table: ranking reads it for every
-- matching chunk, and TOAST lookups made that 5x slower (8,979 chunks, 50 queries).
ALTER TABLE chunks ALTER COLUMN fts SET STORAGE MAIN;
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE INDEX IF NOT EXISTS chunks_filter ON chunks(kind, start_ts, end_ts, origin, channel);
CREATE INDEX IF NOT EXISTS chunks_fts ON chunks USING gin(fts);
-- A chunk's filter columns beside its id and its rowid, so that which candidates pass a
-- filter (the dense leg's by id, the keyword leg's by rowid) is read from an index alone:
-- a chunk row holds its text and tsvector, and a search that missed the page cache read
-- one page of the table for every candidate.
CREATE INDEX IF NOT EXISTS chunks_facts_by_id ON chunks(chunk_id)
    INCLUDE (rowid, kind, origin, channel, start_ts, end_ts);
CREATE INDEX IF NOT EXISTS chunks_facts_by_rowid ON chunks(rowid)
    INCLUDE (chunk_id, kind, origin, channel, start_ts, end_ts);

-- The keyword leg's postings: per lexeme of a chunk's tsvector, its field-weighted
-- frequency (title 4, heading 2, people and text 1) and the chunk's length in lexemes, so
-- that BM25 reads a query term's postings from this index alone instead of ranking every
-- matching tsvector. Written by the trigger below, in the statement (so the transaction)
-- that writes, changes or deletes the chunk.
CREATE TABLE IF NOT EXISTS chunk_terms (
    lexeme TEXT NOT NULL,
    chunk_rowid BIGINT NOT NULL,
    tf REAL NOT NULL,
    lexemes INTEGER NOT NULL,
    PRIMARY KEY (lexeme, chunk_rowid) INCLUDE (tf, lexemes)
);
-- BM25's collection statistics, kept as the postings are (schema version 4): a row of
-- changes per chunk written or deleted, their sums the chunk count and total length in
-- lexemes, folded into one row after writes (PostgresCatalog.maintain). Reading them from
-- every chunk's tsvector instead scanned the whole table at a server's first search: 0.5-1 s
-- at a million chunks from the page cache, seconds more from disk.
CREATE TABLE IF NOT EXISTS chunk_stats (
    chunks BIGINT NOT NULL,
    lexemes BIGINT NOT NULL
);
CREATE OR REPLACE FUNCTION chunk_terms_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM chunk_terms
        WHERE lexeme = ANY(tsvector_to_array(OLD.fts)) AND chunk_rowid = OLD.rowid;
        INSERT INTO chunk_stats(chunks, lexemes) VALUES (-1, -length(OLD.fts));
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO chunk_terms(lexeme, chunk_rowid, tf, lexemes)
        SELECT u.lexeme, NEW.rowid, {TF_SQL}, length(NEW.fts) FROM unnest(NEW.fts) u;
        INSERT INTO chunk_stats(chunks, lexemes) VALUES (1, length(NEW.fts));
    END IF;
    RETURN NULL;
END
$$;
-- Scored from the index alone once the visibility map knows its pages (else every posting
-- is a heap visit, 5-10x slower): vacuumed after every 1% of new rows, not 20%, by
-- autovacuum where it runs and by the catalog itself (PostgresCatalog.maintain).
ALTER TABLE chunk_terms SET (autovacuum_vacuum_insert_scale_factor = 0.01,
    autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
DROP TRIGGER IF EXISTS chunks_terms ON chunks;
CREATE TRIGGER chunks_terms AFTER INSERT OR DELETE OR UPDATE OF rowid, title, heading, people,
    text ON chunks FOR EACH ROW EXECUTE FUNCTION chunk_terms_write();

CREATE TABLE IF NOT EXISTS chunk_people (
    chunk_id TEXT NOT NULL REFERENCES chunks(chunk_id) ON DELETE CASCADE,
    term TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunk_people_term ON chunk_people(term, chunk_id);
CREATE INDEX IF NOT EXISTS chunk_people_chunk ON chunk_people(chunk_id);

CREATE TABLE IF NOT EXISTS document_people (
    rowid BIGSERIAL PRIMARY KEY,
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
    run_id BIGSERIAL PRIMARY KEY,
    started_at DOUBLE PRECISION NOT NULL,
    finished_at DOUBLE PRECISION,
    paths TEXT NOT NULL,
    summary TEXT
);

-- Access lists as in the embedded catalog (see search.store.catalog.sqlite); a long list
-- of grantees is unique by its hash (a btree entry holds at most about 2.7 kB).
CREATE TABLE IF NOT EXISTS access_lists (
    acl_id BIGSERIAL PRIMARY KEY,
    grantees TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS access_lists_unique ON access_lists(md5(grantees));
CREATE INDEX IF NOT EXISTS access_lists_grantees ON access_lists USING hash(grantees);
CREATE TABLE IF NOT EXISTS access_grants (
    grantee TEXT NOT NULL,
    acl_id BIGINT NOT NULL,
    PRIMARY KEY (grantee, acl_id)
);
CREATE TABLE IF NOT EXISTS document_access (
    doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE,
    acl_id BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS document_access_acl ON document_access(acl_id, doc_id);
CREATE TABLE IF NOT EXISTS chunk_access (
    chunk_rowid BIGINT PRIMARY KEY REFERENCES chunks(rowid) ON DELETE CASCADE,
    acl_id BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunk_access_acl ON chunk_access(acl_id, chunk_rowid);
CREATE TABLE IF NOT EXISTS source_access (
    path TEXT PRIMARY KEY REFERENCES sources(path) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token_id BIGSERIAL PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    principal TEXT NOT NULL,
    groups TEXT NOT NULL,
    admin INTEGER NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    revoked_at DOUBLE PRECISION
);

-- The pending-writes journal (see search.store.journal).
CREATE TABLE IF NOT EXISTS pending_writes (
    write_id BIGSERIAL PRIMARY KEY,
    pid INTEGER NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    doc_ids TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pending_vectors (
    rowid BIGSERIAL PRIMARY KEY,
    write_id BIGINT NOT NULL REFERENCES pending_writes(write_id) ON DELETE CASCADE,
    chunk_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    text TEXT NOT NULL,
    embedding BYTEA NOT NULL,
    metadata TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pending_vectors_write ON pending_vectors(write_id);
"""


class CatalogUnavailable(ConnectionError):
    """The configured PostgreSQL server cannot be reached (an ``OSError``, as the commands
    report a store they cannot open)."""


class Row(tuple):
    """A result row read by index or by column name (and ``dict(row)``), as sqlite3.Row."""

    __slots__ = ()
    _index: dict[str, int] = {}  # noqa: RUF012 - set per subclass

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


@lru_cache(maxsize=256)
def _row_class(names: tuple[str, ...]) -> type[Row]:
    return type("Row", (Row,), {"__slots__": (), "_index": {n: i for i, n in enumerate(names)}})


def _rows(cursor: psycopg.Cursor[Any]) -> Any:
    """psycopg's row factory making :class:`Row` objects."""
    names = tuple(c.name for c in cursor.description or ())
    cls = _row_class(names)
    return lambda values: cls(values)


_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=1024)
def translate(sql: str, named: bool) -> str:
    """SQLite-style SQL with psycopg's placeholders: ``?`` (or ``:name``) to ``%s`` (or
    ``%(name)s``), a literal ``%`` doubled."""
    sql = sql.replace("%", "%%")
    return _NAMED.sub(r"%(\1)s", sql) if named else sql.replace("?", "%s")


class Connection:
    """A psycopg connection that runs the catalog's SQLite-style SQL."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self.connection = connection

    def execute(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()
    ) -> psycopg.Cursor[Any]:
        return self.connection.execute(translate(sql, isinstance(params, Mapping)), params)

    def executemany(self, sql: str, params: Sequence[Sequence[Any] | Mapping[str, Any]]) -> None:
        params = list(params)
        if params:
            with self.connection.cursor() as cursor:
                cursor.executemany(translate(sql, isinstance(params[0], Mapping)), params)

    def close(self) -> None:
        self.connection.close()


def describe(url: str, options: bool = False) -> str:
    """``host:port/dbname`` of a connection URL (never its password), with its server
    ``options`` (a search_path: which schema) when asked."""
    try:
        fields = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "an unreadable URL"
    host = fields.get("host") or "localhost"
    found = f"{host}:{fields.get('port') or 5432}/{fields.get('dbname') or ''}"
    return f"{found} ({fields['options']})" if options and fields.get("options") else found


class PostgresCatalog(BaseCatalog):
    """The catalog in the PostgreSQL database at ``url`` (its tables created on first use,
    in the first schema of the connection's ``search_path``)."""

    _SAMPLE_ORDER = " ORDER BY rowid"

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = f"postgresql://{describe(url, options=True)}"
        self._local = threading.local()
        self._connections: list[Connection] = []
        self._connections_lock = threading.Lock()
        try:
            self.migrated_from = self._migrate()
        except BaseException:
            self.close()
            raise

    def _connect(self) -> Connection:
        try:
            connection = psycopg.connect(
                self.url, autocommit=True, row_factory=_rows, connect_timeout=10
            )
        except psycopg.OperationalError as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise CatalogUnavailable(
                f"WATERCOOLER_DATABASE_URL: no PostgreSQL server answers at "
                f"{describe(self.url)} ({reason})"
            ) from exc
        # The keyword leg's filtered queries carry a fallback branch over every scored chunk
        # that rarely runs but is costed in millions, so PostgreSQL compiled them with JIT
        # (by default above a cost of 100,000): 310 ms of a 50 ms statement at 1M chunks.
        connection.execute("SET jit = off")
        return Connection(connection)

    @property
    def _db(self) -> Connection:
        """This thread's connection (a new one when the server dropped it)."""
        db = getattr(self._local, "db", None)
        if db is None or db.connection.closed:
            db = self._connect()
            self._local.db = db
            with self._connections_lock:
                self._connections.append(db)
        return db

    def _rows_in(self, sql: str, ids: list[str], params: list[Any] | None = None) -> Iterator[Any]:
        """The rows of ``sql`` for ``ids``, all at once as one array (``= ANY(?)``): one
        statement whatever their number, where a list of marks was parsed and planned
        anew for each length."""
        if ids:
            sql = sql.replace("IN ({marks})", "= ANY(?)")
            yield from self._db.execute(sql, [list(ids), *(params or ())])

    def close(self) -> None:
        with self._connections_lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """All or nothing: a failure inside leaves the catalog as it was."""
        db = self._db
        with db.connection.transaction():
            yield db

    def maintain(self) -> None:
        """Vacuum and analyze the tables writes grow once 1% of the postings are new since
        the last vacuum, so that postings and counts are read from the indexes alone (see
        :data:`VACUUMED`). Autovacuum does this on its own, but not where a server runs
        without it; a vacuum already running elsewhere is not waited for. The chunk
        statistics' rows of changes are folded into one (see :meth:`_fold_stats`), and the
        tables of :data:`CHURNED` vacuumed once many of their rows are dead."""
        self._fold_stats()
        db = self._db
        if db.connection.info.server_version >= 150000:  # this session's counts, now
            db.execute("SELECT pg_stat_force_next_flush()")
        tables = ["chunk_terms", *CHURNED]
        counts = {
            name: (new, dead, live)
            for name, new, dead, live in db.execute(
                "SELECT relname, n_ins_since_vacuum + n_dead_tup, n_dead_tup, n_live_tup "
                "FROM pg_stat_user_tables WHERE relid = ANY(?::regclass[])",
                [tables],
            ).fetchall()
        }
        churned = [t for t in CHURNED if counts.get(t, (0, 0, 0))[1] > CHURN_VACUUM_ROWS]
        if churned:
            db.execute(f"VACUUM (SKIP_LOCKED) {', '.join(churned)}")
        changed, _, postings = counts.get("chunk_terms", (0, 0, 0))
        if changed > max(VACUUM_MIN_ROWS, VACUUM_SHARE * postings):
            db.execute(f"VACUUM (ANALYZE, SKIP_LOCKED) {', '.join(VACUUMED)}")
            self._rebuild_postings_index(int(postings))

    def _fold_stats(self) -> None:
        """Fold the rows of ``chunk_stats`` into one (what they sum to), so that reading the
        statistics stays one short scan; one process at a time, the others skip. Rows that
        writes add meanwhile stay as they are: only the rows deleted are summed."""
        with self.transaction() as db:
            if db.execute("SELECT pg_try_advisory_xact_lock(?)", (STATS_LOCK,)).fetchone()[0]:
                db.execute(
                    "WITH folded AS (DELETE FROM chunk_stats RETURNING chunks, lexemes) "
                    "INSERT INTO chunk_stats(chunks, lexemes) "
                    "SELECT sum(chunks), sum(lexemes) FROM folded HAVING count(*) > 0"
                )

    def _rebuild_postings_index(self, postings: int) -> None:
        """Rebuild the postings' index (``REINDEX CONCURRENTLY``: searches and writes go
        on) once the postings have grown :data:`REINDEX_GROWTH` times since it was last
        built; one process at a time, the others skip. The copy an interrupted rebuild left
        behind is dropped at the next pass, rebuild due or not: every ingest writes it.

        Postings are appended at the end of each lexeme's range, so a growing index splits
        its pages in half and scatters a word's postings over the file: at a million
        chunks it was 3.1 GB, and a search that missed the page cache read a word's
        postings page by page. Rebuilt, it was 1.7 GB (45 s), and counting the postings
        of the labelled queries' words after the page cache was dropped took 2.5 s
        instead of 6.5 (the windows counted past the budget 0.4 s instead of 1.8). The
        doublings cost about twice one rebuild at the final size, over the whole growth."""
        db = self._db
        if not db.execute("SELECT pg_try_advisory_lock(?)", (REINDEX_LOCK,)).fetchone()[0]:
            return
        try:
            # under the lock, no rebuild of ours is running: an invalid index is a copy an
            # interrupted one left
            for (leftover,) in db.execute(
                "SELECT indexrelid::regclass::text FROM pg_index "
                "WHERE indrelid = 'chunk_terms'::regclass AND NOT indisvalid"
            ).fetchall():
                db.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {leftover}")
            row = db.execute("SELECT value FROM meta WHERE key = 'postings_indexed'").fetchone()
            if postings < REINDEX_GROWTH * max(int(row[0]) if row else 0, VACUUM_MIN_ROWS):
                return
            db.execute("REINDEX INDEX CONCURRENTLY chunk_terms_pkey")
            db.execute(
                "INSERT INTO meta(key, value) VALUES ('postings_indexed', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(postings),),
            )
        finally:
            db.execute("SELECT pg_advisory_unlock(?)", (REINDEX_LOCK,))

    def writer(self, db: Connection) -> int:
        """The database session (backend pid) of ``db``: a pending write belongs to the
        session that recorded it, on whichever host its process runs."""
        return int(db.connection.info.backend_pid)

    def writer_gone(self, writer: int) -> bool:
        """Whether the session that recorded a pending write has ended (its process died,
        or closed this catalog), or is one of this process's, which has no write in
        progress while it replays (:data:`search.store.journal.WRITES` is held)."""
        with self._connections_lock:
            own = {db.connection.info.backend_pid for db in self._connections}
        if writer in own:
            return True
        row = self._db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = ?", (writer,)
        ).fetchone()
        return int(row[0]) == 0

    @contextmanager
    def source_lock(self, path: str) -> Iterator[None]:
        """Hold a session advisory lock on ``path`` (in this schema): another process
        ingesting it waits until this one has written it."""
        db = self._db
        key = "?, hashtext(current_schema() || '|' || ?)"
        db.execute(f"SELECT pg_advisory_lock({key})", (SOURCE_LOCK, path))
        try:
            yield
        finally:
            db.execute(f"SELECT pg_advisory_unlock({key})", (SOURCE_LOCK, path))

    def _migrate(self) -> int | None:
        """Create the tables when new (under an advisory lock: processes opening at once
        take turns); the version found (None: new). A newer schema is refused."""
        db = self._db
        backfilled = False
        with self.transaction():
            db.execute("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK,))
            found = None
            if db.execute("SELECT to_regclass('meta')").fetchone()[0] is not None:
                row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                found = int(row[0]) if row else None
            if found is not None and found > SCHEMA_VERSION:
                raise CatalogVersionError(
                    f"{self.path}: the catalog has schema version {found}, newer than this "
                    f"Watercooler's {SCHEMA_VERSION} for PostgreSQL; upgrade Watercooler"
                )
            if found != SCHEMA_VERSION:
                db.connection.execute(SCHEMA)
                if found is not None and found < 2:  # version 1 had no chunk_terms
                    db.execute(
                        "INSERT INTO chunk_terms(lexeme, chunk_rowid, tf, lexemes) "
                        f"SELECT u.lexeme, c.rowid, {TF_SQL}, length(c.fts) "
                        "FROM chunks c CROSS JOIN LATERAL unnest(c.fts) u "
                        "ON CONFLICT DO NOTHING"
                    )
                    backfilled = True
                if found is not None and found < 4:  # before version 4, no chunk_stats
                    db.execute(
                        "INSERT INTO chunk_stats(chunks, lexemes) "
                        "SELECT count(*), coalesce(sum(length(fts)), 0) FROM chunks"
                    )
                db.execute(
                    "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (str(SCHEMA_VERSION),),
                )
        if backfilled:  # index-only scans of the postings need their visibility map
            db.execute("VACUUM ANALYZE chunk_terms")
        return found

    def passing_among(self, filters: Filters, chunk_ids: list[str]) -> set[str]:
        """Which of these chunks pass ``filters``, each looked up by its id in
        ``chunks_facts_by_id`` (which holds the filters' columns: no chunk row is read) and
        checked there, a person per chunk too (``by_chunk``). The ids are the outer loop:
        in an ``IN`` list, the planner also combined them with the kind's index and read the
        rows of those that matched both. A person's lookup is fenced (``OFFSET 0``): the
        planner made it a join that hashed every chunk of the person first (68,755 of a
        million, 46-87 ms for 1,579 chunks, against a few ms looked up one by one)."""
        where, params = filter_sql(filters, alias="c", by_chunk=True, fence=PER_ROW)
        sql = (
            "SELECT c.chunk_id FROM unnest(?::text[]) ids(id) "
            f"JOIN chunks c ON c.chunk_id = ids.id WHERE true{where}"
        )
        return {r[0] for r in self._db.execute(sql, [chunk_ids, *params])}

    # --- the keyword leg: tsvector, GIN, BM25 in SQL --------------------------------------

    def _tsqueries(self, terms: list[str]) -> list[str]:
        """Each term as a tsquery (a phrase when it has several words; '' for stop words
        alone), in one round trip for the terms not seen before."""

        def read(new: list[str]) -> dict[str, str]:
            rows = self._db.execute(
                f"SELECT t, phraseto_tsquery('english', {words('t')})::text "
                "FROM unnest(?::text[]) AS t",
                (new,),
            )
            return {r[0]: r[1] for r in rows}

        found = _TSQUERIES.get(self, list(dict.fromkeys(terms)), read)
        return [found[t] for t in terms]

    def _counts(self, queries: list[str]) -> list[int]:
        """How many chunks match each tsquery, up to just past the budget, in one round trip.
        A phrase counts the chunks holding all its words, in a row or not (see
        :meth:`_holding`): what scoring it reads, which the budget bounds (its IDF is from
        those holding it in a row: :meth:`_in_a_row`)."""
        found = sorted({q for q in queries if q})
        holding = self._holding([q for q in found if _is_phrase(q)])
        counts = {q: h.count for q, h in holding.items()}
        others = [q for q in found if q not in counts]
        if others:
            columns, params = [], []
            for query in others:
                lexemes = _phrase_lexemes(query)
                if lexemes is not None:  # a word: from the postings' index alone
                    sql, sql_params = _holding_all(lexemes)
                else:
                    sql, sql_params = "SELECT 1 FROM chunks WHERE fts @@ ?::tsquery", [query]
                columns.append(f"{sql} LIMIT {BUDGET_CAP}")
                params += sql_params
            listed = ", ".join(f"(SELECT count(*) FROM ({c}) m)" for c in columns)
            row = self._db.execute(f"SELECT {listed}", params).fetchone()
            counts.update(zip(others, row, strict=True))
        return [int(counts[q]) if q else 0 for q in queries]

    def _holding(self, queries: list[str]) -> dict[str, Holding]:
        """The chunks holding all the words of each of these phrase tsqueries (see
        :func:`_holding_all`), read once until the catalog changes: up to just past the
        budget, and, within it, their rows, which scoring and the in-a-row sample read
        again. At a million chunks, joining the postings of the five words of
        ``work_orders_external_ref_key`` (15k chunks) took 60-80 ms; a first search with it
        joined them three times (counting, sampling, scoring) and every later one once.

        The postings are merged (each word's are in rowid order in the index). The planner
        expects few chunks to hold every word (it takes the words as independent) and
        probed one word's postings for each chunk holding another instead: 69-90 ms for that
        phrase at a million chunks against 37-45 merged; for seven other phrases of the
        labelled queries merging took as long or less (5-23 ms)."""

        def read(keys: list[str]) -> dict[str, Holding]:
            found = {}
            for query in keys:
                sql, params = _holding_all(_phrase_lexemes(query) or [])
                # (settings of its own transaction only, not of one it would be inside)
                own = self._db.connection.info.transaction_status == TransactionStatus.IDLE
                with self.transaction() as db:
                    if own:
                        db.execute("SET LOCAL enable_nestloop = off")
                        db.execute("SET LOCAL enable_hashjoin = off")
                    count, rowids, tfs, lengths = db.execute(
                        "SELECT count(*), array_agg(rowid)::text, array_agg(tf)::text, "
                        f"array_agg(lexemes)::text FROM ({sql} LIMIT {BUDGET_CAP}) h",
                        params,
                    ).fetchone()
                within = 0 < count <= base.POSTING_BUDGET
                found[query] = Holding(count, (rowids, tfs, lengths) if within else None)
            return found

        return _HOLDING.get(self, list(dict.fromkeys(queries)), read)

    def _holding_sql(self, query: str) -> tuple[str, list[Any]]:
        """SQL for ``(rowid, tf, lexemes)`` of the chunks holding all the words of a phrase
        (see :func:`_holding_all`), and its parameters: their rows as :meth:`_holding` kept
        them, or, past the budget, the join of their postings."""
        rows = self._holding([query])[query].rows
        if rows is None:
            return _holding_all(_phrase_lexemes(query) or [])
        sql = "SELECT * FROM unnest(?::bigint[], ?::real[], ?::integer[]) AS u(rowid, tf, lexemes)"
        return sql, list(rows)

    def _postings(self, term: str) -> int:
        return self._counts(self._tsqueries([term]))[0]

    def _postings_of(self, terms: list[str]) -> dict[str, int]:
        """Each term's postings, in one round trip."""
        counts = self._counts(self._tsqueries(terms))
        return dict(zip(terms, counts, strict=True))

    def chunk_total(self) -> int:
        """How many chunks there are, from the statistics the writes keep (counting them
        scanned an index: 39 ms at a million chunks, once per change of the catalog)."""
        return self._collection_stats()[0]

    def _collection_stats(self) -> tuple[int, float]:
        """(chunks, mean lexemes per chunk), read once until the catalog changes, from the
        statistics the writes keep (``chunk_stats``)."""
        return _STATS.get(self, [None], lambda keys: {None: _read_stats(self._db)})[None]

    def keyword_search(
        self, terms: list[str], limit: int, filters: Filters
    ) -> list[tuple[str, float]]:
        """(chunk_id, BM25 score; higher is better) of chunks matching any of ``terms``,
        within the posting budget; filters (access included) apply in the same query,
        before the cut (see :meth:`BaseCatalog.keyword_search`).

        Every term is scored from its postings in ``chunk_terms`` (index-only scans: no
        tsvector is read): a word from its own; a phrase (``eip-7688``, ``field-sync``:
        words in a row) first as though it were its words anywhere in the chunk, their
        least frequency for its own, which is never less than the phrase's. So the scores
        are upper bounds, and only the best ones are checked against the chunks' tsvectors
        (see :meth:`_with_phrases_checked`). Reading every chunk matching a phrase instead
        took 279-370 ms at a million chunks for ``field-sync`` (12,449 chunks), every time.
        The scores are summed per chunk and the best ``limit`` kept; only then are chunk
        rows read, unless a filter needs them before the cut (see :func:`_filtered_best`: an
        access list too, whose check of every scored chunk cost 43-46 ms p50 at 100k chunks
        for a member of 20 groups, against 28 ms for the best 1,000 first, over 90 labelled
        queries)."""
        kept = self._within_budget(terms)
        if not kept:
            return []
        queries = self._tsqueries(list(kept))
        legs, params, phrases = self._bm25_legs(queries, list(kept.values()))
        if not legs:
            return []
        if len(legs) == 1:  # one row per chunk already: grouping them cost 12 ms for 57k
            scored = (
                "SELECT p.rowid, p.score, CASE WHEN p.phrase THEN 0 ELSE p.score END AS words "
                f"FROM ({legs[0]}) p"
            )
        else:
            scored = (
                "SELECT p.rowid, sum(p.score) AS score, "
                "coalesce(sum(p.score) FILTER (WHERE NOT p.phrase), 0) AS words "
                f"FROM ({' UNION ALL '.join(legs)}) p GROUP BY p.rowid"
            )
        if filters.only_access:  # checked on the scored rowids: no chunk row is read
            where, filter_params = filter_sql(filters, alias="m")
        else:  # the best scored are checked one by one (see passing_among)
            where, filter_params = filter_sql(filters, alias="c", by_chunk=True, fence=PER_ROW)

        def best(depth: int) -> list[Any]:
            if not where:
                sql = (
                    f"SELECT c.chunk_id, m.score, m.rowid, m.words FROM ({scored} "
                    "ORDER BY score DESC, rowid LIMIT ?) m JOIN chunks c ON c.rowid = m.rowid "
                    "ORDER BY m.score DESC, m.rowid"
                )
                return self._db.execute(sql, [*params, depth]).fetchall()
            first = KEYWORD_OVERFETCH
            if depth > first:  # as many as hold ``depth`` that pass, by the filter's share
                share = self.sampled_share(filters) or KEYWORD_UNKNOWN_SHARE
                first = math.ceil(KEYWORD_SHARE_MARGIN * depth / share)
            tiered = _filtered_best(scored, where, rows=not filters.only_access, first=first)
            return self._db.execute(tiered, [*params, *[*filter_params, depth] * 3]).fetchall()

        if not phrases:
            return [(r[0], float(r[1])) for r in best(limit)]
        return self._with_phrases_checked(best, limit, phrases)

    def _with_phrases_checked(
        self, best: Callable[[int], list[Any]], limit: int, phrases: list[Phrase]
    ) -> list[tuple[str, float]]:
        """The ``limit`` best chunks once their phrases are scored from their tsvectors,
        out of ``best(depth)``'s rows (chunk_id, upper-bound score, rowid, the words' part
        of it), best first: the :data:`PHRASE_DEPTH` times ``limit`` best upper bounds, then
        :data:`PHRASE_DEEPER` times more each round while fewer than ``limit`` of them still
        score (their phrases' words stand apart) and more were scored, at most
        :data:`PHRASE_DEEPEST` rounds.

        Not exact: a chunk just past the depth read, whose phrase is in a row, can score
        more than one read whose words are there apart from the phrase too. Reading on
        until no unread bound could pass the ``limit``-th score was exact, but the bound is
        loose (the words are also said apart from the phrase), and at a million chunks it
        read 6,400 rows in three rounds of 90-130 ms each for ``field-sync``. Reading twice
        the limit (400) found 308 in a row but only 5 of the exact ten best; four times, the
        ten best but 11 of the twenty; eight times (115 ms), the twenty best, as in 38 of
        the other 39 labelled queries' (the 39th: its phrase's IDF, from a sample)."""
        depth = limit * PHRASE_DEPTH
        checked: dict[int, float] = {}  # rowid -> the phrases' part of its score
        for _ in range(PHRASE_DEEPEST):
            rows = best(depth)
            unchecked = [r[2] for r in rows if r[1] > r[3] and r[2] not in checked]
            checked.update(self._phrase_scores(unchecked, phrases))
            found = sorted(
                ((r[0], float(r[3]) + checked.get(r[2], 0.0), r[2]) for r in rows),
                key=lambda f: (-f[1], f[2]),
            )
            found = [(chunk_id, score) for chunk_id, score, _ in found if score > 0][:limit]
            if len(found) == limit or len(rows) < depth:
                break
            depth *= PHRASE_DEEPER
        return found

    def _in_a_row(self, holding: dict[str, int], text: bool = False) -> dict[str, int]:
        """How many chunks hold each phrase in a row (with ``text``, in their text alone:
        weight D), of the ``holding`` chunks (their count) that hold its words: exactly when
        they are at most :data:`PHRASE_SAMPLE`, else estimated from that many of them (at
        least 1; past the budget, of those in :func:`base.sample_windows`, so that no more
        than the budget is read), each counted once until the catalog changes. The words of
        a name or a version (``field-sync``, ``v2.14.0``) are mostly in a row; common words
        often apart, and then the phrase is rarer than its words together.

        A sample is checked for both (anywhere, in the text) at once: a first search with a
        phrase asks for each, in two threads, and each check read the same 200 chunk rows
        (20-25 ms at a million chunks)."""

        def read(keys: list[tuple[bool, str]]) -> dict[tuple[bool, str], Sample]:
            samples = {}
            for key in keys:
                windowed, query = key
                lexemes = _phrase_lexemes(query) or []
                if windowed:
                    parts, params = _holding_in(lexemes, base.sample_windows(self._rowid_span()))
                    sql = " UNION ALL ".join(parts)
                else:
                    sql, params = self._holding_sql(query)
                row = self._db.execute(
                    "SELECT count(*), count(*) FILTER (WHERE c.fts @@ ?::tsquery), "
                    "count(*) FILTER (WHERE c.fts @@ ?::tsquery) "
                    f"FROM (SELECT rowid FROM ({sql}) h ORDER BY hashint8(rowid) "
                    f"LIMIT {PHRASE_SAMPLE}) s JOIN chunks c ON c.rowid = s.rowid",
                    [query, _text_only(query), *params],
                ).fetchone()
                samples[key] = Sample(*row)
            return samples

        keys = {q: (n > base.POSTING_BUDGET, q) for q, n in holding.items()}
        found = _IN_A_ROW.get(self, sorted(set(keys.values())), read)
        counts = {}
        for query, count in holding.items():
            sample = found[keys[query]]
            in_a_row = sample.in_text if text else sample.anywhere
            if count > sample.checked > 0:
                counts[query] = max(1, round(in_a_row * count / sample.checked))
            else:
                counts[query] = in_a_row
        return counts

    def _phrase_scores(self, rowids: list[int], phrases: list[Phrase]) -> dict[int, float]:
        """The phrases' part of these chunks' BM25 scores, from ``ts_rank_cd`` of each
        phrase over the chunk's tsvector (0 where it is not in a row)."""
        if not rowids:
            return {}
        parts = [_saturated(p.idf, f"tf{i}", p.mean_length) for i, p in enumerate(phrases)]
        ranks = ", ".join(f"{_tf()} AS tf{i}" for i in range(len(phrases)))
        rows = self._db.execute(
            f"SELECT rowid, {' + '.join(parts)} FROM (SELECT c.rowid, {ranks}, "
            "length(c.fts) AS lexemes FROM chunks c WHERE c.rowid = ANY(?) OFFSET 0) t",
            [*(p.query for p in phrases), rowids],
        )
        return {r[0]: float(r[1]) for r in rows}

    def _bm25_legs(
        self, queries: list[str], postings: list[int]
    ) -> tuple[list[str], list[Any], list[Phrase]]:
        """SQL for ``(rowid, score, phrase)`` rows per term (one leg each: a row per chunk
        holding it), whose sum per chunk is its BM25 score for these term queries (with
        their postings), the legs' parameters in order, and the phrases among the terms:
        per term, IDF times the field-weighted frequency ``tf`` saturated by ``K1`` and
        normalized by the chunk's length in lexemes against the mean (``B``). A phrase's
        rows hold its words, not yet checked in a row, with an upper bound of its score
        (see :meth:`keyword_search`)."""
        total, mean_length = self._collection_stats()
        total = max(total, *postings)
        in_a_row = self._in_a_row(
            {q: n for q, n in zip(queries, postings, strict=True) if _is_phrase(q)}
        )
        legs, params, phrases = [], [], []
        for query, holding in zip(queries, postings, strict=True):
            count = in_a_row.get(query, holding)
            if not count:  # its words, never in a row
                continue
            idf = math.log(1 + (total - count + 0.5) / (count + 0.5))
            score = _saturated(idf, "tf", mean_length)
            lexemes = _phrase_lexemes(query)
            if lexemes is None:  # not words (none are asked yet): from the tsvectors
                # OFFSET 0 keeps the subquery whole: inlined, ``tf`` (ts_rank_cd) was
                # computed twice per matching chunk (a phrase in 15k chunks: 283 -> 154 ms)
                legs.append(
                    f"SELECT rowid, {score} AS score, false AS phrase FROM (SELECT c.rowid, "
                    f"{_tf()} AS tf, length(c.fts) AS lexemes FROM chunks c "
                    "WHERE c.fts @@ ?::tsquery OFFSET 0) t"
                )
                params += [query, query]
            elif len(lexemes) == 1:
                legs.append(
                    f"SELECT chunk_rowid AS rowid, {score} AS score, false AS phrase "
                    "FROM chunk_terms WHERE lexeme = ?"
                )
                params.append(lexemes[0])
            else:
                together, together_params = self._holding_sql(query)
                legs.append(f"SELECT rowid, {score} AS score, true AS phrase FROM ({together}) h")
                params += together_params
                phrases.append(Phrase(query, idf, mean_length))
        return legs, params, phrases

    def _phrase_counts(self, phrases: list[str]) -> dict[str, int]:
        """How many chunks hold each phrase, from the postings in ``chunk_terms`` (index-only
        scans: up to the budget, past it in :func:`base.sample_windows`, scaled): a one-word
        phrase in any field, as the keyword leg reads it (counting the text alone reads
        every matching row, 80 ms for a common word at 100k chunks); a longer one, those
        holding its words times the share of them holding it in a row in their text (weight
        D of the tsvector; see :meth:`_in_a_row`): counting it in every matching row took
        378 ms for ``field-sync`` at 320k chunks, against 48 ms for its words together."""
        queries = self._tsqueries(phrases)  # '': stop words
        # counted as the keyword leg counts them (once for both: see _cached_postings)
        postings = self._cached_postings(phrases)
        pairs = zip(phrases, queries, strict=True)
        counts = {q: min(postings[p], base.POSTING_BUDGET) for p, q in pairs if q}
        found = sorted(counts)
        common = [
            q for q in found if counts[q] >= base.POSTING_BUDGET and _phrase_lexemes(q) is not None
        ]
        if common:
            span = self._rowid_span()
            windows = base.sample_windows(span)
            # a sum of range counts: ORed ranges scanned all of a word's postings (57 vs 7 ms)
            columns, params = [], []
            for query in common:
                parts, holding_params = _holding_in(_phrase_lexemes(query) or [], windows)
                columns.append(" + ".join(f"(SELECT count(*) FROM ({p}) h)" for p in parts))
                params += holding_params
            listed = ", ".join(f"({column})" for column in columns)
            row = self._db.execute(f"SELECT {listed}", params).fetchone()
            for query, sampled in zip(common, row, strict=True):
                counts[query] = base.scaled_count(int(sampled), windows, span)
        longer = {q: counts[q] for q in found if _is_phrase(q)}
        counts.update(self._in_a_row(longer, text=True))
        return {p: counts[q] if q else 0 for p, q in zip(phrases, queries, strict=True)}


class Holding(NamedTuple):
    """The chunks holding every word of a term (see :meth:`PostgresCatalog._holding`):
    how many, up to just past the budget, and, within it, their rowids, least frequencies
    and lengths in lexemes, as PostgreSQL array literals (passed back as they are)."""

    count: int
    rows: tuple[str, str, str] | None


class Sample(NamedTuple):
    """What the sample of a phrase's chunks checked for :meth:`PostgresCatalog._in_a_row`
    found: how many chunks it checked, and how many of them hold the phrase in a row
    anywhere, and in their text."""

    checked: int
    anywhere: int
    in_text: int


class Phrase(NamedTuple):
    """A phrase term of a keyword search: its tsquery, IDF and the mean chunk length its
    scores are normalized by."""

    query: str
    idf: float
    mean_length: float


def _saturated(idf: float, tf: str, mean_length: float) -> str:
    """SQL for a term's BM25 score in a chunk: ``idf`` times the field-weighted frequency
    ``tf`` (an SQL expression) saturated by ``K1`` and normalized by the chunk's length in
    lexemes (``lexemes``) against the mean (``B``)."""
    norm = f"({_double(K1 * (1 - B))} + {_double(K1 * B / max(mean_length, 1.0))} * lexemes)"
    return f"{_double(idf)} * {tf} * {_double(K1 + 1)} / ({tf} + {norm})"


def _double(value: float) -> str:
    """``value`` as a double precision literal. A literal with a decimal point is
    ``numeric`` in PostgreSQL, and so was the arithmetic it takes part in (``0.3 + 0.02 *
    lexemes``), once per posting scored: summing the scores of 60k postings took 53 ms
    with numeric literals against 13-17 ms with these."""
    return f"{value!r}::float8"


def _holding_all(
    lexemes: list[str], window: tuple[int, int] | None = None
) -> tuple[str, list[Any]]:
    """SQL for ``(rowid, tf, lexemes)`` of the chunks holding every one of ``lexemes``
    (from the postings' index alone), ``tf`` the least of their frequencies, and its
    parameters; with ``window``, of the chunks in that rowid range only."""
    distinct = list(dict.fromkeys(lexemes))
    within = " AND t{}.chunk_rowid BETWEEN ? AND ?" if window else ""
    joins = "".join(
        f" JOIN chunk_terms t{i} ON t{i}.lexeme = ? AND t{i}.chunk_rowid = t0.chunk_rowid"
        + within.format(i)
        for i in range(1, len(distinct))
    )
    tf = "least(" + ", ".join(f"t{i}.tf" for i in range(len(distinct))) + ")"
    sql = (
        f"SELECT t0.chunk_rowid AS rowid, {tf} AS tf, t0.lexemes "
        f"FROM chunk_terms t0{joins} WHERE t0.lexeme = ?{within.format(0)}"
    )
    bounds = list(window or ())
    return sql, [*(v for lexeme in distinct[1:] for v in (lexeme, *bounds)), distinct[0], *bounds]


def _holding_in(lexemes: list[str], windows: list[tuple[int, int]]) -> tuple[list[str], list[Any]]:
    """:func:`_holding_all` in each of these rowid ranges: the SQL of each, and the
    parameters of them all, in order. Every word's postings are read within the range:
    with the range on the first word's alone, the planner merged it with the others'
    postings from their start (a later window of ``field-sync`` read most of the 156k of
    ``sync``: at a million chunks, counting ten windows took 34-42 ms)."""
    parts = [_holding_all(lexemes, window) for window in windows]
    return [sql for sql, _ in parts], [v for _, params in parts for v in params]


def _read_stats(db: Connection) -> tuple[int, float]:
    """How many chunks there are and their mean length in lexemes (BM25's)."""
    row = db.execute(
        "SELECT coalesce(sum(chunks), 0), coalesce(sum(lexemes), 0) FROM chunk_stats"
    ).fetchone()
    chunks = int(row[0])
    return chunks, int(row[1]) / chunks if chunks else 0.0


def _filtered_best(
    scored: str, where: str, rows: bool = True, first: int = KEYWORD_OVERFETCH
) -> str:
    """The best ``limit`` scored chunks that pass the filter ``where`` (two parameters:
    the filter's and ``limit``, three times), as rows of (chunk_id, score, rowid, words: the
    one-word terms' part of the score; see ``scored``). Only the ``first`` best are checked
    first (:data:`KEYWORD_OVERFETCH`, or more for a deeper ``limit``: see
    ``keyword_search``); when fewer than ``limit`` of those pass and more were scored,
    :data:`KEYWORD_DEEPER` times as many are, and only when those are still too few, every
    scored chunk (PostgreSQL runs each later branch only when the one before came up short).
    Checking each of a common word's scored chunks against the filter costs about 4 µs: at a
    million chunks, 144 ms for the 36,908 holding "quote" when 198 of the best 1,000 were
    chats and 200 were asked for.

    With ``rows``, ``where`` reads the chunk rows (alias ``c``); without, only the scored
    rowids (alias ``m``: an access list). Reading a chunk row is a random read of a large
    table: at a million chunks, checking a member's access on the best 1,000 through their
    rows cost 236-292 ms p50 (over the labelled queries), against 43-55 ms on their rowids."""
    chunks = "JOIN chunks c ON c.rowid = m.rowid " if rows else ""
    deeper = first * KEYWORD_DEEPER

    def best(depth: int) -> str:
        return (
            f"SELECT m.rowid, m.score, m.words FROM (SELECT * FROM s ORDER BY score DESC, rowid "
            f"LIMIT {depth}) m {chunks}WHERE true{where}"
        )

    def enough(tier: str, depth: int) -> str:
        return (
            f"SELECT (SELECT count(*) FROM {tier}) >= ? OR (SELECT n FROM scored) <= {depth} AS yes"
        )

    return (
        f"WITH s AS MATERIALIZED ({scored}), scored AS (SELECT count(*) AS n FROM s), "
        f"best AS ({best(first)}), "
        f"enough AS ({enough('best', first)}), deeper AS ({best(deeper)}), "
        f"deep_enough AS ({enough('deeper', deeper)}) "
        "SELECT c.chunk_id, r.score, r.rowid, r.words FROM (SELECT * FROM (SELECT rowid, score, "
        "words FROM best "
        "WHERE (SELECT yes FROM enough) UNION ALL SELECT rowid, score, words FROM deeper "
        "WHERE NOT (SELECT yes FROM enough) AND (SELECT yes FROM deep_enough) "
        "UNION ALL SELECT m.rowid, m.score, m.words FROM s m "
        f"{chunks}WHERE NOT (SELECT yes FROM enough) AND NOT (SELECT yes FROM deep_enough)"
        f"{where}) u ORDER BY score DESC, rowid LIMIT ?) r "
        "JOIN chunks c ON c.rowid = r.rowid ORDER BY r.score DESC, r.rowid"
    )


def _tf() -> str:
    """How often a term query occurs in chunk ``c``, by field weight (title 4, heading 2,
    people and text 1): ``ts_rank_cd`` of that term alone, unnormalized."""
    return f"4 * ts_rank_cd({WEIGHTS}, c.fts, ?::tsquery, 0)"


# Each term's tsquery (see PostgresCatalog._tsqueries).
_TSQUERIES: base.CatalogCache[str, str] = base.CatalogCache(QUERY_CACHE)
# What each phrase's sample found in a row (see PostgresCatalog._in_a_row), by whether it
# was taken in the sample windows.
_IN_A_ROW: base.CatalogCache[tuple[bool, str], Sample] = base.CatalogCache(4096)
# BM25's chunk count and mean length (see PostgresCatalog._collection_stats).
_STATS: base.CatalogCache[None, tuple[int, float]] = base.CatalogCache(1)
# The chunks holding each term's words (see PostgresCatalog._holding): at most about 0.5 MB
# each, at the budget.
_HOLDING: base.CatalogCache[str, Holding] = base.CatalogCache(128)
_LEXEME = re.compile(r"'((?:[^']|'')*)'")
_SINGLE = re.compile(r"'((?:[^'\\]|'')*)'")


_PHRASE = re.compile(rf"{_SINGLE.pattern}(?: <(?:-|\d+)> {_SINGLE.pattern})*")


def _is_phrase(query: str) -> bool:
    """Whether a tsquery is a phrase of two lexemes or more (see :func:`_phrase_lexemes`)."""
    return len(_phrase_lexemes(query) or []) > 1


def _phrase_lexemes(query: str) -> list[str] | None:
    """The lexemes of a tsquery that is one lexeme or a phrase of them (``'a' <-> 'b'``,
    ``<2>`` where a stop word stood; no weight, prefix or other operator), in order."""
    if _PHRASE.fullmatch(query) is None:
        return None
    return [m.group(1).replace("''", "'") for m in _SINGLE.finditer(query)]


def _text_only(query: str) -> str:
    """A tsquery whose lexemes match only in the text (weight D)."""
    return _LEXEME.sub(lambda m: f"{m.group(0)}:D", query)

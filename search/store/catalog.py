"""The SQLite catalog: sources (the ingest ledger), documents, chunks, people, runs, and FTS5.

All SQL lives in this module so that a server database can take SQLite's place later.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from search.store.filters import Filters
from search.store.migrations import migrate

# Called inside a write's transaction with the doc ids it deletes (see search.store.journal).
Journal = Callable[[sqlite3.Connection, list[str]], None]
# Keyword scoring is weighted by field: title, heading, people, text.
BM25 = "bm25(chunks_fts, 4.0, 2.0, 1.0, 1.0)"
# How many postings one keyword query may score (see Catalog.keyword_search).
POSTING_BUDGET = 20_000

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


@dataclass(frozen=True, slots=True)
class SourceAccess:
    """A source's access lists as ingest derived them: the grantees of each of its
    documents (``()`` is admins only) and the fingerprint of the rules applied."""

    fingerprint: str
    documents: dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Token:
    """An API token as listed: never its secret."""

    token_id: int
    principal: str
    groups: list[str]
    admin: bool
    created_at: float
    revoked_at: float | None


@dataclass(frozen=True, slots=True)
class ChunkRow:
    """A chunk as search returns it, joined with what a hit needs from its document."""

    chunk_id: str
    doc_id: str
    position: int
    kind: str
    origin: str
    channel: str | None
    title: str
    heading: str
    locator: str
    source_path: str
    text: str
    people: list[str]
    start_ts: float | None
    end_ts: float | None
    date_source: str | None = None  # the document's (see Record.date_source)


def person_key(name: str) -> str:
    """A name folded for matching: lower case, single spaces."""
    return " ".join(name.lower().split())


def person_terms(names: Iterable[str]) -> list[str]:
    """Every way a filter may name these people: full names and each name part."""
    terms: dict[str, None] = {}
    for name in names:
        key = person_key(name)
        if not key:
            continue
        terms[key] = None
        for part in key.replace("@", " ").replace(".", " ").split():
            if len(part) > 1:
                terms[part] = None
    return list(terms)


class Catalog:
    """The embedded catalog at ``path`` (created on first use)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self.migrated_from = migrate(self._db, path, SCHEMA + ACCESS_SCHEMA + JOURNAL_SCHEMA)

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

    # --- the ingest ledger -------------------------------------------------------------

    def source_hash(self, path: str) -> str | None:
        row = self._db.execute(
            "SELECT content_hash FROM sources WHERE path = ?", (path,)
        ).fetchone()
        return row[0] if row else None

    def source_paths(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT path FROM sources ORDER BY path")]

    def document_hashes(self, source: str) -> dict[str, str]:
        """doc_id -> content hash for the documents a source produced last time."""
        rows = self._db.execute(
            "SELECT doc_id, content_hash FROM documents WHERE source = ?", (source,)
        )
        return {r[0]: r[1] for r in rows}

    def _rows_in(
        self, sql: str, ids: list[str], params: list[Any] | None = None
    ) -> Iterator[sqlite3.Row]:
        """The rows of ``sql`` for ``ids``, whose ``IN ({marks})`` takes them 500 at a time
        (under SQLite's limit on query parameters); ``params`` follow the ids."""
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            marks = ",".join("?" * len(batch))
            yield from self._db.execute(sql.format(marks=marks), [*batch, *(params or ())])

    def stored_hashes(self, doc_ids: list[str]) -> dict[str, str]:
        """doc_id -> content hash for these documents, whichever source holds them."""
        sql = "SELECT doc_id, content_hash FROM documents WHERE doc_id IN ({marks})"
        return {row[0]: row[1] for row in self._rows_in(sql, doc_ids)}

    def write_source(
        self,
        path: str,
        reader: str,
        content_hash: str,
        run_id: int | None,
        documents: list[dict[str, Any]],
        keep: set[str],
        access: SourceAccess | None = None,
        journal: Journal | None = None,
    ) -> list[str]:
        """Record a source's new state in one transaction.

        ``documents`` replace their earlier versions; ``keep`` documents stay as stored and
        now belong to this source (a newer export takes over the threads it still holds);
        documents of this source that are neither replaced nor kept are deleted; ``access``
        sets who may see each document (replaced and kept alike); ``journal`` is called
        inside the transaction with the deleted doc ids. Returns the deleted doc ids.
        """
        with self.transaction() as db:
            db.execute(
                "INSERT INTO sources(path, reader, content_hash, ingested_at, run_id) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET "
                "reader=excluded.reader, content_hash=excluded.content_hash, "
                "ingested_at=excluded.ingested_at, run_id=excluded.run_id",
                (path, reader, content_hash, time.time(), run_id),
            )
            fresh = {d["doc_id"] for d in documents}
            old = {
                r[0] for r in db.execute("SELECT doc_id FROM documents WHERE source = ?", (path,))
            }
            gone = sorted(old - fresh - keep)
            for doc_id in [*gone, *sorted(fresh & old)]:
                self._delete_document(db, doc_id)
            # A record may move between sources (a re-exported workspace): take it over.
            for doc_id in sorted(fresh - old):
                self._delete_document(db, doc_id)
            for doc in documents:
                self._insert_document(db, path, doc)
            db.executemany(
                "UPDATE documents SET source = ? WHERE doc_id = ?",
                [(path, doc_id) for doc_id in sorted(keep)],
            )
            if access is not None:
                self._write_access(db, path, access)
            if journal is not None:
                journal(db, gone)
        return gone

    def forget(self, path: str, journal: Journal | None = None) -> list[str]:
        """Remove a source, or every source under a folder; returns the removed doc ids
        (``journal`` is called with them inside the transaction)."""
        prefix = path.rstrip("/") + "/"
        with self.transaction() as db:
            sources = [
                r[0]
                for r in db.execute(
                    "SELECT path FROM sources WHERE path = ? OR substr(path, 1, ?) = ?",
                    (path, len(prefix), prefix),
                )
            ]
            doc_ids: list[str] = []
            for source in sources:
                owned = [
                    r[0]
                    for r in db.execute("SELECT doc_id FROM documents WHERE source = ?", (source,))
                ]
                for doc_id in owned:
                    self._delete_document(db, doc_id)
                db.execute("DELETE FROM sources WHERE path = ?", (source,))
                doc_ids += owned
            if journal is not None:
                journal(db, doc_ids)
        return doc_ids

    def forgotten_sources(self, paths: list[str]) -> list[str]:
        """Sources at or under these paths whose file or folder no longer exists."""
        found = []
        for source in self.source_paths():
            inside = any(source == p or source.startswith(p.rstrip("/") + "/") for p in paths)
            if inside and not Path(source).exists():
                found.append(source)
        return found

    # --- access lists ---------------------------------------------------------------------

    @staticmethod
    def _write_access(db: sqlite3.Connection, path: str, access: SourceAccess) -> None:
        """Point each document (and its chunks) at the access list of its grantees."""
        db.execute(
            "INSERT INTO source_access(path, fingerprint) VALUES (?, ?) "
            "ON CONFLICT(path) DO UPDATE SET fingerprint = excluded.fingerprint",
            (path, access.fingerprint),
        )
        acl_ids: dict[tuple[str, ...], int] = {}
        for grantees in set(access.documents.values()):
            key = "\n".join(grantees)
            db.execute("INSERT OR IGNORE INTO access_lists(grantees) VALUES (?)", (key,))
            acl_id = db.execute(
                "SELECT acl_id FROM access_lists WHERE grantees = ?", (key,)
            ).fetchone()[0]
            db.executemany(
                "INSERT OR IGNORE INTO access_grants(grantee, acl_id) VALUES (?, ?)",
                [(g, acl_id) for g in grantees],
            )
            acl_ids[grantees] = acl_id
        for doc_id, grantees in access.documents.items():
            acl_id = acl_ids[grantees]
            db.execute(
                "INSERT INTO document_access(doc_id, acl_id) SELECT doc_id, ? FROM documents "
                "WHERE doc_id = ? ON CONFLICT(doc_id) DO UPDATE SET acl_id = excluded.acl_id",
                (acl_id, doc_id),
            )
            db.execute(
                "INSERT OR REPLACE INTO chunk_access(chunk_rowid, acl_id) "
                "SELECT rowid, ? FROM chunks WHERE doc_id = ?",
                (acl_id, doc_id),
            )

    def access_fingerprint(self, path: str) -> str | None:
        """The fingerprint of the access rules a source was last written under."""
        row = self._db.execute(
            "SELECT fingerprint FROM source_access WHERE path = ?", (path,)
        ).fetchone()
        return row[0] if row else None

    def grantees_of(self, doc_id: str) -> tuple[str, ...] | None:
        """Who may see a document (``()``: admins only; None: no access list yet)."""
        row = self._db.execute(
            "SELECT l.grantees FROM document_access d JOIN access_lists l USING (acl_id) "
            "WHERE d.doc_id = ?",
            (doc_id,),
        ).fetchone()
        if row is None:
            return None
        return tuple(row[0].split("\n")) if row[0] else ()

    def can_see(self, doc_id: str, access: tuple[str, ...] | None) -> bool:
        """Whether a searcher holding ``access`` (None: everything) may see this document."""
        if access is None:
            return True
        condition, params = visible_documents_sql(access)
        row = self._db.execute(
            f"SELECT 1 FROM documents WHERE doc_id = ? AND doc_id IN ({condition})",
            [doc_id, *params],
        ).fetchone()
        return row is not None

    def visible_documents(self, access: tuple[str, ...] | None) -> set[str] | None:
        """The doc ids a searcher holding ``access`` may see; None when unrestricted.

        The hook for whatever reads documents outside the two retrieval legs (the people
        directory, profiles, experts): pass :meth:`Principal.access` and count only these;
        SQL in this module can use :func:`visible_documents_sql` instead.
        """
        if access is None:
            return None
        condition, params = visible_documents_sql(access)
        return {r[0] for r in self._db.execute(condition, params)}

    # --- API tokens ---------------------------------------------------------------------

    def add_token(self, secret_hash: str, principal: str, groups: list[str], admin: bool) -> int:
        cur = self._db.execute(
            "INSERT INTO tokens(secret_hash, principal, groups, admin, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (secret_hash, principal, json.dumps(groups), int(admin), time.time()),
        )
        return int(cur.lastrowid or 0)

    def tokens(self) -> list[Token]:
        rows = self._db.execute("SELECT * FROM tokens ORDER BY token_id")
        return [_token(r) for r in rows]

    def token_by_hash(self, secret_hash: str) -> Token | None:
        """The token with this secret hash, unless it was revoked."""
        row = self._db.execute(
            "SELECT * FROM tokens WHERE secret_hash = ? AND revoked_at IS NULL", (secret_hash,)
        ).fetchone()
        return _token(row) if row else None

    def revoke_token(self, token_id: int) -> bool:
        """Revoke a token; False when there is no such token or it was revoked already."""
        cur = self._db.execute(
            "UPDATE tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL",
            (time.time(), token_id),
        )
        return cur.rowcount > 0

    def has_tokens(self) -> bool:
        """Whether a token was ever created (revoked ones count: sign-in stays required)."""
        return self._db.execute("SELECT 1 FROM tokens LIMIT 1").fetchone() is not None

    @staticmethod
    def _delete_document(db: sqlite3.Connection, doc_id: str) -> None:
        db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        db.execute("DELETE FROM document_people WHERE doc_id = ?", (doc_id,))
        db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    @staticmethod
    def _insert_document(db: sqlite3.Connection, source: str, doc: dict[str, Any]) -> None:
        db.execute(
            "INSERT INTO documents(doc_id, source, kind, origin, source_path, title, created, "
            "ended, channel, thread, participants, access_scope, access_members, content_hash, "
            "message_count, chunk_count, date_source) VALUES (:doc_id, :source, :kind, :origin, "
            ":source_path, :title, :created, :ended, :channel, :thread, :participants, "
            ":access_scope, :access_members, :content_hash, :message_count, :chunk_count, "
            ":date_source)",
            {
                **{k: doc[k] for k in DOCUMENT_FIELDS},
                "date_source": doc.get("date_source"),
                "source": source,
                "participants": json.dumps(doc["participants"]),
                "access_members": json.dumps(doc["access_members"]),
                "chunk_count": len(doc["chunks"]),
            },
        )
        db.executemany(
            "INSERT INTO document_people(doc_id, name, person_key, email, user_id, handle, "
            "messages) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    doc["doc_id"],
                    p["name"],
                    person_key(p["name"]),
                    p.get("email"),
                    p.get("id"),
                    p.get("handle"),
                    p.get("messages", 0),
                )
                for p in doc["participants"]
            ],
        )
        db.executemany(
            "INSERT INTO chunks(chunk_id, doc_id, position, kind, origin, channel, title, "
            "heading, locator, source_path, text, people, people_terms, start_ts, end_ts, "
            "embed_text) VALUES (:chunk_id, :doc_id, :position, :kind, :origin, :channel, "
            ":title, :heading, :locator, :source_path, :text, :people, :people_terms, "
            ":start_ts, :end_ts, :embed_text)",
            [
                {
                    **c,
                    "embed_text": c.get("embed_text"),
                    "kind": doc["kind"],
                    "origin": doc["origin"],
                    "channel": doc["channel"],
                    "title": doc["title"],
                    "people": json.dumps(c["people"]),
                    "people_terms": "|" + "|".join(person_terms(c["people"])) + "|",
                }
                for c in doc["chunks"]
            ],
        )
        db.executemany(
            "INSERT INTO chunk_people(chunk_id, term) VALUES (?, ?)",
            [(c["chunk_id"], term) for c in doc["chunks"] for term in person_terms(c["people"])],
        )

    # --- runs ---------------------------------------------------------------------------

    def start_run(self, paths: list[str]) -> int:
        cur = self._db.execute(
            "INSERT INTO runs(started_at, paths) VALUES (?, ?)", (time.time(), json.dumps(paths))
        )
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, summary: dict[str, Any]) -> None:
        self._db.execute(
            "UPDATE runs SET finished_at = ?, summary = ? WHERE run_id = ?",
            (time.time(), json.dumps(summary), run_id),
        )

    def last_run(self) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT * FROM runs WHERE finished_at IS NOT NULL ORDER BY run_id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return {
            "run_id": row["run_id"],
            "started_at": row["started_at"],
            "finished_at": row["finished_at"],
            "paths": json.loads(row["paths"]),
            "summary": json.loads(row["summary"] or "{}"),
        }

    # --- reading ------------------------------------------------------------------------

    def chunks(self, chunk_ids: list[str]) -> dict[str, ChunkRow]:
        """The chunks with these ids that exist (vectors may briefly outlive their rows),
        each with its document's ``date_source``."""
        sql = (
            f"SELECT {CHUNK_COLUMNS}, (SELECT d.date_source FROM documents d "
            "WHERE d.doc_id = chunks.doc_id) AS date_source "
            "FROM chunks WHERE chunk_id IN ({marks})"
        )
        return {row["chunk_id"]: _chunk_row(row) for row in self._rows_in(sql, chunk_ids)}

    def passing(self, filters: Filters) -> list[str]:
        """The ids of the chunks that pass ``filters``."""
        if filters.access is None:
            where, params = _filter_sql(filters, alias="c")
            sql = f"SELECT chunk_id FROM chunks c WHERE 1{where}"
            return [r[0] for r in self._db.execute(sql, params)]
        # Listed from the access lists' index (a searcher often sees a small part).
        where, params = _filter_sql(replace(filters, access=None), alias="c")
        sql = (
            "SELECT c.chunk_id FROM chunk_access a JOIN chunks c ON c.rowid = a.chunk_rowid "
            f"WHERE a.acl_id IN ({_acl_sql(filters.access)}){where}"
        )
        return [r[0] for r in self._db.execute(sql, [*filters.access, *params])]

    def passing_among(self, filters: Filters, chunk_ids: list[str]) -> set[str]:
        """Which of these chunks pass ``filters``."""
        where, params = _filter_sql(filters, alias="c")
        sql = f"SELECT c.chunk_id FROM chunks c WHERE c.chunk_id IN ({{marks}}){where}"
        return {r[0] for r in self._rows_in(sql, chunk_ids, params)}

    def keyword_search(
        self, terms: list[str], limit: int, filters: Filters
    ) -> list[tuple[str, float]]:
        """(chunk_id, BM25 score; higher is better) of chunks matching any of ``terms``.

        Terms are scored rarest first until their postings exceed :data:`POSTING_BUDGET`;
        the commoner ones left out carry little evidence (a low IDF) but cost the most to
        score, so a query's cost stays bounded as the index grows. Small stores score every
        term. An access list alone is checked on the index's rowids inside the ranking query,
        so no chunk row is read before the cut.
        """
        kept = self._within_budget(terms)
        if not kept:
            return []
        match = " OR ".join(_quoted(t) for t in kept)
        where, params = _filter_sql(filters, alias="c")
        if filters.access is not None and filters.only_access:
            visible, params = _access_sql("chunks_fts", filters.access)
            sql = (
                f"SELECT c.chunk_id, -m.score FROM (SELECT rowid, {BM25} AS score "
                f"FROM chunks_fts WHERE chunks_fts MATCH ? AND {visible} ORDER BY score "
                "LIMIT ?) m JOIN chunks c ON c.rowid = m.rowid ORDER BY m.score"
            )
        elif where:
            sql = (
                f"SELECT c.chunk_id, -{BM25} FROM chunks_fts "
                "JOIN chunks c ON c.rowid = chunks_fts.rowid "
                f"WHERE chunks_fts MATCH ? {where} ORDER BY {BM25} LIMIT ?"
            )
        else:  # rank in the FTS table alone, then join the few rows kept
            sql = (
                f"SELECT c.chunk_id, -m.score FROM (SELECT rowid, {BM25} AS score "
                "FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY score LIMIT ?) m "
                "JOIN chunks c ON c.rowid = m.rowid ORDER BY m.score"
            )
        try:
            rows = self._db.execute(sql, [match, *params, limit]).fetchall()
        except sqlite3.OperationalError:
            return []
        return [(r[0], float(r[1])) for r in rows]

    def _within_budget(self, terms: list[str]) -> list[str]:
        postings = {t: self._postings(t) for t in terms}
        kept: list[str] = []
        spent = 0
        for term in sorted(terms, key=postings.__getitem__):
            if kept and spent + postings[term] > POSTING_BUDGET:
                break
            kept.append(term)
            spent += postings[term]
        return [t for t in terms if t in kept]

    def _postings(self, term: str) -> int:
        """How many chunks match ``term``, counted up to just past the budget."""
        try:
            row = self._db.execute(
                "SELECT count(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)",
                (_quoted(term), POSTING_BUDGET + 1),
            ).fetchone()
        except sqlite3.OperationalError:
            return 0
        return int(row[0])

    def document(self, doc_id: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        doc = dict(row)
        doc["participants"] = json.loads(doc["participants"])
        doc["access_members"] = json.loads(doc["access_members"])
        doc["chunks"] = [
            _chunk_row(r)
            for r in self._db.execute(
                f"SELECT {CHUNK_COLUMNS} FROM chunks WHERE doc_id = ? ORDER BY position", (doc_id,)
            )
        ]
        return doc

    def documents_meta(self, doc_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Created time and participants for a set of documents."""
        sql = (
            "SELECT doc_id, created, ended, participants, channel FROM documents "
            "WHERE doc_id IN ({marks})"
        )
        return {
            row["doc_id"]: {
                "created": row["created"],
                "ended": row["ended"],
                "channel": row["channel"],
                "participants": json.loads(row["participants"]),
            }
            for row in self._rows_in(sql, doc_ids)
        }

    def is_empty(self) -> bool:
        return self._db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is None

    def meta(self, key: str) -> str | None:
        """A fact about the store kept in ``meta`` (schema version, embedding model)."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, values: dict[str, str]) -> None:
        self._db.executemany(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            list(values.items()),
        )

    def embed_texts(self, batch: int = 1000) -> Iterator[list[sqlite3.Row]]:
        """Every chunk with what its vector is made of, ``batch`` at a time in rowid order:
        ``chunk_id``, ``doc_id``, ``text``, ``embed_text`` (NULL when stored before it was
        kept), ``title``, ``heading``, ``created`` (the document's), and the fields Chroma
        keeps (``kind``, ``origin``, ``position``, ``channel``, ``start_ts``, ``end_ts``)."""
        last = -1
        while True:
            rows = self._db.execute(
                "SELECT c.rowid, c.chunk_id, c.doc_id, c.text, c.embed_text, c.title, "
                "c.heading, d.created, c.kind, c.origin, c.position, c.channel, c.start_ts, "
                "c.end_ts FROM chunks c JOIN documents d ON d.doc_id = c.doc_id "
                "WHERE c.rowid > ? ORDER BY c.rowid LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1]["rowid"]

    def kind_of(self, label: str) -> str | None:
        """The kind of the document with this doc id, or whose source path ends with it."""
        row = self._db.execute(
            "SELECT kind FROM documents WHERE doc_id = ? OR source_path = ? "
            "OR source_path LIKE ? ESCAPE '\\' LIMIT 1",
            (label, label, "%/" + label.strip("/").replace("%", "\\%").replace("_", "\\_")),
        ).fetchone()
        return row[0] if row else None

    def counts(self) -> dict[str, Any]:
        """Documents, conversations, messages and chunks by kind and by source; people."""
        by_kind, by_origin = (
            {
                r["key"]: {
                    "documents": r["n"],
                    "messages": r["messages"] or 0,
                    "chunks": r["chunks"] or 0,
                }
                for r in self._db.execute(
                    f"SELECT {column} AS key, count(*) AS n, sum(message_count) AS messages, "
                    f"sum(chunk_count) AS chunks FROM documents GROUP BY {column} ORDER BY {column}"
                )
            }
            for column in ("kind", "origin")
        )
        one = self._db.execute(
            "SELECT count(*), coalesce(sum(message_count), 0), coalesce(sum(chunk_count), 0), "
            "coalesce(sum(message_count > 0), 0) FROM documents"
        ).fetchone()
        people = self._db.execute(
            "SELECT count(DISTINCT person_key) FROM document_people"
        ).fetchone()[0]
        sources = self._db.execute("SELECT count(*) FROM sources").fetchone()[0]
        return {
            "sources": sources,
            "documents": one[0],
            "conversations": one[3],
            "messages": one[1],
            "chunks": one[2],
            "people": people,
            "by_kind": by_kind,
            "by_source": by_origin,
        }

    # --- people directory and expert finding (read only; see search/people/) ----------

    def change_marker(self) -> tuple[Any, ...]:
        """A cheap value that changes whenever documents are written or removed."""
        row = self._db.execute(
            "SELECT (SELECT max(run_id) FROM runs), (SELECT max(ingested_at) FROM sources), "
            "(SELECT count(*) FROM sources), (SELECT count(*) FROM documents), "
            "(SELECT max(rowid) FROM chunks)"
        ).fetchone()
        return tuple(row)

    def people_rows(self) -> list[dict[str, Any]]:
        """Every (document, person) pair as the readers named the person."""
        rows = self._db.execute(
            "SELECT doc_id, name, email, user_id, handle, messages FROM document_people "
            "ORDER BY doc_id, rowid"
        )
        return [dict(r) for r in rows]

    def documents_index(self) -> list[dict[str, Any]]:
        """Per document what a people directory needs: kind, title, dates, path, access."""
        rows = self._db.execute(
            "SELECT doc_id, kind, origin, title, created, ended, source_path, channel, "
            "access_scope, access_members, message_count FROM documents"
        )
        found = []
        for row in rows:
            doc = dict(row)
            doc["access_members"] = json.loads(doc["access_members"])
            found.append(doc)
        return found

    def source_paths_of(self, reader: str) -> list[str]:
        """The sources one reader (``slack``, ``mail``…) produced."""
        rows = self._db.execute(
            "SELECT path FROM sources WHERE reader = ? ORDER BY path", (reader,)
        )
        return [r[0] for r in rows]

    def chunks_of_documents(self, doc_ids: list[str]) -> list[ChunkRow]:
        """Every chunk of these documents, in document and reading order."""
        sql = (
            f"SELECT {CHUNK_COLUMNS} FROM chunks WHERE doc_id IN ({{marks}}) "
            "ORDER BY doc_id, position"
        )
        return [_chunk_row(row) for row in self._rows_in(sql, doc_ids)]

    def iter_chunks(self, batch: int = 2000) -> Iterator[ChunkRow]:
        """All chunks, in rowid order, read in batches."""
        last = 0
        while True:
            rows = self._db.execute(
                f"SELECT rowid, {CHUNK_COLUMNS} FROM chunks WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            last = rows[-1]["rowid"]
            for row in rows:
                values = dict(row)
                del values["rowid"]
                values["people"] = json.loads(values["people"])
                yield ChunkRow(**values)

    def sample_chunk_texts(self, limit: int, kinds: tuple[str, ...]) -> list[str]:
        """About ``limit`` texts of chunks of these kinds, spread evenly (deterministic)."""
        marks = ",".join("?" * len(kinds))
        total = self._db.execute(
            f"SELECT count(*) FROM chunks WHERE kind IN ({marks})", kinds
        ).fetchone()[0]
        step = max(1, total // max(limit, 1))
        rows = self._db.execute(
            f"SELECT text FROM chunks WHERE kind IN ({marks}) AND rowid % ? = 0 LIMIT ?",
            (*kinds, step, limit),
        )
        return [r[0] for r in rows]

    def document_titles(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT title FROM documents")]

    def chunk_headings(self) -> list[str]:
        """The distinct section headings of notes and memos (``A > B`` heading paths)."""
        rows = self._db.execute(
            "SELECT DISTINCT heading FROM chunks WHERE kind IN ('meeting_notes', 'memo') "
            "AND heading != ''"
        )
        return [r[0] for r in rows]

    def chunk_total(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def phrase_chunk_counts(self, phrases: list[str]) -> dict[str, int]:
        """How many chunks contain each phrase (FTS5 phrase match on the text column)."""
        counts: dict[str, int] = {}
        for phrase in phrases:
            match = 'text : "' + phrase.replace('"', '""') + '"'
            try:
                row = self._db.execute(
                    "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (match,)
                ).fetchone()
            except sqlite3.OperationalError:
                row = (0,)
            counts[phrase] = int(row[0])
        return counts


DOCUMENT_FIELDS = (
    "doc_id",
    "kind",
    "origin",
    "source_path",
    "title",
    "created",
    "ended",
    "channel",
    "thread",
    "access_scope",
    "content_hash",
    "message_count",
)
CHUNK_COLUMNS = (
    "chunk_id, doc_id, position, kind, origin, channel, title, heading, locator, source_path, "
    "text, people, start_ts, end_ts"
)


def _chunk_row(row: sqlite3.Row) -> ChunkRow:
    values = dict(row)
    values["people"] = json.loads(values["people"])
    return ChunkRow(**values)


def visible_documents_sql(access: tuple[str, ...]) -> tuple[str, list[Any]]:
    """``SELECT doc_id …`` of the documents a searcher holding ``access`` may see."""
    return (
        f"SELECT doc_id FROM document_access WHERE acl_id IN ({_acl_sql(access)})",
        list(access),
    )


def _access_sql(alias: str, access: tuple[str, ...]) -> tuple[str, list[Any]]:
    """Whether the chunk ``alias`` may be seen by a searcher holding ``access`` (one lookup
    by rowid; false for a chunk without an access row)."""
    return (
        f"coalesce((SELECT acl_id FROM chunk_access WHERE chunk_rowid = {alias}.rowid) "
        f"IN ({_acl_sql(access)}), 0)",
        list(access),
    )


def _acl_sql(access: tuple[str, ...]) -> str:
    """The access lists naming any of these grantees (no list when there are none)."""
    if not access:
        return "SELECT NULL WHERE 0"
    return f"SELECT acl_id FROM access_grants WHERE grantee IN ({','.join('?' * len(access))})"


def _token(row: sqlite3.Row) -> Token:
    return Token(
        token_id=row["token_id"],
        principal=row["principal"],
        groups=json.loads(row["groups"]),
        admin=bool(row["admin"]),
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


def _filter_sql(filters: Filters, alias: str) -> tuple[str, list[Any]]:
    """SQL conditions (each starting with AND) and their parameters for ``filters``."""
    parts: list[str] = []
    params: list[Any] = []
    if filters.access is not None:
        condition, values = _access_sql(alias, filters.access)
        parts.append(condition)
        params += values
    for column, values in (
        ("kind", filters.kinds),
        ("origin", filters.sources),
        ("channel", filters.channels),
    ):
        if values:
            parts.append(f"{alias}.{column} IN ({','.join('?' * len(values))})")
            params += list(values)
    if filters.person:
        parts.append(f"{alias}.chunk_id IN (SELECT chunk_id FROM chunk_people WHERE term = ?)")
        params.append(person_key(filters.person))
    if filters.since is not None:
        parts.append(f"coalesce({alias}.end_ts, {alias}.start_ts) >= ?")
        params.append(filters.since)
    if filters.until is not None:
        parts.append(f"{alias}.start_ts <= ?")
        params.append(filters.until)
    return "".join(f" AND {p}" for p in parts), params


def _quoted(term: str) -> str:
    """``term`` as an FTS5 string (a phrase when it has several tokens), no syntax leaking."""
    return '"' + term.replace('"', '""') + '"'

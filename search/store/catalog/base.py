"""What both catalog engines share: every read and write whose SQL runs unchanged on
SQLite and PostgreSQL (``?`` placeholders; see :class:`search.store.catalog.postgres.Connection`).

An engine subclass gives its connection (``_db``), its transactions, and the keyword leg
(FTS5 or ``tsvector``), which is where the two really differ.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from search.store.catalog.rows import ChunkRow, SourceAccess, Token, person_key, person_terms
from search.store.filters import Filters

# Called inside a write's transaction with the doc ids it deletes (see search.store.journal).
Journal = Callable[[Any, list[str]], None]
# How many postings one keyword query may score (see BaseCatalog.keyword_search).
POSTING_BUDGET = 20_000
# A phrase in more chunks than the budget is counted in this many rowid windows, together
# this share of all rowids, and the count scaled: counting all of a common word's chunks
# cost 60-70 ms at 1M chunks (see BaseCatalog.phrase_chunk_counts).
SAMPLE_WINDOWS, SAMPLED_SHARE = 10, 0.1
# The share of the chunks a filter by kind or person passes is estimated in this many
# windows of this many rowids (see BaseCatalog.sampled_share).
SHARE_WINDOWS, SHARE_WINDOW = 50, 100
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
# The change marker that reads inside :meth:`BaseCatalog.one_state` share: (catalog, marker).
_STATE: ContextVar[tuple[Any, tuple[Any, ...]] | None] = ContextVar("catalog_state", default=None)

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


class BaseCatalog:
    """Sources (the ingest ledger), documents, chunks, people, access lists, tokens and
    runs; the engine subclass gives the connection and the keyword leg."""

    path: Path | str
    migrated_from: int | None = None
    # How sample_chunk_texts orders its rows (SQLite's scan order is already stable).
    _SAMPLE_ORDER = ""

    @property
    def _db(self) -> Any:
        """This thread's connection (``execute``/``executemany`` with ``?`` placeholders,
        rows read by index or column name)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[Any]:
        """All or nothing: a failure inside leaves the catalog as it was."""
        raise NotImplementedError

    def writer(self, db: Any) -> int:
        """Who a pending write recorded through ``db`` belongs to (see
        :mod:`search.store.journal`): this process."""
        return os.getpid()

    def writer_gone(self, writer: int) -> bool:
        """Whether the writer of a pending write is gone: its process has exited."""
        from search.store.journal import process_gone  # the journal imports Chroma

        return process_gone(writer)

    def source_lock(self, path: str) -> AbstractContextManager[None]:
        """Held while one process reads and writes the source ``path``: another process
        ingesting it waits, then finds it written. Embedded: one writer at a time already."""
        return nullcontext()

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

    def _rows_in(self, sql: str, ids: list[str], params: list[Any] | None = None) -> Iterator[Any]:
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
    def _write_access(db: Any, path: str, access: SourceAccess) -> None:
        """Point each document (and its chunks) at the access list of its grantees. Lists
        are written in sorted order, so that writers of other sources at once (server
        mode) wait for each other in one order and never deadlock."""
        db.execute(
            "INSERT INTO source_access(path, fingerprint) VALUES (?, ?) "
            "ON CONFLICT(path) DO UPDATE SET fingerprint = excluded.fingerprint",
            (path, access.fingerprint),
        )
        acl_ids: dict[tuple[str, ...], int] = {}
        for grantees in sorted(set(access.documents.values())):
            key = "\n".join(grantees)
            db.execute(
                "INSERT INTO access_lists(grantees) VALUES (?) ON CONFLICT DO NOTHING", (key,)
            )
            acl_id = db.execute(
                "SELECT acl_id FROM access_lists WHERE grantees = ?", (key,)
            ).fetchone()[0]
            db.executemany(
                "INSERT INTO access_grants(grantee, acl_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(g, acl_id) for g in sorted(grantees)],
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
                "INSERT INTO chunk_access(chunk_rowid, acl_id) "
                "SELECT rowid, ? FROM chunks WHERE doc_id = ? "
                "ON CONFLICT(chunk_rowid) DO UPDATE SET acl_id = excluded.acl_id",
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

    def visible_documents(self, access: tuple[str, ...] | None) -> frozenset[str] | None:
        """The doc ids a searcher holding ``access`` may see; None when unrestricted.

        The hook for whatever reads documents outside the two retrieval legs (the people
        directory, profiles, experts): pass :meth:`Principal.access` and count only these;
        SQL in this package can use :func:`visible_documents_sql` instead. Read once per
        grantee list until the catalog changes (every write of access lists is a source
        write, which moves its change marker): for a member of 20 groups at a million
        chunks, 62k documents took 52-75 ms to read on each ``/experts`` or ``/people``.
        """
        if access is None:
            return None

        def read(keys: list[tuple[str, ...]]) -> dict[tuple[str, ...], frozenset[str]]:
            condition, params = visible_documents_sql(access)
            return {access: frozenset(r[0] for r in self._db.execute(condition, params))}

        return _VISIBLE.get(self, [access], read)[access]

    # --- API tokens ---------------------------------------------------------------------

    def add_token(self, secret_hash: str, principal: str, groups: list[str], admin: bool) -> int:
        row = self._db.execute(
            "INSERT INTO tokens(secret_hash, principal, groups, admin, created_at) "
            "VALUES (?, ?, ?, ?, ?) RETURNING token_id",
            (secret_hash, principal, json.dumps(groups), int(admin), time.time()),
        ).fetchone()
        return int(row[0])

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
    def _delete_document(db: Any, doc_id: str) -> None:
        db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        db.execute("DELETE FROM document_people WHERE doc_id = ?", (doc_id,))
        db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    @staticmethod
    def _insert_document(db: Any, source: str, doc: dict[str, Any]) -> None:
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
        row = self._db.execute(
            "INSERT INTO runs(started_at, paths) VALUES (?, ?) RETURNING run_id",
            (time.time(), json.dumps(paths)),
        ).fetchone()
        return int(row[0])

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
            where, params = filter_sql(filters, alias="c")
            sql = f"SELECT chunk_id FROM chunks c WHERE true{where}"
            return [r[0] for r in self._db.execute(sql, params)]
        # Listed from the access lists' index (a searcher often sees a small part).
        where, params = filter_sql(replace(filters, access=None), alias="c")
        sql = (
            "SELECT c.chunk_id FROM chunk_access a JOIN chunks c ON c.rowid = a.chunk_rowid "
            f"WHERE a.acl_id IN ({_acl_sql(filters.access)}){where}"
        )
        return [r[0] for r in self._db.execute(sql, [*filters.access, *params])]

    def passing_among(self, filters: Filters, chunk_ids: list[str]) -> set[str]:
        """Which of these chunks pass ``filters``."""
        raise NotImplementedError

    def keyword_search(
        self, terms: list[str], limit: int, filters: Filters
    ) -> list[tuple[str, float]]:
        """(chunk_id, score; higher is better) of chunks matching any of ``terms``.

        Terms are scored rarest first until their postings exceed :data:`POSTING_BUDGET`;
        the commoner ones left out carry little evidence (a low IDF) but cost the most to
        score, so a query's cost stays bounded as the index grows. Small stores score every
        term. Filters apply inside the ranking query, before the cut.
        """
        raise NotImplementedError

    def _postings(self, term: str) -> int:
        """How many chunks match ``term``, counted up to just past the budget."""
        raise NotImplementedError

    def phrase_chunk_counts(self, phrases: list[str]) -> dict[str, int]:
        """How many chunks contain each phrase in their text, each counted once until the
        catalog changes: exactly up to :data:`POSTING_BUDGET`, past it counted in
        :func:`sample_windows` and scaled (IDF's input: it barely moves)."""
        return _PHRASES.get(self, list(dict.fromkeys(phrases)), self._phrase_counts)

    def _phrase_counts(self, phrases: list[str]) -> dict[str, int]:
        raise NotImplementedError

    def _rowid_span(self) -> tuple[int, int]:
        """The lowest and highest chunk rowids (in one SELECT without subqueries, SQLite
        read every row for both)."""
        row = self._db.execute(
            "SELECT (SELECT min(rowid) FROM chunks), (SELECT max(rowid) FROM chunks)"
        ).fetchone()
        return (row[0], row[1])

    def maintain(self) -> None:
        """Upkeep after writes (the server catalog vacuums; the embedded one needs none)."""

    def _postings_of(self, terms: list[str]) -> dict[str, int]:
        """Each term's postings (see :meth:`_postings`)."""
        return {t: self._postings(t) for t in terms}

    def _cached_postings(self, terms: list[str]) -> dict[str, int]:
        """:meth:`_postings_of`, each term's counted once per budget until the catalog
        changes."""
        budget = POSTING_BUDGET

        def read(keys: list[tuple[int, str]]) -> dict[tuple[int, str], int]:
            return {(budget, t): n for t, n in self._postings_of([t for _, t in keys]).items()}

        found = _POSTINGS.get(self, [(budget, t) for t in terms], read)
        return {t: found[budget, t] for t in terms}

    def _within_budget(self, terms: list[str]) -> dict[str, int]:
        """The terms to score (in query order) with their postings: rarest first until
        the postings exceed :data:`POSTING_BUDGET`; terms matching nothing are left out.

        Postings are counted only to just past the budget; when every term is past it, the
        one scored is the rarest by its estimated count (:meth:`phrase_chunk_counts`): its
        ranking reads every chunk holding it (at a million chunks, the keyword leg of "which
        work order numbers had missing parts…" took 192 ms scoring "work", in 126k chunks,
        and 42 ms scoring "numbers", in 27k), and the rarer term says more."""
        postings = self._cached_postings(terms)
        said = [t for t in terms if postings[t]]
        past = [t for t in said if postings[t] > POSTING_BUDGET]
        estimated = self.phrase_chunk_counts(past) if len(past) == len(said) > 1 else {}
        kept: list[str] = []
        spent = 0
        for term in sorted(said, key=lambda t: (postings[t], estimated.get(t, 0))):
            if kept and spent + postings[term] > POSTING_BUDGET:
                break
            kept.append(term)
            spent += postings[term]
        return {t: postings[t] for t in terms if t in kept}

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

    def embed_texts(self, batch: int = 1000) -> Iterator[list[Any]]:
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
            "coalesce(sum(CASE WHEN message_count > 0 THEN 1 ELSE 0 END), 0) FROM documents"
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
        """A cheap value that changes whenever documents are written or removed: every write
        of a source stamps it (``ingested_at``), even one that only deletes documents, and
        removing sources changes their count. (Counting the documents too cost 7 ms a call
        at 1M chunks in PostgreSQL, and every catalog cache asks for the marker.) Inside
        :meth:`one_state` it is the one read when that began."""
        pinned = _STATE.get()
        if pinned is not None and pinned[0] is self:
            return pinned[1]
        return self._read_change_marker()

    @contextmanager
    def one_state(self) -> Iterator[None]:
        """Read the change marker once for all that runs inside (in this thread): a search
        asks for it through each of its caches, a round trip each in PostgreSQL. A write
        meanwhile is seen by the next search, as it would be had it come a moment later."""
        token = _STATE.set((self, self._read_change_marker()))
        try:
            yield
        finally:
            _STATE.reset(token)

    def _read_change_marker(self) -> tuple[Any, ...]:
        row = self._db.execute(
            "SELECT (SELECT max(run_id) FROM runs), (SELECT max(ingested_at) FROM sources), "
            "(SELECT count(*) FROM sources), (SELECT max(rowid) FROM chunks)"
        ).fetchone()
        return tuple(row)

    def people_rows(self) -> list[dict[str, Any]]:
        """Every (document, person) pair as the readers named the person."""
        rows = self._db.execute(
            "SELECT doc_id, name, email, user_id, handle, messages FROM document_people "
            "ORDER BY doc_id, rowid"
        )
        return [dict(r) for r in rows]

    def people_rows_of(self, doc_ids: list[str]) -> list[dict[str, Any]]:
        """The :meth:`people_rows` of these documents only (in the order of ``doc_ids``)."""
        sql = (
            "SELECT doc_id, name, email, user_id, handle, messages FROM document_people "
            "WHERE doc_id IN ({marks}) ORDER BY doc_id, rowid"
        )
        found: dict[str, list[dict[str, Any]]] = {}
        for row in self._rows_in(sql, doc_ids):
            found.setdefault(row["doc_id"], []).append(dict(row))
        return [row for doc_id in doc_ids for row in found.get(doc_id, ())]

    def documents_index(self) -> list[dict[str, Any]]:
        """Per document what a people directory needs: kind, title, dates, path, access,
        and what tells one version of the document from another (content hash, chunks)."""
        rows = self._db.execute(
            "SELECT doc_id, kind, origin, title, created, ended, source_path, channel, "
            "access_scope, access_members, message_count, content_hash, chunk_count "
            "FROM documents"
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

    def chunk_texts_of(self, doc_ids: list[str]) -> list[tuple[str, str, str]]:
        """``(doc_id, heading, text)`` of every chunk of these documents, in document and
        reading order (what reading the chunks whole would cost twice over)."""
        sql = (
            "SELECT doc_id, heading, text FROM chunks WHERE doc_id IN ({marks}) "
            "ORDER BY doc_id, position"
        )
        return [(r[0], r[1], r[2]) for r in self._rows_in(sql, doc_ids)]

    def iter_chunks(self, batch: int = 2000) -> Iterator[ChunkRow]:
        """All chunks, in rowid order, read in batches."""
        for row in self._scan_chunks(CHUNK_COLUMNS, "", (), batch):
            values = dict(row)
            del values["rowid"]
            values["people"] = json.loads(values["people"])
            yield ChunkRow(**values)

    def origin_texts(self, origins: list[str], batch: int = 2000) -> Iterator[tuple[str, str, str]]:
        """(doc_id, origin, text) of every chunk from these origins, in rowid order, read in
        batches."""
        marks = ",".join("?" * len(origins))
        for row in self._scan_chunks(
            "doc_id, origin, text", f" AND origin IN ({marks})", origins, batch
        ):
            yield row["doc_id"], row["origin"], row["text"]

    def _scan_chunks(
        self, columns: str, where: str, params: Sequence[Any], batch: int
    ) -> Iterator[Any]:
        """Rows of ``rowid, columns`` of the chunks passing ``where`` (an ``AND …`` clause),
        in rowid order, ``batch`` at a time, each batch after the last rowid read."""
        last = 0
        while True:
            rows = self._db.execute(
                f"SELECT rowid, {columns} FROM chunks WHERE rowid > ?{where} "
                "ORDER BY rowid LIMIT ?",
                (last, *params, batch),
            ).fetchall()
            if not rows:
                return
            last = rows[-1]["rowid"]
            yield from rows

    def sample_chunk_texts(self, limit: int, kinds: tuple[str, ...]) -> list[str]:
        """About ``limit`` to twice ``limit`` texts of chunks of these kinds, spread evenly: those
        whose rowid is a multiple of a power of two (deterministic). An ingest adds its own
        chunks to the sample and keeps the rest; only when the chunks have doubled does
        the sample halve, to a part of itself. (One step per ``limit`` chunks moved every
        few thousand chunks and swapped the whole sample: at a million chunks a word it
        counts flipped to common, and a people update read 41,883 documents again, in
        182 s against 20.)"""
        marks = ",".join("?" * len(kinds))
        total = self._db.execute(
            f"SELECT count(*) FROM chunks WHERE kind IN ({marks})", kinds
        ).fetchone()[0]
        step = 1 << max(0, (total // max(limit, 1)).bit_length() - 1)
        rows = self._db.execute(
            f"SELECT text FROM chunks WHERE kind IN ({marks}) AND rowid % ? = 0"
            f"{self._SAMPLE_ORDER}",
            (*kinds, step),
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
        """How many chunks there are, counted once until the catalog changes (counting is a
        scan: 39 ms at 1M chunks in PostgreSQL, and every search asks)."""

        def count(keys: list[str]) -> dict[str, int]:
            return {"chunks": int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])}

        return _TOTALS.get(self, ["chunks"], count)["chunks"]

    def sampled_share(self, filters: Filters) -> float | None:
        """About what share of the chunks pass ``filters`` when they name only kinds and a
        person (None for any other filter): counted in :data:`SHARE_WINDOWS` windows of
        :data:`SHARE_WINDOW` rowids spread over all chunks, read once until the catalog
        changes (counting every chunk by kind cost 141 ms at 1M chunks in SQLite, warm;
        the windows' 5,000 rows 6 ms, within 0.005 of each kind's share there)."""
        if not filters or replace(filters, kinds=(), person=None):
            return None

        def read(keys: list[str]) -> dict[str, Any]:
            low, high = self._rowid_span() if self.chunk_total() else (0, -1)
            step = max(SHARE_WINDOW, (high - low + 1) / SHARE_WINDOWS)
            starts = [round(low + i * step) for i in range(SHARE_WINDOWS) if low + i * step <= high]
            sql = " UNION ALL ".join(
                "SELECT kind, people_terms FROM chunks WHERE rowid BETWEEN ? AND ?" for _ in starts
            )
            params = [v for start in starts for v in (start, start + SHARE_WINDOW - 1)]
            rows = [(r[0], r[1]) for r in self._db.execute(sql, params)] if starts else []
            return {"rows": rows, "kinds": Counter(kind for kind, _ in rows)}

        sample = _SHARE_SAMPLES.get(self, ["rows", "kinds"], read)
        rows, seen = sample["rows"], max(len(sample["rows"]), 1)
        if not filters.person:  # kinds alone, counted as the sample was read
            return sum(sample["kinds"][kind] for kind in set(filters.kinds)) / seen
        kinds, term = set(filters.kinds), f"|{person_key(filters.person)}|"
        passing = sum(1 for kind, terms in rows if (not kinds or kind in kinds) and term in terms)
        return passing / seen


class CatalogCache(Generic[K, V]):
    """Values read from catalogs by key, per catalog: the least recently used beyond
    ``size`` forgotten, and all of a catalog's once its :meth:`~BaseCatalog.change_marker`
    moves. Thread-safe; the values handed out are shared, so never change them. A key
    being read by one thread is not read again by another meanwhile: that one waits for
    it (a search counts its terms' postings in two threads at once). A thread waits only
    after its own read, so reads that ask other caches cannot wait on each other in a
    ring unless a read asks its own cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._cached: dict[str, tuple[Any, OrderedDict[K, V]]] = {}
        self._reading: dict[tuple[str, Any, K], threading.Event] = {}

    def get(self, catalog: Any, keys: list[K], read: Callable[[list[K]], dict[K, V]]) -> dict[K, V]:
        """The values of ``keys`` (those ``read`` finds), the missing ones read."""
        marker = catalog.change_marker()  # before reading: a write after it moves it
        name = str(catalog.path)
        with self._lock:
            cached = self._cached.get(name)
            if cached is None or cached[0] != marker:
                cached = self._cached[name] = (marker, OrderedDict())
            values = cached[1]
            found = {k: values[k] for k in keys if k in values}
            for key in found:
                values.move_to_end(key)
            missing = list(dict.fromkeys(k for k in keys if k not in found))
            theirs = {k: e for k in missing if (e := self._reading.get((name, marker, k)))}
            mine = [k for k in missing if k not in theirs]
            for key in mine:
                self._reading[name, marker, key] = threading.Event()
        try:
            fresh = read(mine) if mine else {}
            with self._lock:
                values.update(fresh)
                while len(values) > self.size:
                    values.popitem(last=False)
        finally:
            with self._lock:
                for key in mine:
                    self._reading.pop((name, marker, key)).set()
        found.update(fresh)
        for event in theirs.values():
            event.wait()
        with self._lock:
            found.update({k: values[k] for k in theirs if k in values})
        unread = [k for k in theirs if k not in found]  # forgotten, or that read failed
        if unread:
            found.update(read(unread))
        return found


def sample_windows(span: tuple[int, int]) -> list[tuple[int, int]]:
    """:data:`SAMPLE_WINDOWS` rowid ranges spread evenly over ``span`` (min, max), together
    :data:`SAMPLED_SHARE` of it: where a phrase past the budget is counted (see
    :meth:`BaseCatalog.phrase_chunk_counts`). Spread, not a prefix: a word said mostly in
    one period (one project's year) still counts about right."""
    low, high = span
    step = (high - low + 1) / SAMPLE_WINDOWS
    width = max(1, round(step * SAMPLED_SHARE))
    return [
        (low + round(i * step), low + round(i * step) + width - 1) for i in range(SAMPLE_WINDOWS)
    ]


def scaled_count(sampled: int, windows: list[tuple[int, int]], span: tuple[int, int]) -> int:
    """A count in ``windows`` scaled to the whole ``span``."""
    covered = sum(hi - lo + 1 for lo, hi in windows)
    return round(sampled * (span[1] - span[0] + 1) / max(covered, 1))


# Each term's postings and each phrase's chunks (they change only with the catalog), kept
# for the next searches.
_POSTINGS: CatalogCache[tuple[int, str], int] = CatalogCache(4096)
_PHRASES: CatalogCache[str, int] = CatalogCache(4096)
_TOTALS: CatalogCache[str, int] = CatalogCache(1)
_SHARE_SAMPLES: CatalogCache[str, Any] = CatalogCache(2)
# a few grantee lists' visible documents (up to about 7 MB each at a million chunks)
_VISIBLE: CatalogCache[tuple[str, ...], frozenset[str]] = CatalogCache(8)


def _chunk_row(row: Any) -> ChunkRow:
    """A row of :data:`CHUNK_COLUMNS` (then ``date_source``, when selected) as a ChunkRow."""
    values = list(row)
    values[_PEOPLE] = list(_people(values[_PEOPLE]))
    return ChunkRow(*values)


_PEOPLE = CHUNK_COLUMNS.split(", ").index("people")


@lru_cache(maxsize=4096)
def _people(raw: str) -> tuple[str, ...]:
    """A chunk's ``people`` column decoded once per distinct value (few chunks differ)."""
    return tuple(json.loads(raw))


def visible_documents_sql(access: tuple[str, ...]) -> tuple[str, list[Any]]:
    """``SELECT doc_id …`` of the documents a searcher holding ``access`` may see."""
    return (
        f"SELECT doc_id FROM document_access WHERE acl_id IN ({_acl_sql(access)})",
        list(access),
    )


def access_sql(alias: str, access: tuple[str, ...]) -> tuple[str, list[Any]]:
    """Whether the chunk ``alias`` may be seen by a searcher holding ``access`` (one lookup
    by rowid; false for a chunk without an access row)."""
    return (
        f"coalesce((SELECT acl_id FROM chunk_access WHERE chunk_rowid = {alias}.rowid) "
        f"IN ({_acl_sql(access)}), false)",
        list(access),
    )


def _acl_sql(access: tuple[str, ...]) -> str:
    """The access lists naming any of these grantees (no list when there are none)."""
    if not access:
        return "SELECT CAST(NULL AS INTEGER) WHERE false"
    return f"SELECT acl_id FROM access_grants WHERE grantee IN ({','.join('?' * len(access))})"


def _token(row: Any) -> Token:
    return Token(
        token_id=row["token_id"],
        principal=row["principal"],
        groups=json.loads(row["groups"]),
        admin=bool(row["admin"]),
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


def filter_sql(
    filters: Filters, alias: str, by_chunk: bool = False, fence: str = ""
) -> tuple[str, list[Any]]:
    """SQL conditions (each starting with AND) and their parameters for ``filters``. With
    ``by_chunk`` (a query that visits given chunks one by one) a person is looked up for each
    chunk, instead of listing all of that person's chunks first (133k of a million), in a
    subquery ending with ``fence`` (PostgreSQL's ``OFFSET 0`` keeps it one: see
    ``PostgresCatalog.passing_among``)."""
    parts: list[str] = []
    params: list[Any] = []
    if filters.access is not None:
        condition, values = access_sql(alias, filters.access)
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
        parts.append(
            "EXISTS (SELECT 1 FROM chunk_people p "
            f"WHERE p.term = ? AND p.chunk_id = {alias}.chunk_id{fence})"
            if by_chunk
            else f"{alias}.chunk_id IN (SELECT chunk_id FROM chunk_people WHERE term = ?)"
        )
        params.append(person_key(filters.person))
    if filters.since is not None:
        parts.append(f"coalesce({alias}.end_ts, {alias}.start_ts) >= ?")
        params.append(filters.since)
    if filters.until is not None:
        parts.append(f"{alias}.start_ts <= ?")
        params.append(filters.until)
    return "".join(f" AND {p}" for p in parts), params

"""Copy an embedded store into server mode (``watercooler migrate --to postgresql://…``).

The catalog's rows are copied table by table with PostgreSQL's ``COPY``, keeping every id
(chunk rowids, access list ids, token ids), so nothing needs renumbering; the full-text
column is computed by PostgreSQL as rows arrive. The vectors are read from the embedded
Chroma store and added to the Chroma server as stored: nothing is embedded again.

Order, so that a copy cut short at any moment can simply be rerun: the target catalog must
be empty, and it stays empty until the copy's one catalog transaction commits. A run first
clears the target collection (anything there is a cut-short attempt's), copies the vectors,
then the catalog rows in one transaction. Once the catalog holds a chunk, its vector is on
the server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.store.catalog import Catalog
from search.store.catalog.postgres import PostgresCatalog
from search.store.vectors import chroma_client

# Parents before children; the journal's tables are left out (the source's pending writes
# are finished before the copy).
TABLES = (
    "sources",
    "runs",
    "documents",
    "chunks",
    "chunk_people",
    "document_people",
    "access_lists",
    "access_grants",
    "document_access",
    "chunk_access",
    "source_access",
    "tokens",
)
# Serial columns whose sequences must continue after the copied ids.
SERIALS = {
    "chunks": "rowid",
    "runs": "run_id",
    "document_people": "rowid",
    "access_lists": "acl_id",
    "tokens": "token_id",
}
# Tables SQLite keeps without a rowid, read in their key's order instead.
ORDER = {"access_grants": "grantee, acl_id"}
BATCH = 2000

Progress = Callable[[str, int], None]


class TransferError(RuntimeError):
    """The copy cannot go ahead (the target holds a store, the source has no vectors...)."""


@dataclass(frozen=True, slots=True)
class Copied:
    """What a copy wrote: rows per table and vectors."""

    rows: dict[str, int]
    vectors: int


def _columns(target: PostgresCatalog, table: str) -> list[str]:
    """The target table's columns that are written (not generated)."""
    rows = target._db.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ? AND is_generated = 'NEVER' "
        "ORDER BY ordinal_position",
        (table,),
    )
    return [r[0] for r in rows]


def check_empty(target: PostgresCatalog) -> None:
    for table in ("sources", "documents", "tokens"):
        if target._db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
            raise TransferError(
                f"{target.path} already holds a store ({table} has rows): migrate copies "
                "into an empty database only"
            )


def _collection_names(client: Any) -> set[str]:
    return {c.name if hasattr(c, "name") else c for c in client.list_collections()}


def copy_vectors(
    source: Catalog, chroma_path: str, chroma_url: str, collection: str, progress: Progress
) -> int:
    """Replace the server's collection with the embedded store's vectors, as stored."""
    embedded = chroma_client(None, Path(chroma_path))
    if collection not in _collection_names(embedded):
        if source.chunk_total():
            raise TransferError(
                f"{chroma_path} holds no collection {collection!r} although the catalog has "
                "chunks: the vectors are not in this home's embedded store"
            )
        return 0
    from_collection = embedded.get_collection(collection)
    if from_collection.count() != source.chunk_total():
        raise TransferError(
            f"the embedded store holds {from_collection.count()} vectors for "
            f"{source.chunk_total()} chunks: run `watercooler check --repair` first"
        )
    server = chroma_client(chroma_url, Path(chroma_path))
    if collection in _collection_names(server):
        server.delete_collection(collection)
    to_collection = server.create_collection(
        name=collection, metadata=from_collection.metadata, embedding_function=None
    )
    copied, offset = 0, 0
    while True:
        batch = from_collection.get(
            include=["embeddings", "documents", "metadatas"], limit=BATCH, offset=offset
        )
        if not batch["ids"]:
            return copied
        to_collection.add(
            ids=batch["ids"],
            embeddings=batch["embeddings"],
            documents=batch["documents"],
            metadatas=batch["metadatas"],
        )
        copied += len(batch["ids"])
        offset += BATCH
        progress("vectors", copied)


def copy_catalog(source: Catalog, target: PostgresCatalog, progress: Progress) -> dict[str, int]:
    """Every row of the embedded catalog into the empty server catalog, in one transaction."""
    counts: dict[str, int] = {}
    with target.transaction() as db:
        for table in TABLES:
            columns = _columns(target, table)
            listed = ", ".join(columns)
            order = ORDER.get(table, "rowid")
            rows = source._db.execute(f"SELECT {listed} FROM {table} ORDER BY {order}")
            count = 0
            with db.connection.cursor().copy(f"COPY {table} ({listed}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(tuple(row))
                    count += 1
                    if count % BATCH == 0:
                        progress(table, count)
            counts[table] = count
            progress(table, count)
            if table in SERIALS:
                column = SERIALS[table]
                db.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                    f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
                )
        meta = source._db.execute("SELECT key, value FROM meta WHERE key != 'schema_version'")
        db.executemany(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
            [tuple(r) for r in meta],
        )
    # Fresh statistics, and the visibility map the keyword leg's index-only scans need
    # (autovacuum would get there, a minute or more later).
    target._db.execute("VACUUM ANALYZE")
    return counts


def migrate_to_server(
    source: Catalog,
    chroma_path: str,
    database_url: str,
    chroma_url: str,
    collection: str,
    progress: Progress = lambda step, n: None,
) -> Copied:
    """Copy the embedded store (its catalog ``source`` and the Chroma files at
    ``chroma_path``) into the PostgreSQL database and the Chroma server named."""
    target = PostgresCatalog(database_url)
    try:
        check_empty(target)
        vectors = copy_vectors(source, chroma_path, chroma_url, collection, progress)
        rows = copy_catalog(source, target, progress)
    finally:
        target.close()
    if vectors != rows["chunks"]:
        raise TransferError(
            f"copied {rows['chunks']} chunks but {vectors} vectors: run `watercooler check "
            "--repair` against the server store"
        )
    return Copied(rows, vectors)

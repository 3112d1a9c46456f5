"""The catalog: sources (the ingest ledger), documents, chunks, people, access lists,
tokens, runs and the keyword index, in SQLite (embedded, the default) or PostgreSQL
(``WATERCOOLER_DATABASE_URL``).

- :mod:`.rows`: what the catalog hands out (chunk rows, tokens, person keys);
- :mod:`.base`: the SQL both engines run as written;
- :mod:`.sqlite`: :class:`Catalog`, one file, FTS5;
- :mod:`.postgres`: :class:`PostgresCatalog`, ``tsvector``, advisory locks for
  concurrent ingest (and why psycopg rather than SQLAlchemy).
"""

from __future__ import annotations

from search.store.catalog.base import (
    CHUNK_COLUMNS,
    DOCUMENT_FIELDS,
    POSTING_BUDGET,
    BaseCatalog,
    Journal,
    visible_documents_sql,
)
from search.store.catalog.rows import ChunkRow, SourceAccess, Token, person_key, person_terms
from search.store.catalog.sqlite import ACCESS_SCHEMA, JOURNAL_SCHEMA, SCHEMA, Catalog
from search.store.settings import Settings

__all__ = [
    "ACCESS_SCHEMA",
    "CHUNK_COLUMNS",
    "DOCUMENT_FIELDS",
    "JOURNAL_SCHEMA",
    "POSTING_BUDGET",
    "SCHEMA",
    "BaseCatalog",
    "Catalog",
    "ChunkRow",
    "Journal",
    "SourceAccess",
    "Token",
    "open_catalog",
    "person_key",
    "person_terms",
    "visible_documents_sql",
]


def open_catalog(settings: Settings) -> BaseCatalog:
    """The configured catalog: PostgreSQL at ``WATERCOOLER_DATABASE_URL``, else the
    embedded SQLite file under ``WATERCOOLER_HOME``."""
    if settings.database_url:
        from search.store.catalog.postgres import PostgresCatalog

        return PostgresCatalog(settings.database_url)
    return Catalog(settings.catalog_path)

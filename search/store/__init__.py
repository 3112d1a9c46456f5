"""The store: where ingest writes and search reads.

- ``store.Store``: opens the catalog and the vectors and keeps them in step.
- ``catalog``: sources ledger, documents, chunks, people, access lists and the keyword index,
  in SQLite (``Catalog``, FTS5) or PostgreSQL (``PostgresCatalog``, tsvector): ``open_catalog``.
- ``vectors.Vectors``: Chroma, embedded or a server; ``embeddings.Embedder``: the local model.
- ``settings.Settings``: configuration from ``WATERCOOLER_*``; ``offline``: no network, ever.
- ``kinds``: the vocabulary of document kinds; ``filters.Filters``: what a search is limited to.
"""

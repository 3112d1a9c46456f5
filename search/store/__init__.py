"""The store: where ingest writes and search reads.

- ``store.Store``: opens the catalog and the vectors and keeps them in step.
- ``catalog.Catalog``: SQLite: sources ledger, documents, chunks, people, FTS5 keyword index.
- ``vectors.Vectors``: Chroma, embedded or a server; ``embeddings.Embedder``: the local model.
- ``settings.Settings``: configuration from ``WATERCOOLER_*``; ``offline``: no network, ever.
- ``kinds``: the vocabulary of document kinds; ``filters.Filters``: what a search is limited to.
"""

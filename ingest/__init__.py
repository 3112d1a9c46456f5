"""Ingest: read sources into normalized records, chunk them, and write them to the store.

``pipeline.ingest`` is the entry point; ``sources`` finds files and their readers
(``ingest.readers``); ``records`` is the normalized record; ``chunking`` cuts records into
chunks sized for the embedding model.
"""

import search.store.offline  # noqa: F401  (must run before third-party imports)

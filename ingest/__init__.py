"""Readers per source, normalized records, conversation-aware chunks, and the ingest pipeline."""

import search.offline  # noqa: F401  (must run before third-party imports)

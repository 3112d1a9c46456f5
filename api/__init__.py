"""The HTTP API (``app.create_app``, ``routes``), the search page and the CLI (``cli``)."""

import search.store.offline  # noqa: F401  (must run before third-party imports)

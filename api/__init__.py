"""The HTTP API, the search page and the watercooler CLI."""

import search.offline  # noqa: F401  (must run before third-party imports)

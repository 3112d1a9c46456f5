"""Store access, retrieval and answers over what was ingested."""

import search.offline  # noqa: F401  (must run before third-party imports)

"""Everything that reads the store: the store itself, retrieval, answers and people.

- ``search.store``: the catalog (SQLite or PostgreSQL), vectors (Chroma), kept in step by ``Store``.
- ``search.retrieval``: hybrid retrieval (``Retriever``), snippets, facets, evaluation.
- ``search.answers``: extractive answers with citations (``Answerer``), the LLM path (``Asker``).
- ``search.people``: the people directory (``directory_for``), experts (``ExpertFinder``).
- ``search.status``: what the store holds, for ``/status`` and ``watercooler status``.
"""

import search.store.offline  # noqa: F401  (must run before third-party imports)

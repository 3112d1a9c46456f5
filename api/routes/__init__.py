"""HTTP routes, one module per resource; each parses, calls one library function, formats.

``search`` (GET /search), ``documents`` (GET /documents/{id}), ``ask`` (POST /ask,
/ask/stream), ``experts`` (GET /experts), ``people`` (GET /people, /people/{id}),
``status`` (GET /status, /healthz), ``topics`` (GET /topics, /topics/{id}, /risk,
/people/{id}/unique-knowledge) and ``page`` (the search page at /, the topics views at
/knowledge).
"""

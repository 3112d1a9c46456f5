"""One reader per source format; each has ``detect(path)`` and ``read(path) -> ReadResult``.

Formats: ``slack``, ``discord``, ``teams``, ``mail`` (with ``mailtext``), ``transcripts``,
``chatlog`` (IRC-style logs), ``chatfile`` (generic JSONL/CSV), ``notes`` (markdown,
reStructuredText through ``rst``, text), ``office`` (docx, pdf, pptx, html through
unstructured, with ``offline_nlp``). Shared text helpers: ``textutil``, ``dates``, ``markup``
(inline markdown, name shapes), ``headers`` (a document's stated metadata) and ``attendance``
(attendees and speaker tags). ``ingest.sources`` picks the reader for a file.
"""

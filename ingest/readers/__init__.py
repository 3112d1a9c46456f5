"""One reader per source format; each has ``detect(path)`` and ``read(path) -> ReadResult``.

Formats: ``slack``, ``discord``, ``teams``, ``mail`` (with ``mailtext``), ``transcripts``,
``chatlog`` (IRC-style logs), ``chatfile`` (generic JSONL/CSV), ``notes`` (markdown, text),
``office`` (docx, pdf, pptx, html through unstructured, with ``offline_nlp``). Shared text
helpers: ``textutil`` and ``dates``. ``ingest.sources`` picks the reader for a file.
"""

"""Live capture: sources that Watercooler pulls from as conversations happen.

A source is configured once (``watercooler sources add KIND NAME …``, kept in
``WATERCOOLER_HOME/sources.yaml``: :mod:`.config`) and synced on a schedule by
``watercooler serve`` (:mod:`.schedule`) or at once by ``watercooler sources sync``
(:mod:`.sync`). Each kind's connector (:mod:`.folder`, :mod:`.imap`, :mod:`.git`,
:mod:`.slack`, :mod:`.matrix`) brings what changed at the source into a local folder it
owns, keeping a durable cursor; the ordinary ingest then reads that folder, skipping what
did not change and forgetting what disappeared, so edits and deletions at the source
follow into search.
"""

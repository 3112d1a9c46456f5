"""The write order holds with the catalog in PostgreSQL: `watercooler ingest` SIGKILLed at
each write step of its first source, then rerun, leaves the catalog and the vectors in step
(PostgreSQL rolls back the transaction of a client that died inside it)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from ingest.pipeline import ingest
from search.store.journal import CRASH_AT
from tests.conftest import make_store, postgres_schema
from tests.crash_check import forked_cli
from tests.ingest.test_pipeline import catalog_ids, vector_ids, write_org

# The first source's steps: inside its catalog transaction (2: rolled back), after the commit,
# before Chroma has the vectors (3: replayed from the journal). The later steps are Chroma's,
# as in the embedded mode (tests/ingest/test_crash_safety.py).
STEPS = (2, 3)


@pytest.mark.parametrize("crash_at", STEPS)
def test_an_ingest_killed_at_a_write_step_then_rerun_leaves_the_stores_in_step(
    tmp_path: Path, crash_at: int
) -> None:
    org = write_org(tmp_path / "org")
    home = tmp_path / "home"
    with postgres_schema() as url:
        env = {
            **os.environ,
            "WATERCOOLER_HOME": str(home),
            "WATERCOOLER_DATABASE_URL": url,
            CRASH_AT: str(crash_at),
        }
        # `watercooler ingest` in a process forked from one that imported the command line
        killed = forked_cli(["ingest", str(org), "--json"], env, timeout=300)
        assert killed == -signal.SIGKILL
        store = make_store(home, database_url=url)
        try:
            summary = ingest([org], store)
            assert not summary.failures
            assert len(store.catalog.source_paths()) == 2
            assert store.catalog.counts()["documents"] == 2
            assert catalog_ids(store) == vector_ids(store) != set()
            assert store.pending_writes() == 0
        finally:
            store.close()

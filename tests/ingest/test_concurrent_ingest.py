"""Several `watercooler ingest` processes on one PostgreSQL catalog and one Chroma server:
different sources are written at once, the same source once (the other process waits,
then finds it written), and nothing is duplicated or lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from search.store.store import Store
from tests.conftest import chroma_server, make_store, postgres_schema

NOTES = 8
TOPICS = ("pricing review", "database migration", "hiring plan", "offline mode launch")


def write_notes(folder: Path, label: str) -> Path:
    """``NOTES`` meeting notes, one source each."""
    folder.mkdir(parents=True)
    for n in range(NOTES):
        topic = TOPICS[n % len(TOPICS)]
        (folder / f"{label}-{n}.md").write_text(
            f"# {label} weekly {n}\n\nDate: 2025-03-{n + 1:02d}\n\n## {topic}\n\n"
            + f"The team discussed the {topic} for {label}, item {n}. " * 6
            + "\n"
        )
    return folder


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with chroma_server(tmp_path_factory.mktemp("chroma")) as url:
        yield url


@pytest.fixture
def servers(chroma_url: str) -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL schema and the Chroma server, as the processes' environment."""
    with postgres_schema() as database_url:
        yield {"WATERCOOLER_DATABASE_URL": database_url, "WATERCOOLER_CHROMA_URL": chroma_url}


def ingest_at_once(
    servers: dict[str, str], tmp_path: Path, collection: str, *folders: Path
) -> list[dict[str, Any]]:
    """Run one `watercooler ingest` process per folder, all at once (each with its own
    WATERCOOLER_HOME, as on separate machines); their JSON summaries."""
    cli = Path(sys.executable).with_name("watercooler")
    processes = []
    for n, folder in enumerate(folders):
        env = {
            **os.environ,
            **servers,
            "WATERCOOLER_HOME": str(tmp_path / f"home{n}"),
            "WATERCOOLER_COLLECTION": collection,
        }
        processes.append(
            subprocess.Popen(
                [str(cli), "ingest", str(folder), "--json"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    summaries = []
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
        summaries.append(json.loads(out))
    return summaries


def open_shared(servers: dict[str, str], tmp_path: Path, collection: str) -> Store:
    return make_store(
        tmp_path / "reader",
        database_url=servers["WATERCOOLER_DATABASE_URL"],
        chroma_url=servers["WATERCOOLER_CHROMA_URL"],
        collection=collection,
    )


def check_nothing_duplicated_or_lost(store: Store, sources: list[Path]) -> None:
    db = store.catalog._db
    paths = sorted(str(p.resolve()) for p in sources)
    assert store.catalog.source_paths() == paths
    documents = db.execute("SELECT source_path, count(*) FROM documents GROUP BY 1").fetchall()
    assert sorted(documents) == [(p, 1) for p in paths]
    chunks = [r[0] for r in db.execute("SELECT chunk_id FROM chunks").fetchall()]
    assert chunks and len(chunks) == len(set(chunks))
    vectors = store.vectors.collection.get(include=[])["ids"]
    assert sorted(vectors) == sorted(chunks)
    assert store.pending_writes() == 0


def test_ingests_of_different_sources_run_at_once(servers: dict[str, str], tmp_path: Path) -> None:
    a = write_notes(tmp_path / "a", "alpha")
    b = write_notes(tmp_path / "b", "beta")
    summaries = ingest_at_once(servers, tmp_path, "different", a, b)
    assert [s["new"] for s in summaries] == [NOTES, NOTES]
    store = open_shared(servers, tmp_path, "different")
    try:
        check_nothing_duplicated_or_lost(store, [*a.iterdir(), *b.iterdir()])
        runs = store.catalog._db.execute(
            "SELECT started_at, finished_at FROM runs WHERE run_id IN (?, ?)",
            [s["run_id"] for s in summaries],
        ).fetchall()
        (start1, end1), (start2, end2) = runs
        assert start1 < end2 and start2 < end1  # neither waited for the other to finish
    finally:
        store.close()


def test_ingests_of_the_same_source_write_it_once(servers: dict[str, str], tmp_path: Path) -> None:
    same = write_notes(tmp_path / "same", "gamma")
    summaries = ingest_at_once(servers, tmp_path, "same", same, same)
    assert sum(s["new"] for s in summaries) == NOTES
    assert sum(s["unchanged"] for s in summaries) == NOTES
    store = open_shared(servers, tmp_path, "same")
    try:
        check_nothing_duplicated_or_lost(store, list(same.iterdir()))
    finally:
        store.close()

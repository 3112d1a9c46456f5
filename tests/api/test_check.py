"""``watercooler check`` finds chunks without vectors and orphan vectors; ``--repair`` fixes."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from ingest.pipeline import ingest
from search.store.embeddings import Embedder
from search.store.store import Store
from tests.conftest import SAMPLE_ORG, make_store


@pytest.fixture
def small_store(tmp_path: Path, embedder: Embedder) -> Iterator[Store]:
    org = tmp_path / "org"
    org.mkdir()
    shutil.copy(SAMPLE_ORG / "meeting-notes" / "2025-01-14-platform-weekly.md", org)
    shutil.copy(SAMPLE_ORG / "mail" / "company.mbox", org)
    store = make_store(tmp_path / "home")
    store.__dict__["embedder"] = embedder
    ingest([org], store)
    yield store
    store.close()


def run_check(store: Store, *args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(
        cli, ["check", "--json", *args], env={"WATERCOOLER_HOME": str(store.settings.home)}
    )
    return result.exit_code, json.loads(result.stdout)


def vector_of(store: Store, chunk_id: str) -> np.ndarray:
    found = store.vectors._collection.get(ids=[chunk_id], include=["embeddings"])
    return np.asarray(found["embeddings"][0])


def test_check_exits_0_when_catalog_and_vectors_agree(small_store: Store) -> None:
    code, report = run_check(small_store)
    assert code == 0
    assert report["clean"] and report["chunks"] == report["vectors"] > 0


def test_check_finds_a_missing_and_an_orphan_vector_and_repair_fixes_both(
    small_store: Store,
) -> None:
    collection = small_store.vectors._collection
    victim = sorted(collection.get(include=[])["ids"])[3]
    original = vector_of(small_store, victim)
    collection.delete(ids=[victim])
    collection.add(ids=["ghost:0"], embeddings=[[0.1] * len(original)], documents=["boo"])

    code, report = run_check(small_store)
    assert code == 1
    assert (report["missing"], report["orphans"]) == ([victim], ["ghost:0"])

    code, report = run_check(small_store, "--repair")
    assert code == 0
    assert report["repair"] == {"reembedded": 1, "deleted": 1, "clean": True}
    assert run_check(small_store)[0] == 0
    # Re-embedded from the catalog's embed_text: the vector ingest made.
    assert np.allclose(vector_of(small_store, victim), original, atol=1e-5)


def test_check_finds_vectors_of_a_chunk_removed_from_the_catalog(small_store: Store) -> None:
    with small_store.catalog.transaction() as db:
        chunk_id = db.execute("SELECT chunk_id FROM chunks ORDER BY chunk_id").fetchone()[0]
        db.execute("DELETE FROM chunks WHERE chunk_id = ?", (chunk_id,))
    code, report = run_check(small_store)
    assert (code, report["orphans"], report["missing"]) == (1, [chunk_id], [])
    assert run_check(small_store, "--repair")[0] == 0
    assert chunk_id not in small_store.vectors._collection.get(include=[])["ids"]

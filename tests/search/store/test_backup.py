"""Backup and restore: a restored store answers like the original, and a backup taken while
another thread writes and searches is consistent."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest

from ingest.pipeline import ingest
from search.retrieval.retriever import Retriever
from search.store.backup import BackupError, backup, read_manifest, restore
from search.store.settings import Settings
from search.store.store import Store
from tests.conftest import make_store, notes_store

QUERIES = ["release date decision", "pricing for the enterprise tier", "SOC 2 audit evidence"]


def hits(store: Store, query: str) -> list[tuple[str, str, float]]:
    found = Retriever(store).search(query, k=5)
    return [(h.doc_id, h.chunk_id, round(h.score, 4)) for h in found]


def restored_store(source: Path, home: Path) -> Store:
    restore(source, Settings(home=home))
    return make_store(home)


def assert_consistent(store: Store) -> None:
    """Every catalog chunk has exactly one vector, holding that chunk's text."""
    rows = {r["chunk_id"]: r["text"] for batch in store.catalog.embed_texts() for r in batch}
    stored = store.vectors.collection.get(include=["documents"])
    assert dict(zip(stored["ids"], stored["documents"], strict=True)) == rows


@pytest.fixture(scope="module")
def sample_backup(sample_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("backups") / "sample"
    backup(sample_store, dest)
    return dest


def test_a_backup_holds_every_chunk_vector_as_chroma_had_it(
    sample_store: Store, sample_backup: Path
) -> None:
    manifest = read_manifest(sample_backup)
    chunks = sample_store.catalog.chunk_total()
    assert manifest.chunks == chunks == manifest.from_chroma
    assert manifest.embedded == manifest.from_journal == 0
    assert manifest.embedding_model == "all-MiniLM-L6-v2"
    assert manifest.embedding_dimension == 384
    assert sorted(p.name for p in sample_backup.iterdir()) == [
        "catalog.db",
        "manifest.json",
        "vectors.db",
    ]


def test_a_restored_store_gives_the_same_hits(
    sample_store: Store, sample_backup: Path, tmp_path: Path
) -> None:
    restored = restored_store(sample_backup, tmp_path / "home")
    try:
        assert restored.status()["documents"] == sample_store.status()["documents"]
        assert restored.vectors.count() == sample_store.vectors.count()
        for query in QUERIES:
            assert hits(restored, query) == hits(sample_store, query), query
        assert_consistent(restored)
    finally:
        restored.close()


def test_restore_refuses_a_home_that_holds_a_store_unless_forced(
    sample_backup: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    restore(sample_backup, Settings(home=home))

    with pytest.raises(BackupError, match=r"already holds a store.*--force") as refused:
        restore(sample_backup, Settings(home=home))
    assert str(home) in str(refused.value)

    again = restore(sample_backup, Settings(home=home), force=True)
    assert again.replaced and again.vectors == again.manifest.chunks


def test_backup_refuses_a_destination_that_is_not_empty(
    sample_store: Store, tmp_path: Path
) -> None:
    dest = tmp_path / "taken"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    with pytest.raises(BackupError, match="not an empty folder"):
        backup(sample_store, dest)
    assert (dest / "notes.txt").read_text() == "mine"


def test_restoring_a_folder_that_is_no_backup_names_it_and_changes_nothing(
    tmp_path: Path,
) -> None:
    with pytest.raises(BackupError, match=r"not a Watercooler backup \(no manifest.json\)"):
        restore(tmp_path, Settings(home=tmp_path / "home"))
    assert not (tmp_path / "home").exists()


def test_restoring_a_damaged_catalog_is_refused(sample_backup: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(sample_backup, copy)
    data = bytearray((copy / "catalog.db").read_bytes())
    data[4096 * 3 : 4096 * 6] = b"\xff" * (4096 * 3)
    (copy / "catalog.db").write_bytes(bytes(data))
    with pytest.raises((BackupError, sqlite3.DatabaseError)):
        restore(copy, Settings(home=tmp_path / "home"))
    assert not (tmp_path / "home" / "catalog.db").exists()


@pytest.fixture
def small_store(tmp_path: Path, sample_org_copy: Path) -> Store:
    return notes_store(sample_org_copy, tmp_path, 4)


def test_a_vector_replaced_after_the_snapshot_is_embedded_again(
    small_store: Store, tmp_path: Path
) -> None:
    chunk_id = small_store.catalog.embed_texts().__next__()[0]["chunk_id"]
    collection = small_store.vectors.collection
    original = collection.get(ids=[chunk_id], include=["embeddings"])["embeddings"][0]
    # as a write committed after the snapshot leaves Chroma: another version of the chunk
    collection.update(ids=[chunk_id], documents=["a newer version"], embeddings=[[0.0] * 384])

    manifest = backup(small_store, tmp_path / "backup")

    assert manifest.embedded == 1
    assert manifest.from_chroma == manifest.chunks - 1
    restored = restored_store(tmp_path / "backup", tmp_path / "restored")
    try:
        again = restored.vectors.collection.get(ids=[chunk_id], include=["embeddings"])
        assert float(np.dot(again["embeddings"][0], original)) > 0.9999
        assert_consistent(restored)
    finally:
        restored.close()
        small_store.close()


def test_a_backup_taken_while_another_thread_writes_and_searches_is_consistent(
    small_store: Store, tmp_path: Path
) -> None:
    changing = tmp_path / "changing"
    changing.mkdir()
    stop = threading.Event()
    done: list[int] = []
    failed: list[BaseException] = []

    def write_and_search() -> None:
        try:
            while not stop.is_set():
                n = len(done)
                memo = changing / "memo.md"
                memo.write_text(f"# Memo {n}\n\nRevision {n}: the kiln budget moves {n} days.\n")
                assert not ingest([changing], small_store).failures
                assert Retriever(small_store).search("kiln budget", k=3)
                if n % 3 == 2:
                    small_store.forget(str(changing))
                done.append(n)
        except BaseException as exc:  # reported below
            failed.append(exc)

    writer = threading.Thread(target=write_and_search)
    writer.start()
    try:
        while len(done) < 2:  # the writer is under way
            writer.join(0.05)
            assert not failed, failed
        backups = [tmp_path / f"backup-{i}" for i in range(3)]
        written_during = []
        for dest in backups:
            before = len(done)
            backup(small_store, dest)
            written_during.append(len(done) - before)
    finally:
        stop.set()
        writer.join(60)
    assert not failed, failed
    assert sum(written_during) > 0, "no write overlapped a backup"
    for i, dest in enumerate(backups):
        restored = restored_store(dest, tmp_path / f"restored-{i}")
        try:
            assert_consistent(restored)
            assert Retriever(restored).search("weekly meeting", k=3)
        finally:
            restored.close()
    small_store.close()

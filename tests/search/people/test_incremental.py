"""After an ingest or a forget, the people directory and the profile index are updated from
the documents that changed, and equal what a full build makes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from benchmarks.people_directory import differences
from ingest.pipeline import ingest
from search.people import snapshot
from search.people.attributed import Attributed
from search.people.directory import Directory, build_directory, directory_for
from search.people.experts import ProfileIndex, profile_index
from search.people.people_file import load_people_config
from search.store.store import Store
from tests.conftest import PEOPLE_FILE, SAMPLE_ORG, make_store

NOTES = sorted((SAMPLE_ORG / "meeting-notes").glob("*.md"))


def build(
    store: Store, previous: Directory | None = None, people_file: Path | None = PEOPLE_FILE
) -> tuple[Directory, ProfileIndex]:
    directory = build_directory(store.catalog, load_people_config(people_file), previous)
    return directory, profile_index(directory, store)


def late_notes(folder: Path) -> Path:
    """Two notes the store has not seen: a new person, a lone word who speaks in turns,
    people already known."""
    folder.mkdir()
    (folder / "2025-09-02-platform-weekly.md").write_text(
        "# Platform weekly\n\nDate: 2025-09-02\nAttendees: Priya Raman, Tomás Herrera, "
        "Ngozi Okafor\n\n## Updates\n\n- Ngozi Okafor: the queue migration is done.\n"
        "- Priya: rollout plan for the new ingest workers next week.\n",
        encoding="utf-8",
    )
    (folder / "2025-09-09-design-review.md").write_text(
        "# Design review\n\nDate: 2025-09-09\n\nAttendees:\n- Zubair\n- Ngozi Okafor\n\n"
        "Zubair: the cache keys must carry the document version.\n"
        "Ngozi Okafor: agreed, and forgotten documents must drop out.\n",
        encoding="utf-8",
    )
    return folder


def copied_store(sample_store: Store, tmp_path: Path) -> Store:
    """A copy of the sample store with people.yaml, without its people snapshot."""
    home = tmp_path / "home"
    shutil.copytree(sample_store.settings.home_dir, home, ignore=shutil.ignore_patterns("people.*"))
    return make_store(home, people_file=PEOPLE_FILE)


def unread(*args: object) -> None:
    raise AssertionError("read again")


def assert_updated_equals_full(
    store: Store, previous: Directory, people_file: Path | None
) -> Directory:
    updated = build(store, previous, people_file)
    full = build(store, None, people_file)
    assert differences(updated, full) == []
    return updated[0]


@pytest.mark.parametrize("people_file", [None, PEOPLE_FILE])
def test_an_update_after_an_ingest_and_a_forget_equals_a_full_build(
    engine: dict[str, Any], tmp_path: Path, people_file: Path | None
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for path in NOTES[:6]:
        shutil.copy(path, notes / path.name)
    store = make_store(tmp_path / "home", **engine)
    try:
        assert not ingest([notes], store).failures
        before, _ = build(store, None, people_file)
        assert not ingest([late_notes(tmp_path / "late")], store).failures
        forgotten = next(p for p in store.catalog.source_paths() if p.endswith(NOTES[0].name))
        gone = store.forget(forgotten)
        after = assert_updated_equals_full(store, before, people_file)
        assert "ngozi-okafor" in after.persons
        assert not set(gone) & set(after.docs)
        assert not any(set(gone) & set(p.documents) for p in after.persons.values())
        # nothing changed since: an update reads no document's people or text again
        with pytest.MonkeyPatch.context() as patch:
            for method in (
                "people_rows",
                "people_rows_of",
                "chunk_texts_of",
                "chunks_of_documents",
                "iter_chunks",
            ):
                patch.setattr(store.catalog, method, unread)
            again = build(store, after, people_file)
        assert differences(again, build(store, None, people_file)) == []
    finally:
        store.close()


def test_the_directory_cache_is_updated_after_an_ingest(
    sample_store: Store, tmp_path: Path
) -> None:
    store = copied_store(sample_store, tmp_path)
    try:
        first = directory_for(store.catalog, PEOPLE_FILE)
        profile_index(first, store)
        assert not ingest([late_notes(tmp_path / "late")], store).failures
        updated = directory_for(store.catalog, PEOPLE_FILE)
        assert updated is not first
        index = profile_index(updated, store)
        assert differences((updated, index), build(store)) == []
    finally:
        store.close()


def test_an_ingest_adds_to_the_vocabularys_sample_and_keeps_what_it_held(
    sample_store: Store, tmp_path: Path
) -> None:
    """Words are judged common from a sample of the notes: one that swapped with every few
    chunks ingested flipped words, and every document saying one was attributed again."""
    store = copied_store(sample_store, tmp_path)
    kinds, limits = ("meeting_notes", "memo"), range(4, 40)
    try:
        before = {n: store.catalog.sample_chunk_texts(n, kinds) for n in limits}
        assert not ingest([late_notes(tmp_path / "late")], store).failures
        after = {n: store.catalog.sample_chunk_texts(n, kinds) for n in limits}
    finally:
        store.close()
    assert all(before.values())
    assert [n for n in limits if not set(before[n]) <= set(after[n])] == []


def test_the_snapshot_child_updates_the_snapshot_it_finds(
    sample_store: Store, tmp_path: Path
) -> None:
    store = copied_store(sample_store, tmp_path)
    try:
        snapshot.write_snapshot(store)
        assert not ingest([late_notes(tmp_path / "late")], store).failures
        assert not snapshot.load_snapshot(store)
        snapshot.write_snapshot(store)  # from the snapshot of the store before the ingest
        assert snapshot.load_snapshot(store)
        warmed = directory_for(store.catalog, PEOPLE_FILE)
        assert differences((warmed, warmed.cache["profile_index"]), build(store)) == []
    finally:
        store.close()


def test_a_person_who_joins_has_only_the_documents_naming_them_attributed_again(
    engine: dict[str, Any], tmp_path: Path
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "2025-08-01-ops-sync.md").write_text(
        "# Ops sync\n\nDate: 2025-08-01\nAttendees: Priya Raman, Tomás Herrera\n\n"
        "- Priya Raman: Ngozi Okafor from the data team joins the queue work.\n",
        encoding="utf-8",
    )
    (notes / "2025-08-02-budget-review.md").write_text(
        "# Budget review\n\nDate: 2025-08-02\nAttendees: Priya Raman, Tomás Herrera\n\n"
        "- Tomás Herrera: the budget holds for the quarter.\n",
        encoding="utf-8",
    )
    store = make_store(tmp_path / "home", **engine)
    try:
        assert not ingest([notes], store).failures
        before, _ = build(store)
        assert "ngozi-okafor" not in before.persons  # named in a note, not yet a person
        late = tmp_path / "late"
        late.mkdir()
        (late / "2025-09-09-design-review.md").write_text(
            "# Design review\n\nDate: 2025-09-09\n\nAttendees:\n- Zubair\n- Ngozi Okafor\n\n"
            "Zubair: the cache keys must carry the document version.\n"
            "Ngozi Okafor: agreed, and forgotten documents must drop out.\n",
            encoding="utf-8",
        )
        assert not ingest([late], store).failures
        read: list[str] = []
        attributed = Attributed.read

        def reading(self: Any, store: Store, doc_ids: list[str], total: int, workers: int) -> None:
            read.extend(doc_ids)
            attributed(self, store, doc_ids, total, workers)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Attributed, "read", reading)
            after, index = build(store, before)
        assert differences((after, index), build(store)) == []
        assert "ngozi-okafor" in after.persons
        titles = sorted(after.docs[d].title for d in read)
        assert titles == ["Design review", "Ops sync"]  # not the budget review
    finally:
        store.close()

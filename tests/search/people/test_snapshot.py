"""Warm start: the people directory is built in a child process and saved for the next start."""

from __future__ import annotations

import gc
import pickle
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from ingest.pipeline import ingest
from search.collector import settle
from search.people import directory, snapshot
from search.people.directory import (
    build_directory,
    built_directory,
    directory_for,
    directory_key,
    remember,
)
from search.people.experts import ExpertFinder, set_profiles_pending
from search.people.people_file import load_people_config
from search.status import status
from search.store.settings import Settings
from search.store.store import Store
from tests.conftest import PEOPLE_FILE, LiveServer


def _copy(sample_store: Store, tmp_path: Path) -> Store:
    home = tmp_path / "home"
    # without the snapshot a live server of the sample store may have written there
    shutil.copytree(sample_store.settings.home_dir, home, ignore=shutil.ignore_patterns("people.*"))
    return Store.open(Settings(home=home, people_file=PEOPLE_FILE))


def test_the_child_process_saves_the_directory_the_server_would_build(
    sample_store: Store, tmp_path: Path
) -> None:
    store = _copy(sample_store, tmp_path)
    try:
        warmer = snapshot.warm_in_background(store)
        warmer.thread.join(timeout=300)
        assert warmer.child is not None and warmer.child.returncode == 0
        assert snapshot.snapshot_path(store.settings).is_file()
        # not loaded into the server yet: that waits for the first request needing it
        assert built_directory(store.catalog, PEOPLE_FILE) is None
        warmed = directory_for(store.catalog, PEOPLE_FILE)
        built = build_directory(store.catalog, load_people_config(PEOPLE_FILE))
        assert {p.name for p in warmed.persons.values()} == {p.name for p in built.persons.values()}
        assert "profile_index" in warmed.cache  # experts need not build it either
        experts = ExpertFinder(store, PEOPLE_FILE).find("mobile release", k=3)
        assert experts and experts[0].evidence
    finally:
        store.close()


def test_the_child_saves_the_directory_alone_before_it_builds_the_profile_index(
    sample_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _copy(sample_store, tmp_path)
    try:
        staged = []

        def saved_alone() -> None:
            found = snapshot.read_snapshot(store)
            assert found is not None
            staged.append((snapshot.snapshot_is_current(store), dict(found[1].cache)))
            assert len(found[1].persons) > 10

        snapshot.write_snapshot(store, staged=saved_alone)
        assert staged == [(False, {})]  # not current yet: a restart would build the index
        assert snapshot.snapshot_is_current(store)
        found = snapshot.read_snapshot(store)
        assert found is not None and "profile_index" in found[1].cache
        # after a small ingest the index is updated in seconds: the directory waits for it
        note = tmp_path / "note.md"
        note.write_text("# Late note\n\nDate: 2025-06-01\n\nRiya Patel joined.\n", "utf-8")
        ingest([note], store)
        snapshot.write_snapshot(store, staged=saved_alone)
        assert len(staged) == 1 and snapshot.snapshot_is_current(store)
        # after a large one (more documents than the threshold) it is saved first again
        monkeypatch.setattr(snapshot, "STAGE_DOCUMENTS", 1)
        for name in ("a", "b"):
            more = tmp_path / f"{name}.md"
            more.write_text(f"# Note {name}\n\nDate: 2025-06-02\n\nRiya Patel wrote {name}.\n")
            ingest([more], store)
        snapshot.write_snapshot(store, staged=saved_alone)
        assert len(staged) == 2 and staged[1][0] is False and "profile_index" not in staged[1][1]
        assert snapshot.snapshot_is_current(store)
    finally:
        store.close()


def test_requests_during_a_warm_start_load_what_the_child_saves_rather_than_build(
    sample_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _copy(sample_store, tmp_path)

    def no_build(*args: object) -> None:
        raise AssertionError("a request built the directory while the child was building it")

    try:
        monkeypatch.setattr(directory, "build_directory", no_build)
        warmer = snapshot.warm_in_background(store)
        with ThreadPoolExecutor(max_workers=2) as pool:
            found = list(pool.map(lambda _: directory_for(store.catalog, PEOPLE_FILE), [0, 1]))
        assert len(found[0].persons) > 10
        # the second request waited for the first one's load rather than load again, unless
        # the child finished meanwhile: then it loaded the whole snapshot, index included
        assert found[0] is found[1] or any("profile_index" in f.cache for f in found)
        assert {p.name for p in found[0].persons.values()} == {
            p.name for p in found[1].persons.values()
        }
        warmer.thread.join(timeout=300)
        assert warmer.child is not None and warmer.child.returncode == 0
        assert "profile_index" in directory_for(store.catalog, PEOPLE_FILE).cache
    finally:
        store.close()


def test_experts_rank_by_passages_alone_while_the_profiles_are_being_built(
    sample_store: Store, tmp_path: Path
) -> None:
    store = _copy(sample_store, tmp_path)
    people = build_directory(store.catalog, load_people_config(PEOPLE_FILE))
    remember(store.catalog, PEOPLE_FILE, directory_key(store.catalog, PEOPLE_FILE), people)
    set_profiles_pending(store, True)  # as a warm start does until its child is done
    try:
        with LiveServer(store.settings, warm=False) as server:
            query = {"q": "mobile release", "k": 3}
            pending = httpx.get(f"{server.url}/experts", params=query, timeout=60).json()
            assert pending["model"] == "document" and "still being built" in pending["notice"]
            assert pending["experts"] and pending["experts"][0]["evidence"]
            assert "profile_index" not in people.cache  # the request did not build it
            set_profiles_pending(store, False)
            done = httpx.get(f"{server.url}/experts", params=query, timeout=60).json()
            assert done["model"] == "combined" and done["notice"] is None
            assert "profile_index" in people.cache
    finally:
        set_profiles_pending(store, False)
        store.close()


def test_status_at_server_start_counts_names_rather_than_build_the_directory(
    sample_store: Store, tmp_path: Path
) -> None:
    store = _copy(sample_store, tmp_path)
    try:
        quick = status(store, build_people=False)
        assert quick["people"] == store.status()["people"]  # distinct names in the catalog
        assert built_directory(store.catalog, PEOPLE_FILE) is None  # nothing was built
        merged = status(store)["people"]
        assert merged == len(directory_for(store.catalog, PEOPLE_FILE).persons)
        assert merged != quick["people"]
        assert status(store, build_people=False)["people"] == merged  # once built, used
    finally:
        store.close()


def test_a_restart_keeps_a_current_snapshot_and_loads_it_on_first_need(
    sample_store: Store, tmp_path: Path
) -> None:
    store = _copy(sample_store, tmp_path)
    try:
        snapshot.write_snapshot(store)
        warmer = snapshot.warm_in_background(store)
        warmer.thread.join(timeout=60)
        assert warmer.child is None  # nothing to build
        assert built_directory(store.catalog, PEOPLE_FILE) is None
        assert "profile_index" in directory_for(store.catalog, PEOPLE_FILE).cache  # loaded
    finally:
        store.close()


def test_requests_arriving_while_a_deferred_snapshot_loads_wait_for_it_rather_than_build(
    sample_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _copy(sample_store, tmp_path)
    try:
        snapshot.write_snapshot(store)
        calls = []

        def slow_load() -> tuple | None:
            calls.append(1)
            time.sleep(0.5)  # as a large snapshot takes seconds
            return snapshot.read_snapshot(store)

        def no_build(*args: object) -> None:
            raise AssertionError("built a directory while one was being loaded")

        directory.defer(store.catalog, PEOPLE_FILE, slow_load)
        monkeypatch.setattr(directory, "build_directory", no_build)
        with ThreadPoolExecutor(max_workers=2) as pool:
            found = list(pool.map(lambda _: directory_for(store.catalog, PEOPLE_FILE), [0, 1]))
        assert len(calls) == 1
        assert found[0] is found[1] and "profile_index" in found[0].cache
    finally:
        store.close()


def test_a_snapshot_of_another_store_state_is_not_used(sample_store: Store, tmp_path: Path) -> None:
    store = _copy(sample_store, tmp_path)
    try:
        snapshot.write_snapshot(store)
        assert snapshot.load_snapshot(store)
        note = tmp_path / "note.md"
        note.write_text("# Late note\n\nDate: 2025-06-01\n\nRiya Patel joined.\n", encoding="utf-8")
        ingest([note], store)
        assert not snapshot.load_snapshot(store)
    finally:
        store.close()


def test_a_loaded_directory_is_kept_from_the_collector_and_freed_once_replaced(
    sample_store: Store, tmp_path: Path
) -> None:
    """Once cached, the directory's objects are frozen: left to the collector, its passes
    walked them in the next searches (at a million chunks, 300-350 ms a pass). One replaced
    is freed, not kept frozen: a loaded directory's objects hold cycles."""
    store = _copy(sample_store, tmp_path)
    try:
        snapshot.write_snapshot(store)
        settle()
        before = gc.get_freeze_count()
        assert snapshot.load_snapshot(store)
        loaded = gc.get_freeze_count() - before
        assert loaded > 1000
        assert len(gc.get_objects()) < loaded / 10  # what the collector still walks
        for _ in range(3):  # the same snapshot, loaded again: each replaces the one before
            assert snapshot.load_snapshot(store)
        assert gc.get_freeze_count() - before < loaded * 1.1
    finally:
        store.close()


def test_a_damaged_snapshot_is_ignored(sample_store: Store, tmp_path: Path) -> None:
    store = _copy(sample_store, tmp_path)
    try:
        snapshot.snapshot_path(store.settings).write_bytes(b"not a pickle")
        assert not snapshot.load_snapshot(store)
    finally:
        store.close()


def test_a_snapshot_cut_short_is_ignored(sample_store: Store, tmp_path: Path) -> None:
    store = _copy(sample_store, tmp_path)
    try:
        path = snapshot.write_snapshot(store)
        whole = path.read_bytes()
        for length in (len(whole) // 3, len(whole) - 1):
            path.write_bytes(whole[:length])
            assert not snapshot.load_snapshot(store)
    finally:
        store.close()


def test_a_snapshot_built_by_other_code_is_not_used(sample_store: Store, tmp_path: Path) -> None:
    store = _copy(sample_store, tmp_path)
    try:
        path = snapshot.write_snapshot(store)
        with path.open("rb") as saved:
            version, _, key, complete = pickle.load(saved)
            rest = saved.read()
        path.write_bytes(pickle.dumps((version, "an older release", key, complete)) + rest)
        assert not snapshot.snapshot_is_current(store)
        assert not snapshot.load_snapshot(store)
    finally:
        store.close()

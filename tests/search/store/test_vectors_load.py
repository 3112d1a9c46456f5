"""Loading an embedded store's vectors ahead of the first search (``watercooler serve``)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from search.retrieval.retriever import Retriever
from search.store.store import Store
from search.store.vectors import start_loading


def test_loading_ahead_finishes_and_searches_answer(
    sample_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="search.store.vectors")
    settings = sample_store.settings
    thread = start_loading(None, settings.chroma_path, settings.collection)
    assert thread is not None
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert "not loaded ahead" not in caplog.text
    assert Retriever(sample_store).search("pricing", k=3, mode="dense")


def test_a_missing_collection_is_left_to_the_first_search(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="search.store.vectors")
    (tmp_path / "chroma").mkdir()
    thread = start_loading(None, tmp_path / "chroma", "no-such-collection")
    assert thread is not None
    thread.join(timeout=60)
    assert "vectors not loaded ahead" in caplog.text


def test_nothing_is_loaded_or_made_without_a_store_or_with_a_chroma_server(tmp_path: Path) -> None:
    assert start_loading(None, tmp_path / "nothing", "watercooler") is None
    assert not (tmp_path / "nothing").exists()
    assert start_loading("http://127.0.0.1:9", tmp_path, "watercooler") is None

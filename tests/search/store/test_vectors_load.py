"""Loading the vectors ahead of the first search (``watercooler serve``), embedded or from a
Chroma server."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from search.retrieval.retriever import Retriever
from search.store.store import Store
from search.store.vectors import chroma_client, server_address, start_loading
from tests.conftest import chroma_server, free_port


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


def test_nothing_is_loaded_or_made_without_a_store(tmp_path: Path) -> None:
    assert start_loading(None, tmp_path / "nothing", "watercooler") is None
    assert not (tmp_path / "nothing").exists()


def test_a_chroma_server_is_asked_for_the_collection_ahead(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="search.store.vectors")
    with chroma_server(tmp_path / "data") as url:
        collection = chroma_client(url, tmp_path).create_collection("loaded-ahead")
        collection.add(ids=["a", "b"], embeddings=[[1.0, 0.0], [0.0, 1.0]])
    with chroma_server(tmp_path / "data") as url:  # started again: nothing loaded
        thread = start_loading(url, tmp_path / "unused", "loaded-ahead")
        assert thread is not None
        thread.join(timeout=60)
        assert not thread.is_alive()
        assert "not loaded ahead" not in caplog.text
        assert start_loading(url, tmp_path / "unused", "loaded-ahead") is thread
        missing = start_loading(url, tmp_path / "unused", "no-such-collection")
        assert missing is not None
        missing.join(timeout=60)
        assert "vectors not loaded ahead" in caplog.text
    assert not (tmp_path / "unused").exists()


def test_an_unreachable_chroma_server_is_left_to_the_first_search(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="search.store.vectors")
    thread = start_loading(f"http://127.0.0.1:{free_port()}", tmp_path, "watercooler")
    assert thread is not None
    thread.join(timeout=60)
    assert "vectors not loaded ahead" in caplog.text


def test_the_chroma_server_is_asked_where_its_client_would_connect() -> None:
    """Loading ahead and the client read WATERCOOLER_CHROMA_URL alike: Chroma's port 8000
    unless one is given, 443 for https."""
    assert server_address("http://chroma") == ("chroma", 8000, False)
    assert server_address("chroma:9000") == ("chroma", 9000, False)
    assert server_address("https://vectors.example") == ("vectors.example", 443, True)
    with pytest.raises(ValueError, match="WATERCOOLER_CHROMA_URL"):
        server_address("http://:9")

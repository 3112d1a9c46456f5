"""The ONNX embedder: the same vectors as sentence-transformers, exported once."""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from sentence_transformers import SentenceTransformer

from search.store.embeddings import ONNX_FILE, Embedder, load_embedder, start_loading
from search.store.settings import Settings

TEXTS = [
    "pager",
    "Who took over carrying the pager after our SRE quit?",
    "Priya: the Bedrock cutover moved to Saturday because of the change freeze. " * 30,
]


def test_vectors_match_sentence_transformers_including_truncated_text() -> None:
    model_path = Settings().model_path
    onnx = np.array(Embedder(model_path).embed_texts(TEXTS))
    reference = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
    expected = reference.encode(TEXTS, normalize_embeddings=True)
    assert onnx.shape == expected.shape
    assert np.allclose((onnx * expected).sum(axis=1), 1.0, atol=1e-5)
    query = Embedder(model_path).embed_query(TEXTS[1])
    assert np.allclose(query, onnx[1], atol=1e-5)


def test_a_model_is_exported_once_and_reused(tmp_path: Path) -> None:
    model_path = tmp_path / "model"
    shutil.copytree(Settings().model_path, model_path, ignore=shutil.ignore_patterns("onnx"))
    first = Embedder(model_path, cache_dir=tmp_path / "cache")
    vector = first.embed_query("launch date")
    exported = model_path / ONNX_FILE
    stamp = exported.stat().st_mtime_ns
    second = Embedder(model_path, cache_dir=tmp_path / "cache")
    assert second.onnx_path() == exported
    assert np.allclose(second.embed_query("launch date"), vector)
    assert exported.stat().st_mtime_ns == stamp
    assert not list(model_path.glob("onnx/*.partial"))


def test_a_model_folder_without_config_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="WATERCOOLER_EMBEDDING_MODEL"):
        Embedder(tmp_path)


def test_a_repeated_query_is_embedded_once_and_callers_get_their_own_copy(embedder) -> None:
    first = embedder.embed_query("who carries the pager now")
    first.append(0.0)  # a caller changing its list changes nothing kept
    second = embedder.embed_query("who carries the pager now")
    assert len(second) == len(first) - 1
    assert embedder._query_vector.cache_info().hits >= 1
    assert np.allclose(second, embedder.embed_texts(["who carries the pager now"])[0], atol=1e-5)


def test_a_model_loaded_ahead_is_the_one_searches_use() -> None:
    model_path = Settings().model_path
    thread = start_loading(model_path)
    thread.join(timeout=60)
    embedder = load_embedder(model_path)
    assert embedder._loaded is not None
    session = embedder._loaded
    embedder.embed_query("who carries the pager now")
    assert embedder._session is session


def test_threads_asking_for_the_model_at_once_share_one_session() -> None:
    embedder = Embedder(Settings().model_path)
    sessions: list[object] = []
    threads = [
        threading.Thread(target=lambda: sessions.append(embedder._session)) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(sessions) == 4 and all(s is sessions[0] for s in sessions)


def test_a_model_that_cannot_load_ahead_is_left_for_the_command_to_report(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="search.store.embeddings")
    start_loading(tmp_path / "no-model").join(timeout=60)
    assert "model not loaded ahead" in caplog.text
    assert "WATERCOOLER_EMBEDDING_MODEL" in caplog.text

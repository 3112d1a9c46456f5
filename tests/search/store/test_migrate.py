"""`watercooler migrate --to`: an embedded store copied into PostgreSQL and a Chroma server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from api.cli import app
from search.retrieval.retriever import Retriever
from search.store.principals import create_token, token_principal
from search.store.settings import Settings
from search.store.store import Store
from tests.conftest import SAMPLE_ORG, chroma_server, notes_store, postgres_schema


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    with chroma_server(tmp_path / "chroma-server") as url:
        yield url


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[tuple[Store, str]]:
    """A small embedded store with one API token (its secret)."""
    store = notes_store(SAMPLE_ORG, tmp_path, 3)
    _, secret = create_token(store.catalog, "dana@corp.example", ["eng"], admin=False)
    yield store, secret
    store.close()


def migrate(home: Path, url: str, chroma_url: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        ["migrate", "--to", url, "--chroma", chroma_url, "--json"],
        env={"WATERCOOLER_HOME": str(home)},
    )
    return result.exit_code, result.output


def test_migrate_copies_catalog_rows_and_vectors_without_re_embedding(
    embedded: tuple[Store, str], chroma_url: str, tmp_path: Path
) -> None:
    store, secret = embedded
    with postgres_schema() as url:
        code, output = migrate(store.settings.home, url, chroma_url)
        assert code == 0, output
        copied = json.loads(output)
        counts = store.catalog.counts()
        assert copied["rows"]["documents"] == counts["documents"]
        assert copied["vectors"] == copied["rows"]["chunks"] == counts["chunks"]

        server = Store.open(
            Settings(
                home=tmp_path / "server-home",
                database_url=url,
                chroma_url=chroma_url,
            )
        )
        try:
            assert server.catalog.counts() == counts
            ids = sorted(
                store.catalog.chunks_of_documents(sorted(_doc_ids(store)))[i].chunk_id
                for i in range(3)
            )
            before = store.vectors.collection.get(ids=ids, include=["embeddings"])
            after = server.vectors.collection.get(ids=ids, include=["embeddings"])
            stored = dict(zip(before["ids"], before["embeddings"], strict=True))
            moved = dict(zip(after["ids"], after["embeddings"], strict=True))
            assert moved.keys() == stored.keys()
            for chunk_id, vector in stored.items():  # the same float32 values, bit for bit
                assert np.array_equal(np.asarray(moved[chunk_id], np.float32), vector)
            assert token_principal(server.catalog, secret).name == "dana@corp.example"
            hit = Retriever(store).search("Burrow scope freeze offline technician", k=1)[0]
            assert (
                Retriever(server).search("Burrow scope freeze offline technician", k=1)[0].doc_id
                == hit.doc_id
            )
            assert server.recorded_model() == store.recorded_model()
        finally:
            server.close()


def test_migrate_refuses_a_database_that_holds_a_store(
    embedded: tuple[Store, str], chroma_url: str
) -> None:
    store, _ = embedded
    with postgres_schema() as url:
        assert migrate(store.settings.home, url, chroma_url)[0] == 0
        code, output = migrate(store.settings.home, url, chroma_url)
        assert code == 2
        assert "already holds a store" in output


def test_a_cut_short_migration_is_redone_from_the_start(
    embedded: tuple[Store, str], chroma_url: str, tmp_path: Path
) -> None:
    store, _ = embedded
    import chromadb

    host, port = chroma_url.removeprefix("http://").split(":")
    leftover = chromadb.HttpClient(host=host, port=int(port)).get_or_create_collection(
        store.settings.collection
    )
    leftover.add(ids=["left-behind"], embeddings=[[0.1] * 384], documents=["half a copy"])
    with postgres_schema() as url:
        code, output = migrate(store.settings.home, url, chroma_url)
        assert code == 0, output
        collection = chromadb.HttpClient(host=host, port=int(port)).get_collection(
            store.settings.collection
        )
        assert collection.count() == store.catalog.counts()["chunks"]
        assert collection.get(ids=["left-behind"])["ids"] == []


def test_migrate_needs_a_chroma_server(embedded: tuple[Store, str]) -> None:
    store, _ = embedded
    result = CliRunner().invoke(
        app,
        ["migrate", "--to", "postgresql://postgres@127.0.0.1/test"],
        env={"WATERCOOLER_HOME": str(store.settings.home), "WATERCOOLER_CHROMA_URL": ""},
    )
    assert result.exit_code == 2
    assert "--chroma" in result.output


def _doc_ids(store: Store) -> set[str]:
    return {doc["doc_id"] for doc in store.catalog.documents_index()}

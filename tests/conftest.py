"""Shared fixtures: the real embedding model, stores in temporary folders, a live server."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.app import create_app
from search.store.embeddings import Embedder, load_embedder
from search.store.settings import Settings
from search.store.store import Store

REPO = Path(__file__).resolve().parents[1]
SAMPLE_ORG = REPO / "api" / "sample_org"
DATA = Path(__file__).resolve().parent / "data"
SHARED = REPO.parent / "shared"  # real public records; tests that read them skip without it
SHARED_SAMPLES = REPO.parent / "shared" / "samples"
PEOPLE_FILE = REPO / "api" / "sample_people.yaml"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return load_embedder(Settings().model_path)


def make_store(home: Path, **overrides: object) -> Store:
    return Store.open(Settings(home=home, **overrides))


def notes_store(sample_org: Path, tmp_path: Path, count: int) -> Store:
    """A store of the sample organization's first ``count`` meeting notes (by name)."""
    from ingest.pipeline import ingest

    notes = tmp_path / "notes"
    notes.mkdir()
    for path in sorted((sample_org / "meeting-notes").glob("*.md"))[:count]:
        shutil.copy(path, notes / path.name)
    store = make_store(tmp_path / "home")
    assert not ingest([notes], store).failures
    return store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = make_store(tmp_path / "home")
    yield s
    s.close()


@pytest.fixture(scope="session")
def sample_org_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample organization that tests may not modify (session-wide)."""
    target = tmp_path_factory.mktemp("org") / "sample_org"
    shutil.copytree(SAMPLE_ORG, target)
    return target


@pytest.fixture(scope="session")
def sample_store(
    tmp_path_factory: pytest.TempPathFactory, sample_org_copy: Path
) -> Iterator[Store]:
    """The whole sample organization ingested once, read-only for the tests that use it."""
    from ingest.pipeline import ingest

    s = make_store(tmp_path_factory.mktemp("sample-home"))
    summary = ingest([sample_org_copy], s)
    assert not summary.failures, summary.failures
    yield s
    s.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """The real app under uvicorn on a loopback port, in a background thread."""

    def __init__(self, settings: Settings, **app_options: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings, warm=True, **app_options),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            proxy_headers=False,  # as `watercooler serve`: the client is the TCP peer
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def sample_server(sample_store: Store) -> Iterator[LiveServer]:
    with LiveServer(sample_store.settings) as server:
        yield server


@pytest.fixture(scope="session")
def people_server(sample_store: Store) -> Iterator[LiveServer]:
    """The sample organization served with its people.yaml."""
    settings = Settings(home=sample_store.settings.home, people_file=PEOPLE_FILE)
    with LiveServer(settings) as server:
        yield server

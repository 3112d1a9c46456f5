"""Shared fixtures: the real embedding model, stores in temporary folders, a live server,
PostgreSQL schemas for the server catalog."""

from __future__ import annotations

import functools
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psycopg
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


# The catalog engines the catalog and retrieval tests run against.
ENGINES = ("sqlite", "postgresql")
POSTGRES_URL = os.environ.get(
    "WATERCOOLER_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SKIP_POSTGRES = "WATERCOOLER_TEST_SKIP_POSTGRES"


def make_store(home: Path, **overrides: object) -> Store:
    return Store.open(Settings(home=home, **overrides))


@functools.cache
def _postgres_missing() -> str | None:
    """Why the test PostgreSQL server cannot be used (None: it answers), asked once."""
    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        return (
            f"these tests need PostgreSQL at {POSTGRES_URL} (set WATERCOOLER_TEST_DATABASE_URL "
            f"to use another; {SKIP_POSTGRES}=1 skips them): {' '.join(str(exc).split())}"
        )
    return None


def require_postgres() -> None:
    """Fail (or, with WATERCOOLER_TEST_SKIP_POSTGRES=1, skip) saying what is missing when
    the test PostgreSQL server does not answer."""
    reason = _postgres_missing()
    if reason and os.environ.get(SKIP_POSTGRES) == "1":
        pytest.skip(reason)
    if reason:
        pytest.fail(reason, pytrace=False)


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A database URL whose tables go into a new, empty schema, dropped afterwards."""
    require_postgres()
    schema = f"wc_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as db:
            db.execute(f"DROP SCHEMA {schema} CASCADE")


@contextmanager
def engine_settings(engine: str) -> Iterator[dict[str, Any]]:
    """Settings overrides that put a store's catalog in ``engine``."""
    if engine == "sqlite":
        yield {}
        return
    with postgres_schema() as url:
        yield {"database_url": url}


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """Settings overrides for each catalog engine in turn (a fresh PostgreSQL schema)."""
    with engine_settings(request.param) as overrides:
        yield overrides


@contextmanager
def chroma_server(data: Path) -> Iterator[str]:
    """A real Chroma server (`chroma run`) on a loopback port keeping its data in ``data``;
    its URL."""
    chroma = Path(sys.executable).with_name("chroma")
    if not chroma.exists():
        chroma = Path(shutil.which("chroma") or "chroma")
    port = free_port()
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("chroma run did not start")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


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


@pytest.fixture(scope="session")
def sample_store_postgres(sample_store: Store) -> Iterator[Store]:
    """The sample organization with its catalog in PostgreSQL: the embedded catalog's rows
    copied (ingest writes the same rows through the shared SQL; re-embedding the whole
    organization would double the suite's slowest step), the same vectors."""
    from search.store.transfer import copy_catalog

    with postgres_schema() as url:
        settings = Settings(home=sample_store.settings.home, database_url=url)
        s = Store.open(settings)
        copy_catalog(sample_store.catalog, s.catalog, lambda step, rows: None)
        yield s
        s.close()


@pytest.fixture(scope="session", params=ENGINES)
def sample_stores(request: pytest.FixtureRequest) -> Store:
    """The sample organization in each catalog engine in turn."""
    name = "sample_store" if request.param == "sqlite" else "sample_store_postgres"
    return request.getfixturevalue(name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """The real app under uvicorn on a loopback port, in a background thread."""

    def __init__(self, settings: Settings, warm: bool = True, **app_options: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings, warm=warm, **app_options),
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


@contextmanager
def two_readers(home: Path, folder: Path) -> Iterator[tuple[LiveServer, dict[str, dict]]]:
    """``folder`` ingested into a store at ``home`` and served, with request headers for two
    readers, ``dana`` and ``felix`` (dana@ and felix@corp.example, no groups)."""
    from ingest.pipeline import ingest
    from search.store.principals import create_token

    settings = Settings(home=home)
    store = Store.open(settings)
    try:
        assert not ingest([folder], store).failures
        tokens = {
            name: create_token(store.catalog, f"{name}@corp.example", [], False)[1]
            for name in ("dana", "felix")
        }
    finally:
        store.close()
    with LiveServer(settings) as server:
        yield server, {k: {"Authorization": f"Bearer {v}"} for k, v in tokens.items()}

"""What a starting server loads: only what searching needs, so that it answers sooner."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from search.store.store import Store
from tests.conftest import REPO, SAMPLE_ORG

# Imports the server process itself makes: it creates the app as `watercooler serve` does
# (warm, people directory building in the background), then searches and asks.
SERVE_AND_SEARCH = """
import json, sys
from fastapi.testclient import TestClient
import api.cli.service
from api.app import create_app

with TestClient(create_app(warm=True)) as client:
    hits = client.get("/search", params={"q": "budget"}).json()["hits"]
    answer = client.post("/ask", json={"question": "What was decided about the budget?"})
    heavy = ("llama_index", "sqlalchemy", "psycopg")
    loaded = sorted({m.split(".")[0] for m in sys.modules if m.startswith(heavy)})
    print(json.dumps({"hits": len(hits), "ask": answer.status_code, "loaded": loaded}))
"""


def test_an_embedded_server_searches_without_importing_llama_index_or_postgres(
    tmp_path: Path,
) -> None:
    # llama-index (over a second to import) is for writing vectors and splitting text, and
    # PostgreSQL's driver for server mode: neither may delay an embedded server's first answer.
    notes = tmp_path / "notes"
    notes.mkdir()
    for path in sorted((SAMPLE_ORG / "meeting-notes").glob("*.md"))[:3]:
        shutil.copy(path, notes / path.name)
    env = {**os.environ, "WATERCOOLER_HOME": str(tmp_path / "home")}
    env.pop("WATERCOOLER_DATABASE_URL", None)
    env.pop("WATERCOOLER_CHROMA_URL", None)
    run = [sys.executable, "-m", "api.cli", "ingest", str(notes)]
    ingested = subprocess.run(run, env=env, cwd=REPO, capture_output=True, text=True)
    assert ingested.returncode == 0, ingested.stderr

    report = run_python(SERVE_AND_SEARCH, env)
    assert report["hits"] > 0 and report["ask"] == 200
    assert report["loaded"] == []


# `watercooler serve` through its entry point, recording whether the vectors and the model
# had started loading by the time the command line (and with it the app) began to be imported.
SERVE_ENTRY = """
import json, sys, threading
import search.store.vectors as vectors

started = ["MainThread"]  # threads started so far (a load may be over before the import)
start = threading.Thread.start
def recording_start(thread):
    started.append(thread.name)
    start(thread)
threading.Thread.start = recording_start

class Watch:
    seen = None
    def find_spec(self, name, path=None, target=None):
        if name == "api.cli" and Watch.seen is None:
            Watch.seen = {"loading": [str(p) for p, _ in vectors._LOADING],
                          "threads": list(started)}

sys.meta_path.insert(0, Watch())
sys.argv = ["watercooler", *sys.argv[1:]]
from api.launch import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(Watch.seen))
"""


def run_entry(home: Path, *argv: str) -> dict[str, list[str]]:
    env = {**os.environ, "WATERCOOLER_HOME": str(home)}
    env.pop("WATERCOOLER_CHROMA_URL", None)
    return run_python(SERVE_ENTRY, env, *argv)


def test_serve_starts_loading_the_vectors_and_model_before_importing_the_command_line(
    sample_store: Store,
) -> None:
    home = sample_store.settings.home_dir
    seen = run_entry(home, "serve", "--help")
    assert seen["loading"] == [str(sample_store.settings.chroma_path.resolve())]
    assert {"vectors-load", "model-load"} <= set(seen["threads"])
    # other commands import the command line straight away and load nothing ahead
    assert run_entry(home, "status", "--help") == {"loading": [], "threads": ["MainThread"]}


def run_python(code: str, env: dict[str, str], *argv: str) -> Any:
    """What ``code``, run by a new interpreter in the repository, prints last (JSON)."""
    result = subprocess.run(
        [sys.executable, "-c", code, *argv],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])

"""The ``watercooler`` command's entry point.

For ``watercooler serve`` Chroma starts loading its vectors first (seconds at a million
chunks: an embedded store with Python's lock released, a Chroma server in its own process
when it has just started), and the embedding model its ONNX session
(half a second or more), and only then is the rest of the command line and the app imported
(about two seconds), so that the three overlap.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["serve"]:
        _load_ahead()
    from api.cli import app

    app()


def _load_ahead() -> None:
    from search.store import vectors
    from search.store.settings import Settings

    try:
        settings = Settings()
        model_path = settings.model_path
    except ValueError:  # a bad setting: the command itself reports it, naming the variable
        return
    vectors.start_loading(settings.chroma_url, settings.chroma_path, settings.collection)
    from search.store import embeddings

    embeddings.start_loading(model_path)

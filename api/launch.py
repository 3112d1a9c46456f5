"""The ``watercooler`` command's entry point.

For ``watercooler serve`` an embedded Chroma starts loading its vectors first (seconds at a
million chunks, with Python's lock released) and only then is the rest of the command line
and the app imported (about two seconds), so that the two overlap.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["serve"]:
        _load_vectors_ahead()
    from api.cli import app

    app()


def _load_vectors_ahead() -> None:
    from search.store.settings import Settings
    from search.store.vectors import start_loading

    try:
        settings = Settings()
    except ValueError:  # a bad setting: the command itself reports it, naming the variable
        return
    start_loading(settings.chroma_url, settings.chroma_path, settings.collection)

"""Writing a file whole: a reader (or a crash) never meets half of it."""

from __future__ import annotations

import os
from pathlib import Path


def replace_file(path: Path, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8) to a temporary file beside ``path``, then rename it
    into place."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    os.replace(partial, path)

"""Folder sources: one or more folders on this machine, read where they are.

Change detection is the ingest ledger's (content hashes), so a rescan after a restart
finds what changed while nothing watched. Files still being written are waited for: a file
changed in the last seconds is looked at again until its size and time stop moving.
"""

from __future__ import annotations

import time
from pathlib import Path

from ingest.connectors.config import SourceConfig
from ingest.connectors.pulled import Pulled

# A file modified this recently may still be growing.
RECENT_SECONDS = 3.0
# How long to wait for growing files before syncing the rest next time.
SETTLE_SECONDS = 30.0


class StillWriting(RuntimeError):
    """Files under a folder kept changing for the whole wait."""


def folders(config: SourceConfig) -> list[Path]:
    paths = config.options["paths"]
    return [Path(p).expanduser().resolve() for p in ([paths] if isinstance(paths, str) else paths)]


def _recent(roots: list[Path]) -> dict[Path, tuple[int, float]]:
    now = time.time()
    found = {}
    for root in roots:
        for path in root.rglob("*") if root.is_dir() else [root]:
            try:
                stat = path.stat()
            except OSError:
                continue
            if path.is_file() and now - stat.st_mtime < RECENT_SECONDS:
                found[path] = (stat.st_size, stat.st_mtime)
    return found


def wait_until_settled(roots: list[Path], settle: float = SETTLE_SECONDS) -> None:
    """Return once no recently changed file changes between two looks a second apart."""
    deadline = time.monotonic() + settle
    seen = _recent(roots)
    while seen:
        if time.monotonic() > deadline:
            raise StillWriting(f"still being written: {', '.join(map(str, sorted(seen)[:3]))}")
        time.sleep(1.0)
        now = _recent(roots)
        unchanged = all(now.get(path) == sizes for path, sizes in seen.items())
        if unchanged and now.keys() <= seen.keys():
            return
        seen = now


def pull(config: SourceConfig, mirror: Path, cursor: dict) -> Pulled:
    roots = folders(config)
    missing = [str(p) for p in roots if not p.exists()]
    if missing:
        raise FileNotFoundError(f"no such folder: {', '.join(missing)}")
    wait_until_settled(roots)
    return Pulled(paths=roots, cursor={"scanned_at": time.time()})

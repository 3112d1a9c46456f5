"""One sync of one source: pull what changed into its mirror, ingest it, keep the cursor.

Syncs of one source take turns on a lock file (``WATERCOOLER_HOME/sources/NAME.lock``):
a second one, in this process or another worker, skips rather than waits.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from ingest.connectors import folder, git, imap, matrix, slack
from ingest.connectors.config import SourceConfig
from ingest.connectors.state import SyncState, load_state, save_state
from ingest.pipeline import ingest
from search.store.store import Store

CONNECTORS: dict[str, ModuleType] = {
    "folder": folder,
    "imap": imap,
    "git": git,
    "slack": slack,
    "matrix": matrix,
}


class SyncBusy(RuntimeError):
    """Another sync of the same source is running."""


def mirror_dir(store: Store, name: str) -> Path:
    """Where a source's connector keeps what it pulled."""
    return store.settings.home_dir / "sources" / name


@contextmanager
def _turn(store: Store, name: str) -> Iterator[None]:
    path = store.settings.home_dir / "sources" / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as held:
        try:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise SyncBusy(f"source {name!r} is being synced by another process") from exc
        yield


def sync_source(
    config: SourceConfig, store: Store, clock: Callable[[], float] = time.time
) -> SyncState:
    """Sync ``config`` into ``store`` once; the state after it (its error, if it failed:
    the cursor then stays where it was, so the next sync pulls the same again)."""
    with _turn(store, config.name):
        state = load_state(store.catalog, config.name)
        state.last_attempt = clock()
        state.syncs += 1
        try:
            pulled = CONNECTORS[config.kind].pull(
                config, mirror_dir(store, config.name), state.cursor
            )
            summary = ingest(pulled.paths, store, prune=True, authors=pulled.authors)
        except Exception as exc:  # reported in the state, never raised into a schedule
            state.last_error = f"{type(exc).__name__}: {exc}"
        else:
            state.cursor = pulled.cursor
            state.last_success = clock()
            state.last_error = None
            failed = summary.failures
            if failed:
                state.last_error = "; ".join(f"{o.path}: {o.reason}" for o in failed[:3])
            state.added = summary.count("new") if pulled.added is None else pulled.added
            state.changed = summary.count("updated") if pulled.changed is None else pulled.changed
            state.deleted = len(summary.removed) if pulled.deleted is None else pulled.deleted
        save_state(store.catalog, config.name, state)
        return state

"""The server's background syncs: each source on its schedule, folders also on change.

One thread looks at ``sources.yaml`` every second (so sources added while the server runs
are picked up), syncs each source whose interval has passed since its last attempt, one at
a time, and a folder source at once when :mod:`watchfiles` sees a file in it change.
Syncs of one source in several workers take turns on its lock file: the others skip.
"""

from __future__ import annotations

import logging
import threading
import time

import watchfiles

from ingest.connectors.config import SourceConfig, SourcesError, load_sources
from ingest.connectors.folder import folders
from ingest.connectors.state import load_state
from ingest.connectors.sync import SyncBusy, sync_source
from search.store.store import Store

logger = logging.getLogger(__name__)
TICK_SECONDS = 1.0


class Scheduler:
    """Syncs the configured sources of ``store`` until :meth:`stop`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.stopped = threading.Event()
        self.changed: set[str] = set()  # folder sources whose files changed
        self.watched: dict[str, threading.Thread] = {}
        self.thread = threading.Thread(target=self._run, name="source-sync", daemon=True)

    def start(self) -> Scheduler:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=30)

    def _due(self, config: SourceConfig) -> bool:
        if config.name in self.changed:
            return True
        attempted = load_state(self.store.catalog, config.name).last_attempt
        return attempted is None or time.time() - attempted >= config.every

    def _watch(self, config: SourceConfig) -> None:
        """Mark a folder source changed whenever watchfiles reports a change in it."""
        try:
            roots = [p for p in folders(config) if p.exists()]
            for _ in watchfiles.watch(*roots, stop_event=self.stopped, rust_timeout=1000):
                self.changed.add(config.name)
        except Exception as exc:  # a folder removed: the schedule still rescans it
            logger.warning("not watching source %s: %s", config.name, exc)

    def _run(self) -> None:
        while not self.stopped.wait(TICK_SECONDS):
            try:
                sources = load_sources(self.store.settings.home_dir)
            except SourcesError as exc:
                logger.warning("%s", exc)
                continue
            for config in sources.values():
                if self.stopped.is_set():
                    return
                if config.kind == "folder" and config.name not in self.watched:
                    watcher = threading.Thread(
                        target=self._watch, args=(config,), name=f"watch-{config.name}", daemon=True
                    )
                    self.watched[config.name] = watcher
                    watcher.start()
                    # Changes before the watcher was up are found by a rescan now.
                    self.changed.add(config.name)
                try:
                    if not self._due(config):
                        continue
                    self.changed.discard(config.name)
                    state = sync_source(config, self.store)
                    if state.last_error:
                        logger.warning("source %s: %s", config.name, state.last_error)
                except SyncBusy:
                    continue
                except Exception as exc:  # a store closed at shutdown
                    logger.warning("source %s not synced: %s", config.name, exc)

"""Each source's sync state, kept in the catalog (``meta``, key ``source:NAME``).

The cursor is written only after the ingest it belongs to has finished, so a sync killed
at any moment resumes from the previous cursor: what it pulls again is the same data, which
ingest finds unchanged (nothing duplicated), and nothing past the old cursor is skipped
(nothing lost).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from search.store.catalog import BaseCatalog

PREFIX = "source:"


@dataclass(slots=True)
class SyncState:
    """Where a source's sync stands: its cursor, the last run's counts and error."""

    cursor: dict[str, Any] = field(default_factory=dict)
    last_attempt: float | None = None
    last_success: float | None = None
    last_error: str | None = None
    added: int = 0
    changed: int = 0
    deleted: int = 0
    syncs: int = 0

    def lag(self, now: float | None = None) -> float | None:
        """Seconds since the last successful sync (None: never synced)."""
        if self.last_success is None:
            return None
        return max(0.0, (now or time.time()) - self.last_success)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "lag": self.lag()}


def load_state(catalog: BaseCatalog, name: str) -> SyncState:
    raw = catalog.meta(PREFIX + name)
    if not raw:
        return SyncState()
    values = json.loads(raw)
    return SyncState(**{k: v for k, v in values.items() if k in SyncState.__dataclass_fields__})


def save_state(catalog: BaseCatalog, name: str, state: SyncState) -> None:
    catalog.set_meta({PREFIX + name: json.dumps(asdict(state))})


def forget_state(catalog: BaseCatalog, name: str) -> None:
    with catalog.transaction() as db:
        db.execute("DELETE FROM meta WHERE key = ?", (PREFIX + name,))

"""What a connector hands to the sync: the local paths to ingest and its new cursor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.records import Identity


@dataclass(slots=True)
class Pulled:
    """Local paths holding the source as it is now, the cursor to keep once they are
    ingested, and item counts when the connector knows them better than the ingest
    ledger does (a mailbox folder is one source but many messages)."""

    paths: list[Path]
    cursor: dict[str, Any]
    added: int | None = None
    changed: int | None = None
    deleted: int | None = None
    authors: Callable[[Path], list[Identity]] | None = None  # see ingest.pipeline.ingest
    extra: dict[str, Any] = field(default_factory=dict)

"""The kinds of document the store holds: the vocabulary shared by ingest, search and the API."""

from __future__ import annotations

from typing import Literal

Kind = Literal["meeting_notes", "memo", "chat", "email", "transcript"]

KINDS: tuple[str, ...] = ("meeting_notes", "memo", "chat", "email", "transcript")
CONVERSATION_KINDS: frozenset[str] = frozenset({"chat", "email", "transcript"})

"""The catalog's change marker, which every cache of catalog reads checks, moves with every
kind of write, in both engines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import make_store


def doc(doc_id: str, text: str) -> dict[str, Any]:
    return {
        "doc_id": doc_id,
        "kind": "memo",
        "origin": "md",
        "source_path": f"/org/{doc_id}.md",
        "title": doc_id,
        "created": 994291200.0,
        "ended": 994291200.0,
        "channel": None,
        "thread": None,
        "participants": [],
        "access_scope": "public",
        "access_members": [],
        "content_hash": text,
        "message_count": 0,
        "chunks": [
            {
                "chunk_id": f"{doc_id}:0",
                "doc_id": doc_id,
                "position": 0,
                "heading": "",
                "locator": "line 1",
                "source_path": f"/org/{doc_id}.md",
                "text": text,
                "people": [],
                "start_ts": 994291200.0,
                "end_ts": 994291200.0,
            }
        ],
    }


def test_the_marker_moves_with_writes_deletions_and_removals(
    tmp_path: Path, engine: dict[str, Any]
) -> None:
    store = make_store(tmp_path / "home", **engine)
    catalog = store.catalog
    try:
        seen = [catalog.change_marker()]
        catalog.write_source("/org/a", "md", "h1", None, [doc("a1", "x"), doc("a2", "y")], set())
        seen.append(catalog.change_marker())
        catalog.write_source("/org/b", "md", "h1", None, [doc("b1", "z")], set())
        seen.append(catalog.change_marker())
        # the source now holds one document fewer and nothing new: a deletion alone
        catalog.write_source("/org/a", "md", "h2", None, [], {"a1"})
        seen.append(catalog.change_marker())
        catalog.forget("/org/b")
        seen.append(catalog.change_marker())
        assert len(set(seen)) == len(seen)
        assert catalog.change_marker() == seen[-1]  # and stays put while nothing changes
    finally:
        store.close()

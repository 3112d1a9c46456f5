"""Re-embedding every chunk from the catalog into a fresh Chroma collection.

``watercooler reindex`` runs this after ``WATERCOOLER_EMBEDDING_MODEL`` changed (the store
refuses to open until then, see :meth:`search.store.store.Store.check_model`) or when the
vectors are lost. Source files are not read again: each chunk's vector is made from the
catalog's ``embed_text`` (what ingest embedded: the chunk with its context header). Chunks
stored before that column was kept get the header rebuilt from the catalog (title, heading
or channel, date in UTC), which is the same text for prose and, for conversations, keeps
the back-channel turns and handles that ingest leaves out of the embedding.

The new vectors go into a staging collection, which replaces the old one only once every
chunk is in it: an interrupted reindex leaves the store as it was. Stop the server and any
ingest first; a server started before must be restarted to see the new collection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from search.store import journal
from search.store.settings import ModelFingerprint
from search.store.store import Store
from search.store.vectors import VectorChunk, Vectors, chroma_client

# Chunks embedded (and reported to the progress callback) at a time.
BATCH = 256
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ReindexSummary:
    """What a reindex did: chunks embedded, with which model, how many had no stored
    embed text (their header was rebuilt)."""

    chunks: int
    model: ModelFingerprint
    rebuilt_headers: int
    previous_model: ModelFingerprint | None


def embed_text(row: Any) -> str:
    """The text a catalog chunk row (see :meth:`Catalog.embed_texts`) is embedded from."""
    if row["embed_text"] is not None:
        return str(row["embed_text"])
    parts = [row["title"]]
    if row["heading"] and row["heading"] != row["title"]:
        parts.append(row["heading"])
    if row["created"] is not None:
        parts.append(datetime.fromtimestamp(row["created"], UTC).date().isoformat())
    return " | ".join(parts) + "\n" + row["text"]


def vector_chunk(row: Any, embedding: Sequence[float]) -> VectorChunk:
    """A catalog chunk row as Chroma keeps it, with the fields ingest gives its vector."""
    metadata: dict[str, Any] = {
        "kind": row["kind"],
        "origin": row["origin"],
        "position": row["position"],
    }
    for field in ("channel", "start_ts", "end_ts"):
        if row[field] is not None and row[field] != "":
            metadata[field] = row[field]
    return VectorChunk(
        chunk_id=row["chunk_id"],
        doc_id=row["doc_id"],
        text=row["text"],
        embedding=[float(x) for x in embedding],
        metadata=metadata,
    )


def drop_collection(client: Any, name: str) -> None:
    """Delete the collection ``name`` if there is one."""
    if name in {getattr(c, "name", c) for c in client.list_collections()}:
        client.delete_collection(name)


def reindex(store: Store, progress: Progress | None = None) -> ReindexSummary:
    """Re-embed every chunk of ``store``'s catalog with the configured model into a fresh
    collection that then replaces the old one, and record the model. ``progress`` is
    called with (chunks done, chunks in all) after each batch."""
    settings = store.settings
    previous = store.recorded_model()
    client = chroma_client(settings.chroma_url, settings.chroma_path)
    staging = f"{settings.collection}-reindex"
    drop_collection(client, staging)  # what an interrupted reindex left
    fresh = Vectors(client, staging)
    total, done, rebuilt, dimension = store.catalog.chunk_total(), 0, 0, 0
    if progress:
        progress(0, total)
    for rows in store.catalog.embed_texts(BATCH):
        embeddings = store.embedder.embed_texts([embed_text(row) for row in rows])
        fresh.add([vector_chunk(r, e) for r, e in zip(rows, embeddings, strict=True)])
        rebuilt += sum(row["embed_text"] is None for row in rows)
        dimension = len(embeddings[0])
        done += len(rows)
        if progress:
            progress(done, total)
    with journal.WRITES:
        drop_collection(client, settings.collection)
        fresh.collection.modify(name=settings.collection)
        with store.catalog.transaction() as db:  # superseded: every chunk is embedded anew
            for write in journal.pending(db):
                journal.done(db, write.write_id)
    configured = settings.model_fingerprint
    model = ModelFingerprint(configured.name, dimension or configured.dimension)
    store.record_model(model)
    store.__dict__.pop("vectors", None)  # the cached collection is gone
    return ReindexSummary(
        chunks=done, model=model, rebuilt_headers=rebuilt, previous_model=previous
    )

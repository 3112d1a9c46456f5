"""Whether the catalog and the vector store agree, and putting them back in step.

Every catalog chunk should have exactly one vector and every vector a catalog chunk. The
journal (:mod:`search.store.journal`) keeps it so through crashes; this check finds what
anything else broke (a store restored from mismatched backups, a vector deleted by hand, a
bug). The repair deletes orphan vectors and re-embeds missing ones from the catalog's
``embed_text``, as ``watercooler reindex`` does (:mod:`search.store.reindex`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from search.store.reindex import BATCH, embed_text, vector_chunk
from search.store.store import Store


@dataclass(slots=True)
class Agreement:
    """What :func:`check` found: counts on both sides and where they disagree."""

    chunks: int
    vectors: int
    missing: list[str] = field(default_factory=list)  # chunk ids without a vector
    orphans: list[str] = field(default_factory=list)  # vectors without a catalog chunk
    replayed: int = 0  # pending writes of killed processes finished on opening
    pending: int = 0  # pending writes of processes still running

    @property
    def clean(self) -> bool:
        return not self.missing and not self.orphans

    def as_dict(self) -> dict[str, object]:
        return {
            "chunks": self.chunks,
            "vectors": self.vectors,
            "missing": self.missing,
            "orphans": self.orphans,
            "replayed_pending_writes": self.replayed,
            "pending_writes": self.pending,
            "clean": self.clean,
        }


def check(store: Store) -> Agreement:
    """Compare the catalog's chunk ids with the vector store's, after finishing what killed
    writers left pending."""
    replayed = store.finish_pending()
    catalog = {row["chunk_id"] for rows in store.catalog.embed_texts() for row in rows}
    vectors = [chunk_id for chunk_id, _ in store.vectors.ids()]
    held = set(vectors)
    return Agreement(
        chunks=len(catalog),
        vectors=len(vectors),
        missing=sorted(catalog - held),
        orphans=sorted(held - catalog),
        replayed=replayed,
        pending=store.pending_writes(),
    )


def repair(store: Store, found: Agreement) -> int:
    """Delete ``found``'s orphan vectors and re-embed its missing ones (journaled); how
    many vectors were re-embedded."""
    if found.orphans:
        store.delete_vectors(found.orphans)
    missing = set(found.missing)
    done = 0
    for rows in store.catalog.embed_texts(BATCH):
        rows = [row for row in rows if row["chunk_id"] in missing]
        if not rows:
            continue
        embeddings = store.embedder.embed_texts([embed_text(row) for row in rows])
        store.restore_vectors([vector_chunk(r, e) for r, e in zip(rows, embeddings, strict=True)])
        done += len(rows)
    return done

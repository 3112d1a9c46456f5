"""The vector side of the store: Chroma, embedded or a server, through llama-index."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings as ChromaSettings
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.core.vector_stores.types import VectorStoreQuery
from llama_index.vector_stores.chroma import ChromaVectorStore

from search.catalog import Filters, person_key


class VectorStoreUnavailable(RuntimeError):
    """The configured Chroma server cannot be reached."""


@dataclass(frozen=True, slots=True)
class VectorChunk:
    """What the dense index keeps per chunk: its vector and the fields filters need."""

    chunk_id: str
    doc_id: str
    text: str
    embedding: list[float]
    metadata: dict[str, Any]


def chroma_client(chroma_url: str | None, path: Path) -> Any:
    """A Chroma client: the server at ``chroma_url`` or an embedded store at ``path``."""
    settings = ChromaSettings(anonymized_telemetry=False)
    if not chroma_url:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=settings)
    url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
    if not url.hostname:
        raise ValueError(f"WATERCOOLER_CHROMA_URL: cannot read a host from {chroma_url!r}")
    port = url.port or (443 if url.scheme == "https" else 8000)
    try:
        return chromadb.HttpClient(
            host=url.hostname, port=port, ssl=url.scheme == "https", settings=settings
        )
    except Exception as exc:  # chromadb raises ValueError or httpx errors
        raise VectorStoreUnavailable(
            f"WATERCOOLER_CHROMA_URL: no Chroma server answers at {chroma_url} ({exc})"
        ) from exc


class Vectors:
    """Chunk embeddings in a Chroma collection (cosine space), written and queried by chunk."""

    def __init__(self, client: Any, collection: str) -> None:
        self._collection = client.get_or_create_collection(
            name=collection,
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
        self._store = ChromaVectorStore(chroma_collection=self._collection)
        # People are stored as a list so that a filter can test membership with $contains.
        self._store.flat_metadata = False

    def count(self) -> int:
        return int(self._collection.count())

    def add(self, chunks: list[VectorChunk]) -> None:
        """Add chunk vectors (the caller deletes earlier versions first)."""
        nodes = []
        for chunk in chunks:
            node = TextNode(
                id_=chunk.chunk_id,
                text=chunk.text,
                embedding=chunk.embedding,
                metadata=chunk.metadata,
                excluded_embed_metadata_keys=list(chunk.metadata),
                excluded_llm_metadata_keys=list(chunk.metadata),
            )
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=chunk.doc_id)
            nodes.append(node)
        if nodes:
            self._store.add(nodes)

    def delete_documents(self, doc_ids: list[str]) -> None:
        """Remove every vector of these documents."""
        for doc_id in doc_ids:
            self._store.delete(ref_doc_id=doc_id)

    def search(self, embedding: list[float], k: int, filters: Filters) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) of the ``k`` nearest chunks that pass ``filters``."""
        if self.count() == 0:
            return []
        where = chroma_where(filters)
        result = self._store.query(
            VectorStoreQuery(query_embedding=embedding, similarity_top_k=k),
            **({"where": where} if where else {}),
        )
        # llama-index reports exp(-distance); Chroma's cosine distance is 1 - similarity.
        return [
            (chunk_id, 1.0 + math.log(max(similarity, 1e-12)))
            for chunk_id, similarity in zip(
                result.ids or [], result.similarities or [], strict=False
            )
        ]


def chroma_where(filters: Filters) -> dict[str, Any] | None:
    """The Chroma ``where`` clause for ``filters`` (None when there is nothing to filter)."""
    clauses: list[dict[str, Any]] = []
    for field, values in (
        ("kind", filters.kinds),
        ("origin", filters.sources),
        ("channel", filters.channels),
    ):
        if values:
            clauses.append({field: {"$in": list(values)}})
    if filters.person:
        clauses.append({"people_terms": {"$contains": person_key(filters.person)}})
    if filters.since is not None:
        clauses.append({"end_ts": {"$gte": filters.since}})
    if filters.until is not None:
        clauses.append({"start_ts": {"$lte": filters.until}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}

"""The vector side of the store: Chroma, embedded or a server, through llama-index."""

from __future__ import annotations

import http.client
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import numpy as np

logger = logging.getLogger(__name__)

# Ids or doc ids per Chroma delete call.
BATCH = 500

# The loads start_loading has started in this process, by store path (or server address)
# and collection.
_LOADING: dict[tuple[Path | str, str], threading.Thread] = {}


class VectorStoreUnavailable(RuntimeError):
    """The configured Chroma server cannot be reached."""


@dataclass(frozen=True, slots=True)
class VectorChunk:
    """What the dense index keeps per chunk: its vector and a few fields that describe it
    (kind, source, channel, position, time span; filtering happens in the catalog)."""

    chunk_id: str
    doc_id: str
    text: str
    embedding: list[float]
    metadata: dict[str, Any]


def chroma_client(chroma_url: str | None, path: Path) -> Any:
    """A Chroma client: the server at ``chroma_url`` or an embedded store at ``path``.
    chromadb is imported here, not with this module (most of a second): a server
    starting up asks a Chroma server for its collection before (:func:`start_loading`)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if not chroma_url:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=settings)
    host, port, ssl = server_address(chroma_url)
    try:
        return chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=settings)
    except Exception as exc:  # chromadb raises ValueError or httpx errors
        raise VectorStoreUnavailable(
            f"WATERCOOLER_CHROMA_URL: no Chroma server answers at {chroma_url} ({exc})"
        ) from exc


def server_address(chroma_url: str) -> tuple[str, int, bool]:
    """(host, port, whether TLS) of the Chroma server at ``chroma_url`` (``host:port`` or a
    URL; port 8000 unless given, Chroma's own, or 443 for https)."""
    url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
    if not url.hostname:
        raise ValueError(f"WATERCOOLER_CHROMA_URL: cannot read a host from {chroma_url!r}")
    ssl = url.scheme == "https"
    return url.hostname, url.port or (443 if ssl else 8000), ssl


def start_loading(chroma_url: str | None, path: Path, collection: str) -> threading.Thread | None:
    """Have Chroma load ``collection`` (its vector index and records) in a thread, from
    now, rather than at the first search: at a million chunks that takes seconds, mostly
    reading files, with Python's lock released (embedded) or in the server's own process,
    so a server starting up goes on meanwhile and the first search waits only for what is
    left. A Chroma server loads a collection when first asked for it, after each of its
    own starts, so it is asked here too, over its HTTP API with the standard library
    (:func:`ask_to_load`: importing chromadb first would ask most of a second later).
    Once per store and collection in a process (a second call returns the first's
    thread). An embedded client is made here, before the thread starts: two threads making
    Chroma's first client of a path at once break it. None where there is no embedded store
    yet."""
    if not chroma_url and not path.is_dir():
        return None
    key = (chroma_url or path.resolve(), collection)
    if key in _LOADING:  # the command's entry point started it (api.launch)
        return _LOADING[key]
    client = chroma_client(None, path) if not chroma_url else None

    def load() -> None:
        try:
            if client is not None:
                client.get_collection(collection).get(limit=1, include=[])
            else:
                ask_to_load(chroma_url or "", collection)
        except Exception as exc:  # no such collection or server: the first search will say
            logger.info("vectors not loaded ahead: %s", exc)

    thread = _LOADING[key] = threading.Thread(target=load, name="vectors-load", daemon=True)
    thread.start()
    return thread


# Where a Chroma server keeps the collections our clients make (chromadb's defaults).
TENANT, DATABASE = "default_tenant", "default_database"


def ask_to_load(chroma_url: str, collection: str, timeout: float = 120.0) -> None:
    """Ask the Chroma server at ``chroma_url`` for one record of ``collection`` (which has
    it load the collection), as ``get_collection(collection).get(limit=1)`` would."""
    host, port, ssl = server_address(chroma_url)
    kind = http.client.HTTPSConnection if ssl else http.client.HTTPConnection
    server = kind(host, port, timeout=timeout)
    root = f"/api/v2/tenants/{TENANT}/databases/{DATABASE}/collections"
    try:
        found = _asked(server, "GET", f"{root}/{quote(collection, safe='')}")
        body = {"limit": 1, "include": []}
        _asked(server, "POST", f"{root}/{quote(str(found['id']), safe='')}/get", body)
    finally:
        server.close()


def _asked(server: http.client.HTTPConnection, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body)
    server.request(method, path, data, {"Content-Type": "application/json"})
    reply = server.getresponse()
    text = reply.read()
    if reply.status != 200:
        raise OSError(f"{method} {path}: {reply.status} {text[:200]!r}")
    return json.loads(text)


class Vectors:
    """Chunk embeddings in a Chroma collection (cosine space), written and queried by chunk."""

    def __init__(self, client: Any, collection: str) -> None:
        self._collection = client.get_or_create_collection(
            name=collection,
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
        self._store: Any = None  # llama-index's view of the collection, made at first write

    def count(self) -> int:
        return int(self._collection.count())

    @property
    def collection(self) -> Any:
        """The Chroma collection itself (backup reads stored vectors, reindex renames it)."""
        return self._collection

    def add(self, chunks: list[VectorChunk]) -> None:
        """Add chunk vectors (the caller deletes earlier versions first).

        llama-index is imported here, not at module load: it takes over a second, and a
        server that only searches (queries go to the collection directly) never needs it.
        """
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
        from llama_index.vector_stores.chroma import ChromaVectorStore

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
            if self._store is None:
                self._store = ChromaVectorStore(chroma_collection=self._collection)
            self._store.add(nodes)

    def delete_documents(self, doc_ids: list[str]) -> None:
        """Remove every vector of these documents."""
        for start in range(0, len(doc_ids), BATCH):
            batch = doc_ids[start : start + BATCH]
            self._collection.delete(where={"document_id": {"$in": batch}})

    def delete_ids(self, chunk_ids: list[str]) -> None:
        """Remove the vectors with these chunk ids."""
        for start in range(0, len(chunk_ids), BATCH):
            self._collection.delete(ids=chunk_ids[start : start + BATCH])

    def ids(self, batch: int = 5000) -> Iterator[tuple[str, str | None]]:
        """(chunk_id, doc_id) of every vector, read in batches."""
        offset = 0
        while True:
            found = self._collection.get(include=["metadatas"], limit=batch, offset=offset)
            if not found["ids"]:
                return
            for chunk_id, metadata in zip(found["ids"], found["metadatas"], strict=True):
                yield chunk_id, (metadata or {}).get("document_id")
            offset += len(found["ids"])

    def search(
        self,
        embedding: list[float],
        k: int,
        ids: list[str] | None = None,
    ) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) of the ``k`` nearest chunks (among ``ids`` if given).

        Filters are the catalog's job (see :meth:`search.store.store.Store.nearest`): Chroma's
        metadata filter scans the whole collection and costs far more at scale.

        Queries the collection directly for ids and distances only: going through
        llama-index would also fetch every hit's text and metadata, which search reads
        from the catalog anyway (that costs 10x the query itself at 100k chunks).
        """
        if ids is not None and not ids:
            return []
        result = self._collection.query(
            query_embeddings=[embedding],
            n_results=k,
            include=["distances"],
            **({"ids": ids} if ids is not None else {}),
        )
        # Chroma's cosine distance is 1 - cosine similarity.
        return [
            (chunk_id, 1.0 - float(distance))
            for chunk_id, distance in zip(result["ids"][0], result["distances"][0], strict=False)
        ]

    def rank(self, embedding: list[float], ids: list[str], k: int) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) of the ``k`` of ``ids`` nearest ``embedding``,
        scored one by one (exact)."""
        if not ids:
            return []
        found = self._collection.get(ids=ids, include=["embeddings"])
        if not found["ids"]:
            return []
        vectors = np.asarray(found["embeddings"], dtype=np.float32)
        query = np.asarray(embedding, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1) * np.linalg.norm(query)
        cosine = vectors @ query / np.clip(norms, 1e-12, None)
        best = np.argsort(-cosine, kind="stable")[:k]
        return [(found["ids"][i], float(cosine[i])) for i in best]

"""Documents grouped into topics by their vectors, computed once per catalog change.

Each document (a conversation, a meeting note, a memo, a mail thread) is the unit-length
mean of its chunks' vectors as Chroma holds them. Documents are clustered by average-
linkage agglomerative clustering on cosine distance; the number of topics is the one with
the best silhouette (deterministic: no random start). A group of fewer than
:data:`MIN_SIZE` documents is no topic (as BERTopic's outliers).

Ids stay stable across re-ingests: every run's centroids and members are saved in
``WATERCOOLER_HOME/topics.json``, and the next run matches its clusters to them one to one
(Hungarian assignment on centroid cosine), keeping an old id where the cluster is close
enough (:data:`KEEP_SIMILARITY`) or shares most of its documents (:data:`KEEP_OVERLAP`).
Unmatched clusters get new ids; an id is never reused for another topic.

Nothing here is shown as is: :mod:`search.knowledge.topics` keeps, per asker, only the
documents they may see (labels, timelines and people come from those alone).
"""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from search.store.files import replace_file
from search.store.store import Store

logger = logging.getLogger(__name__)

MIN_SIZE = 2  # a topic has at least this many documents
MAX_TOPICS = 60
LARGE = 4000  # more documents than this are clustered by k-means (no n x n distances)
KEEP_SIMILARITY = 0.85  # centroid cosine that keeps a previous topic's id
KEEP_OVERLAP = 0.5  # or this Jaccard overlap of members
_WORD = re.compile(r"[a-z][a-z0-9]*(?:[-'][a-z0-9]+)*")
_CALENDAR = """january february march april may june july august september october november
december jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday
friday saturday sunday today tomorrow yesterday week weeks month months year years""".split()


@functools.cache
def _stop_words() -> frozenset[str]:
    """English stop words (scikit-learn's, imported when first needed: it takes 2 s),
    contractions' stems, thanks and calendar words."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | {"don", "didn", "doesn", "isn", "thanks", *_CALENDAR}


@dataclass(slots=True)
class Clustering:
    """Every clustered document's topic id, with each document's unit vector and terms."""

    topic_of: dict[str, str]
    vectors: dict[str, np.ndarray]
    terms: dict[str, Counter[str]]


def words(text: str, exclude: frozenset[str] = frozenset()) -> list[str]:
    """Lower-cased content words of ``text`` (no stop words, numbers or ``exclude``)."""
    return [
        w
        for w in _WORD.findall(text.casefold())
        if len(w) > 2 and w not in _stop_words() and w not in exclude
    ]


def _name_words(catalog: Any) -> frozenset[str]:
    """Words of people's names: a label says what a topic is about, not who took part."""
    found: set[str] = set()
    for row in catalog.people_rows():
        for value in (row.get("name"), row.get("handle")):
            if value:
                found.update(_WORD.findall(str(value).casefold()))
        if row.get("email"):
            found.update(_WORD.findall(str(row["email"]).split("@")[0].casefold()))
    return frozenset(found)


def _documents(store: Store) -> tuple[dict[str, np.ndarray], dict[str, Counter[str]]]:
    """Each document's unit mean chunk vector and its content-word counts."""
    names = _name_words(store.catalog)
    chunks: dict[str, list[str]] = {}
    terms: dict[str, Counter[str]] = {}
    for chunk in store.catalog.iter_chunks():
        chunks.setdefault(chunk.doc_id, []).append(chunk.chunk_id)
        terms.setdefault(chunk.doc_id, Counter()).update(
            words(f"{chunk.heading}\n{chunk.text}", names)
        )
    ids = [c for cs in chunks.values() for c in cs]
    by_chunk: dict[str, np.ndarray] = {}
    for start in range(0, len(ids), 500):
        got = store.vectors.collection.get(ids=ids[start : start + 500], include=["embeddings"])
        for cid, emb in zip(got["ids"], got["embeddings"], strict=True):
            by_chunk[cid] = np.asarray(emb, dtype=np.float32)
    vectors: dict[str, np.ndarray] = {}
    for doc_id, cs in chunks.items():
        found = [by_chunk[c] for c in cs if c in by_chunk]
        if found:
            mean = np.mean(found, axis=0)
            vectors[doc_id] = mean / (float(np.linalg.norm(mean)) or 1.0)
    return vectors, terms


def cluster(matrix: np.ndarray) -> np.ndarray:
    """A label per row: average-linkage clusters on cosine distance, as many as give the
    best silhouette (from 2 to :data:`MAX_TOPICS`); k-means past :data:`LARGE` rows."""
    from scipy.cluster.hierarchy import fcluster, linkage  # imported when clustering
    from scipy.spatial.distance import pdist, squareform
    from sklearn.metrics import silhouette_score

    n = len(matrix)
    if n < 2 * MIN_SIZE:
        return np.ones(n, dtype=int)
    if n > LARGE:
        return _cluster_large(matrix)
    distances = pdist(matrix, metric="cosine").clip(min=0.0)
    tree = linkage(distances, method="average")
    square = squareform(distances)
    best, best_labels = -2.0, np.ones(n, dtype=int)
    for k in range(2, min(MAX_TOPICS, n // MIN_SIZE) + 1):
        labels = fcluster(tree, t=k, criterion="maxclust")
        if len(set(labels)) < 2:
            continue
        score = float(silhouette_score(square, labels, metric="precomputed"))
        if score > best:
            best, best_labels = score, labels
    return best_labels


def _cluster_large(matrix: np.ndarray) -> np.ndarray:
    """Mini-batch k-means (fixed seed) for stores too large for a full distance matrix; k
    from a coarse grid, scored by silhouette on a fixed sample."""
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.metrics import silhouette_score

    best, best_labels = -2.0, np.ones(len(matrix), dtype=int)
    for k in sorted({10, 20, 40, 80, 120, 160, int(np.sqrt(len(matrix)))}):
        labels = MiniBatchKMeans(n_clusters=k, random_state=0, n_init=3).fit_predict(matrix)
        if len(set(labels)) < 2:
            continue
        score = float(
            silhouette_score(matrix, labels, metric="cosine", sample_size=3000, random_state=0)
        )
        if score > best:
            best, best_labels = score, labels
    return best_labels


def _groups(doc_ids: list[str], labels: np.ndarray) -> list[list[str]]:
    """The clusters of at least :data:`MIN_SIZE` documents, largest first (ties by their
    first doc id, so that a fresh store numbers the same data the same way)."""
    members: dict[int, list[str]] = {}
    for doc_id, label in zip(doc_ids, labels, strict=True):
        members.setdefault(int(label), []).append(doc_id)
    groups = [sorted(m) for m in members.values() if len(m) >= MIN_SIZE]
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def _centroid(docs: list[str], vectors: dict[str, np.ndarray]) -> np.ndarray:
    mean = np.mean([vectors[d] for d in docs], axis=0)
    return mean / (float(np.linalg.norm(mean)) or 1.0)


def assign_ids(
    groups: list[list[str]], vectors: dict[str, np.ndarray], previous: dict[str, Any]
) -> tuple[dict[str, str], dict[str, Any]]:
    """doc id -> topic id, keeping the previous run's ids where a topic persists, and what
    to save for the next run."""
    from scipy.optimize import linear_sum_assignment

    old = previous.get("topics", {})
    next_id = int(previous.get("next", 1))
    centroids = [_centroid(g, vectors) for g in groups]
    kept: dict[int, str] = {}
    if old and groups:
        old_ids = list(old)
        old_c = np.array([old[t]["centroid"] for t in old_ids], dtype=np.float32)
        sims = np.array(centroids) @ old_c.T
        overlap = np.array(
            [[_jaccard(set(g), set(old[t]["docs"])) for t in old_ids] for g in groups]
        )
        rows, cols = linear_sum_assignment(-(sims + overlap))
        for r, c in zip(rows, cols, strict=True):
            if sims[r, c] >= KEEP_SIMILARITY or overlap[r, c] >= KEEP_OVERLAP:
                kept[int(r)] = old_ids[int(c)]
    topic_of: dict[str, str] = {}
    saved: dict[str, Any] = {}
    for i, group in enumerate(groups):
        topic_id = kept.get(i)
        if topic_id is None:
            topic_id, next_id = f"t{next_id}", next_id + 1
        saved[topic_id] = {"centroid": centroids[i].round(5).tolist(), "docs": group}
        topic_of.update(dict.fromkeys(group, topic_id))
    return topic_of, {"next": next_id, "topics": saved}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def _load(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save(path: Path, state: dict[str, Any]) -> None:
    replace_file(path, json.dumps(state))


def build(store: Store, state_file: Path | None) -> Clustering:
    """Cluster the store's documents; ids continue ``state_file``'s (updated) when given."""
    vectors, terms = _documents(store)
    doc_ids = sorted(vectors)
    labels = cluster(np.array([vectors[d] for d in doc_ids])) if doc_ids else np.array([])
    groups = _groups(doc_ids, labels)
    previous = _load(state_file) if state_file is not None else {}
    topic_of, state = assign_ids(groups, vectors, previous)
    if state_file is not None:
        try:
            _save(state_file, state)
        except OSError as exc:  # a read-only home: ids are then not kept across runs
            logger.warning("cannot save topic ids to %s: %s", state_file, exc)
    return Clustering(topic_of, vectors, terms)


_CACHE: dict[str, tuple[tuple[Any, ...], Clustering]] = {}
_LOCK = threading.Lock()


def clustering_for(store: Store) -> Clustering:
    """The store's clustering, built again only when the catalog's change marker moved."""
    name = str(store.catalog.path)
    with _LOCK:
        marker = store.catalog.change_marker()
        cached = _CACHE.get(name)
        if cached is not None and cached[0] == marker:
            return cached[1]
        found = build(store, store.settings.home_dir / "topics.json")
        _CACHE[name] = (marker, found)
        return found

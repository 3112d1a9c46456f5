"""Decisions and action items from the catalog's chunks, computed once per catalog change.

Every chunk is split into sentences (:mod:`search.knowledge.sentences`); those with a cue,
in a decisions or actions section, or accepted as a proposal in a conversation (``let's
…`` answered ``sounds good`` by someone else) are classified
(:mod:`search.knowledge.classifier`). Each item keeps the exact sentence, the document and
chunk it came from, ``source_path``, a ``locator`` (the line of the sentence when the file
is a text file still on disk, else the chunk's), its date (the chunk's start, else the
document's), who decided or owns it, and its embedding for supersession and queries.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from search.knowledge.classifier import SentenceClassifier, classifier_for
from search.knowledge.cues import (
    is_acceptance,
    is_candidate,
    is_meeting_flow,
    is_proposal,
    owner_in,
)
from search.knowledge.sentences import Sentence, clean, sentences
from search.store.catalog.rows import ChunkRow
from search.store.embeddings import Embedder

ItemType = Literal["decision", "action"]
_DONE = re.compile(r"\((?:done|closed|completed)\)|✅|\bDONE\b|^~~", re.I)
_LINE = re.compile(r"^line (\d+)$")


@dataclass(slots=True)
class Item:
    """A decision or an action item, with where it was said."""

    item_id: str
    type: ItemType
    quote: str
    doc_id: str
    chunk_id: str
    kind: str
    title: str
    source_path: str
    locator: str
    ts: float | None
    people: list[str]
    owner: str | None = None
    speaker: str | None = None
    section: str = ""
    confidence: float = 0.0
    open: bool | None = None

    @property
    def date(self) -> str | None:
        return datetime.fromtimestamp(self.ts, UTC).date().isoformat() if self.ts else None


@dataclass(slots=True)
class Extracted:
    """Every item found in a catalog, with the unit-length embedding of each."""

    items: list[Item]
    vectors: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(slots=True)
class _Candidate:
    chunk: ChunkRow
    sentence: Sentence
    accepted: bool
    deciders: list[str]


def _accepted(found: list[Sentence]) -> dict[int, list[str]]:
    """Sentence index -> who accepted it: a proposal answered by an acceptance from a
    different speaker within the next three sentences (agreeing to move on or to revisit
    a topic later decides nothing: such a proposal is not marked)."""
    accepted: dict[int, list[str]] = {}
    for i, sentence in enumerate(found):
        if not sentence.speaker or not is_acceptance(sentence.text):
            continue
        for j in range(i - 1, max(-1, i - 4), -1):
            earlier = found[j]
            if (
                earlier.speaker
                and earlier.speaker != sentence.speaker
                and is_proposal(earlier.text)
            ):
                if is_meeting_flow(earlier.text):
                    break
                accepted.setdefault(j, [earlier.speaker]).append(sentence.speaker)
                break
    return accepted


def candidates_of(chunk: ChunkRow) -> list[_Candidate]:
    """The sentences of a chunk worth classifying."""
    found = list(sentences(chunk.text, section=chunk.heading))
    accepted = _accepted(found)
    kept = []
    for i, sentence in enumerate(found):
        if is_acceptance(sentence.text) and len(sentence.text.split()) <= 4:
            continue  # the "sounds good" itself; the proposal it accepts is the decision
        if is_candidate(sentence, i in accepted):
            kept.append(_Candidate(chunk, sentence, i in accepted, accepted.get(i, [])))
    return kept


def resolve(name: str | None, people: Iterable[str], speaker: str | None = None) -> str | None:
    """A name as the chunk's people spell it: ``I`` is the speaker, a first name or
    ``@handle`` the one person of the chunk it starts."""
    if not name:
        return None
    if name == "I":
        return speaker
    bare = name.lstrip("@").casefold()
    matches = [p for p in people if p.casefold() == bare or p.casefold().split()[0] == bare]
    if len(matches) == 1:
        return matches[0]
    return name.lstrip("@") if name.startswith("@") else name


def _mentioned(text: str, people: Iterable[str]) -> list[str]:
    """The chunk's people whose first name or full name the sentence names."""
    words = set(re.findall(r"[\w'\u2019-]+", text.casefold()))
    return [p for p in people if p.split() and p.split()[0].casefold() in words]


class _Lines:
    """Text files' lines, read once per extraction, for sentence-precise locators."""

    def __init__(self) -> None:
        self._files: dict[str, list[str] | None] = {}

    def locate(self, path: str, locator: str, quote: str) -> str:
        match = _LINE.match(locator)
        if not match:
            return locator
        lines = self._read(path)
        if not lines:
            return locator
        start = int(match.group(1)) - 1
        probe = quote[:40]
        for number in range(max(start, 0), min(len(lines), start + 400)):
            if probe in clean(lines[number]):
                return f"line {number + 1}"
        return locator

    def _read(self, path: str) -> list[str] | None:
        if path not in self._files:
            try:
                file = Path(path)
                if file.suffix.lower() not in {".md", ".markdown", ".txt", ".rst"}:
                    raise OSError
                self._files[path] = file.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                self._files[path] = None
        return self._files[path]


def extract(
    chunks: Iterable[ChunkRow],
    classifier: SentenceClassifier,
    dates: dict[str, float | None] | None = None,
    vector_cache: dict[str, np.ndarray] | None = None,
    doc_people: dict[str, list[str]] | None = None,
) -> Extracted:
    """The decisions and action items in these chunks; ``dates`` are documents' creation
    times (for chunks without their own), ``vector_cache`` sentence embeddings kept from an
    earlier run (updated in place), ``doc_people`` the people each document names (to spell
    out a first name the chunk alone does not)."""
    dates = dates or {}
    doc_people = doc_people or {}
    cache = vector_cache if vector_cache is not None else {}
    found = [c for chunk in chunks for c in candidates_of(chunk)]
    missing = sorted({c.sentence.text for c in found} - cache.keys())
    if missing:
        for text, vector in zip(missing, classifier.embedder.embed_texts(missing), strict=True):
            cache[text] = _unit(np.asarray(vector, dtype=np.float32))
    vectors = np.asarray([cache[c.sentence.text] for c in found]) if found else None
    labels = classifier.classify([(c.sentence, c.accepted) for c in found], vectors)
    lines = _Lines()
    result = Extracted(items=[])
    seen: set[tuple[str, str]] = set()
    for candidate, (label, probability) in zip(found, labels, strict=True):
        if label == "other":
            continue
        chunk, sentence = candidate.chunk, candidate.sentence
        if (chunk.doc_id, sentence.text) in seen:
            continue  # windows of a conversation overlap by one message
        seen.add((chunk.doc_id, sentence.text))
        people = list(dict.fromkeys([*chunk.people, *doc_people.get(chunk.doc_id, [])]))
        item = _item(chunk, sentence, label, probability, candidate.deciders, dates, people)
        item.locator = lines.locate(chunk.source_path, chunk.locator, sentence.text)
        result.items.append(item)
        result.vectors[item.item_id] = cache[sentence.text]
    return result


def _item(
    chunk: ChunkRow,
    sentence: Sentence,
    label: str,
    probability: float,
    deciders: list[str],
    dates: dict[str, float | None],
    people: list[str],
) -> Item:
    digest = hashlib.sha1(f"{chunk.doc_id}\n{sentence.text}".encode()).hexdigest()[:16]
    item = Item(
        item_id=digest,
        type="decision" if label == "decision" else "action",
        quote=sentence.text,
        doc_id=chunk.doc_id,
        chunk_id=chunk.chunk_id,
        kind=chunk.kind,
        title=chunk.title,
        source_path=chunk.source_path,
        locator=chunk.locator,
        ts=chunk.start_ts if chunk.start_ts is not None else dates.get(chunk.doc_id),
        people=[],
        speaker=resolve(sentence.speaker, people),
        section=sentence.section,
        confidence=round(probability, 3),
    )
    if item.type == "action":
        owner = sentence.owner_label or owner_in(sentence.text)
        item.owner = resolve(owner, people, item.speaker)
        item.people = [item.owner] if item.owner else []
        item.open = not (sentence.checked or _DONE.search(sentence.text))
    else:
        named = (
            [resolve(d, people) or d for d in deciders]
            or ([item.speaker] if item.speaker else _mentioned(sentence.text, people))
            # minutes that name no decider: decided by the meeting, its attendees
            or (list(chunk.people) if chunk.kind == "meeting_notes" else [])
        )
        item.people = list(dict.fromkeys(n for n in named if n))
    return item


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


_CACHE: dict[str, tuple[tuple[Any, ...], Extracted]] = {}
_VECTORS: dict[str, dict[str, np.ndarray]] = {}
_CACHE_LOCK = threading.Lock()


def extracted_for(catalog: Any, embedder: Embedder) -> Extracted:
    """Every item of this catalog, extracted again only when its change marker moved (the
    sentence embeddings of earlier runs are reused)."""
    name = str(catalog.path)
    with _CACHE_LOCK:
        marker = catalog.change_marker()
        cached = _CACHE.get(name)
        if cached is not None and cached[0] == marker:
            return cached[1]
        dates = {d["doc_id"]: d["created"] for d in catalog.documents_index()}
        doc_people: dict[str, list[str]] = {}
        for row in catalog.people_rows():
            doc_people.setdefault(row["doc_id"], []).append(row["name"])
        found = extract(
            catalog.iter_chunks(),
            classifier_for(embedder),
            dates,
            _VECTORS.setdefault(name, {}),
            doc_people,
        )
        _CACHE[name] = (marker, found)
        return found

"""Expert finding: who knows about a topic, ranked, with the evidence that earned it.

Four models (after Balog et al.), compared by ``watercooler eval-experts --compare``:

``document`` (document-centric)
    Retrieve the passages about the topic (keyword and dense legs fused by reciprocal
    rank, as search does, but keeping every matching chunk), then credit the people
    associated with each passage by how they are associated: the author of a line that
    matches weighs most (a chat message, a transcript turn, a ``[rob]`` speaker tag, a
    ``- [ ] Priya:`` action item or ``**Kenji**:`` line in notes, an agenda item they
    created, a memo they wrote), a line matching more by the topic's rarer words (IDF);
    then having spoken in the passage; a sentence that names them counts less (what others
    say of someone is weaker evidence than what they say), starting the thread a little,
    and being merely present (attendee, recipient) least. Credit is weighted by the
    passage's relevance and by recency.
``profile`` (profile-centric, words)
    Each person is the text of their own lines and of the sentences that name them;
    persons are ranked by BM25 of the topic against that text (counts weighted by
    recency), so a person's whole record speaks, not just the top passages.
``embedding`` (profile-centric, dense)
    Each person is the recency-weighted mean of the embeddings of those passages; ranked
    by cosine with the topic.
``combined`` (the default)
    The three, each scaled to its best person, weighted by :data:`WEIGHTS`. It measures
    best on the real samples and about as well as ``document`` on the sample organization
    (see ``benchmarks/experts.py``).

Expertise fades: evidence loses half its weight every ``half_life_days`` (default from
``WATERCOOLER_EXPERTISE_HALF_LIFE_DAYS``), counted back from the newest document in the
store, down to a tenth (:data:`DECAY_FLOOR`) and no further, so that the owners of an
archive's older topics stay findable; undated evidence weighs what the median dated
document does. The ``k`` best are listed with people who left after current staff. Only documents
the ``visible`` predicate accepts count (every document, until access rules exist).
"""

from __future__ import annotations

import hashlib
import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from search.people.attributed import Attributed, Numbering, tokens
from search.people.attribution import Attribution, attribute
from search.people.directory import Directory, DocInfo, Person, alternation, directory_for
from search.people.identities import fold
from search.retrieval.retriever import reciprocal_rank_fusion
from search.retrieval.snippets import snippet
from search.retrieval.terms import query_terms, search_terms, term_pattern
from search.store.catalog import Catalog, ChunkRow
from search.store.filters import Filters
from search.store.store import Store

MODELS = ("document", "profile", "embedding", "combined")
DEFAULT_MODEL = "combined"
# How the combined model weighs the others (each scaled to its best person first).
WEIGHTS = {"document": 0.5, "profile": 0.2, "embedding": 0.3}
RELEVANCE_POWER = 3.0  # a passage's weight: (its fused score / the best one) ** this
DAY = 86400.0
# How many weightings (filters, half-life, what a reader may see) keep their per-person
# vector sums (each a people x dimensions array) before the cache starts afresh.
SUMS_CACHED = 32
# Rows of passage vectors read from the vector store, or made float32, at a time.
VECTOR_BATCH = 2000
SUM_BLOCK = 16384
# A term's count in one person's words of one document, at most (postings keep two bytes).
COUNT_MAX = int(np.iinfo(np.uint16).max)
# Old evidence fades to this share and no further: an archive's old owners stay findable.
DECAY_FLOOR = 0.1

# How much one passage credits a person, by association.
W_SAID_MATCH = 1.0  # wrote or owns a line that matches the topic
W_NAMED_MATCH = 0.45  # named in a sentence that matches (what others say of someone)
W_SAID = 0.35  # spoke in the passage
W_NAMED = 0.15  # named in the passage
W_STARTER = 0.15  # started the thread (added)
W_PRESENT = 0.08  # attendee, recipient, member of the conversation
# A line this short that does not mention the topic (":tada:", "— Sofia") is not quoted;
# the passage is shown instead.
MIN_QUOTE = 40

Visible = Callable[[DocInfo], bool]


@dataclass(slots=True)
class Evidence:
    """A passage that earned a person credit, and what they said there."""

    doc_id: str
    title: str
    source_path: str
    locator: str
    quote: str
    date: str | None
    weight: float = 0.0


@dataclass(slots=True)
class Expert:
    """A person ranked for a topic."""

    person_id: str
    name: str
    score: float
    left: bool
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(slots=True)
class _Credit:
    """A person's credit for one topic and the documents that earned it.

    The document model fills ``by_doc`` with evidence as it goes; the profile models give
    ``lazy_docs`` and ``explain``, called only for people who are shown; a combined credit
    keeps its ``sources`` (with the scale each was given)."""

    score: float = 0.0
    by_doc: dict[str, tuple[float, _Passage]] = field(default_factory=dict)
    lazy_docs: Callable[[], dict[str, float]] | None = None
    explain: Callable[[str], Evidence | None] | None = None
    sources: list[tuple[float, _Credit]] = field(default_factory=list)

    def add(self, doc_id: str, amount: float, evidence: _Passage) -> None:
        self.score += amount
        before = self.by_doc.get(doc_id)
        if before is None:
            self.by_doc[doc_id] = (amount, evidence)
        else:
            keep = evidence if amount > before[0] - amount else before[1]
            self.by_doc[doc_id] = (before[0] + amount, keep)

    def documents(self) -> dict[str, float]:
        """How much each document contributed."""
        found: Counter[str] = Counter()
        for scale, credit in self.sources:
            for doc_id, weight in credit.documents().items():
                found[doc_id] += scale * weight
        for doc_id, (amount, _) in self.by_doc.items():
            found[doc_id] += amount
        if self.lazy_docs is not None:
            found.update(self.lazy_docs())
        return dict(found)

    def explain_doc(self, doc_id: str) -> Evidence | None:
        if doc_id in self.by_doc:
            return self.by_doc[doc_id][1].evidence()
        for _, credit in self.sources:
            found = credit.explain_doc(doc_id)
            if found is not None:
                return found
        return self.explain(doc_id) if self.explain is not None else None

    def found(self) -> dict[str, tuple[float, _Passage]]:
        """The passages the document model found for this person, with their credit."""
        found = dict(self.by_doc)
        for scale, credit in self.sources:
            for doc_id, (amount, evidence) in credit.found().items():
                before = found.get(doc_id, (0.0, evidence))
                found[doc_id] = (before[0] + scale * amount, before[1])
        return found

    def evidence(self, limit: int) -> list[Evidence]:
        """The ``limit`` documents that contributed most, with what was said there: the
        passages the document model found first, then the best of the person's profile."""
        ranked = sorted(self.found().items(), key=lambda e: (-e[1][0], e[0]))
        found = [replace(p.evidence(), weight=round(w, 4)) for _, (w, p) in ranked[:limit]]
        if len(found) < limit:
            seen = {e.doc_id for e in found}
            more = sorted(self.documents().items(), key=lambda e: (-e[1], e[0]))
            for doc_id, weight in more:
                if len(found) == limit or weight <= 0:
                    break
                evidence = None if doc_id in seen else self.explain_doc(doc_id)
                if evidence is not None:
                    found.append(replace(evidence, weight=round(weight, 4)))
        return found


@dataclass(frozen=True, slots=True)
class _Scores:
    """One model's (or the combined) score of each person it credits, and their credit
    (what earned it), made only for the people who are shown: making every person's
    credit cost more than the rest of a search with 2,600 people."""

    scores: dict[str, float]
    credit: Callable[[str], _Credit]

    @classmethod
    def of(cls, credits: dict[str, _Credit]) -> _Scores:
        return cls({pid: c.score for pid, c in credits.items()}, credits.__getitem__)


class ExpertFinder:
    """Finds experts in a :class:`Store`, with the directory of :mod:`search.people.directory`."""

    def __init__(
        self,
        store: Store,
        people_file: Path | None = None,
        half_life_days: float | None = None,
        depth: int = 100,
    ) -> None:
        self.store = store
        self.people_file = people_file if people_file is not None else store.settings.people_path
        self.half_life_days = half_life_days or store.settings.expertise_half_life_days
        self.depth = depth

    @property
    def directory(self) -> Directory:
        return directory_for(self.store.catalog, self.people_file)

    def available_model(self, model: str) -> str:
        """``model``, or ``document`` while a server's warm start is still building the
        profile index the directory lacks (see :func:`set_profiles_pending`): ranking by the
        profiles would build it in this request, minutes at a million chunks."""
        # asked before the directory: a warm start registers the directory with its index
        # before it stops being pending
        if model == "document" or not profiles_pending(self.store, self.people_file):
            return model
        return model if "profile_index" in self.directory.cache else "document"

    def find(
        self,
        topic: str,
        k: int = 10,
        filters: Filters | None = None,
        model: str = DEFAULT_MODEL,
        visible: Visible | None = None,
        half_life_days: float | None = None,
        evidence: int = 3,
    ) -> list[Expert]:
        """The ``k`` people who know most about ``topic``: current staff first, best first."""
        if model not in MODELS:
            raise ValueError(f"model: unknown {model!r}; use one of {', '.join(MODELS)}")
        self.store.require_content()
        directory = self.directory
        half_life = half_life_days or self.half_life_days
        decay = directory.derived(
            f"decay:{half_life}",
            lambda: _Decay(
                directory.newest,
                half_life,
                [d.created for d in directory.docs.values() if d.created],
            ),
        )
        filters = filters or Filters()
        vector = self.store.embedder.embed_query(topic)
        parts: dict[str, _Scores] = {}
        if model in ("document", "combined"):
            parts["document"] = _Scores.of(
                self._document_model(topic, vector, filters, directory, decay, visible)
            )
        if model != "document":
            index = profile_index(directory, self.store)
            weights = index.doc_weights(filters, decay, visible)
            if model in ("profile", "combined"):
                parts["profile"] = index.words(topic, weights)
            if model in ("embedding", "combined"):
                parts["embedding"] = index.embedding(vector, weights)
        return _rank(_combine(parts), directory, k, evidence)

    # --- the document model ---------------------------------------------------------------

    def _document_model(
        self,
        topic: str,
        vector: list[float],
        filters: Filters,
        directory: Directory,
        decay: _Decay,
        visible: Visible | None,
    ) -> dict[str, _Credit]:
        fused = self._passages(topic, vector, filters)
        if not fused:
            return {}
        rows = self.store.catalog.chunks(list(fused))
        top = max(fused.values())
        terms = search_terms(topic)
        patterns = [term_pattern(t) for t in terms]
        weights = self._term_weights(terms)
        credits: dict[str, _Credit] = defaultdict(_Credit)
        for chunk_id, score in fused.items():
            chunk = rows.get(chunk_id)
            if chunk is None:
                continue
            doc = directory.docs.get(chunk.doc_id)
            if doc is None or (visible is not None and not visible(doc)):
                continue
            weight = (score / top) ** RELEVANCE_POWER * decay(chunk.start_ts or doc.created)
            part = attribute(chunk, directory)
            for pid, amount, quote in _associations(part, patterns, weights):
                credits[pid].add(doc.doc_id, weight * amount, _Passage(doc, chunk, quote, terms))
        return dict(credits)

    def _term_weights(self, terms: list[str]) -> list[float]:
        """How specific each topic term is: its IDF over the store's chunks, so that a line
        with the topic's rare words (``clickjacking``) counts more than one with its common
        ones (``extensions``)."""
        total = self.store.catalog.chunk_total()
        counts = self.store.catalog.phrase_chunk_counts(terms)
        return [math.log((total + 1) / (counts.get(t, 0) + 1)) + 0.01 for t in terms]

    def _passages(self, topic: str, vector: list[float], filters: Filters) -> dict[str, float]:
        """chunk id -> reciprocal-rank score over the keyword and dense legs."""
        terms = search_terms(topic)
        keyword = self.store.catalog.keyword_search(terms, self.depth, filters) if terms else []
        return reciprocal_rank_fusion(keyword, self.store.nearest(vector, self.depth, filters))


def _associations(
    part: Attribution, patterns: list[re.Pattern[str]], weights: list[float] | None = None
) -> list[tuple[str, float, str | None]]:
    """(person id, credit, their best line) for everyone a passage associates."""
    found = []
    for pid in dict.fromkeys([*part.said, *part.named]):  # not a set: its order varies by run
        said, named = part.said.get(pid, []), part.named.get(pid, [])
        said_match, said_line = _best_line(said, patterns, weights)
        named_match, named_line = _best_line(named, patterns, weights)
        share = min(1.0, 3 * len(said) / max(part.lines, 1))
        amount = max(
            W_SAID_MATCH * said_match,
            W_NAMED_MATCH * named_match,
            W_SAID * share if said else 0.0,
            W_NAMED if named else 0.0,
        )
        if pid == part.starter:
            amount += W_STARTER
        quote = said_line if said_match >= named_match and said_line else named_line
        quote = quote or said_line
        telling = max(said_match, named_match) > 0 or len(quote or "") >= MIN_QUOTE
        found.append((pid, amount, quote if telling else None))
    found += [(pid, W_PRESENT, None) for pid in part.present]
    return found


def _best_line(
    lines: list[str], patterns: list[re.Pattern[str]], weights: list[float] | None = None
) -> tuple[float, str | None]:
    """The (IDF-weighted) share of topic terms in the best of ``lines``, and its best
    sentences."""
    if not lines:
        return 0.0, None
    if not patterns:
        return 0.0, lines[0]
    # the line with most topic terms; among equals the fullest (not a bare ":tada:")
    scored = [(_overlap(line, patterns, weights), min(len(line), 200), line) for line in lines]
    best = max(scored, key=lambda s: s[:2])
    return best[0], _best_sentences(best[2], patterns)


def _overlap(
    text: str, patterns: list[re.Pattern[str]], weights: list[float] | None = None
) -> float:
    if weights is None:
        return sum(1 for p in patterns if p.search(text)) / len(patterns)
    found = sum(w for p, w in zip(patterns, weights, strict=True) if p.search(text))
    return found / (sum(weights) or 1.0)


def _best_sentences(text: str, patterns: list[re.Pattern[str]], width: int = 240) -> str:
    """The sentence of ``text`` with most topic terms, and the ones after it up to ``width``."""
    if len(text) <= width:
        return text
    sentences = [s for s in re.split(r"(?<=[.!?])\s+|\s+-\s+", text) if s.strip()]
    start = max(range(len(sentences)), key=lambda i: _overlap(sentences[i], patterns))
    quote = sentences[start]
    for sentence in sentences[start + 1 :]:
        if len(quote) + len(sentence) > width:
            break
        quote += " " + sentence
    return ("… " if start else "") + quote


def _evidence(doc: DocInfo, chunk: ChunkRow, quote: str) -> Evidence:
    quote = " ".join(quote.split())
    if len(quote) > 300:
        quote = quote[:300].rsplit(" ", 1)[0] + " …"
    return Evidence(
        doc_id=doc.doc_id,
        title=doc.title,
        source_path=chunk.source_path,
        locator=chunk.locator,
        quote=quote,
        date=_day(chunk.start_ts or doc.created),
    )


@dataclass(frozen=True, slots=True)
class _Passage:
    """A passage that credited someone; made into :class:`Evidence` only if shown."""

    doc: DocInfo
    chunk: ChunkRow
    quote: str | None
    terms: list[str]

    def evidence(self) -> Evidence:
        return _evidence(self.doc, self.chunk, self.quote or snippet(self.chunk.text, self.terms))


class _Decay:
    """Weight of evidence at a time: halves every ``half_life_days`` before ``newest``, down
    to :data:`DECAY_FLOOR`; evidence of unknown date weighs what the median dated document
    does (not more than any of them)."""

    def __init__(
        self, newest: float | None, half_life_days: float, dated: list[float] | None = None
    ) -> None:
        self.newest = newest
        self.half_life = half_life_days * DAY
        weights = sorted(self._weight(t) for t in dated or [])
        self.unknown = weights[len(weights) // 2] if weights else 1.0

    def _weight(self, ts: float) -> float:
        if self.newest is None:
            return 1.0
        return max(DECAY_FLOOR, 0.5 ** (max(0.0, self.newest - ts) / self.half_life))

    def __call__(self, ts: float | None) -> float:
        return self.unknown if ts is None else self._weight(ts)

    def of(self, ts: np.ndarray) -> np.ndarray:
        """The weights of many times at once (an unknown time, NaN, weighs :attr:`unknown`)."""
        if self.newest is None:
            return np.ones_like(ts)
        with np.errstate(invalid="ignore"):
            weights = 0.5 ** (np.clip(self.newest - ts, 0.0, None) / self.half_life)
        return np.where(np.isnan(ts), self.unknown, np.maximum(weights, DECAY_FLOOR))


# ---------------------------------------------------------------------------- profiles


def _topic_tokens(topic: str) -> list[str]:
    """The topic's words, and the number of an identifier joined to a name by a hyphen
    (``eip-7688`` also ``7688``, as people say it; see :func:`search_terms`)."""
    words = tokens(topic)
    numbers = [p for w in words if "-" in w for p in w.split("-") if p.isdigit() and len(p) >= 2]
    return list(dict.fromkeys(words + numbers))


class ProfileIndex:
    """Every person's own words (the lines they wrote or own, the sentences naming them),
    per document: term counts for BM25, and the sum of those passages' embeddings.

    Built once per directory version from every chunk; memory is arrays, not objects.
    Given the index of an earlier directory of the same store (``previous``), a document
    whose attribution cannot have changed (see :func:`attribution_signatures`) keeps what
    that index holds of it; only the others are read and attributed again, so that an
    ingest of a few documents costs a few documents' work. Postings are one array per
    field ordered by term (each term's postings are views of it). ``workers`` processes
    read the documents when there are many (see :mod:`search.people.attributed`).
    """

    K1 = 1.2
    B = 0.75

    def __init__(
        self,
        directory: Directory,
        store: Store,
        previous: ProfileIndex | None = None,
        workers: int = 1,
    ) -> None:
        self.directory = directory
        self.store = store
        self.doc_ids = list(directory.docs)
        self._doc = {d: j for j, d in enumerate(self.doc_ids)}
        docs = [directory.docs[d] for d in self.doc_ids]
        self.doc_ts = np.array([d.created if d.created else np.nan for d in docs], dtype=float)
        self.doc_kind = np.array([d.kind for d in docs], dtype=object)
        self.doc_origin = np.array([d.origin for d in docs], dtype=object)
        self.doc_channel = np.array([d.channel or "" for d in docs], dtype=object)
        self.signatures = attribution_signatures(directory)
        # what made the vectors: a store re-embedded by another model keeps none of them
        self.vectors_from = (store.recorded_model(), store.settings.collection)
        # the names anyone in the directory goes by in each origin's documents
        self.corpus = {origin: directory.corpus_variants(origin) for origin in set(self.doc_origin)}
        old = previous
        if old is not None and getattr(old, "vectors_from", None) != self.vectors_from:
            old = None
        kept = (
            [d for d, sig in self.signatures.items() if old.signatures.get(d) == sig]
            if old is not None
            else []
        )
        if old is not None:
            renamed = _renamed(old.corpus, self.corpus, store.catalog)
            kept = [d for d in kept if d not in renamed]
        fresh = Attributed(directory)
        unchanged = set(kept)
        fresh_ids = [d for d in self.doc_ids if d not in unchanged]
        fresh.read(store, fresh_ids, len(self.doc_ids), workers)
        self._assemble(old, kept, fresh, store)
        self._sums: dict[bytes, np.ndarray] = {}

    # --- building -------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        """Everything but the store (a warm-start snapshot pickles the index; whoever loads
        it sets ``store``) and what is rebuilt from the flat postings."""
        skip = ("store", "postings", "_sums")
        return {k: v for k, v in self.__dict__.items() if k not in skip}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._sums = {}
        self._split_postings()

    def _split_postings(self) -> None:
        self.postings = _Postings(self)

    def _assemble(
        self, old: ProfileIndex | None, kept: list[str], fresh: Attributed, store: Store
    ) -> None:
        """The index of ``kept`` documents as ``old`` has them and ``fresh`` ones as read."""
        old_people = old.people if old is not None else []
        people = sorted(set(fresh.people) | {old_people[i] for i in _old_people(old, kept)})
        self.people = people
        self._person = {pid: i for i, pid in enumerate(people)}
        # old person and document numbers -> new ones (-1: the document is not kept)
        person_map = np.array([self._person.get(pid, -1) for pid in old_people], dtype=np.int32)
        doc_map = np.full(len(old.doc_ids) if old is not None else 0, -1, dtype=np.int32)
        if old is not None and kept:
            doc_map[[old._doc[d] for d in kept]] = [self._doc[d] for d in kept]
        vocabulary = Numbering()  # term -> number
        # the kept postings, still in term order: per kept term, where its postings start
        # (each posting's term is never spelled out: 50M of them at a million chunks)
        kept_starts = np.zeros(1, dtype=np.int64)
        parts_person, parts_doc, parts_count = [], [], []
        removed = _NONE
        if old is not None and len(old.post_doc):
            docs = doc_map[old.post_doc]
            mine = docs >= 0
            every = bool(mine.all())
            counts = np.diff(old.term_starts)
            if not every:
                running = np.concatenate([[0], np.cumsum(mine, dtype=np.int64)])
                counts = running[old.term_starts[1:]] - running[old.term_starts[:-1]]
                removed = np.flatnonzero(~mine)
            used = np.flatnonzero(counts)
            vocabulary.update((old.terms[t], n) for n, t in enumerate(used.tolist()))
            kept_starts = np.concatenate([[0], np.cumsum(counts[used])])
            parts_person.append(person_map[old.post_person if every else old.post_person[mine]])
            parts_doc.append(docs if every else docs[mine])
            parts_count.append(old.post_count if every else old.post_count[mine])
        # the fresh terms' numbers here (new ones after the kept), posting by posting
        fresh_terms = np.fromiter(
            map(vocabulary.__getitem__, fresh.terms), dtype=np.int64, count=len(fresh.terms)
        )[np.frombuffer(fresh.term_ids, dtype=np.int32)]
        new_person = np.array([self._person[pid] for pid in fresh.people], dtype=np.int32)
        parts_person.append(new_person[np.asarray(fresh.persons, dtype=np.int64)])
        parts_doc.append(
            np.array([self._doc[d] for d in fresh.doc_ids], dtype=np.int32)[
                np.asarray(fresh.docs, dtype=np.int64)
            ]
        )
        parts_count.append(np.minimum(np.asarray(fresh.counts, dtype=np.int64), COUNT_MAX))
        # the fresh ones, sorted, go after each term's kept ones
        order = np.argsort(fresh_terms, kind="stable")
        fresh_sorted = fresh_terms[order]
        kept_terms = len(kept_starts) - 1
        kept_too = len(parts_person) > 1
        fresh_at = kept_starts[np.minimum(fresh_sorted + 1, kept_terms)]
        # postings are most of the index (50M at a million chunks): person numbers and
        # counts take two bytes each where they fit
        person_type = np.uint16 if len(people) <= np.iinfo(np.uint16).max else np.int32
        parts = []
        for column, dtype in zip(
            (parts_person, parts_doc, parts_count),
            (person_type, np.int32, np.uint16),
            strict=True,
        ):
            values = column[-1][order].astype(dtype)
            if kept_too:
                values = np.insert(column[0].astype(dtype, copy=False), fresh_at, values)
            parts.append(values)
        self.post_person, self.post_doc, self.post_count = parts
        self.terms = list(vocabulary)
        every_term = np.arange(len(self.terms) + 1)
        self.term_starts = kept_starts[np.minimum(every_term, kept_terms)] + np.searchsorted(
            fresh_sorted, every_term
        )
        self._split_postings()
        self.length = _lengths(old, person_map, removed, parts_person[-1], parts_count[-1], people)
        self.average = float(self.length.mean()) if len(people) else 1.0
        self._buckets(old, person_map, doc_map, fresh, new_person, store)

    def _buckets(
        self,
        old: ProfileIndex | None,
        person_map: np.ndarray,
        doc_map: np.ndarray,
        fresh: Attributed,
        new_person: np.ndarray,
        store: Store,
    ) -> None:
        """Per (person, document), ordered by person then document: the passages (chunk
        numbers and shares, flat) and the share-weighted sum of their embeddings, kept as
        int8 with a scale per row (a quarter of float32's memory). Buckets of kept
        documents are copied from ``old``; the others are summed from their chunks' vectors."""
        kept = np.flatnonzero(doc_map[old.bucket_doc] >= 0) if old is not None else _NONE
        fresh_keys = list(fresh.chunks_of)
        fresh_docs = np.array([self._doc[d] for d in fresh.doc_ids], dtype=np.int32)
        person = np.concatenate(
            [
                person_map[old.bucket_person[kept]] if old is not None else _NONE,
                new_person[np.array([p for p, _ in fresh_keys], dtype=np.int64)],
            ]
        ).astype(np.int32)
        doc = np.concatenate(
            [
                doc_map[old.bucket_doc[kept]] if old is not None else _NONE,
                fresh_docs[np.array([d for _, d in fresh_keys], dtype=np.int64)],
            ]
        ).astype(np.int32)
        order = np.lexsort((doc, person))
        self.bucket_person, self.bucket_doc = person[order], doc[order]
        owners, starts = np.unique(self.bucket_person, return_index=True)
        self.owners, self.starts = owners, starts
        # passages: the kept buckets' as ``old`` numbers its chunks, then the fresh ones'
        numbers: dict[str, int] = {}
        lengths, chunks, shares = [], [], []
        for key in fresh_keys:
            passages = fresh.chunks_of[key]
            lengths.append(len(passages))
            for chunk_id, share in passages:
                chunks.append(numbers.setdefault(chunk_id, len(numbers)))
                shares.append(share)
        if old is not None and len(kept):
            old_at = _ranges(old.passage_starts[kept], np.diff(old.passage_starts)[kept])
            used, old_chunks = np.unique(old.passage_chunk[old_at], return_inverse=True)
            chunk_ids = np.concatenate([old.chunk_ids[used], _chunk_ids(list(numbers))])
            fresh_chunks = np.asarray(chunks, dtype=np.int64) + len(used)
            source_chunk = np.concatenate([old_chunks, fresh_chunks])
            source_share = np.concatenate([old.passage_share[old_at], np.float32(shares)])
            source_lengths = np.concatenate([np.diff(old.passage_starts)[kept], lengths])
        else:
            chunk_ids = _chunk_ids(list(numbers))
            source_chunk = np.asarray(chunks, dtype=np.int64)
            source_share = np.asarray(shares, dtype=np.float32)
            source_lengths = np.asarray(lengths, dtype=np.int64)
        source_starts = np.concatenate([[0], np.cumsum(source_lengths)]).astype(np.int64)
        at = _ranges(source_starts[:-1][order], source_lengths[order])
        self.chunk_ids = chunk_ids
        self.passage_chunk = source_chunk[at].astype(np.int32)
        self.passage_share = source_share[at].astype(np.float32)
        self.passage_starts = np.concatenate([[0], np.cumsum(source_lengths[order])]).astype(
            np.int64
        )
        fresh_buckets = np.repeat(np.arange(len(fresh_keys)), lengths)
        summed = _sum_vectors(store, numbers, len(fresh_keys), fresh_buckets, chunks, shares)
        dims = summed.shape[1] or (old.vectors.shape[1] if old is not None else 0)
        vectors = np.zeros((len(order), dims), dtype=np.int8)
        scales = np.zeros(len(order), dtype=np.float32)
        if old is not None and len(kept) and old.vectors.shape[1]:
            vectors[: len(kept)] = old.vectors[kept]
            scales[: len(kept)] = old.scales[kept]
        if summed.shape[1]:
            vectors[len(kept) :], scales[len(kept) :] = _quantized(summed)
        self.vectors, self.scales = vectors[order], scales[order]

    def passages(self, b: int) -> list[tuple[str, float]]:
        """Bucket ``b``'s passages: (chunk id, the person's share of it)."""
        start, end = int(self.passage_starts[b]), int(self.passage_starts[b + 1])
        ids = self.chunk_ids[self.passage_chunk[start:end]]
        shares = self.passage_share[start:end].tolist()
        return list(zip((c.decode() for c in ids.tolist()), shares, strict=True))

    def bucket(self, i: int, j: int) -> int | None:
        """The bucket of person ``i`` in document ``j``, if they have one."""
        at = int(np.searchsorted(self.owners, i))
        if at == len(self.owners) or self.owners[at] != i:
            return None
        start = int(self.starts[at])
        end = int(self.starts[at + 1]) if at + 1 < len(self.starts) else len(self.bucket_doc)
        b = start + int(np.searchsorted(self.bucket_doc[start:end], j))
        return b if b < end and self.bucket_doc[b] == j else None

    # --- scoring --------------------------------------------------------------------------

    def doc_weights(self, filters: Filters, decay: _Decay, visible: Visible | None) -> np.ndarray:
        """Per document: its recency weight, or 0 when a filter or access rule excludes it."""
        weights = decay.of(self.doc_ts)
        if filters.kinds:
            weights = weights * np.isin(self.doc_kind, list(filters.kinds))
        if filters.sources:
            weights = weights * np.isin(self.doc_origin, list(filters.sources))
        if filters.channels:
            weights = weights * np.isin(self.doc_channel, list(filters.channels))
        with np.errstate(invalid="ignore"):
            if filters.since is not None:
                weights = weights * (self.doc_ts >= filters.since)
            if filters.until is not None:
                weights = weights * (self.doc_ts <= filters.until)
        if visible is not None:
            docs = self.directory.docs
            weights = weights * np.array([visible(docs[d]) for d in self.doc_ids], dtype=bool)
        return weights

    def words(self, topic: str, doc_weights: np.ndarray) -> _Scores:
        """BM25 of ``topic`` against each person's own words (recency-weighted counts)."""
        n = len(self.people)
        total = np.zeros(n)
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        norm = 1 - self.B + self.B * self.length / max(self.average, 1.0)
        for term in _topic_tokens(topic):
            if term not in self.postings:
                continue
            people, docs, counts = self.postings[term]
            weight = counts * doc_weights[docs]
            tf = np.bincount(people, weights=weight, minlength=n)
            found = int((tf > 0).sum())
            idf = math.log(1 + (n - found + 0.5) / (found + 0.5))
            gain = idf * tf * (self.K1 + 1) / (tf + self.K1 * norm)
            total += gain
            parts.append((people, docs, weight, np.divide(gain, tf, where=tf > 0, out=tf * 0)))
        return self._credits(total, lambda i: self._word_docs(i, parts), topic)

    def _word_docs(self, i: int, parts: list[tuple[np.ndarray, ...]]) -> dict[int, float]:
        found = np.zeros(len(self.doc_ids))
        for people, docs, weight, per_count in parts:
            mine = people == i
            found += np.bincount(
                docs[mine], weights=weight[mine] * per_count[i], minlength=len(found)
            )
        nonzero = np.flatnonzero(found)
        return dict(zip(nonzero.tolist(), found[nonzero].tolist(), strict=True))

    def embedding(self, vector: list[float], doc_weights: np.ndarray) -> _Scores:
        """Cosine of the topic with each person's passages (a recency-weighted mean), scaled
        so that the median person scores 0 and the best 1."""
        if not len(self.owners) or self.vectors.shape[1] == 0:
            return _Scores.of({})
        query = np.asarray(vector, dtype=np.float32)
        weights = doc_weights[self.bucket_doc]
        sums = self._person_sums(weights)
        dots = sums @ query
        norms = np.linalg.norm(sums, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            cosine = np.where(norms > 0, dots / norms, np.nan)
        valid = cosine[~np.isnan(cosine)]
        if not len(valid):
            return _Scores.of({})
        low, high = float(np.median(valid)), float(valid.max())
        scaled = np.nan_to_num((cosine - low) / max(high - low, 1e-9), nan=0.0).clip(min=0)

        def docs_of(i: int) -> dict[int, float]:
            mine = self.bucket_person == i
            dots = self.vectors[mine].astype(np.float32) @ query
            contributions = weights[mine] * self.scales[mine] * dots
            return dict(zip(self.bucket_doc[mine].tolist(), contributions.tolist(), strict=True))

        return self._credits(scaled, docs_of, None)

    def _person_sums(self, weights: np.ndarray) -> np.ndarray:
        """Each person's weighted sum of passage vectors, cached by the weights: the same
        filters, half-life and reader (what they may see) meet the same sums again."""
        key = hashlib.blake2b(weights.tobytes(), digest_size=16).digest()
        sums = self._sums.get(key)
        if sums is None:
            sums = np.zeros((len(self.people), self.vectors.shape[1]), dtype=np.float32)
            # one person's buckets at a time: weighting them all at once copied every vector
            # (2 GB at a million chunks) for each new set of weights
            scaled = (weights * self.scales).astype(np.float32)
            starts = self.starts.tolist()
            ends = [*starts[1:], len(self.vectors)]
            for owner, start, end in zip(self.owners.tolist(), starts, ends, strict=True):
                for lo in range(start, end, SUM_BLOCK):  # int8 rows made float32 a block at a time
                    hi = min(lo + SUM_BLOCK, end)
                    sums[owner] += scaled[lo:hi] @ self.vectors[lo:hi].astype(np.float32)
            if len(self._sums) >= SUMS_CACHED:
                self._sums.clear()  # one step, safe beside other request threads
            self._sums[key] = sums
        return sums

    def _credits(
        self, scores: np.ndarray, docs_of: Callable[[int], dict[int, float]], topic: str | None
    ) -> _Scores:
        """The people scoring above 0, each one's credit made when asked for."""
        positive = np.flatnonzero(scores > 0)
        names = [self.people[i] for i in positive.tolist()]
        found = dict(zip(names, scores[positive].tolist(), strict=True))

        def credit(pid: str) -> _Credit:
            i = self._person[pid]
            made = _Credit(found[pid])
            made.lazy_docs = lambda: {self.doc_ids[j]: w for j, w in docs_of(i).items()}
            made.explain = lambda doc_id: self.evidence(i, doc_id, topic)
            return made

        return _Scores(found, credit)

    def evidence(self, i: int, doc_id: str, topic: str | None) -> Evidence | None:
        """What person ``i`` said (or where they were named) in a document, best for the topic."""
        b = self.bucket(i, self._doc[doc_id])
        chunk_ids = [c for c, _ in self.passages(b)] if b is not None else []
        rows = self.store.catalog.chunks(chunk_ids)
        patterns = [term_pattern(t) for t in search_terms(topic or "")]
        best: tuple[tuple[float, int], str, ChunkRow] | None = None
        for chunk_id in chunk_ids:
            chunk = rows.get(chunk_id)
            if chunk is None:
                continue
            part = attribute(chunk, self.directory)
            pid = self.people[i]
            for line in part.said.get(pid, []) + part.named.get(pid, []):
                score = (_overlap(line, patterns) if patterns else 0.0, min(len(line), 200))
                if best is None or score > best[0]:
                    best = (score, line, chunk)
        if best is None:
            return None
        if best[0][0] == 0 and best[0][1] < MIN_QUOTE:
            quote = snippet(best[2].text, query_terms(topic or ""))
        else:
            quote = _best_sentences(best[1], patterns) if patterns else best[1]
        return _evidence(self.directory.docs[doc_id], best[2], quote)


_NONE = np.zeros(0, dtype=np.int64)


def _sum_vectors(
    store: Store,
    numbers: dict[str, int],
    count: int,
    buckets: np.ndarray,
    chunks: list[int],
    shares: list[float],
) -> np.ndarray:
    """For ``count`` buckets, the share-weighted sum of their chunks' embeddings (float16,
    one row per bucket): passage k adds chunk number ``chunks[k]`` (of ``numbers``, chunk id
    -> number) times ``shares[k]`` to bucket ``buckets[k]``. The vectors are read from the
    vector store in batches of chunks."""
    by_chunk = np.argsort(chunks, kind="stable")
    bucket_of = np.asarray(buckets, dtype=np.int64)[by_chunk]
    chunk_of = np.asarray(chunks, dtype=np.int64)[by_chunk]
    share_of = np.asarray(shares, dtype=np.float32)[by_chunk]
    ids = list(numbers)
    summed = np.zeros((count, 0), dtype=np.float16)
    for start in range(0, len(ids), VECTOR_BATCH):
        batch = ids[start : start + VECTOR_BATCH]
        got = store.vectors._collection.get(ids=batch, include=["embeddings"])
        if not len(got["ids"]):
            continue
        embeddings = np.asarray(got["embeddings"], dtype=np.float32)
        if summed.shape[1] == 0:
            # float16 while summing (half of float32's 2 GB at a million chunks): the
            # sums end as int8 anyway
            summed = np.zeros((count, embeddings.shape[1]), dtype=np.float16)
        rows = np.full(len(batch), -1, dtype=np.int64)  # batch position -> row of got
        rows[[numbers[c] - start for c in got["ids"]]] = np.arange(len(got["ids"]))
        lo, hi = np.searchsorted(chunk_of, [start, start + len(batch)])
        found = rows[chunk_of[lo:hi] - start]
        have = found >= 0
        weighted = embeddings[found[have]] * share_of[lo:hi][have, None]
        targets = bucket_of[lo:hi][have]
        by_bucket = np.argsort(targets, kind="stable")
        targets = targets[by_bucket]
        firsts = np.flatnonzero(np.diff(targets, prepend=-1))
        if len(firsts):
            summed[targets[firsts]] += np.add.reduceat(weighted[by_bucket], firsts, axis=0)
    return summed


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions ``starts[k] .. starts[k] + lengths[k] - 1`` for every k, in order."""
    lengths = np.asarray(lengths, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(np.asarray(starts, dtype=np.int64) - offsets, lengths) + np.arange(
        int(lengths.sum())
    )


def _chunk_ids(ids: list[str]) -> np.ndarray:
    """Chunk ids as one array of bytes (about a quarter of the memory of Python strings)."""
    return np.array([c.encode() for c in ids], dtype=bytes) if ids else np.zeros(0, dtype="S1")


def _quantized(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row as int8 times a float32 scale (its largest magnitude over 127)."""
    vectors = np.zeros(rows.shape, dtype=np.int8)
    scales = np.abs(rows).max(axis=1, initial=0.0).astype(np.float32) / 127
    for lo in range(0, len(rows), SUM_BLOCK):
        block, scale = rows[lo : lo + SUM_BLOCK], scales[lo : lo + SUM_BLOCK, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            vectors[lo : lo + SUM_BLOCK] = np.nan_to_num(np.rint(block / scale))
    return vectors, scales


# Stores (catalog | people file) whose profile index a server's warm start is building
# in a child process (see :mod:`search.people.snapshot`).
_PENDING: set[str] = set()


def set_profiles_pending(store: Store, pending: bool) -> None:
    """Mark (or unmark) the store's profile index as being built in the background."""
    name = f"{store.catalog.path}|{store.settings.people_path}"
    if pending:
        _PENDING.add(name)
    else:
        _PENDING.discard(name)


def profiles_pending(store: Store, people_file: Path | None) -> bool:
    return f"{store.catalog.path}|{people_file}" in _PENDING


def warm(store: Store) -> None:
    """Build the people directory and the profile index now rather than on the first
    request (about 20 s at 100k chunks); a server may call this at start."""
    if not store.catalog.is_empty():
        profile_index(directory_for(store.catalog, store.settings.people_path), store)


def profile_index(directory: Directory, store: Store, workers: int = 1) -> ProfileIndex:
    """The profile index of a directory (built once per directory version, from the index
    of the directory it was updated from, if any: see :class:`ProfileIndex`), read by
    ``workers`` forked processes (only a process with no other threads at work may ask
    for more than one)."""
    return directory.derived(
        "profile_index",
        lambda: ProfileIndex(
            directory, store, directory.previous_derived("profile_index"), workers
        ),
    )


class _Postings:
    """term -> (people, docs, counts) of a :class:`ProfileIndex`: views of its flat arrays,
    ordered by term."""

    def __init__(self, index: ProfileIndex) -> None:
        self.index = index
        self.number = {term: t for t, term in enumerate(index.terms)}

    def __contains__(self, term: str) -> bool:
        return term in self.number

    def __getitem__(self, term: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        index, t = self.index, self.number[term]
        start, end = int(index.term_starts[t]), int(index.term_starts[t + 1])
        return (
            index.post_person[start:end],
            index.post_doc[start:end],
            index.post_count[start:end],
        )

    def items(self) -> Iterator[tuple[str, tuple[np.ndarray, np.ndarray, np.ndarray]]]:
        for term in self.number:
            yield term, self[term]


def _lengths(
    old: ProfileIndex | None,
    person_map: np.ndarray,
    removed: np.ndarray,
    fresh_person: np.ndarray,
    fresh_count: np.ndarray,
    people: list[str],
) -> np.ndarray:
    """Each person's profile length (the sum of their postings' counts): ``old``'s, less
    its ``removed`` postings, renumbered by ``person_map``, plus the fresh postings'. Sums
    of whole counts, so exactly what summing every posting again gives, without reading
    the 50M postings of a million chunks."""
    length = np.bincount(fresh_person, weights=fresh_count, minlength=len(people))
    if old is not None and len(old.people):
        before = old.length - np.bincount(
            old.post_person[removed],
            weights=old.post_count[removed],
            minlength=len(old.people),
        )
        moved = person_map >= 0
        np.add.at(length, person_map[moved], before[moved])
    return length.astype(float)


def _old_people(old: ProfileIndex | None, kept: list[str]) -> set[int]:
    """The person numbers of ``old`` with postings or passages in the ``kept`` documents."""
    if old is None or not kept:
        return set()
    mine = np.zeros(len(old.doc_ids), dtype=bool)
    mine[[old._doc[d] for d in kept]] = True
    found = set(np.unique(old.post_person[mine[old.post_doc]]).tolist())
    found.update(np.unique(old.bucket_person[mine[old.bucket_doc]]).tolist())
    return found


def attribution_signatures(directory: Directory) -> dict[str, bytes]:
    """Per document, a digest of everything :func:`attribute` reads of it and of the
    directory but the names anyone goes by (see :func:`_renamed`): the document's version
    and kind, how it names its people, those persons' names and handles. A document whose
    digest is unchanged, and whose text holds no name that changed, is attributed as
    before."""
    cache = directory.build_cache
    versions = cache.versions if cache is not None else {}
    persons: dict[str, bytes] = {}
    found = {}
    for doc_id, doc in directory.docs.items():
        people = directory.doc_people.get(doc_id, [])
        named = []
        for pid in dict.fromkeys(dp.person_id for dp in people):
            facts = persons.get(pid)
            if facts is None:
                person = directory.persons[pid]
                handles = [m.identity.handle for m in person.identities]
                facts = persons[pid] = _digest((pid, person.name, handles))
            named.append(facts)
        found[doc_id] = _digest((versions.get(doc_id), doc.kind, doc.origin, people, named))
    return found


def _renamed(
    old: dict[str, dict[str, str]], new: dict[str, dict[str, str]], catalog: Catalog
) -> set[str]:
    """Documents whose text holds a name (of an origin's, see
    :meth:`Directory.corpus_variants`) that now means someone else, no one any more, or
    someone for the first time: attribution finds people by those names, so only these
    documents can be attributed differently when a person joins. Each chunk's folded text
    is searched for the names as plain substrings: wherever attribution can match one."""
    changed: dict[str, re.Pattern[str]] = {}
    for origin in old.keys() | new.keys():
        before, after = old.get(origin, {}), new.get(origin, {})
        names = [v for v in before.keys() | after.keys() if before.get(v) != after.get(v)]
        if names:
            changed[origin] = re.compile(alternation(" ".join(n.split()) for n in names))
    found: set[str] = set()
    for doc_id, origin, text in catalog.origin_texts(list(changed)) if changed else ():
        if doc_id not in found and changed[origin].search(" ".join(fold(text).split())):
            found.add(doc_id)
    return found


def _digest(value: Any) -> bytes:
    return hashlib.blake2b(repr(value).encode(), digest_size=16).digest()


# ---------------------------------------------------------------------------- ranking


def _combine(parts: dict[str, _Scores]) -> _Scores:
    """The models' scores, each scaled to its best person, weighted by :data:`WEIGHTS`."""
    if len(parts) == 1:
        return next(iter(parts.values()))
    tops = {model: max(part.scores.values(), default=0.0) or 1.0 for model, part in parts.items()}
    scores: dict[str, float] = {}
    for model, part in parts.items():
        for pid, score in part.scores.items():
            scores[pid] = scores.get(pid, 0.0) + WEIGHTS[model] * score / tops[model]

    def credit(pid: str) -> _Credit:
        combined = _Credit(scores[pid])
        for model, part in parts.items():
            if pid in part.scores:
                combined.sources.append((WEIGHTS[model] / tops[model], part.credit(pid)))
        return combined

    return _Scores(scores, credit)


def _rank(found: _Scores, directory: Directory, k: int, evidence: int) -> list[Expert]:
    """The ``k`` best by score; among them, people who left after current staff."""
    best = [
        pid
        for _, pid in heapq.nsmallest(
            k,
            (
                (-score, pid)
                for pid, score in found.scores.items()
                if score > 0 and pid in directory.persons
            ),
        )
    ]
    best.sort(key=lambda pid: directory.persons[pid].left)
    return [_expert(directory.persons[pid], found.credit(pid), evidence) for pid in best]


def _expert(person: Person, credit: _Credit, evidence: int) -> Expert:
    return Expert(
        person_id=person.person_id,
        name=person.name,
        score=round(credit.score, 4),
        left=person.left,
        evidence=credit.evidence(evidence) if evidence else [],
    )


def _day(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).date().isoformat() if ts is not None else None

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
import math
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from search.people.attribution import Attribution, attribute
from search.people.directory import Directory, DocInfo, Person, directory_for
from search.people.identities import fold
from search.retrieval.retriever import reciprocal_rank_fusion
from search.retrieval.snippets import snippet
from search.retrieval.terms import STOPWORDS, query_terms, search_terms, term_pattern
from search.store.catalog import ChunkRow
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
        parts: dict[str, dict[str, _Credit]] = {}
        if model in ("document", "combined"):
            parts["document"] = self._document_model(
                topic, vector, filters, directory, decay, visible
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
    for pid in part.said.keys() | part.named.keys():
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


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light stemmer: plural and verb endings off (``migrations`` -> ``migration``)."""
    for suffix in ("ies", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


_TOKEN = re.compile(r"[^\W_](?:[\w'-]*\w)?")


def _tokens(text: str) -> list[str]:
    """The stemmed words of ``text`` that carry meaning, every occurrence."""
    words = _TOKEN.findall(fold(text).replace("\u2019", "'"))
    return [stem(w.removesuffix("'s")) for w in words if len(w) > 1 and w not in STOPWORDS]


def _topic_tokens(topic: str) -> list[str]:
    """The topic's words, and the number of an identifier joined to a name by a hyphen
    (``eip-7688`` also ``7688``, as people say it; see :func:`search_terms`)."""
    words = _tokens(topic)
    numbers = [p for w in words if "-" in w for p in w.split("-") if p.isdigit() and len(p) >= 2]
    return list(dict.fromkeys(words + numbers))


class ProfileIndex:
    """Every person's own words (the lines they wrote or own, the sentences naming them),
    per document: term counts for BM25, and the sum of those passages' embeddings.

    Built once per directory version from every chunk; memory is arrays, not objects.
    """

    K1 = 1.2
    B = 0.75

    def __init__(self, directory: Directory, store: Store) -> None:
        self.directory = directory
        self.store = store
        self.doc_ids = list(directory.docs)
        self._doc = {d: j for j, d in enumerate(self.doc_ids)}
        docs = [directory.docs[d] for d in self.doc_ids]
        self.doc_ts = np.array([d.created if d.created else np.nan for d in docs], dtype=float)
        self.doc_kind = np.array([d.kind for d in docs], dtype=object)
        self.doc_origin = np.array([d.origin for d in docs], dtype=object)
        self.doc_channel = np.array([d.channel or "" for d in docs], dtype=object)
        self.people: list[str] = []
        self._person: dict[str, int] = {}
        self._postings: dict[str, tuple[array, array, array]] = defaultdict(
            lambda: (array("i"), array("i"), array("f"))
        )
        self._length: Counter[int] = Counter()
        self.chunks_of: dict[tuple[int, int], list[tuple[str, float]]] = defaultdict(list)
        self._read(store)
        self.length = np.array([self._length[i] for i in range(len(self.people))], dtype=float)
        self.average = float(self.length.mean()) if len(self.people) else 1.0
        self.postings = {
            t: (
                np.frombuffer(p, np.int32),
                np.frombuffer(d, np.int32),
                np.frombuffer(c, np.float32),
            )
            for t, (p, d, c) in self._postings.items()
        }
        del self._postings
        self._vectors(store)
        self._sums: dict[bytes, np.ndarray] = {}

    # --- building -------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        """Everything but the store (a warm-start snapshot pickles the index; whoever loads
        it sets ``store``)."""
        return {k: v for k, v in self.__dict__.items() if k != "store"}

    def _read(self, store: Store) -> None:
        """One pass over the chunks; term counts are flushed per document."""
        current: str | None = None
        counts: dict[int, Counter[str]] = defaultdict(Counter)
        for chunk in store.catalog.iter_chunks():
            if chunk.doc_id not in self._doc:
                continue
            if chunk.doc_id != current:
                self._flush(current, counts)
                current, counts = chunk.doc_id, defaultdict(Counter)
            part = attribute(chunk, self.directory)
            j = self._doc[chunk.doc_id]
            for pid in part.said.keys() | part.named.keys():
                said, named = part.said.get(pid, []), part.named.get(pid, [])
                i = self._index(pid)
                counts[i].update(t for line in said + named for t in _tokens(line))
                share = (len(said) + 0.5 * len(named)) / max(part.lines, 1)
                self.chunks_of[(i, j)].append((chunk.chunk_id, share))
        self._flush(current, counts)

    def _index(self, pid: str) -> int:
        if pid not in self._person:
            self._person[pid] = len(self.people)
            self.people.append(pid)
        return self._person[pid]

    def _flush(self, doc_id: str | None, counts: dict[int, Counter[str]]) -> None:
        if doc_id is None:
            return
        j = self._doc[doc_id]
        for i, terms in counts.items():
            self._length[i] += sum(terms.values())
            for term, count in terms.items():
                people, docs, values = self._postings[term]
                people.append(i)
                docs.append(j)
                values.append(count)

    def _vectors(self, store: Store) -> None:
        """Per (person, document): the share-weighted sum of the passages' embeddings,
        ordered by person so that a person's rows are contiguous."""
        keys = sorted(self.chunks_of)
        self.bucket_person = np.array([i for i, _ in keys], dtype=np.int64)
        self.bucket_doc = np.array([j for _, j in keys], dtype=np.int64)
        uses: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for b, key in enumerate(keys):
            for chunk_id, share in self.chunks_of[key]:
                uses[chunk_id].append((b, share))
        self.vectors = np.zeros((len(keys), 0), dtype=np.float32)
        ids = list(uses)
        for start in range(0, len(ids), 2000):
            batch = ids[start : start + 2000]
            got = store.vectors._collection.get(ids=batch, include=["embeddings"])
            for chunk_id, vector in zip(got["ids"], got["embeddings"], strict=True):
                if self.vectors.shape[1] == 0:
                    self.vectors = np.zeros((len(keys), len(vector)), dtype=np.float32)
                row = np.asarray(vector, dtype=np.float32)
                for b, share in uses[chunk_id]:
                    self.vectors[b] += share * row
        owners, self.starts = np.unique(self.bucket_person, return_index=True)
        self.owners = owners

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

    def words(self, topic: str, doc_weights: np.ndarray) -> dict[str, _Credit]:
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

    def embedding(self, vector: list[float], doc_weights: np.ndarray) -> dict[str, _Credit]:
        """Cosine of the topic with each person's passages (a recency-weighted mean), scaled
        so that the median person scores 0 and the best 1."""
        if not len(self.owners) or self.vectors.shape[1] == 0:
            return {}
        query = np.asarray(vector, dtype=np.float32)
        weights = doc_weights[self.bucket_doc]
        sums = self._person_sums(weights)
        dots = sums @ query
        norms = np.linalg.norm(sums, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            cosine = np.where(norms > 0, dots / norms, np.nan)
        valid = cosine[~np.isnan(cosine)]
        if not len(valid):
            return {}
        low, high = float(np.median(valid)), float(valid.max())
        scaled = np.nan_to_num((cosine - low) / max(high - low, 1e-9), nan=0.0).clip(min=0)

        def docs_of(i: int) -> dict[int, float]:
            mine = self.bucket_person == i
            contributions = weights[mine] * (self.vectors[mine] @ query)
            return dict(zip(self.bucket_doc[mine].tolist(), contributions.tolist(), strict=True))

        return self._credits(scaled, docs_of, None)

    def _person_sums(self, weights: np.ndarray) -> np.ndarray:
        """Each person's weighted sum of passage vectors, cached by the weights: the same
        filters, half-life and reader (what they may see) meet the same sums again."""
        key = hashlib.blake2b(weights.tobytes(), digest_size=16).digest()
        sums = self._sums.get(key)
        if sums is None:
            sums = np.zeros((len(self.people), self.vectors.shape[1]), dtype=np.float32)
            weighted = self.vectors * weights[:, None]
            sums[self.owners] = np.add.reduceat(weighted, self.starts, axis=0)
            if len(self._sums) >= SUMS_CACHED:
                self._sums.clear()  # one step, safe beside other request threads
            self._sums[key] = sums
        return sums

    def _credits(
        self, scores: np.ndarray, docs_of: Callable[[int], dict[int, float]], topic: str | None
    ) -> dict[str, _Credit]:
        credits: dict[str, _Credit] = {}
        for i in np.flatnonzero(scores > 0):
            pid = self.people[i]
            credit = _Credit(float(scores[i]))
            credit.lazy_docs = lambda i=int(i): {self.doc_ids[j]: w for j, w in docs_of(i).items()}
            credit.explain = lambda doc_id, i=int(i): self.evidence(i, doc_id, topic)
            credits[pid] = credit
        return credits

    def evidence(self, i: int, doc_id: str, topic: str | None) -> Evidence | None:
        """What person ``i`` said (or where they were named) in a document, best for the topic."""
        chunk_ids = [c for c, _ in self.chunks_of.get((i, self._doc[doc_id]), [])]
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


def warm(store: Store) -> None:
    """Build the people directory and the profile index now rather than on the first
    request (about 20 s at 100k chunks); a server may call this at start."""
    if not store.catalog.is_empty():
        profile_index(directory_for(store.catalog, store.settings.people_path), store)


def profile_index(directory: Directory, store: Store) -> ProfileIndex:
    """The profile index of a directory (built once per directory version)."""
    return directory.derived("profile_index", lambda: ProfileIndex(directory, store))


# ---------------------------------------------------------------------------- ranking


def _combine(parts: dict[str, dict[str, _Credit]]) -> dict[str, _Credit]:
    """The models' scores, each scaled to its best person, weighted by :data:`WEIGHTS`."""
    if len(parts) == 1:
        return next(iter(parts.values()))
    combined: dict[str, _Credit] = {}
    for model, credits in parts.items():
        top = max((c.score for c in credits.values()), default=0.0) or 1.0
        for pid, credit in credits.items():
            into = combined.setdefault(pid, _Credit())
            into.score += WEIGHTS[model] * credit.score / top
            into.sources.append((WEIGHTS[model] / top, credit))
    return combined


def _rank(credits: dict[str, _Credit], directory: Directory, k: int, evidence: int) -> list[Expert]:
    """The ``k`` best by score; among them, people who left after current staff."""
    best = sorted(
        (pid for pid in credits if credits[pid].score > 0 and pid in directory.persons),
        key=lambda pid: (-credits[pid].score, pid),
    )[:k]
    best.sort(key=lambda pid: directory.persons[pid].left)
    return [_expert(directory.persons[pid], credits[pid], evidence) for pid in best]


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

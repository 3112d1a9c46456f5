"""Extractive question answering with citations, and abstention when the evidence is weak.

The question is retrieved like a search (keyword and dense legs, fused by reciprocal rank);
the best chunks are split into units (a message ``Speaker: text`` of a conversation, or a
sentence of prose), each unit is scored against the question (sentence-embedding
similarity plus weighted term coverage), and the answer quotes the best one to three
units verbatim, each with a ``[n]`` marker that points to its citation. When even the best
unit is a weak match, the answer says so and lists the closest hits instead.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import numpy as np

from search.retrieval.retriever import reciprocal_rank_fusion
from search.retrieval.speakers import named_people
from search.retrieval.terms import STOPWORDS, WORD, query_terms
from search.store.catalog import ChunkRow
from search.store.filters import Filters
from search.store.kinds import CONVERSATION_KINDS
from search.store.store import Store

# Confidence at or above which an answer is given; below it the answer abstains. Calibrated
# on tests/data/questions.jsonl and benchmarks/real_samples/questions.jsonl: 0.5 is where
# MIDPOINT puts it (benchmarks/answers.py prints both error rates around it).
THRESHOLD = 0.5
# How deep each retrieval leg goes, and how many fused chunks are read for units.
DEPTH = 50
PASSAGES = 12
# Which units are embedded per question: the best by a cheap pre-ranking, at most this many,
# each cut to UNIT_CHARS, within EMBED_CHARS in all (the model's time grows with the text).
EMBEDDED_UNITS = 8
UNIT_CHARS = 160
EMBED_CHARS = 1280
# The answer quotes at most this many units, each at least RELATIVE of the best's score.
MAX_QUOTES = 3
RELATIVE = 0.8
# A question about how something evolved takes quotes down to this share of the best.
EVOLVED = 0.7

UNSCORED = -math.inf
# Weights of a unit's score, from a coarse grid on both question sets (the optimum is flat).
W_DENSE, W_LEXICAL, W_CONTEXT, W_TYPE = 0.5, 0.2, 0.2, 0.1
# Confidence is a logistic of 0.7 x similarity + 0.3 x term coverage around this midpoint.
MIDPOINT = 0.5
# The quoted unit's whole chunk is evidence too (a question worded unlike the sentence that
# answers it still matches the passage around it): PASSAGE_DENSE x the chunk's cosine +
# the rest x its term coverage (with title and heading), when that is higher. A question
# that names a speaker of that chunk ("what did Dana say ...") gains NAMED, and so does a
# unit that person said (their turns are also ranked and embedded first). Calibrated on
# the real development sets: benchmarks/real_data.py prints false abstentions and
# abstentions on unanswerable questions per source, benchmarks/answers.py a threshold sweep.
PASSAGE_DENSE = 0.8
NAMED = 0.08

# Words that shape a question but say nothing about its topic.
QUESTION_WORDS = frozenset(
    """many much long often ever anyone someone something anything tell know get got us me my
    please happen happened currently""".split()
)
# Words that ask for a decision rather than name a topic ("what did we decide about X").
DECIDING = frozenset(
    """decide decided decides decision decisions agree agreed final finally conclude concluded
    conclusion outcome settle settled""".split()
)
DECISION = re.compile(
    r"\b(decid\w*|decision\w*|agreed|approved|confirmed|outcome|final\w*|chose|chosen|"
    r"go(ing)? with|moves? (to|from)|moved (to|from)|will (be|launch|ship|move)|settled|"
    r"signed off)\b",
    re.IGNORECASE,
)
# Words that ask how something changed rather than name it ("how did X change over time").
EVOLVING = frozenset(
    """over time change changed changes evolve evolved evolution history timeline progress
    progressed""".split()
)
REASON = re.compile(
    r"\b(because|due to|reasons?|caused|cause|since|so that|as a result|led to|after)\b",
    re.IGNORECASE,
)
WHY = re.compile(r"^\s*why\b|\bwhat (caused|led to|was the reason)\b", re.IGNORECASE)
LATEST = re.compile(
    r"\b(decid\w*|decision\w*|final\w*|agree\w*|settle\w*|latest|current\w*|now|ended up|"
    r"conclu\w*|outcome|chose|chosen|picked|resolved?|moving|moved?|chang(e|ed)\s+to)\b",
    re.IGNORECASE,
)
EVOLUTION = re.compile(
    r"\b(evolv\w*|history|timeline|over time|how did .{0,60}\bchang\w*|progress\w*|"
    r"sequence|step by step|what happened (to|with))\b",
    re.IGNORECASE,
)
WHEN = re.compile(
    r"^\s*(when|until when)\b|\b(what|which)\b[^?]{0,40}\b(date|day|deadline)\b", re.IGNORECASE
)
HOW_MANY = re.compile(r"\bhow (many|much|long|often|big|large|fast|slow)\b", re.IGNORECASE)
WHO = re.compile(r"^\s*(who|whom|whose)\b", re.IGNORECASE)
WHICH = re.compile(
    r"^\s*(which|what)\s+(\w+\s+){0,2}(firm|customer|company|vendor|tool|platform|"
    r"team|product|person|client|partner|provider|service|name|account)s?\b",
    re.IGNORECASE,
)
PROPER = re.compile(r"(?<![.!?:]\s)(?<!^)\b[A-Z][\w&'-]+")
MONTHS = (
    "jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t|tember)?|"
    "oct(ober)?|nov(ember)?|dec(ember)?"
)
DATE_LIKE = re.compile(
    rf"\b(({MONTHS})\.?\s+\d{{1,2}}\b|\d{{1,2}}\s+({MONTHS})\b|\d{{4}}-\d{{2}}-\d{{2}}|"
    r"(mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow|today|yesterday|next week|"
    r"\b(q[1-4])\b)",
    re.IGNORECASE,
)
NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|dozen)\b",
    re.IGNORECASE,
)
# A code or identifier: letters and digits mixed (BPO2, EIP-7688) or a capitalized acronym.
# A term that names one specific thing: a compound (free-threaded, ML-KEM) or a number.
SPECIFIC = re.compile(r"\w-\w|^\d+$")
IDENTIFIER = re.compile(r"\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])\w[\w-]*|\b[A-Z]{3,}\b")
LIST_ITEM = re.compile(r"^\s*([-*\u2022]|\d{1,2}[.)]|\[[ x]\])\s+")
# Metadata lines of notes and memos: where, when and who, not what was said.
METADATA = re.compile(
    r"^\s*(date|attendees|present|chair|notes( by)?|transcript|author|subject|to|from|cc|"
    r"location|time)\s*:",
    re.IGNORECASE,
)
# A sentence ends at . ! or ? (after closing quotes or brackets) before a capital or digit.
_CLOSE = "[\"'\u201d\u2019)\\]*_]"
SENTENCE_END = re.compile(
    rf"(?:(?<=[.!?])|(?<=[.!?]{_CLOSE})|(?<=[.!?]{_CLOSE}{_CLOSE}))\s+"
    r"(?=[\"'\u201c\u2018(\[*_]*[A-Z0-9$\u20ac\u00a3])"
)
SUFFIXES = (
    "ations",
    "ation",
    "ements",
    "ement",
    "ments",
    "ment",
    "ings",
    "ing",
    "ions",
    "ion",
    "ers",
    "er",
    "als",
    "al",
    "ies",
    "es",
    "ed",
    "ly",
    "s",
    "e",
    "y",
)
ENDINGS = "(?:" + "|".join((*SUFFIXES, "d")) + ")?"


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a quoted statement comes from, and the quote itself (verbatim from the chunk)."""

    n: int
    doc_id: str
    title: str
    source_path: str
    locator: str
    quote: str
    date: str | None
    people: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Closest:
    """A hit shown when the answer abstains: the nearest thing found, not an answer."""

    doc_id: str
    title: str
    source_path: str
    locator: str
    date: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Answer:
    """An answer whose factual sentences each end with ``[n]`` markers into ``citations``."""

    question: str
    answer: str
    citations: list[Citation]
    confidence: float
    mode: str = "extractive"
    abstained: bool = False
    notice: str | None = None
    closest: list[Closest] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Term:
    """A question term, how to find it in text, and how much it says (local IDF)."""

    text: str
    pattern: re.Pattern[str]
    weight: float
    found: int = 0
    identifier: bool = False


@dataclass(slots=True)
class Unit:
    """A message or sentence of a retrieved chunk: the smallest thing an answer quotes."""

    row: ChunkRow
    rank: int
    start: int
    end: int
    speaker: str | None
    lead: str = ""
    lexical: float = 0.0
    context: float = 0.0
    typed: bool = False
    named: bool = False  # said by someone the question names ("what did Dana say ...")
    dense: float = 0.0
    score: float = UNSCORED

    @property
    def text(self) -> str:
        return self.row.text[self.start : self.end]

    @property
    def embedded_text(self) -> str:
        """What is embedded: the unit, after its list's lead-in line when it has one."""
        return f"{self.lead[:80]}: {self.text}" if self.lead else self.text

    @property
    def ts(self) -> float:
        return self.row.start_ts if self.row.start_ts is not None else 0.0


@dataclass(slots=True)
class Evidence:
    """What retrieval found for a question: ranked passages and scored units, best first."""

    question: str
    terms: list[Term]
    passages: list[ChunkRow]
    units: list[Unit]
    chosen: list[Unit]
    confidence: float
    unsaid: list[str] = field(default_factory=list)  # specific terms the store never says


class Answerer:
    """Answers questions from a :class:`Store` by quoting what was said, with citations."""

    def __init__(self, store: Store, threshold: float = THRESHOLD) -> None:
        self.store = store
        self.threshold = threshold
        self._vectors = UnitVectors(store)

    def ask(self, question: str, filters: Filters | None = None) -> Answer:
        """The extractive answer to ``question``, or an abstention naming the closest hits."""
        return self.compose(self.gather(question, filters))

    def gather(self, question: str, filters: Filters | None = None) -> Evidence:
        """Retrieve passages for ``question`` and score their units (raises on empty store)."""
        filters = filters or Filters()
        self.store.require_content()
        words = topic_terms(question)
        fused, similarity, vector = self._retrieve(question, words, filters)
        ranked = sorted(fused, key=fused.__getitem__, reverse=True)
        rows = self.store.catalog.chunks(ranked)
        pool = [rows[c] for c in ranked if c in rows]
        terms = weigh_terms(words, pool, identifiers_in(question))
        passages = pool[:PASSAGES]
        self._compare_all(passages, similarity, vector)
        units = score_units(question, terms, passages, similarity)
        self._embed(units, vector)
        units = sorted((u for u in units if u.score > UNSCORED), key=lambda u: -u.score)
        chosen = pick(units, EVOLVED if EVOLUTION.search(question) else RELATIVE)
        unsaid = self._unsaid(terms)
        support = passage_support(question, terms, chosen, passages[:1], similarity)
        return Evidence(
            question,
            terms,
            passages,
            units,
            chosen,
            confidence(chosen, unsaid, support),
            unsaid,
        )

    def _compare_all(
        self, passages: list[ChunkRow], similarity: dict[str, float], vector: np.ndarray
    ) -> None:
        """Add the cosine of passages that only the keyword leg found, so that their units
        are ranked and trusted on the same terms as the dense leg's (not as cosine 0)."""
        missing = [row.chunk_id for row in passages if row.chunk_id not in similarity]
        if missing:
            similarity.update(self.store.vectors.rank(vector.tolist(), missing, len(missing)))

    def _unsaid(self, terms: list[Term]) -> list[str]:
        """The question's specific terms that nothing in the store says: a code or
        identifier (BPO2, ADDMODX), a number (2027), a compound (free-threaded, ML-KEM)."""
        missing = [
            t.text for t in terms if not t.found and (t.identifier or SPECIFIC.search(t.text))
        ]
        if not missing:
            return []
        counts = self.store.catalog.phrase_chunk_counts(missing)
        return [t for t in missing if not counts.get(t)]

    def compose(self, evidence: Evidence) -> Answer:
        """Quote the best units, or abstain when the evidence is below the threshold."""
        if not evidence.chosen or evidence.confidence < self.threshold:
            return abstain(evidence)
        chosen = order(evidence.question, evidence.chosen)
        citations = [self.cite(n, unit) for n, unit in enumerate(chosen, 1)]
        lines = [sentence(unit, c) for unit, c in zip(chosen, citations, strict=True)]
        return Answer(
            question=evidence.question,
            answer="\n".join(lines),
            citations=citations,
            confidence=round(evidence.confidence, 3),
        )

    def cite(self, n: int, unit: Unit) -> Citation:
        """A citation for ``unit``, placed at its own message or line when that is known."""
        row = unit.row
        locator, ts = self._place(unit)
        people = [unit.speaker] if unit.speaker else row.people
        return Citation(
            n=n,
            doc_id=row.doc_id,
            title=row.title,
            source_path=row.source_path,
            locator=locator,
            quote=unit.text,
            date=day(ts),
            people=people,
        )

    def _retrieve(
        self, question: str, words: list[str], filters: Filters
    ) -> tuple[dict[str, float], dict[str, float], np.ndarray]:
        """Both legs fused by reciprocal rank, each dense hit's cosine, the question vector."""
        keyword, dense, embedding = self.store.legs(question, words, DEPTH, filters)
        vector = np.asarray(embedding, dtype=np.float32)
        return reciprocal_rank_fusion(keyword, dense), dict(dense), vector

    def _embed(self, units: list[Unit], vector: np.ndarray) -> None:
        """Embed the most promising units and set every unit's final score."""
        units.sort(key=prescore, reverse=True)
        texts: list[str] = []
        budget = EMBED_CHARS
        for text in dict.fromkeys(u.embedded_text for u in units):
            if len(texts) == EMBEDDED_UNITS or budget <= 0:
                break
            texts.append(text)
            budget -= min(len(text), UNIT_CHARS)
        if not texts:
            return
        similarity = (self._vectors.get(texts) @ vector).tolist()
        cosine = dict(zip(texts, similarity, strict=True))
        for unit in units:
            if unit.embedded_text in cosine:
                unit.dense = cosine[unit.embedded_text]
                unit.score = final_score(unit)

    def _place(self, unit: Unit) -> tuple[str, float | None]:
        """The unit's own locator and time when they can be recovered, else the chunk's."""
        row = unit.row
        line = line_of(row.text, unit.start)
        if unit.speaker and not row.text.startswith(line):
            doc = self.store.catalog.document(row.doc_id)
            for chunk in doc["chunks"] if doc else []:
                if chunk.text.split("\n", 1)[0] == line:
                    return chunk.locator, chunk.start_ts
        return refine_line(row, unit), row.start_ts


class UnitVectors:
    """Unit embeddings, kept for the most recently used units (questions about the same
    conversation quote the same sentences). Thread-safe; at most ``size`` vectors."""

    def __init__(self, store: Store, size: int = 20_000) -> None:
        self.store = store
        self.size = size
        self._kept: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, texts: list[str]) -> np.ndarray:
        """One row per text (each cut to UNIT_CHARS before it is embedded)."""
        keys = [t[:UNIT_CHARS] for t in texts]
        with self._lock:
            missing = list(dict.fromkeys(k for k in keys if k not in self._kept))
        fresh = self.store.embedder.embed_texts(missing) if missing else []
        with self._lock:
            for key, vector in zip(missing, fresh, strict=True):
                self._kept[key] = np.asarray(vector, dtype=np.float32)
            rows = []
            for key in keys:
                self._kept.move_to_end(key)
                rows.append(self._kept[key])
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return np.stack(rows)


# --- terms ---------------------------------------------------------------------------------


def topic_terms(question: str) -> list[str]:
    """The question's terms that name its topic (not how it asks, nor that it asks for a
    decision: 'what did we decide about moving the release date' is about moving the date)."""
    words = [t for t in query_terms(question) if t not in QUESTION_WORDS]
    asking = DECIDING | (EVOLVING if EVOLUTION.search(question) else frozenset())
    topical = [w for w in words if w not in asking]
    return topical or words


def weigh_terms(
    words: list[str], pool: list[ChunkRow], identifiers: frozenset[str] | set[str] = frozenset()
) -> list[Term]:
    """Question terms weighted by inverse frequency among the retrieved candidates."""
    texts = [f"{r.title}\n{r.heading}\n{r.text}" for r in pool]
    terms = []
    for word in words:
        pattern = term_pattern(word)
        df = sum(1 for t in texts if pattern.search(t))
        weight = math.log((len(texts) + 1) / (df + 0.5))
        named = word in identifiers
        terms.append(Term(word, pattern, min(max(weight, 0.1), 4.0), df, named))
    return terms


def identifiers_in(question: str) -> set[str]:
    """Codes and names the question spells exactly (BPO2, EIP-7688, ADDMODX), lower-cased."""
    return {m.group(0).lower() for m in IDENTIFIER.finditer(question)}


def term_pattern(word: str) -> re.Pattern[str]:
    """Text that says ``word``: its inflections, or a compound's acronym (GA for
    general-availability)."""
    word = re.sub(r"'s$", "", word)
    if "-" in word and not any(ch.isdigit() for ch in word):
        parts = [p for p in word.split("-") if p]
        joined = r"[\s-]?".join(_inflected(p) for p in parts)
        if len(parts) > 2 or min(map(len, parts)) >= 4:
            # The acronym, in capitals only: GA, BPO (not "pt" for per-technician).
            joined += "|(?-i:" + "".join(p[0] for p in parts).upper() + ")"
        return re.compile(rf"\b({joined})\b", re.IGNORECASE)
    return re.compile(rf"\b{_inflected(word)}\b", re.IGNORECASE)


def _inflected(word: str) -> str:
    numbers = re.findall(r"\d+", word)
    if numbers:
        # EIP-7688 is also written EIP7688, EIP 7688 or, once the topic is clear, 7688.
        spelled = r"[-\s]?".join(re.escape(p) for p in word.split("-") if p)
        number = max(numbers, key=len)
        return f"(?:{spelled}s?|{number})" if len(number) >= 3 else spelled + "s?"
    if len(word) <= 3:
        return re.escape(word) + "s?"
    stem = word
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            break
    if re.search(r"[aeiou][dt]$", stem) and len(stem) >= 5:
        # decide / decision, conclude / conclusion, permit / permission
        return f"(?:{re.escape(stem)}{ENDINGS}|{re.escape(stem[:-1])}s(?:ion|ions|ive))"
    return re.escape(stem) + ENDINGS


def coverage(terms: list[Term], text: str) -> float:
    """The weighted share of the question's terms that ``text`` contains."""
    total = sum(t.weight for t in terms)
    if not total:
        return 0.0
    return sum(t.weight for t in terms if t.pattern.search(text)) / total


# --- units -----------------------------------------------------------------------------------


def split_units(row: ChunkRow, rank: int = 0) -> list[Unit]:
    """Each message or sentence of a chunk, as offsets into its text, in reading order.

    A list item also carries its list's lead-in line ("Found 3 bugs so far"), which is
    embedded and matched with it but not quoted.
    """
    conversation = row.kind in CONVERSATION_KINDS
    units: list[Unit] = []
    offset = 0
    lead = ""
    for line in row.text.split("\n"):
        start, end = offset, offset + len(line)
        offset = end + 1
        speaker = _speaker(line, row.people) if conversation else None
        body = start + len(speaker) + 2 if speaker else start
        text = row.text[body:end]
        if not text.strip() or (not conversation and METADATA.match(text)):
            continue
        item = bool(LIST_ITEM.match(text))
        context = lead if item and not conversation else ""
        if not item:
            lead = text.strip()[:200]
        cuts = [] if conversation and len(text) <= 280 else list(SENTENCE_END.finditer(text))
        edges = [body, *(x for m in cuts for x in (body + m.start(), body + m.end())), end]
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            unit = _trimmed(row, rank, a, b, speaker)
            if unit is not None:
                unit.lead = context
                units.append(unit)
    return units


def _speaker(line: str, people: list[str]) -> str | None:
    name, sep, _ = line.partition(": ")
    if sep and (name in people or name.removesuffix(" (bot)") in people):
        return name
    return None


def _trimmed(row: ChunkRow, rank: int, start: int, end: int, speaker: str | None) -> Unit | None:
    piece = row.text[start:end]
    stripped = piece.strip().lstrip("-•*").strip()
    if len(stripped) < 3:
        return None
    start += piece.index(stripped)
    return Unit(row, rank, start, start + len(stripped), speaker)


def score_units(
    question: str, terms: list[Term], passages: list[ChunkRow], similarity: dict[str, float]
) -> list[Unit]:
    """Every unit of the passages with its term coverage and answer-type features."""
    wants = answer_type(question)
    asked = {w.lower() for w in WORD.findall(question)}
    units = []
    for rank, row in enumerate(passages):
        around = f"{row.title}\n{row.heading}"
        named = set(named_people(question, row.people)) if row.kind in CONVERSATION_KINDS else ()
        for unit in split_units(row, rank):
            unit.named = unit.speaker in named
            text = f"{unit.lead}\n{unit.text}"
            unit.lexical = coverage(terms, text)
            unit.context = coverage(terms, f"{text}\n{around}\n{unit.speaker or ''}")
            unit.typed = matches_type(wants, unit.text, row, asked)
            unit.dense = similarity.get(row.chunk_id, 0.0)
            units.append(unit)
    return units


def answer_type(question: str) -> str | None:
    """What kind of thing the question asks for: a date, a number, a person, or None."""
    if WHEN.search(question):
        return "date"
    if HOW_MANY.search(question):
        return "number"
    if WHO.search(question):
        return "person"
    if WHICH.search(question):
        return "name"
    if WHY.search(question):
        return "reason"
    if LATEST.search(question) or EVOLUTION.search(question):
        return "decision"
    return None


def matches_type(wants: str | None, text: str, row: ChunkRow, asked: set[str]) -> bool:
    """Whether ``text`` holds the kind of thing asked for (not just words of the question)."""
    if wants == "date":
        return bool(DATE_LIKE.search(text))
    if wants == "number":
        return bool(NUMBER.search(text))
    if wants == "person":
        firsts = {p.split()[0] for p in row.people if p.split()}
        return any(re.search(rf"\b{re.escape(f)}\b", text) for f in firsts)
    if wants == "decision":
        return bool(DECISION.search(text))
    if wants == "reason":
        return bool(REASON.search(text))
    if wants == "name":
        return any(m.group(0).lower() not in asked for m in PROPER.finditer(text))
    return False


def prescore(unit: Unit) -> float:
    """A cheap ranking (before units are embedded, ``dense`` is their chunk's similarity)."""
    return (
        0.6 * unit.lexical
        + 0.2 * unit.context
        + 0.3 * unit.dense
        + 0.1 * unit.typed
        + 0.2 * unit.named
        - 0.01 * unit.rank
    )


def final_score(unit: Unit) -> float:
    """Similarity to the question, term coverage, answer type; short fragments lose."""
    words = len(WORD.findall(unit.text))
    heading = unit.text.rstrip().endswith(":") and words < 8
    fragment = heading or words < (2 if unit.lead else 4)
    return (
        W_DENSE * unit.dense
        + W_LEXICAL * unit.lexical
        + W_CONTEXT * unit.context
        + W_TYPE * (unit.typed or unit.named)
        - 0.1 * fragment
        - 0.004 * unit.rank
    )


def passage_support(
    question: str,
    terms: list[Term],
    chosen: list[Unit],
    top: list[ChunkRow],
    similarity: dict[str, float],
) -> float:
    """How well the best matching of the quoted units' chunks and the top passage matches
    the question as a whole (see :data:`PASSAGE_DENSE` and :data:`NAMED`); 0 without a
    unit."""
    if not chosen:
        return 0.0
    best = 0.0
    for row in {r.chunk_id: r for r in [*(u.row for u in chosen), *top]}.values():
        covered = coverage(terms, f"{row.title}\n{row.heading}\n{row.text}")
        support = PASSAGE_DENSE * similarity.get(row.chunk_id, 0.0)
        support += (1 - PASSAGE_DENSE) * covered
        best = max(best, support + (NAMED if names_a_speaker(question, row) else 0.0))
    return best


def names_a_speaker(question: str, row: ChunkRow) -> bool:
    """Whether the question names someone who speaks in the conversation chunk ``row``
    ("what did mids say", "Rob's proposal"), as search reads a named person."""
    return row.kind in CONVERSATION_KINDS and bool(named_people(question, row.people))


def confidence(chosen: list[Unit], unsaid: Sequence[str] = (), support: float = 0.0) -> float:
    """How sure the quoted units answer the question, 0..1; 0.5 at :data:`MIDPOINT`.

    The evidence is the best unit's similarity and term coverage (plus :data:`NAMED` when
    the question names who said it), or the ``support`` of its passage
    (:func:`passage_support`) when that is higher. A question that names a
    code, a number or a compound term that nothing in the store says (``unsaid``:
    "BPO2", "2027", "free-threaded") is about something that was not said: its
    confidence is halved.
    """
    if not chosen:
        return 0.0
    raw = max(support, *(0.7 * u.dense + 0.3 * u.context + NAMED * u.named for u in chosen))
    sure = 1.0 / (1.0 + math.exp(-12.0 * (raw - MIDPOINT)))
    return sure / 2 if unsaid else sure


# --- composing -----------------------------------------------------------------------------


def pick(units: list[Unit], relative: float = RELATIVE) -> list[Unit]:
    """The best unit, plus up to two more nearly as good from other places, not repeating it."""
    chosen: list[Unit] = []
    if not units:
        return chosen
    best = units[0].score
    for unit in units:
        if len(chosen) == MAX_QUOTES or unit.score < relative * best:
            break
        if any(_same_place(unit, c) or _overlaps(unit, c) for c in chosen):
            continue
        chosen.append(unit)
    return chosen


def _same_place(a: Unit, b: Unit) -> bool:
    """The same words in one document, or two items of one list (quote the best item)."""
    same_list = bool(a.lead) and a.lead == b.lead and a.row.chunk_id == b.row.chunk_id
    return a.row.doc_id == b.row.doc_id and (a.text == b.text or same_list)


def _overlaps(a: Unit, b: Unit) -> bool:
    """Near-duplicates: most words shared (a reposted announcement, an overlapping window)."""
    wa, wb = set(WORD.findall(a.text.lower())), set(WORD.findall(b.text.lower()))
    return bool(wa and wb) and len(wa & wb) / min(len(wa), len(wb)) > 0.8


def order(question: str, units: list[Unit]) -> list[Unit]:
    """What the person the question names said first ("what did Dana say ..."); then
    latest first for what was decided, oldest first for how it evolved, else by score."""
    if EVOLUTION.search(question):
        units = sorted(units, key=lambda u: u.ts)
    elif LATEST.search(question):
        units = sorted(units, key=lambda u: u.ts, reverse=True)
    return sorted(units, key=lambda u: not u.named)


def sentence(unit: Unit, citation: Citation) -> str:
    """``On DATE in PLACE, SPEAKER: “quote” [n]``."""
    row = unit.row
    when = f"On {citation.date} " if citation.date else ""
    if row.kind == "chat":
        channel = row.channel or row.title
        place = "in a direct message" if channel.startswith("DM") else f"in {channel}"
    elif row.kind == "email":
        place = f"in the email thread “{row.title}”"
    else:
        place = f"in “{row.title}”"
        if row.heading and row.heading != row.title and not unit.speaker:
            place += f" ({row.heading})"
    who = f", {unit.speaker}" if unit.speaker else ""
    lead = (when + place).strip()
    return f"{lead[0].upper()}{lead[1:]}{who}: “{unit.text}” [{citation.n}]"


def abstain(evidence: Evidence) -> Answer:
    """'I found no conversation about X', with the closest hits."""
    closest: list[Closest] = []
    for row in evidence.passages:
        if all(c.doc_id != row.doc_id for c in closest):
            closest.append(
                Closest(row.doc_id, row.title, row.source_path, row.locator, day(row.start_ts))
            )
        if len(closest) == 3:
            break
    subject = " or ".join(evidence.unsaid) if evidence.unsaid else topic(evidence.question)
    text = f"I found no conversation about {subject}."
    if closest:
        listed = "; ".join(f"“{c.title}”" + (f" ({c.date})" if c.date else "") for c in closest)
        text += f" The closest were: {listed}."
    return Answer(
        question=evidence.question,
        answer=text,
        citations=[],
        confidence=round(evidence.confidence, 3),
        abstained=True,
        closest=closest,
    )


def topic(question: str) -> str:
    """The question's subject: its content words in order (``parental leave policy``)."""
    skip = STOPWORDS | QUESTION_WORDS | {"do", "is", "we"}
    words = [w for w in WORD.findall(question) if w.lower() not in skip]
    return " ".join(words) or question.strip()


def day(ts: float | None) -> str | None:
    """ISO date of a timestamp (UTC), or None."""
    return datetime.fromtimestamp(ts, UTC).date().isoformat() if ts is not None else None


def line_of(text: str, offset: int) -> str:
    """The whole line of ``text`` that contains ``offset``."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start : end if end >= 0 else len(text)]


# --- locators ------------------------------------------------------------------------------

LINE_LOCATOR = re.compile(r"^line (\d+)$")
MAX_SOURCE_BYTES = 8 * 1024 * 1024


def refine_line(row: ChunkRow, unit: Unit) -> str:
    """For ``line N`` locators, the line of the source file where the quote itself starts."""
    found = LINE_LOCATOR.match(row.locator)
    if not found:
        return row.locator
    lines = _source_lines(row.source_path)
    needle = _fold(unit.text)[:60]
    first = int(found.group(1))
    for number in range(max(first - 1, 0), len(lines)):
        if needle and needle in _fold(lines[number]):
            return f"line {number + 1}"
    return row.locator


def _source_lines(path: str) -> list[str]:
    try:
        stat = os.stat(path)
    except OSError:
        return []
    if stat.st_size > MAX_SOURCE_BYTES:
        return []
    return _read_lines(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _read_lines(path: str, mtime_ns: int, size: int) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().splitlines()
    except OSError:
        return []


def _fold(text: str) -> str:
    """Lower-cased words only, so markdown emphasis and spacing do not stop a match."""
    return " ".join(WORD.findall(text.lower()))

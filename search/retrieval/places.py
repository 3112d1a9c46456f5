"""Where a hit points: the lines of its document that answer, and their place in the file.

A chunk of a long meeting holds a dozen or more turns, and its locator is where the first
one starts; the chunk that matched best is not always the one where the answer is said.
:func:`place` reads the document's chunks as one run of lines and scores every line by the
query's words around it (a window of turns, as a reader skims), its own words, how well
the chunks holding it matched, and whether a person the query names says it; the best line
becomes a short passage (:func:`passage`: a question runs on to its reply). :func:`locate`
then finds a line in the source file by walking the chunk's lines through the file in order
from the chunk's own locator: ``line N`` for logs and text transcripts (and notes),
``HH:MM:SS`` cue times for caption files. When the file is gone, changed or does not hold
the lines as expected, the chunk's locator stands.
"""

from __future__ import annotations

import bisect
import itertools
import math
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from search.retrieval.speakers import line_speaker, speaks
from search.retrieval.terms import any_term_pattern, term_pattern
from search.store.catalog import ChunkRow
from search.store.catalog.base import CatalogCache

LINE_LOCATOR = re.compile(r"^line (\d+)$")
CUE_LOCATOR = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})$")
CAPTION_SUFFIXES = (".vtt", ".srt", ".sbv")
MAX_SOURCE_BYTES = 8 * 1024 * 1024
SMALL_SOURCE_BYTES = 128 * 1024  # a file read of at most this size is kept longer
# How far past the previous line the next one may be found (skipped joins, parts, cues).
MAX_SKIP_LINES = 400
NEEDLE_CHARS = 40  # folded characters of a line looked for in the file
# ... and, when those are not found, shorter ones (a caption turn runs over several cues)
SHORTER_NEEDLES = (20, 10)
MIN_NEEDLE_CHARS = 6
# Scoring a line (each part scaled by its best value in the document): the query's words in
# the turns around it, its own words, the retrieval score of its chunks, a named speaker.
AROUND = 6  # turns on each side
OWN_SHARE = 0.5
RETRIEVAL_SHARE = 0.5
SPEAKER_SHARE = 0.3
ANSWER_SHARE = 0.3  # a line shaped like the answer (an amount for "how much"...)
K1 = 1.2  # term-frequency saturation, as in BM25
PASSAGE_LINES = 4  # a hit points at a passage of at most this many lines
ANSWER_LINES = 3  # ... and a question in it at the reply within this many lines
_NOT_CONTENT = re.compile(r"^\s*(?:\d+|(?:\d+:)?\d{1,2}:\d{2}[.,]\d+\s*(?:-->|,).*)?\s*$")
_CUE_TIMING = re.compile(r"^\s*((?:\d+:)?\d{1,2}:\d{2})(?:[.,]\d+)?\s*(?:-->|,)")


def term_weights(terms: list[str], counts: dict[str, int], total: int) -> dict[str, float]:
    """BM25's IDF of each query term over the whole store (``counts``: chunks holding it,
    of ``total``): a word said everywhere tells no place from another."""
    return {
        t: math.log(1 + (total - counts.get(t, 0) + 0.5) / (counts.get(t, 0) + 0.5)) for t in terms
    }


@dataclass(frozen=True, slots=True)
class Spot:
    """A line of a document: the chunk that holds it first and its index there."""

    row: ChunkRow
    index: int
    text: str


def document_lines(rows: list[ChunkRow]) -> tuple[list[Spot], dict[str, list[int]]]:
    """The lines of one document's chunks (in reading order) as one run, the lines a chunk
    shares with the one before it (its overlap) read once; and for each chunk, the
    positions of its lines in the run."""
    spots: list[Spot] = []
    where: dict[str, list[int]] = {}
    previous: list[str] = []
    for row in sorted(rows, key=lambda r: r.position):
        lines = row.text.splitlines()
        shared = 0
        for size in range(min(len(previous), len(lines)), 0, -1):
            if previous[-size:] == lines[:size]:
                shared = size
                break
        start = len(spots) - shared
        where[row.chunk_id] = list(range(start, start + len(lines)))
        spots += [Spot(row, i, line) for i, line in enumerate(lines) if i >= shared]
        previous = lines
    return spots, where


@dataclass(frozen=True, slots=True)
class Lines:
    """A document's :func:`document_lines`, and their text joined by newlines with where
    each line starts in it (what :func:`place` reads; never changed once made)."""

    spots: list[Spot]
    where: dict[str, list[int]]
    text: str
    starts: list[int]


def read_lines(rows: list[ChunkRow]) -> Lines:
    """The :class:`Lines` of the document made of ``rows``."""
    spots, where = document_lines(rows)
    starts = list(itertools.accumulate((len(s.text) + 1 for s in spots[:-1]), initial=0))
    return Lines(spots, where, "\n".join(s.text for s in spots), starts)


def lines_of(catalog: Any, doc_ids: list[str]) -> dict[str, Lines]:
    """The :class:`Lines` of these documents (those with chunks), kept for the next search:
    the long meetings that answer many queries are read and split once."""
    return _LINES.get(catalog, doc_ids, lambda missing: _read_documents(catalog, missing))


def _read_documents(catalog: Any, doc_ids: list[str]) -> dict[str, Lines]:
    rows: dict[str, list[ChunkRow]] = {}
    for row in catalog.chunks_of_documents(doc_ids):
        rows.setdefault(row.doc_id, []).append(row)
    return {d: read_lines(r) for d, r in rows.items()}


_LINES: CatalogCache[str, Lines] = CatalogCache(64)


def place(
    rows: list[ChunkRow] | Lines,
    scores: dict[str, float],
    weights: dict[str, float],
    named: list[str] | None = None,
    shape: re.Pattern[str] | None = None,
) -> tuple[ChunkRow, int, int] | None:
    """The chunk and the first and last line (indices in that chunk) a hit on the document
    made of ``rows`` (or its :class:`Lines`) should point at; None when no line holds any
    evidence. ``scores`` are the retrieval scores of the document's chunks that were
    candidates; ``shape`` is what an answer looks like (:func:`answer_shape`)."""
    lines = rows if isinstance(rows, Lines) else read_lines(rows)
    spots, where = lines.spots, lines.where
    if not spots or not (weights or named):
        return None
    terms = list(weights)
    counts = _term_counts(lines, terms)
    weight = np.array([weights[t] for t in terms], dtype=np.float64)
    # A named person's name is on every line of theirs: it says where they talk (around),
    # not which of their lines answers (own; their lines get the speaker share instead).
    telling = np.array([not (named and speaks(t, named)) for t in terms], dtype=bool)
    own = (counts[:, telling] > 0).astype(np.float64) @ weight[telling]
    around = _window_weight(counts, weight, AROUND)
    retrieval = np.zeros(len(spots))
    for chunk_id, score in scores.items():  # a line of no candidate scores 0
        positions = where.get(chunk_id)
        if positions and score > 0:  # a chunk's lines run on: a slice
            span = slice(positions[0], positions[-1] + 1)
            retrieval[span] = np.maximum(retrieval[span], score)
    theirs = np.zeros(len(spots), dtype=bool)
    if named:
        theirs[:] = [speaks(line_speaker(s.text, s.row.people), named) for s in spots]
    if not own.any() and not theirs.any():
        return None
    total = (
        around / (around.max() or 1.0)
        + OWN_SHARE * own / (own.max() or 1.0)
        + RETRIEVAL_SHARE * retrieval / (retrieval.max() or 1.0)
        + SPEAKER_SHARE * theirs
    )
    if shape is not None:
        total += ANSWER_SHARE * np.array([_shaped(s, shape) for s in spots], dtype=bool)
    best = int(np.argmax(total))  # the first of equals
    spot = spots[best]
    first, last = passage(spot.row.text, spot.index, weights, spot.row.people, named)
    return spot.row, first, last


# What an answer looks like, by the question's first words: an amount for "how much", a
# time for "when", a reason for "why" (the classic question-type / answer-type match).
_AMOUNT = re.compile(
    r"(?<![\w.:])\d+(?:,\d{3})*(?:\.\d+)?(?![\w.:]*\d)\s*(?:%|\w+)?|\b(?:a|one|two|three|"
    r"four|five|six|seven|eight|nine|ten|twenty|fifty|hundred|thousand|dozen|few|half)\b",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"\b(?:today|tomorrow|yesterday|tonight|next|last|soon|later|week|weeks|month|months|"
    r"year|years|days?|hours?|minutes?|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|"
    r"may|june?|july?|aug(?:ust)?|sep(?:tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|q[1-4]|\d{4}-\d{2}-\d{2}|"
    r"\d{1,2}:\d{2})\b",
    re.IGNORECASE,
)
_REASON = re.compile(r"\b(?:because|since|so that|due to|reason|otherwise|cause|as it)\b", re.I)
_SHAPES = (
    (
        re.compile(
            r"^\W*(?:how (?:much|many|long|big|large|fast|often|far)|what (?:percentage|"
            r"share|fraction|amount|number))\b",
            re.I,
        ),
        _AMOUNT,
    ),
    (re.compile(r"^\W*(?:when|by when|until when|what (?:date|day|time))\b", re.I), _TIME),
    (re.compile(r"^\W*why\b", re.I), _REASON),
)


def answer_shape(query: str) -> re.Pattern[str] | None:
    """What a line that answers ``query`` holds, when the question's type says (an amount,
    a time, a reason); None for other questions and for keyword searches."""
    for question, shape in _SHAPES:
        if question.search(query):
            return shape
    return None


def _shaped(spot: Spot, shape: re.Pattern[str]) -> bool:
    speaker = line_speaker(spot.text, spot.row.people)
    said = spot.text[len(speaker) + 1 :] if speaker and spot.text.startswith(speaker) else spot.text
    return bool(shape.search(said))


def _term_counts(lines: Lines, terms: list[str]) -> np.ndarray:
    """How often each term occurs on each line (lines x terms), the text read in one pass."""
    counts = np.zeros((len(lines.spots), len(terms)), dtype=np.int32)
    pattern = any_term_pattern(terms)
    if pattern is None:
        return counts
    starts = lines.starts
    for match in pattern.finditer(lines.text):
        line = bisect.bisect_right(starts, match.start()) - 1
        counts[line, int(match.lastgroup[1:])] += 1  # type: ignore[index]
    return counts


def _window_weight(counts: np.ndarray, weights: np.ndarray, radius: int) -> np.ndarray:
    """Per line, the query weight of the lines within ``radius`` of it (term frequencies
    summed over the window and saturated as in BM25)."""
    size = len(counts)
    prefix = np.vstack([np.zeros((1, counts.shape[1])), np.cumsum(counts, axis=0)])
    rows = np.arange(size)
    tf = prefix[np.minimum(size, rows + radius + 1)] - prefix[np.maximum(0, rows - radius)]
    return (tf * (K1 + 1) / (tf + K1)) @ weights


def passage(
    text: str,
    index: int,
    weights: dict[str, float],
    people: list[str] | None = None,
    named: list[str] | None = None,
    most: int = PASSAGE_LINES,
) -> tuple[int, int]:
    """The first and last line (indices in ``text``) of the passage of at most ``most``
    lines around line ``index`` that holds the most query weight (each term counted once;
    the shortest such passage, the earliest of equals); one that ends in a question runs on
    to its reply."""
    lines = text.splitlines()
    if not 0 <= index < len(lines):
        return 0, 0
    patterns = {t: term_pattern(t) for t in weights}
    found = [{t for t in weights if patterns[t].search(line)} for line in lines]
    best: tuple[tuple[float, int, int], int, int] | None = None
    for first in range(max(0, index - most + 1), index + 1):
        for last in range(index, min(len(lines), first + most)):
            covered = set().union(*found[first : last + 1])
            score = sum(weights[t] for t in covered)
            key = (round(score, 9), first - last, -abs(index - first))
            if best is None or key > best[0]:
                best = (key, first, last)
    first, last = (best[1], best[2]) if best else (index, index)
    theirs = [
        bool(named) and speaks(line_speaker(line, people or []), named or []) for line in lines
    ]
    return first, _answered(lines, last, people or [], theirs)


def _answered(lines: list[str], last: int, people: list[str], theirs: list[bool]) -> int:
    """A passage that ends in a question runs on to its answer: the first reply by someone
    else, or by a named person when one replies within :data:`ANSWER_LINES` lines."""
    asker = line_speaker(lines[last], people)
    body = lines[last][len(asker) + 1 :] if asker and lines[last].startswith(asker) else lines[last]
    if not body.rstrip().endswith("?"):
        return last
    end = last
    for index in range(last + 1, min(len(lines), last + 1 + ANSWER_LINES)):
        if theirs[index]:
            return index
        if line_speaker(lines[index], people) != asker and end == last:
            end = index
    return end


# --- the line's place in the source file ---------------------------------------------------


def locate(row: ChunkRow, index: int) -> str:
    """The locator of line ``index`` of ``row.text`` in its source file, else the chunk's."""
    if index <= 0:
        return row.locator
    lines = row.text.splitlines()
    if index >= len(lines):
        return row.locator
    if LINE_LOCATOR.match(row.locator):
        found = _walk(row, lines[: index + 1], int(row.locator.split()[1]) - 1)
        return f"line {found + 1}" if found is not None else row.locator
    cue = CUE_LOCATOR.match(row.locator)
    if cue and row.source_path.lower().endswith(CAPTION_SUFFIXES):
        return _cue_locator(row, lines[: index + 1], cue) or row.locator
    return row.locator


def _walk(row: ChunkRow, lines: list[str], start: int) -> int | None:
    """The 0-based file line where the last of ``lines`` starts, walking them in order
    from file line ``start``; None when one of them is not where it should be."""
    source = _source(row.source_path)
    if source is None or start >= len(source.lines):
        return None
    position = start
    for number, line in enumerate(lines):
        needles = _needles(line, row.people)
        if not needles:
            if number == len(lines) - 1:
                return None
            continue
        limit = min(len(source.lines), position + MAX_SKIP_LINES)
        found = _find(source, needles, position, limit)
        if found is None:
            return None
        if number == len(lines) - 1:
            return found
        position = found + 1
    return None


def _find(source: Source, needles: list[str], start: int, stop: int) -> int | None:
    """The first file line in ``[start, stop)`` where one of ``needles`` starts (a needle
    may run on over the next lines: a wrapped message, the next cue of a caption). Whole
    needles are looked for first, then their first :data:`SHORTER_NEEDLES` characters;
    the lines are read a block at a time, each block twice the one before."""
    first = bisect.bisect_left(source.content, start)
    last = bisect.bisect_left(source.content, stop)
    for size in (NEEDLE_CHARS, *SHORTER_NEEDLES):
        wanted = list(dict.fromkeys(n[:size] for n in needles))
        at, block = first, 16
        while at < last:
            end = min(last, at + block)
            found = _first_start(source, wanted, at, end)
            if found is not None:
                return source.content[found]
            at, block = end, block * 2
    return None


def _first_start(source: Source, needles: list[str], begin: int, end: int) -> int | None:
    """The first text line (an index in ``source.content``) in ``[begin, end)`` where one
    of ``needles`` starts and ends within it and the next three text lines, all folded."""
    stop = min(len(source.content), end + 3)
    texts = [source.folded[source.content[i]] for i in range(begin, stop)]
    starts = list(itertools.accumulate(map(len, texts), initial=0))
    text = "".join(texts)
    limit = starts[end - begin]
    best: int | None = None
    for needle in needles:
        at = text.find(needle)
        while 0 <= at < limit:
            line = bisect.bisect_right(starts, at) - 1
            if best is not None and line >= best:
                break
            if at + len(needle) <= starts[min(line + 4, stop - begin)]:
                best = line
                break
            at = text.find(needle, at + 1)
    return None if best is None else begin + best


def _needles(line: str, people: list[str]) -> list[str]:
    """What ``line`` looks like in the file, folded: with its speaker (``nick text``) and
    without (actions repeat the nick, relays and captions may split it off)."""
    speaker = line_speaker(line, people) if people else None
    body = line
    if speaker and line.startswith(speaker):
        body = line[len(speaker) :].removeprefix(" (bot)").removeprefix(":").strip()
    text = _fold(body)
    out = []
    if speaker:
        with_name = _fold(speaker) + text
        if len(with_name) >= MIN_NEEDLE_CHARS:
            out.append(with_name[:NEEDLE_CHARS])
    if len(text) >= MIN_NEEDLE_CHARS:
        out.append(text[:NEEDLE_CHARS])
    return out


_NOT_WORD = re.compile(r"[\W_]+")
_HAS_WORD = re.compile(r"[^\W_]")  # a line that folds to something


def _fold(text: str) -> str:
    return _NOT_WORD.sub("", text.casefold())


def _cue_locator(row: ChunkRow, lines: list[str], cue: re.Match[str]) -> str | None:
    """The start time of the cue where the last of ``lines`` starts in a caption file."""
    source = _source(row.source_path)
    if source is None:
        return None
    wanted = int(cue.group(1)) * 3600 + int(cue.group(2)) * 60 + int(cue.group(3))
    start = source.cues.get(wanted)
    if start is None:
        return None
    found = _walk(row, lines, start)
    if found is None:
        return None
    for i in range(found, max(start, found - 8) - 1, -1):
        seconds = _timing_seconds(source.lines[i])
        if seconds is not None:
            return _clock(seconds)
    return None


def _timing_seconds(line: str) -> int | None:
    match = _CUE_TIMING.match(line)
    if not match:
        return None
    parts = [int(p) for p in match.group(1).split(":")]
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class Folded:
    """A file's lines folded for matching (:func:`_fold`), each folded when first read: a
    hit's lines are looked for near its chunk's place, not across the whole file."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines
        self._folded: list[str | None] = [None] * len(lines)

    def __getitem__(self, index: int) -> str:
        folded = self._folded[index]
        if folded is None:
            folded = self._folded[index] = _fold(self._lines[index])
        return folded


@dataclass(frozen=True, slots=True)
class Source:
    """A source file's lines, each folded for matching, and which of them hold text."""

    lines: list[str]
    folded: Folded
    content: list[int]  # indices of lines with text (not blank, cue numbers or timings)
    cues: dict[int, int]  # a caption's cue start (whole seconds) -> its timing line


def _source(path: str) -> Source | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if stat.st_size > MAX_SOURCE_BYTES:
        return None
    read = _read_small_source if stat.st_size <= SMALL_SOURCE_BYTES else _read_source
    return read(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=512)  # the many small files a store holds (64 MB of them at most)
def _read_small_source(path: str, mtime_ns: int, size: int) -> Source | None:
    return _load_source(path)


@lru_cache(maxsize=64)
def _read_source(path: str, mtime_ns: int, size: int) -> Source | None:
    return _load_source(path)


def _load_source(path: str) -> Source | None:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    content = [
        i for i, line in enumerate(lines) if _HAS_WORD.search(line) and not _NOT_CONTENT.match(line)
    ]
    cues: dict[int, int] = {}
    if path.lower().endswith(CAPTION_SUFFIXES):
        for i, line in enumerate(lines):
            seconds = _timing_seconds(line)
            if seconds is not None:
                cues.setdefault(seconds, i)
    return Source(lines, Folded(lines), content, cues)

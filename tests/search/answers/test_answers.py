"""Extractive answers on the sample organization: accuracy floor, citations, order, abstention."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest

from search.answers.extractive import (
    Answer,
    Answerer,
    Unit,
    confidence,
    final_score,
    order,
    passage_support,
    score_units,
    split_units,
    term_pattern,
    weigh_terms,
)
from search.store.catalog import ChunkRow
from search.store.filters import Filters
from search.store.store import EmptyStoreError, Store
from tests.conftest import DATA

# Measured: 18 of 19 answerable questions answered with the expected phrase, 4 of 6
# unanswerable ones abstained on (benchmarks/answers.py). The floors sit one question below.
ANSWER_FLOOR = 0.85
ABSTAIN_FLOOR = 0.50
MARKER = re.compile(r"\[(\d+)\]")


def labelled() -> list[dict]:
    lines = (DATA / "questions.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def answerer(sample_store: Store) -> Answerer:
    return Answerer(sample_store)


@pytest.fixture(scope="module")
def answers(answerer: Answerer) -> dict[str, tuple[dict, Answer]]:
    return {q["id"]: (q, answerer.ask(q["question"])) for q in labelled()}


def test_labelled_questions_meet_the_answer_and_abstention_floors(
    answers: dict[str, tuple[dict, Answer]],
) -> None:
    answerable = [(q, a) for q, a in answers.values() if q["expected"]]
    unanswerable = [(q, a) for q, a in answers.values() if not q["expected"]]
    right = [q["id"] for q, a in answerable if q["expected"].lower() in a.answer.lower()]
    abstained = [q["id"] for q, a in unanswerable if a.abstained]
    assert len(right) >= ANSWER_FLOOR * len(answerable), (right, len(answerable))
    assert len(abstained) >= ABSTAIN_FLOOR * len(unanswerable), (abstained, len(unanswerable))


def test_every_marker_points_to_a_citation_quoted_verbatim_from_its_document(
    answers: dict[str, tuple[dict, Answer]], sample_store: Store
) -> None:
    checked = 0
    for _, answer in answers.values():
        if answer.abstained:
            continue
        numbers = [c.n for c in answer.citations]
        assert numbers == list(range(1, len(numbers) + 1))
        for line in answer.answer.splitlines():
            assert MARKER.search(line), f"a sentence without a citation: {line}"
        assert {int(n) for n in MARKER.findall(answer.answer)} == set(numbers)
        for citation in answer.citations:
            doc = sample_store.catalog.document(citation.doc_id)
            assert doc is not None and doc["title"] == citation.title
            assert any(citation.quote in chunk.text for chunk in doc["chunks"])
            assert f"“{citation.quote}” [{citation.n}]" in answer.answer
            assert Path(citation.source_path).is_file() and citation.locator
            checked += 1
    assert checked >= 15


def test_what_was_decided_leads_with_the_latest_decision(answerer: Answerer) -> None:
    answer = answerer.ask("What did we decide about moving the release date?")
    assert not answer.abstained
    dates = [c.date for c in answer.citations]
    assert dates == sorted(dates, reverse=True)
    assert "May 20" in answer.answer.splitlines()[0]


def test_how_something_evolved_is_told_oldest_first(answerer: Answerer) -> None:
    answer = answerer.ask("How did the Burrow launch date change over time?")
    assert not answer.abstained and len(answer.citations) >= 2
    dates = [c.date for c in answer.citations]
    assert dates == sorted(dates)


def test_an_unanswerable_question_is_answered_with_the_closest_hits(
    answerer: Answerer,
) -> None:
    answer = answerer.ask("What is Quillmark's parental leave policy?")
    assert answer.abstained and answer.confidence < 0.5
    assert answer.answer.startswith("I found no conversation about")
    assert "parental leave policy" in answer.answer
    assert answer.citations == [] and not MARKER.search(answer.answer)
    assert answer.closest and all(Path(c.source_path).is_file() for c in answer.closest)


def test_a_message_inside_a_window_is_cited_at_its_own_message(
    answerer: Answerer, sample_store: Store
) -> None:
    """A message repeated as the first line of the next window gets that window's locator."""
    db = sample_store.catalog
    for doc_id in _conversation_ids(sample_store):
        chunks = db.document(doc_id)["chunks"]
        for before, after in itertools.pairwise(chunks):
            first = after.text.split("\n", 1)[0]
            lines = before.text.split("\n")
            if first in lines[1:]:
                unit = _unit_at(before, before.text.index("\n" + first) + 1)
                citation = answerer.cite(1, unit)
                assert citation.locator == after.locator != before.locator
                return
    pytest.skip("no conversation window overlaps the next in the sample organization")


def test_a_prose_sentence_is_cited_at_its_line_in_the_file(
    answerer: Answerer, sample_store: Store
) -> None:
    answer = answerer.ask("Which compliance automation platform replaced Complyra?")
    lines = [c for c in answer.citations if c.locator.startswith("line ")]
    assert lines
    for citation in lines:
        number = int(citation.locator.split()[1])
        text = Path(citation.source_path).read_text(encoding="utf-8").splitlines()
        words = re.findall(r"\w+", citation.quote)[:4]
        assert all(w in text[number - 1] for w in words), (citation, text[number - 1])


def test_filters_restrict_what_an_answer_may_quote(answerer: Answerer, sample_store: Store) -> None:
    answer = answerer.ask("What did we decide about pricing?", Filters(kinds=("chat",)))
    assert answer.citations
    for citation in answer.citations:
        assert sample_store.catalog.document(citation.doc_id)["kind"] == "chat"


def test_units_are_exact_slices_of_the_chunk_with_the_speaker_split_off() -> None:
    row = _row(
        "chat",
        "Ines Kowalski: GA moves to April 15. Kenji owns the merge.\nKenji Watanabe: On it.",
        ["Ines Kowalski", "Kenji Watanabe"],
    )
    units = [(u.text, u.speaker) for u in split_units(row)]
    assert all(row.text[u.start : u.end] == u.text for u in split_units(row))
    assert units == [
        ("GA moves to April 15. Kenji owns the merge.", "Ines Kowalski"),
        ("On it.", "Kenji Watanabe"),
    ]
    prose = _row("memo", "Date: 2025-02-25\nWe decided. It ships May 20.", [])
    assert [u.text for u in split_units(prose)] == [
        "We decided.",
        "It ships May 20.",
    ]


@pytest.mark.parametrize(
    ("term", "text", "found"),
    [
        ("general-availability", "GA moves to April 15", True),
        ("decide", "Release review decision: GA moves", True),
        ("piloted", "Northgate piloting the beta", True),
        ("tablet", "a tabletop exercise", False),
        ("ops-412", "the OPS-412 incident", True),
        ("herrera's", "Tomás Herrera left", True),
    ],
)
def test_question_terms_match_their_inflections_not_other_words(
    term: str, text: str, found: bool
) -> None:
    assert bool(term_pattern(term).search(text)) is found


def test_a_passage_that_matches_the_question_lifts_a_sentence_worded_unlike_it() -> None:
    row = _row(
        "chat",
        "mids: I have decided to resign as IIP developer.\nnop: sad to see you go",
        ["mids", "nop"],
    )
    question = "What did mids announce in the meeting where the others said goodbye to him?"
    unit = split_units(row)[0]
    unit.dense, unit.context = 0.35, 0.1  # the sentence alone: little in common
    terms = weigh_terms(["mids", "announce", "meeting", "others", "goodbye"], [row])
    alone = confidence([unit])
    support = passage_support(question, terms, [unit], [], {row.chunk_id: 0.55})
    assert alone < 0.5 < confidence([unit], (), support)
    # The same passage, unrelated to the question (low cosine, no terms, nobody named):
    unrelated = passage_support("Who runs payroll?", [], [unit], [], {row.chunk_id: 0.2})
    assert confidence([unit], (), unrelated) < 0.5


def test_a_question_naming_a_speaker_prefers_and_trusts_their_turns() -> None:
    row = _row(
        "chat",
        "mids: we should insist on proof from whoever complains\n"
        "nop: we should ask for proof from whoever complains",
        ["mids", "nop"],
    )
    question = "What did nop think we should demand from people who complain?"
    terms = weigh_terms(["nop", "think", "demand", "people", "complain"], [row])
    units = score_units(question, terms, [row], {})
    assert [(u.speaker, u.named) for u in units] == [("mids", False), ("nop", True)]
    for unit in units:
        unit.dense = 0.4  # worded alike: only who said it differs
        unit.score = final_score(unit)
    mids, nop = units
    assert nop.score > mids.score
    assert confidence([nop]) > confidence([mids])


def test_what_the_named_speaker_said_is_quoted_before_anyone_else() -> None:
    row = _row(
        "chat",
        "simeon: is a developer account required for notarization?\n"
        "eche|on: getting a dev account is simple: give your name and pay 100$ a year",
        ["simeon", "eche|on"],
    )
    question = "What did eche|on say it takes to get a developer account?"
    units = score_units(question, [], [row], {})
    assert [u.named for u in units] == [False, True]
    # Someone else's question outscores the named speaker's answer; the answer leads.
    assert [u.speaker for u in order(question, units)] == ["eche|on", "simeon"]
    decided = "What did eche|on decide about the developer account?"
    assert order(decided, score_units(decided, [], [row], {}))[0].speaker == "eche|on"


def test_a_passage_only_the_keyword_leg_found_gets_the_dense_legs_cosine(
    sample_store: Store,
) -> None:
    question = "Who owns the on-call rotation?"
    _, dense, vector = sample_store.legs(question, [], 200, Filters())
    deep = dict(dense[60:66])  # past the depth an answer retrieves (50)
    rows = sample_store.catalog.chunks(list(deep))
    similarity: dict[str, float] = {}
    Answerer(sample_store)._compare_all(list(rows.values()), similarity, np.asarray(vector))
    assert similarity.keys() == deep.keys()
    assert all(abs(similarity[c] - deep[c]) < 1e-4 for c in deep)


def test_an_empty_store_raises_rather_than_answering(store: Store) -> None:
    with pytest.raises(EmptyStoreError):
        Answerer(store).ask("anything")


def _conversation_ids(store: Store) -> list[str]:
    rows = store.catalog._db.execute(
        "SELECT doc_id FROM documents WHERE kind IN ('chat', 'email', 'transcript') "
        "AND chunk_count > 1 ORDER BY doc_id"
    )
    return [r[0] for r in rows]


def _unit_at(row: ChunkRow, line_start: int) -> Unit:
    for unit in split_units(row):
        if unit.start >= line_start:
            return unit
    raise AssertionError("no unit on that line")


def _row(kind: str, text: str, people: list[str]) -> ChunkRow:
    return ChunkRow(
        chunk_id="d:0",
        doc_id="d",
        position=0,
        kind=kind,
        origin="test",
        channel=None,
        title="t",
        heading="t",
        locator="line 1",
        source_path="/nowhere",
        text=text,
        people=people,
        start_ts=None,
        end_ts=None,
    )

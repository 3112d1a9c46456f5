"""Cue features and sentence reading for decision finding: speaker tags of minutes and chat
handles, decisions stated as made, talk around decisions, and the held-apart label format."""

from __future__ import annotations

import json
from pathlib import Path

from search.knowledge.classifier import load_labelled
from search.knowledge.cues import FEATURES, features, is_candidate, is_stated
from search.knowledge.sentences import Sentence, sentences

LABELS = Path(__file__).resolve().parents[3] / "benchmarks" / "decisions" / "labels.jsonl"


def _cues(text: str) -> set[str]:
    sentence = next(iter(sentences(text)))
    return {name for name, value in zip(FEATURES, features(sentence), strict=True) if value}


def test_a_bracketed_speaker_tag_is_the_speaker_and_a_label_after_it_is_read() -> None:
    text = "* [dana] AI: Felix to rotate the keys\n* [Issue 12](https://x.y/12): title"
    found = list(sentences(text))
    assert found[0].speaker == "dana" and found[0].label == "AI"
    assert found[0].text == "AI: Felix to rotate the keys"
    assert found[1].text.startswith("[Issue 12]")  # a link is not a speaker tag


def test_a_lower_case_chat_handle_is_a_speaker_but_a_note_word_is_not() -> None:
    handle, note = sentences("str4d: ok, let's do that\nfyi: the build is red")
    assert handle.speaker == "str4d" and handle.text == "ok, let's do that"
    assert note.text == "fyi: the build is red"


def test_a_decision_stated_as_made_is_told_from_talk_about_deciding() -> None:
    assert is_stated("We decided to hold the launch.")
    assert is_stated("The consensus was to keep the old schema.")
    assert not is_stated("Let's wait until we have decided on pricing.")
    assert not is_stated("Have we agreed on the name?")


def test_talk_around_decisions_has_its_own_cues() -> None:
    assert "meeting_flow" in _cues("Let's move on to the next item.")
    assert "meeting_flow" in _cues("I'll hand it over to Leo now.")
    assert "meeting_flow" not in _cues("Consensus: supportive, proposals welcome.")
    assert "done_report" in _cues("I approved the PR last week.")
    assert "condition" in _cues("If everyone agrees, we could ship it next month.")
    assert "hedge" in _cues("Maybe we should switch to weekly releases.")
    assert {"decision_label", "decision_phrase"} & _cues("RESOLVED we start with three templates")


def test_minutes_idioms_are_candidates_and_table_headers_are_not() -> None:
    for text in ("Out of scope, close it.", "Alright, misc it is.", "Hearing no objection."):
        assert is_candidate(Sentence(text, None, "", 0)), text
    assert not is_candidate(Sentence("| Decision | Owner | Date |", None, "", 0))


def test_training_sentences_are_labelled_and_varied() -> None:
    examples = load_labelled()
    labels = {e.label for e in examples}
    kinds = {e.kind for e in examples}
    assert labels == {"decision", "action", "other"}
    assert {"meeting_notes", "chat", "transcript", "email"} <= kinds
    assert len({e.sentence.text for e in examples}) == len(examples)  # no duplicates


def test_held_apart_labels_are_references_only() -> None:
    rows = [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]
    assert all(set(row) <= {"root", "path", "line", "label", "kind"} for row in rows)
    assert {row.get("root", "samples") for row in rows} == {"samples", "devsets"}
    assert {row["label"] for row in rows} == {"decision", "action", "other"}
    assert sum(row["label"] == "decision" for row in rows) >= 60
    assert len({(row.get("root"), row["path"], row["line"]) for row in rows}) == len(rows)

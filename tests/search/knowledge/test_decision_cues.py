"""Cue features and sentence reading for decision finding: speaker tags of minutes and chat
handles, decisions stated as made, talk around decisions (pending choices, agenda items,
jokes, one person's proposal, meeting flow), and the held-apart label format."""

from __future__ import annotations

import json
from pathlib import Path

from search.knowledge.classifier import load_labelled
from search.knowledge.cues import FEATURES, features, is_candidate, is_stated
from search.knowledge.extract import _accepted
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


def test_a_dash_after_agreed_is_a_reply_and_only_capital_resolved_is_a_label() -> None:
    assert "decision_label" not in _cues("Agreed - the retry storm is a client problem.")
    assert "decision_label" in _cues("Agreed: the status page moves next sprint.")
    assert "decision_label" not in _cues("resolved in the last build, no repro")
    assert "decision_label" in _cues("RESOLVED we keep the retry limit")
    assert "decision_label" not in _cues("Consensus-layer clients update their config.")


def test_agreeing_with_an_evaluation_is_an_opinion_however_long_the_subject() -> None:
    assert "opinion" in _cues("Agreed that a shared on-call calendar for both teams would be nice.")
    assert "opinion" in _cues("Agreed - the flaky login test is a CI problem.")
    assert "opinion" not in _cues("Agreed: we keep the Thursday release train.")


def test_talk_about_deciding_is_pending_but_an_action_item_to_decide_is_not() -> None:
    assert "pending" in _cues("No decision needed yet; the shortlist comes first.")
    assert "pending" in _cues("We still have to decide on the pricing tiers.")
    assert "pending" in _cues("Let's wait until we've agreed on the support model.")
    assert "pending" in _cues("The owner is still to be decided.")
    assert "pending" not in _cues("Action item: Marcus to decide between the two vendors.")
    assert "pending" not in _cues("We decided to keep the vendor.")


def test_agenda_items_and_issue_titles_are_marked_as_such() -> None:
    assert "agenda" in _cues("[15 min] Pricing tiers review (Sofia)")
    assert "agenda" in _cues("Proposal: move the standup to Wednesdays")
    assert next(iter(sentences("Proposal: move the standup"))).speaker is None
    assert "agenda" in _cues("Issue 231: sync drops attachments")
    assert "agenda" not in _cues("We agreed to move the standup to Wednesdays.")


def test_jokes_and_emoticons_are_marked() -> None:
    assert "joke" in _cues("sure, let's just rewrite it in Rust lol")
    assert "joke" in _cues("we should ship it on a Friday at 5pm :P")
    assert "joke" not in _cues("We ship it on Friday.")


def test_ones_own_proposal_is_told_from_an_accepted_one_and_from_ones_own_task() -> None:
    proposal = next(iter(sentences("My proposal is to batch the retries.")))
    on = dict(zip(FEATURES, features(proposal), strict=True))
    accepted = dict(zip(FEATURES, features(proposal, accepted=True), strict=True))
    assert on["proposing"] and not accepted["proposing"]
    assert "proposing" in _cues("I'd suggest a separate tier for field teams.")
    assert "proposing" not in _cues("My plan is to draft the doc tomorrow.")


def test_plans_of_record_dropped_support_and_cancelled_meetings_are_decision_cues() -> None:
    for text in (
        "Our plan is a mid-March release.",
        "The v1 API will no longer be supported after June.",
        "Okay, we'll skip next week's platform sync.",
        "We'll also support both templates through Q3.",
        "All supportive, the minimum goes to API 26.",
        "The decision to drop the 32-bit build came after the review.",
    ):
        assert "decision_phrase" in _cues(text), text
    assert "decision_phrase" not in _cues("We might skip the retro, not sure.")


def test_a_decision_stated_in_the_passive_or_as_consensus_is_stated() -> None:
    assert is_stated("It was agreed that Support owns the status page.")
    assert is_stated("This approach was agreed upon to keep the audit trail.")
    assert is_stated("There is consensus to keep the release train.")
    assert not is_stated("Was it agreed who owns the page?")


def test_meeting_flow_covers_putting_a_topic_on_the_agenda_and_closing_the_meeting() -> None:
    assert "meeting_flow" in _cues("Let's put this on the agenda for Thursday.")
    assert "meeting_flow" in _cues("Alright, let's wrap it up for today.")
    assert "meeting_flow" not in _cues("We close the ticket as won't fix.")


def test_doubt_and_an_open_either_or_are_hedges() -> None:
    assert "hedge" in _cues("I doubt we will ever drop the Android app.")
    assert "hedge" in _cues("We launch either next Wednesday or the week after.")
    assert "hedge" not in _cues("We launch next Wednesday.")


def test_accepting_a_move_to_revisit_later_decides_nothing() -> None:
    deferred = list(sentences("dana: let's put this on the agenda, next week\nfelix: sounds good"))
    assert _accepted(deferred) == {}
    chosen = list(sentences("dana: let's move the standup to 10am\nfelix: sounds good"))
    assert _accepted(chosen) == {0: ["dana", "felix"]}


def test_one_person_agreeing_and_planning_to_decide_are_not_decisions() -> None:
    assert "opinion" in _cues("I agree, we should use one template for both.")
    assert "pending" in _cues("The plan is to make a decision today.")
    assert "proposing" in _cues("We should file a separate ticket for Android.")
    assert "decision_phrase" not in _cues("My tentative plan is to write a doc.")


def test_the_reasons_given_for_a_decision_are_not_a_decision() -> None:
    text = (
        "## Decision\n**GA moves to May 20.** Reasons: (1) the battery fix needs a soak, and "
        "(2) the cutover freeze makes April too risky.\nRationale: one date for sales."
    )
    found = list(sentences(text))
    assert [is_candidate(s) for s in found] == [True, False, False]
    assert found[2].speaker is None  # "Rationale:" labels a line, it names nobody

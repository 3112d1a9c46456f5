"""Decisions and action items found in the sample organization, and supersession."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from api.cli.decisions import digest_markdown, parse_since
from search.knowledge.cues import owner_in
from search.knowledge.extract import Item
from search.knowledge.log import decision_log
from search.knowledge.sentences import sentences
from search.knowledge.supersession import supersessions
from search.store.store import Store


def test_sentences_carry_speaker_owner_and_section() -> None:
    text = (
        "Decisions\n- Keep the reader for reports.\nAction items\n"
        "- [ ] Felix: move the queries\nPriya Raman: Let's ship it. Then we rest."
    )
    found = list(sentences(text))
    assert found[0].in_decisions and found[0].text == "Keep the reader for reports."
    assert found[1].in_actions and found[1].owner_label == "Felix" and found[1].checked is False
    assert [s.text for s in found[2:]] == ["Let's ship it.", "Then we rest."]
    assert {s.speaker for s in found[2:]} == {"Priya Raman"}


def test_owner_is_read_from_action_phrasings() -> None:
    assert owner_in("AI: Priya to rotate the keys") == "Priya"
    assert owner_in("@dana to draft the memo") == "@dana"
    assert owner_in("Felix will update the runbook.") == "Felix"
    assert owner_in("I'll send the numbers") == "I"
    assert owner_in("The build is green.") is None


def _file_line(path: str, locator: str) -> str:
    number = int(locator.removeprefix("line "))
    return Path(path).read_text(encoding="utf-8").splitlines()[number - 1]


def test_a_stated_decision_is_found_with_its_exact_line(sample_store: Store) -> None:
    log = decision_log(sample_store, None)
    go = [i for i in log.items if i.type == "decision" and "GO for GA on May 20" in i.quote]
    assert len(go) == 1
    assert go[0].date == "2025-05-13" and go[0].kind == "meeting_notes"
    assert go[0].source_path.endswith("2025-05-13-burrow-go-no-go.md")
    assert go[0].quote in _file_line(go[0].source_path, go[0].locator).replace("**", "")


def test_checklist_action_items_have_their_owner_and_are_open(sample_store: Store) -> None:
    actions = decision_log(sample_store, None).actions(owner="Kenji")
    quotes = {a.quote: a for a in actions}
    dashboard = next(a for q, a in quotes.items() if "SYNC-409 / crash dashboard" in q)
    assert dashboard.owner == "Kenji Watanabe" and dashboard.open is True
    assert all("Kenji" in (a.owner or "") for a in actions)


def test_a_later_decision_on_the_same_subject_replaces_the_earlier(sample_store: Store) -> None:
    threads = decision_log(sample_store, None).decisions("Burrow GA launch date", limit=3)
    first = threads[0]
    assert first.history, "the GA date moved: the earlier decision is shown below"
    assert all((h.ts or 0) < (first.current.ts or 0) for h in first.history)
    assert "May 20" in first.current.quote


def test_the_current_decision_on_a_subject_comes_first_not_one_that_mentions_it(
    sample_store: Store,
) -> None:
    """The GA move gives the cutover freeze as a reason; it does not replace the decision
    that moved the cutover."""
    first = decision_log(sample_store, None).decisions("cutover date", limit=3)[0]
    assert "Bedrock cutover moves from April 12 to Saturday April 26" in first.current.quote
    assert all("Reasons" not in h.quote for h in first.history)
    # the notes name no decider: the meeting decided, its attendees
    attendees = ["Priya Raman", "Tomás Herrera", "Felix Amsel", "Nadia Chowdhury"]
    assert first.current.people == attendees


def test_decisions_sharing_only_dates_are_on_different_subjects() -> None:
    def item(item_id: str, doc_id: str, ts: float, quote: str) -> Item:
        return Item(item_id, "decision", quote, doc_id, doc_id, "notes", "", "", "", ts, [])

    cutover = item("a", "platform", 1.0, "Bedrock cutover moves from April 12 to April 26, 2025.")
    launch = item("b", "release", 9e5, "Burrow GA moves from April 15 to May 20, 2025.")
    pay = item("c", "people-ops", 1e6, "Decision: approved, effective July 1, 2025.")
    prices = item("d", "pricing", 2.0, "Effective April 1, 2025 for new customers.")
    same = {k: np.asarray([1.0, 0.0]) for k in "abcd"}  # as close as can be
    assert supersessions([cutover, launch], same) == {}
    assert supersessions([prices, pay], same) == {}  # "effective" names no subject


def test_decisions_are_filtered_by_date_and_kind(sample_store: Store) -> None:
    log = decision_log(sample_store, None)
    june = log.new_decisions(since=date(2025, 6, 1), until=date(2025, 6, 30))
    assert june and all(d.date and "2025-06-01" <= d.date <= "2025-06-30" for d in june)
    notes = log.decisions(kinds=["transcript"])
    assert all("transcript" in {i.kind for i in [t.current, *t.history]} for t in notes)


def test_digest_lists_decisions_and_opened_actions_with_citations(sample_store: Store) -> None:
    text = digest_markdown(decision_log(sample_store, None), date(2025, 5, 13), date(2025, 5, 13))
    decided, opened = text.split("## Action items opened")
    assert "GO for GA on May 20" in decided and "2025-05-13-burrow-go-no-go.md" in decided
    assert "**Ines Kowalski**" in opened and "(line " in opened


def test_digest_since_accepts_days_weeks_and_dates() -> None:
    today = date(2026, 12, 1)
    assert parse_since("7d", today) == date(2026, 11, 24)
    assert parse_since("2w", today) == date(2026, 11, 17)
    assert parse_since("2025-05-01", today) == date(2025, 5, 1)


def test_a_decision_restated_the_same_day_elsewhere_is_replaced_with_its_restatement() -> None:
    def item(item_id: str, doc_id: str, ts: float, quote: str) -> Item:
        return Item(item_id, "decision", quote, doc_id, doc_id, "chat", "", "", "", ts, [])

    day = 86400.0
    meeting = item("a", "notes", 10 * day, "Launch moves to May 20 for Burrow.")
    announced = item("b", "chat", 10 * day + 60, "Update: Burrow launch moves to May 20.")
    later = item("c", "go-no-go", 40 * day, "GO for the Burrow launch on May 20.")
    vectors = {
        "a": np.asarray([1.0, 0.0, 0.0]),
        "b": np.asarray([0.8, -0.6, 0.0]),  # close to the meeting's, not to the later one
        "c": np.asarray([0.6, 0.8, 0.0]),
    }
    assert supersessions([meeting, announced, later], vectors) == {"a": "c", "b": "c"}

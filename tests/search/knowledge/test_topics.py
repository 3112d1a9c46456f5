"""Topics: clusters of documents by their vectors, c-TF-IDF labels, ids that survive a
re-ingest, and per-asker views; bus factor and successors (knowledge at risk)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score
from typer.testing import CliRunner

from api.cli import app
from ingest.pipeline import ingest
from search.knowledge.clusters import LARGE, assign_ids, build, cluster
from search.knowledge.risk import RiskMap, greedy_cover
from search.knowledge.topics import TopicMap, c_tf_idf
from search.people.directory import build_directory
from search.people.people_file import load_people_config
from search.people.visible import visible_directory
from search.store.settings import Settings
from search.store.store import Store
from tests.search.knowledge.topic_org import CHANNELS, write_channel, write_org

OFFICE = (
    [
        "The office move to the new building is planned for the first weekend of May.",
        "Movers will pack the desks and monitors on the Friday before the office move.",
        "The new office has badge readers; collect your badge at reception.",
        "Parking permits for the new building are handed out by facilities.",
    ],
    [["Fay Foxtrot"], ["Fay Foxtrot", "Gus Golf"], ["Gus Golf"], ["Fay Foxtrot"]],
)


def _channel_of(store: Store, doc_id: str) -> str:
    found = next(d["channel"] for d in store.catalog.documents_index() if d["doc_id"] == doc_id)
    return str(found).lstrip("#")


@pytest.fixture(scope="module")
def org_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    base = tmp_path_factory.mktemp("topics")
    store = Store.open(Settings(home=base / "home"))
    assert not ingest([write_org(base / "org")], store).failures
    yield store
    store.close()


def _map(store: Store, visible: set[str] | None = None, people: Path | None = None) -> TopicMap:
    directory = build_directory(store.catalog, load_people_config(people))
    return TopicMap(store, directory, visible, build(store, None))


def test_documents_of_one_channel_form_one_topic(org_store: Store) -> None:
    clustering = build(org_store, None)
    by_channel: dict[str, set[str]] = {}
    for doc_id, topic_id in clustering.topic_of.items():
        by_channel.setdefault(_channel_of(org_store, doc_id), set()).add(topic_id)
    assert set(by_channel) == set(CHANNELS)
    assert all(len(ids) == 1 for ids in by_channel.values())
    assert len({next(iter(ids)) for ids in by_channel.values()}) == len(CHANNELS)


def test_a_label_is_words_of_its_own_topic_not_names(org_store: Store) -> None:
    topics = _map(org_store)
    for topic in topics.ranked():
        channel = _channel_of(org_store, topic.doc_ids[0])
        said = " ".join(CHANNELS[channel][0]).casefold()
        assert topic.terms and all(term in said for term in topic.terms)
        names = {w.casefold() for ps in CHANNELS[channel][1] for p in ps for w in p.split()}
        assert not names & set(topic.terms)


def test_c_tf_idf_ranks_a_term_shared_by_every_class_below_a_distinctive_one() -> None:
    classes = {
        "a": Counter({"meeting": 5, "ingress": 4}),
        "b": Counter({"meeting": 5, "pricing": 4}),
    }
    labels = c_tf_idf(classes, limit=2)
    assert labels["a"][0] == "ingress" and labels["b"][0] == "pricing"


def test_ids_persist_for_a_matching_topic_and_are_never_reused() -> None:
    vectors = {f"d{i}": np.eye(4, dtype=np.float32)[i // 2] for i in range(8)}
    first, state = assign_ids([["d0", "d1"], ["d2", "d3"], ["d4", "d5"]], vectors, {})
    second, _ = assign_ids([["d4", "d5"], ["d6", "d7"], ["d0", "d1"]], vectors, state)
    assert second["d4"] == first["d4"] and second["d0"] == first["d0"]
    assert second["d6"] not in set(first.values())


def test_topic_ids_survive_a_re_ingest_that_changes_and_adds_documents(tmp_path: Path) -> None:
    org, state = write_org(tmp_path / "org"), tmp_path / "topics.json"
    store = Store.open(Settings(home=tmp_path / "home"))
    try:
        assert not ingest([org], store).failures
        before = build(store, state).topic_of
        lines, threads = CHANNELS["platform"]
        write_channel(org, "platform", lines, [*threads, ["Bob Bravo", "Ann Alpha"]])
        write_channel(org, "office", *OFFICE)
        assert not ingest([org], store).failures
        after = build(store, state).topic_of
    finally:
        store.close()
    for old_id in set(before.values()):
        kept = [after.get(d) for d, t in before.items() if t == old_id and d in after]
        assert kept and Counter(kept).most_common(1)[0][0] == old_id
    new_ids = set(after.values()) - set(before.values())
    office = {t for d, t in after.items() if d not in before}
    assert new_ids and new_ids <= office


def test_bus_factor_counts_removals_until_more_than_half_is_orphaned() -> None:
    weight: Counter[str] = Counter()
    assert greedy_cover({"a": {"p"}, "b": {"p"}, "c": {"p"}, "d": {"q"}}, weight) == ["p"]
    two = greedy_cover({"a": {"p"}, "b": {"p"}, "c": {"q"}, "d": {"p", "q"}}, weight)
    assert sorted(two) == ["p", "q"]
    assert greedy_cover({"a": set(), "b": set(), "c": {"p"}}, weight) == []


def test_bus_factor_and_unique_knowledge_follow_who_spoke(org_store: Store) -> None:
    topics = _map(org_store)
    risks = RiskMap(topics)
    for topic in topics.ranked():
        covers = [set(risks.speakers(d)) for d in topic.doc_ids]
        everywhere = set.intersection(*covers)
        risk = risks.assess(topic)
        assert (risk.bus_factor == 1) == bool(everywhere), topic.label
        if everywhere:
            (only,) = everywhere
            assert topic in [r.topic for r in risks.unique_knowledge(only)]
            successor = risks.successor(risk)
            assert successor is None or successor.person_id != only


def test_a_topic_whose_experts_left_has_bus_factor_zero_and_an_active_successor(
    org_store: Store, tmp_path: Path
) -> None:
    people = tmp_path / "people.yaml"
    people.write_text("people:\n  - {name: Cleo Charlie, left: 2025-03-01}\n", encoding="utf-8")
    risks = RiskMap(_map(org_store, people=people))
    found = [r for r in risks.at_risk() if r.experts_left]
    assert len(found) == 1
    risk = found[0]
    assert risk.bus_factor == 0
    assert risk.successor is not None
    successor = risks.directory.persons[risk.successor.person_id]
    assert not successor.left and successor.name == "Dev Delta"  # the only other voice


def test_an_asker_sees_no_topic_built_only_from_documents_they_may_not_see(
    org_store: Store,
) -> None:
    full = _map(org_store)
    hidden = next(t for t in full.ranked() if _channel_of(org_store, t.doc_ids[0]) == "sales")
    visible = {d for t in full.ranked() for d in t.doc_ids} - set(hidden.doc_ids)
    directory = build_directory(org_store.catalog, load_people_config(None))
    seen = TopicMap(
        org_store, visible_directory(directory, visible), visible, build(org_store, None)
    )
    assert hidden.topic_id not in {t.topic_id for t in seen.ranked()}
    words = {w for t in seen.ranked() for w in t.terms}
    assert not words & set(hidden.terms)


def test_a_store_past_the_large_threshold_is_clustered_by_k_means_into_its_groups() -> None:
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(20, 384))
    truth = rng.integers(0, len(centers), LARGE + 100)
    matrix = centers[truth] + 0.3 * rng.normal(size=(len(truth), 384))
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    assert adjusted_rand_score(truth, cluster(matrix)) > 0.9


def test_an_empty_store_has_no_topics_and_nothing_at_risk(store: Store) -> None:
    topics = _map(store)
    assert topics.ranked() == []
    assert RiskMap(topics).at_risk() == []


def test_watercooler_risk_prints_the_bus_factor_one_topic_with_its_successor(
    org_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATERCOOLER_HOME", str(org_store.settings.home))
    monkeypatch.delenv("WATERCOOLER_PEOPLE_FILE", raising=False)
    expected = RiskMap(_map(org_store)).at_risk()
    result = CliRunner().invoke(app, ["risk", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows
    assert [r["topic_id"] for r in rows] == [r.topic.topic_id for r in expected]
    assert [r["successor"]["name"] for r in rows] == [r.successor.name for r in expected]
    listed = CliRunner().invoke(app, ["topics", "--json"])
    assert len(json.loads(listed.output)) == len(_map(org_store).ranked())


def test_someone_leaving_later_still_holds_their_topics_for_the_handover(
    org_store: Store, tmp_path: Path
) -> None:
    people = tmp_path / "people.yaml"
    people.write_text("people:\n  - {name: Cleo Charlie, left: 2099-01-01}\n", encoding="utf-8")
    risks = RiskMap(_map(org_store, people=people))
    cleo = risks.directory.resolve("Cleo Charlie")
    assert cleo is not None and cleo.left
    unique = risks.unique_knowledge(cleo.person_id)
    assert unique and not any(r.experts_left for r in unique)
    assert all(r.successor and r.successor.person_id != cleo.person_id for r in unique)

"""Hybrid retrieval quality, filters pushed into both legs, facets, highlights and eval."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from ingest.pipeline import ingest
from search.retrieval.evaluation import evaluate, load_queries
from search.retrieval.retriever import MODES, Blend, Retriever, document_gains
from search.retrieval.snippets import highlight, snippet
from search.retrieval.terms import WORD, proximity, query_terms, term_pattern
from search.store import store as store_module
from search.store.catalog import ChunkRow
from search.store.catalog import base as catalog_base
from search.store.filters import Filters
from search.store.store import Store
from tests.conftest import DATA, ENGINES, engine_settings, make_store

# Measured on the sample organization: hybrid+rerank 0.763, dense 0.692, keyword 0.656.
NDCG_FLOOR = 0.72


def scores(store: Store) -> dict[str, float]:
    queries = load_queries(DATA / "search_queries.jsonl")
    retriever = Retriever(store)
    return {
        mode: evaluate(
            queries,
            lambda q, k, mode=mode: retriever.search(q, k=k, mode=mode),
            store.catalog.kind_of,
        ).overall.ndcg_at_10
        for mode in MODES
    }


def test_hybrid_with_rerank_beats_each_leg_and_holds_the_floor(sample_stores: Store) -> None:
    ndcg = scores(sample_stores)
    assert ndcg["hybrid+rerank"] >= NDCG_FLOOR
    assert ndcg["hybrid+rerank"] > max(ndcg["keyword"], ndcg["dense"]) + 0.03


def test_exact_terms_find_their_document_first(sample_stores: Store) -> None:
    hit = Retriever(sample_stores).search("OPS-412", k=1)[0]
    assert "ops-412" in hit.source_path.lower() or "OPS-412" in hit.snippet


def test_filter_is_applied_inside_both_legs_not_after_the_cut(sample_stores: Store) -> None:
    retriever = Retriever(sample_stores, candidates=5)
    unfiltered = retriever.search("pricing change per technician", k=5)
    assert all(h.kind != "transcript" for h in unfiltered)
    hits = retriever.search(
        "pricing change per technician", k=5, filters=Filters(kinds=("transcript",))
    )
    assert hits and all(h.kind == "transcript" for h in hits)


@pytest.mark.parametrize(
    ("exact", "overfetch", "deepest"),
    [(1000, 1000, 10_000), (0, 1000, 10_000), (0, 3, 10_000), (0, 3, 3)],
    ids=["exact", "overfetch", "deeper", "narrow-fallback"],
)
def test_filtered_dense_leg_returns_the_nearest_chunks_that_pass(
    sample_stores: Store,
    monkeypatch: pytest.MonkeyPatch,
    exact: int,
    overfetch: int,
    deepest: int,
) -> None:
    monkeypatch.setattr(store_module, "EXACT", exact)
    monkeypatch.setattr(store_module, "OVERFETCH", overfetch)
    monkeypatch.setattr(store_module, "FILTER_OVERFETCH", 1)
    monkeypatch.setattr(store_module, "DEEPEST", deepest)
    filters = Filters(kinds=("email", "transcript"), since=1.7e9)
    embedding = sample_stores.embedder.embed_query("who is on call for the database migration")
    passing = set(sample_stores.catalog.passing(filters))
    everything = sample_stores.vectors.search(embedding, sample_stores.vectors.count())
    expected = [chunk_id for chunk_id, _ in everything if chunk_id in passing][:8]
    found = sample_stores.nearest(embedding, 8, filters)
    assert [chunk_id for chunk_id, _ in found] == expected
    assert len(expected) == 8


def test_the_catalog_tells_a_kind_or_persons_share_of_the_chunks_exactly_or_from_windows(
    sample_stores: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = sample_stores.catalog
    total = catalog.chunk_total()
    filters = [Filters(kinds=(kind,)) for kind in ("chat", "email", "transcript", "memo")]
    filters += [Filters(kinds=("chat", "email")), Filters(person="Priya Raman")]
    filters += [Filters(person="Priya Raman", kinds=("chat", "meeting_notes"))]
    exact = {f: len(catalog.passing(f)) / total for f in filters}
    assert total < catalog_base.SHARE_WINDOWS * catalog_base.SHARE_WINDOW  # all counted
    for f, share in exact.items():
        assert catalog.sampled_share(f) == pytest.approx(share), f
    assert 0 < exact[filters[-1]] < exact[filters[-2]]
    assert catalog.sampled_share(Filters(kinds=("no such kind",))) == 0
    assert catalog.sampled_share(Filters(person="nobody here")) == 0
    assert catalog.sampled_share(Filters(kinds=("chat",), channels=("general",))) is None
    assert catalog.sampled_share(Filters()) is None
    # windows over about half of the chunks
    monkeypatch.setattr(catalog_base, "SHARE_WINDOW", total // (2 * catalog_base.SHARE_WINDOWS))
    monkeypatch.setattr(catalog_base, "_SHARE_SAMPLES", catalog_base.CatalogCache(2))
    for f, share in exact.items():
        assert abs(catalog.sampled_share(f) - share) < 0.1, f


def first_probes(store: Store, monkeypatch: pytest.MonkeyPatch, k: int, filters: Filters) -> list:
    """How deep each probe of the nearest chunks of all went for a filtered dense query, and
    the query's answer next to the exact one (the ``k`` nearest of the passing chunks)."""
    embedding = store.embedder.embed_query("who is on call for the database migration")
    everything = store.vectors.search(embedding, store.vectors.count())
    passing = set(store.catalog.passing(filters))
    depths: list[int] = []
    search = store.vectors.search

    def probe(vector: list[float], k: int, ids: list[str] | None = None) -> list:
        if ids is None:
            depths.append(k)
        return search(vector, k, ids)

    monkeypatch.setattr(store.vectors, "search", probe)
    found = [c for c, _ in store.nearest(embedding, k, filters)]
    assert found == [c for c, _ in everything if c in passing][:k]
    return depths


def test_a_kind_filter_first_probes_as_deep_as_the_kinds_share_of_the_store_says(
    sample_stores: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    filters = Filters(kinds=("transcript",))
    share = sample_stores.catalog.sampled_share(filters)
    depths = first_probes(sample_stores, monkeypatch, 8, filters)
    assert depths[0] == math.ceil(store_module.SHARE_MARGIN * 8 / share) < store_module.OVERFETCH


def test_a_person_filter_first_probes_as_deep_as_their_share_says_when_that_is_deeper(
    sample_stores: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = sample_stores.catalog
    names = sorted({row["name"] for row in catalog.people_rows()})
    shares = {n: catalog.sampled_share(Filters(person=n)) or 0.0 for n in names}
    person = next(n for n in names if 0.02 < shares[n] < 0.1)  # a few percent of the chunks
    filters, k = Filters(person=person), 100
    sized = math.ceil(store_module.SHARE_MARGIN * k / shares[person])
    assert sized > k * store_module.FILTER_OVERFETCH  # the default would come up short
    assert first_probes(sample_stores, monkeypatch, k, filters) == [sized]
    # and never shallower than the default
    assert first_probes(sample_stores, monkeypatch, 8, filters)[0] == store_module.OVERFETCH


@pytest.mark.parametrize(
    "filters", [Filters(kinds=("transcript",)), Filters(person="Priya Raman")], ids=str
)
def test_a_filter_whose_share_says_k_lie_past_the_deepest_probe_lists_them_at_once(
    sample_stores: Store, monkeypatch: pytest.MonkeyPatch, filters: Filters
) -> None:
    monkeypatch.setattr(store_module, "DEEPEST", 8)
    assert first_probes(sample_stores, monkeypatch, 8, filters) == []


def test_keyword_leg_scores_the_rarest_terms_within_the_posting_budget(
    sample_stores: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = sample_stores.catalog
    common, rare = "pricing", "ops-412"
    assert catalog._postings(common) > catalog._postings(rare) > 0
    full = catalog.keyword_search([common, rare], 50, Filters())
    monkeypatch.setattr(catalog_base, "POSTING_BUDGET", catalog._postings(rare))
    budgeted = catalog.keyword_search([common, rare], 50, Filters())
    assert len(budgeted) < len(full)
    assert {c for c, _ in budgeted} == {c for c, _ in catalog.keyword_search([rare], 50, Filters())}


def test_past_the_posting_budget_the_keyword_leg_scores_the_rarest_term_said(
    sample_stores: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every term past the budget (counted no further): the rarest by estimated count is
    scored, whatever the query's order, and a word the store never says takes no place."""
    catalog = sample_stores.catalog
    common, rare, unsaid = "pricing", "ops-412", "zzqx-never-said"
    assert catalog._postings(common) > catalog._postings(rare) > 0 == catalog._postings(unsaid)
    monkeypatch.setattr(catalog_base, "POSTING_BUDGET", 1)
    monkeypatch.setattr(catalog_base, "_PHRASES", catalog_base.CatalogCache(4096))
    assert list(catalog._within_budget([common, unsaid, rare])) == [rare]
    assert catalog.keyword_search([common, unsaid, rare], 50, Filters())


def test_phrase_counts_are_exact_within_the_budget_and_sampled_past_it(
    sample_stores: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = sample_stores.catalog
    phrases = ["pricing", "release", "rollback plan"]
    monkeypatch.setattr(catalog_base, "_PHRASES", catalog_base.CatalogCache(4096))
    exact = catalog.phrase_chunk_counts(phrases)
    assert exact == {p: catalog._phrase_counts([p])[p] for p in phrases}  # one by one
    assert 10 < exact["release"] < catalog.chunk_total() / 3
    monkeypatch.setattr(catalog_base, "POSTING_BUDGET", exact["release"] // 3)
    for share, low, high in ((1.0, 1.0, 1.0), (0.5, 0.5, 2.0)):
        # windows over every rowid count every chunk; over half of them, about half
        monkeypatch.setattr(catalog_base, "SAMPLED_SHARE", share)
        monkeypatch.setattr(catalog_base, "_PHRASES", catalog_base.CatalogCache(4096))
        estimated = catalog.phrase_chunk_counts(phrases)
        assert exact["release"] * low <= estimated["release"] <= exact["release"] * high
        assert estimated["rollback plan"] == exact["rollback plan"]


def test_a_one_word_phrase_is_counted_in_every_field_as_the_keyword_leg_counts_it(
    sample_stores: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The word "release" is in 21 chunks' text and in 27 more chunks' titles alone: a
    passage weighs it by the chunks holding it in any field, as the keyword leg's postings
    count them, in both catalogs."""
    catalog = sample_stores.catalog
    monkeypatch.setattr(catalog_base, "_PHRASES", catalog_base.CatalogCache(4096))
    counts = catalog.phrase_chunk_counts(["release", "tollgate", "pricing"])
    assert counts == {w: catalog._postings(w) for w in counts}
    assert counts["release"] == 48


def test_words_counted_for_the_keyword_leg_are_not_counted_again_for_their_weights(
    sample_stores: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search counts its words' postings for the keyword leg's budget and for the
    passages' term weights: once, in both catalogs."""
    catalog = sample_stores.catalog
    words = ["release", "tollgate", "pricing"]
    monkeypatch.setattr(catalog_base, "_PHRASES", catalog_base.CatalogCache(4096))
    monkeypatch.setattr(catalog_base, "_POSTINGS", catalog_base.CatalogCache(4096))
    assert catalog.keyword_search(words, 20, Filters())
    counting = "_counts" if hasattr(catalog, "_counts") else "_matches"  # PostgreSQL, SQLite
    counted: list[object] = []
    count = getattr(catalog, counting)

    def spy(*args: object) -> object:
        counted.append(args)
        return count(*args)

    monkeypatch.setattr(catalog, counting, spy)
    counts = catalog.phrase_chunk_counts(words)
    assert counted == []
    assert counts == {w: catalog._postings(w) for w in words}


def test_filters_combine_channel_source_and_dates(sample_stores: Store) -> None:
    filters = Filters(sources=("slack",), channels=("#release",), since=1.74e9, until=1.76e9)
    hits = Retriever(sample_stores).search("launch date", k=10, filters=filters)
    assert hits
    for hit in hits:
        assert (hit.source, hit.channel) == ("slack", "#release")
        assert "2025-02" <= hit.date <= "2025-10"


def test_facets_count_matching_documents_by_kind_channel_person_and_time(
    sample_stores: Store,
) -> None:
    results = Retriever(sample_stores).run("offline mode launch", k=5, facets=True)
    facets = results.facets
    assert set(facets) == {"kind", "channel", "person", "year", "month"}
    total = sum(facets["kind"].values())
    assert total >= len(results.hits)
    assert sum(facets["year"].values()) <= total
    assert list(facets["month"]) == sorted(facets["month"])
    kinds = (
        Retriever(sample_stores)
        .run("offline mode launch", k=5, filters=Filters(kinds=("chat",)), facets=True)
        .facets["kind"]
    )
    assert set(kinds) == {"chat"}


def test_highlights_mark_matching_words_and_escape_html() -> None:
    marked = highlight("Migrating <db> & migration plans", query_terms("migration"))
    assert marked == "<mark>Migrating</mark> &lt;db&gt; &amp; <mark>migration</mark> plans"


def test_snippets_show_markdown_as_plain_text() -> None:
    text = (
        "## Decision\n**Owner:** Priya. Convert `TINYINT(1)` per the [plan](https://x.example/p)."
    )
    assert snippet(text, ["tinyint"]) == "… Owner: Priya. Convert TINYINT(1) per the plan."
    assert snippet("# Launch plan", []) == "Launch plan"
    assert (
        snippet("How it went:\n- 05:30 go\n- [x] 06:00 stop", [])
        == "How it went: 05:30 go 06:00 stop"
    )


def test_proximity_rewards_terms_that_occur_together() -> None:
    terms = query_terms("release date moved")
    near = proximity("we moved the release date to May", terms)
    far = proximity("release " + "filler " * 30 + "date " + "filler " * 30 + "moved", terms)
    assert near == 1.0 and far < near


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        (
            "We MOVED the Release-date; releases moved again, moves_x and re-release",
            ["release", "moved", "date"],
        ),
        (
            "Meeting meet meetings: EIP-7688 eip7688 7688 ok",
            ["meet", "meeting", "eip-7688", "7688"],
        ),
        ("ab abc a b c abd", ["ab", "abc", "a"]),
        ("the Release-date was moved", ["release", "moved"]),
    ],
)
def test_proximity_counts_the_words_each_term_pattern_matches(text: str, terms: list[str]) -> None:
    """The prefix lookup finds what matching every word against every term's pattern does."""
    words = WORD.findall(text)
    patterns = [term_pattern(t) for t in terms]
    expected = max(
        len({n for w in words[i : i + 12] for n, p in enumerate(patterns) if p.fullmatch(w)})
        for i in range(len(words))
    ) / len(terms)
    assert proximity(text, terms) == expected


def test_eval_command_compares_every_retriever(sample_store: Store, monkeypatch) -> None:
    monkeypatch.setenv("WATERCOOLER_HOME", str(sample_store.settings.home_dir))
    result = CliRunner().invoke(
        app, ["eval", str(DATA / "search_queries.jsonl"), "--compare", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert list(report) == list(MODES)
    for mode in MODES:
        overall = report[mode]["overall"]
        assert overall["queries"] == 40
        assert 0 <= overall["ndcg@10"] <= 1
        assert "meeting_notes" in report[mode]["by_kind"]


def test_eval_command_names_a_bad_query_file_line(
    tmp_path, sample_store: Store, monkeypatch
) -> None:
    monkeypatch.setenv("WATERCOOLER_HOME", str(sample_store.settings.home_dir))
    bad = tmp_path / "queries.jsonl"
    bad.write_text('{"id": "q1", "query": "x", "relevant": ["a.md"]}\n{"id": "q2"}\n')
    result = CliRunner().invoke(app, ["eval", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:2" in result.output


def test_a_document_matching_in_words_in_one_part_and_in_meaning_in_another_gains() -> None:
    """A long meeting says "EIP-7688" in one window and talks about readiness in another:
    as a document it matches better than either window alone, and better than a short
    note that matches both a little."""

    def row(chunk_id: str, doc_id: str, position: int) -> ChunkRow:
        return ChunkRow(
            chunk_id,
            doc_id,
            position,
            "transcript",
            "vtt",
            None,
            "",
            "",
            "",
            "",
            "",
            [],
            None,
            None,
        )

    rows = {"a1": row("a1", "A", 0), "a2": row("a2", "A", 1), "b1": row("b1", "B", 0)}
    blend = Blend(keyword={"a1": 1.0, "b1": 0.5}, dense={"a2": 0.6, "b1": 0.55}, top=12.0)
    blend.scores = {"a1": 0.3 * 1.0, "a2": 0.7 * 0.6, "b1": 0.3 * 0.5 + 0.7 * 0.55}
    gains = document_gains(blend, rows, keyword_weight=0.3)
    assert gains == pytest.approx({"A": 0.3 * 1.0 + 0.7 * 0.6 - 0.7 * 0.6, "B": 0.0})
    lifted = {c: s + gains[rows[c].doc_id] for c, s in blend.scores.items()}
    assert max(lifted, key=lifted.__getitem__) == "a2"  # A's best chunk, above B's
    assert lifted["a2"] > lifted["a1"]  # A's chunks keep their order


@pytest.fixture(params=[(), ("chat", "meeting_notes")], ids=["person", "person+kind"])
def by_priya(request: pytest.FixtureRequest) -> Filters:
    """A person filter, alone and with kinds."""
    return Filters(person="Priya Raman", kinds=request.param)


def test_passing_among_finds_a_persons_chunks_as_passing_does(
    sample_stores: Store, by_priya: Filters
) -> None:
    catalog, filters = sample_stores.catalog, by_priya
    everything = [row.chunk_id for row in catalog.iter_chunks()]
    theirs = set(catalog.passing(filters))
    assert 0 < len(theirs) < len(everything)
    assert catalog.passing_among(filters, everything) == theirs
    assert catalog.passing_among(filters, everything[::2]) == theirs & set(everything[::2])


@pytest.mark.parametrize(
    "filters",
    [
        Filters(kinds=("chat",)),
        Filters(sources=("slack",), channels=("#release",), since=1.74e9, until=1.76e9),
        Filters(kinds=("chat", "meeting_notes"), person="Priya Raman", since=1.74e9),
    ],
    ids=["kind", "source+channel+dates", "kinds+person+since"],
)
def test_passing_among_checks_every_filter_as_passing_does_with_and_without_access(
    sample_stores: Store, filters: Filters
) -> None:
    catalog = sample_stores.catalog
    everything = [row.chunk_id for row in catalog.iter_chunks()]
    with catalog.transaction() as db:
        grantees = sorted(r[0] for r in db.execute("SELECT DISTINCT grantee FROM access_grants"))
    for checked in (filters, replace(filters, access=tuple(grantees[:2]))):
        passing = set(catalog.passing(checked))
        assert 0 < len(passing) < len(everything), checked
        assert catalog.passing_among(checked, everything) == passing
        assert catalog.passing_among(checked, everything[::3]) == passing & set(everything[::3])


def test_chunks_are_read_by_id_however_many_are_asked_for_and_unknown_ids_are_skipped(
    sample_stores: Store, by_priya: Filters
) -> None:
    catalog = sample_stores.catalog
    everything = [row.chunk_id for row in catalog.iter_chunks()]
    asked = [f"gone:{i}" for i in range(1200)] + everything  # more than one batch of SQLite's
    assert set(catalog.chunks(asked)) == set(everything)
    assert catalog.passing_among(by_priya, asked) == set(catalog.passing(by_priya))
    assert catalog.chunks([]) == {}


def test_keyword_search_by_a_person_ranks_their_chunks_as_the_unfiltered_search_does(
    sample_stores: Store, by_priya: Filters
) -> None:
    catalog, filters = sample_stores.catalog, by_priya
    theirs = set(catalog.passing(filters))
    terms = ["rollout", "plan", "migration", "checkout"]
    everything = catalog.keyword_search(terms, 10_000, Filters())
    expected = [(c, score) for c, score in everything if c in theirs][:8]
    found = catalog.keyword_search(terms, 8, filters)
    assert len(found) == 8
    assert [c for c, _ in found] == [c for c, _ in expected]
    assert [s for _, s in found] == pytest.approx([s for _, s in expected])


@pytest.mark.parametrize("engine", ENGINES)
def test_keyword_search_by_a_person_follows_a_rewrite_of_what_they_said(
    engine: str, tmp_path: Path
) -> None:
    """The person filter of the keyword leg (checked on the index's rowids in SQLite) is
    kept with the chunks: a rewritten transcript moves a line to another speaker."""
    talk = tmp_path / "org" / "sync.vtt"
    talk.parent.mkdir()

    def said(speaker: str) -> None:
        talk.write_text(
            f"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v {speaker}>The tungsten order slips "
            "a week.\n\n00:00:05.000 --> 00:00:08.000\n<v Ben Ode>Noted, I will tell finance.\n"
        )
        assert not ingest([talk.parent], s).failures

    def found(person: str) -> list[str]:
        return [c for c, _ in s.catalog.keyword_search(["tungsten"], 10, Filters(person=person))]

    with engine_settings(engine) as overrides:
        s = make_store(tmp_path / "home", **overrides)
        try:
            said("Ann Lee")
            assert len(found("Ann Lee")) == 1
            assert found("Cy Moss") == []
            said("Cy Moss")
            assert found("Ann Lee") == []
            assert len(found("Cy Moss")) == 1
            talks = s.catalog.keyword_search(["tungsten"], 10, Filters(kinds=("transcript",)))
            assert [c for c, _ in talks] == found("Cy Moss")
            assert s.catalog.forget(str(talk.parent))
            assert found("Cy Moss") == found("Ben Ode") == []
            if engine == "sqlite":  # the rowid tables keep no row of a chunk that is gone
                for table in ("chunk_people_rowids", "chunk_facts"):
                    assert s.catalog._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
        finally:
            s.close()

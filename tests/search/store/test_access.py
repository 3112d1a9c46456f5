"""Access inside both retrieval legs: every path gives what filtering first would give; who
a principal is (tokens, people.yaml); what has no access list is seen by admins only."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.access import SIDECAR
from ingest.pipeline import ingest
from search.store import store as store_module
from search.store.access import Principal, access_list, grantee
from search.store.catalog import postgres
from search.store.filters import Filters
from search.store.kinds import KINDS
from search.store.principals import create_token, expand, token_principal
from search.store.store import Store
from tests.conftest import ENGINES, engine_settings, make_store

TOPICS = ("budget", "rollout", "hiring", "pricing", "migration")
GROUPS = ("a", "b", "c", "d")


@pytest.fixture(scope="module", params=ENGINES)
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """40 notes in folders open to different groups (one folder to admins only), in each
    catalog engine."""
    base = tmp_path_factory.mktemp("access")
    rng = random.Random(5)
    for n in range(40):
        folder = base / "org" / f"f{n % 5}"
        folder.mkdir(parents=True, exist_ok=True)
        words = " ".join(rng.choice(TOPICS) for _ in range(12))
        (folder / f"n{n}.md").write_text(f"# Note {n}\n\nDate: 2025-03-05\n\n{words}.\n")
    for n, group in enumerate(GROUPS):
        (base / "org" / f"f{n}" / SIDECAR).write_text(f"groups: [{group}]\n")
    (base / "org" / "f4" / SIDECAR).write_text("{}\n")
    with engine_settings(request.param) as overrides:
        s = make_store(base / "home", **overrides)
        assert not ingest([base / "org"], s).failures
        yield s
        s.close()


ACCESS = [(), *(Principal("x@y.z", groups).grantees() for groups in (("a",), ("a", "b", "c")))]


@pytest.mark.parametrize("access", ACCESS)
@pytest.mark.parametrize("limit", [1, 3, 20])
def test_keyword_leg_with_access_is_what_filtering_first_gives(
    store: Store, access: tuple[str, ...], limit: int
) -> None:
    for terms in (["budget"], ["rollout", "hiring"], list(TOPICS)):
        fast = store.catalog.keyword_search(terms, limit, Filters(access=access))
        # the same restriction with a filter that passes everything takes the general path
        general = store.catalog.keyword_search(
            terms, limit, Filters(access=access, kinds=tuple(KINDS))
        )
        assert sorted(score for _, score in fast) == pytest.approx(
            sorted(score for _, score in general)
        )
        passing = set(store.catalog.passing(Filters(access=access)))
        assert {c for c, _ in fast} <= passing


@pytest.mark.parametrize("access", ACCESS[1:])
@pytest.mark.parametrize("overfetch", [1, 5, 1000])
def test_keyword_leg_with_access_keeps_the_best_visible_however_few_are_checked_first(
    store: Store, access: tuple[str, ...], overfetch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres, "KEYWORD_OVERFETCH", overfetch)  # the server catalog's
    passing = set(store.catalog.passing(Filters(access=access)))
    for terms in (["budget"], ["rollout", "hiring"], list(TOPICS)):
        everything = store.catalog.keyword_search(terms, 1000, Filters())
        visible = [score for c, score in everything if c in passing]
        assert 0 < len(visible) < len(everything)
        for limit in (1, 3, 20):
            found = store.catalog.keyword_search(terms, limit, Filters(access=access))
            assert {c for c, _ in found} <= passing
            assert sorted(score for _, score in found) == pytest.approx(sorted(visible[:limit]))


@pytest.mark.parametrize("access", ACCESS)
@pytest.mark.parametrize(
    ("exact", "overfetch", "access_overfetch"), [(1000, 1000, 4), (2, 3, 1), (2, 40, 1)]
)
def test_dense_leg_with_access_is_what_filtering_first_gives(
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    access: tuple[str, ...],
    exact: int,
    overfetch: int,
    access_overfetch: int,
) -> None:
    monkeypatch.setattr(store_module, "EXACT", exact)
    monkeypatch.setattr(store_module, "OVERFETCH", overfetch)
    monkeypatch.setattr(store_module, "ACCESS_OVERFETCH", access_overfetch)
    monkeypatch.setattr(store_module, "FILTER_OVERFETCH", 1)
    monkeypatch.setattr(store_module, "DEEPEST", overfetch)
    filters = Filters(access=access)
    passing = store.catalog.passing(filters)
    for query in ("budget rollout", "hiring plan", "pricing"):
        vector = store.embedder.embed_query(query)
        found = store.nearest(vector, 5, filters)
        expected = store.vectors.rank(vector, passing, 5)
        assert [c for c, _ in found] == [c for c, _ in expected]


def test_admins_only_and_missing_lists_are_seen_by_admins_only(store: Store) -> None:
    everything = set(store.catalog.passing(Filters(kinds=tuple(KINDS))))
    locked = {
        c.chunk_id
        for row in store.catalog.documents_index()
        if "/f4/" in row["source_path"]
        for c in store.catalog.chunks_of_documents([row["doc_id"]])
    }
    assert locked and locked <= everything
    seen = set(store.catalog.passing(Filters(access=Principal("x@y.z", GROUPS).grantees())))
    assert seen == everything - locked
    assert store.catalog.passing(Filters(access=())) == []
    doc_id = store.catalog.documents_index()[0]["doc_id"]
    assert store.catalog.can_see(doc_id, None)
    assert not store.catalog.can_see(doc_id, ())


def test_principals_hold_themselves_their_groups_everyone_and_their_lists() -> None:
    alice = Principal("Alice@Corp.example", ("Leads", "eng@corp.example"))
    assert alice.grantees() == (
        "group:eng@corp.example",
        "group:everyone",
        "group:leads",
        "user:alice@corp.example",
        "user:eng@corp.example",  # mail sent to the list reached its members
    )
    assert alice.access() == alice.grantees()
    assert Principal("root", admin=True).access() is None
    assert Principal.anonymous().grantees() == ("group:everyone",)
    assert access_list(["A@x.y", " "], ["G", ""]) == ("group:g", "user:a@x.y")
    assert grantee("Group:Ops") == "group:ops" and grantee("ann@x.y") == "user:ann@x.y"


def test_people_yaml_maps_addresses_ids_and_teams_to_one_principal(tmp_path: Path) -> None:
    people = tmp_path / "people.yaml"
    people.write_text(
        "people:\n"
        "  - name: Priya Raman\n"
        "    emails: [priya@corp.example, Priya.Raman@gmail.example]\n"
        "    aliases: ['id:U05J1P8R4QD', 'Priya R <priya@old.example>', Priya]\n"
        "    team: Platform\n"
        "    groups: [on-call]\n"
        "  - {name: Other, emails: [other@corp.example], team: Sales}\n"
    )
    for name in ("priya@corp.example", "PRIYA.RAMAN@gmail.example", "priya@old.example"):
        expanded = expand(Principal(name, ("eng",)), people)
        assert set(expanded.grantees()) >= {
            "user:priya@corp.example",
            "user:priya.raman@gmail.example",
            "user:priya@old.example",
            "user:id:u05j1p8r4qd",
            "group:platform",
            "group:on-call",
            "group:eng",
        }
        assert "group:sales" not in expanded.grantees()
    stranger = Principal("who@else.example")
    assert expand(stranger, people) == stranger
    people.write_text("people: [")  # a broken file adds nothing, and says so in the log
    assert expand(Principal("priya@corp.example"), people).identities == ()


def test_tokens_are_kept_as_hashes_and_stop_working_when_revoked(
    tmp_path: Path, engine: dict[str, Any]
) -> None:
    s = make_store(tmp_path / "home", **engine)
    assert not s.catalog.has_tokens()
    token_id, secret = create_token(s.catalog, " ann@corp.example ", ["b", "a", " "], admin=False)
    assert s.catalog.has_tokens()
    assert secret not in str(s.catalog._db.execute("SELECT * FROM tokens").fetchall())
    principal = token_principal(s.catalog, secret)
    assert principal == Principal("ann@corp.example", ("a", "b"), False, via="token")
    assert token_principal(s.catalog, secret + "x") is None
    assert s.catalog.revoke_token(token_id)
    assert token_principal(s.catalog, secret) is None
    assert s.catalog.has_tokens()  # sign-in stays required
    s.close()


@pytest.mark.parametrize("engine", ENGINES)
def test_the_documents_a_principal_may_see_follow_a_change_of_access_at_once(
    engine: str, tmp_path: Path
) -> None:
    in_a, in_b = (Principal("x@y.z", (g,)).grantees() for g in ("a", "b"))
    folder = tmp_path / "org"
    folder.mkdir()
    for name, text in (
        ("n.md", "# Note\n\nDate: 2025-03-05\n\nbudget.\n"),
        (SIDECAR, "groups: [a]\n"),
    ):
        (folder / name).write_text(text)
    with engine_settings(engine) as overrides:
        s = make_store(tmp_path / "home", **overrides)
        try:
            assert not ingest([folder], s).failures
            seen = s.catalog.visible_documents(in_a)
            assert seen is not None and len(seen) == 1
            assert s.catalog.visible_documents(in_b) == set()
            assert s.catalog.visible_documents(in_a) is seen  # read once, not per request
            (folder / SIDECAR).write_text("groups: [b]\n")
            assert not ingest([folder], s).failures
            assert s.catalog.visible_documents(in_a) == set()
            assert s.catalog.visible_documents(in_b) == seen
        finally:
            s.close()

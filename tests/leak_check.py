"""The leak search: random viewers ask random questions of random organizations, the way an
attacker would look for what they may not see, and every answer is checked.

Each organization (:mod:`tests.access_org`) is written to disk, ingested through the real
pipeline into a real store (SQLite, Chroma, the real embedding model) and served by the
real app in-process, with a real API token per viewer and an OpenAI-compatible stub as the
LLM (so that the prompt /ask sends can be read). A case is one viewer and one query (a
canary of a document they may or may not see, a shared word, a name, random text), with
random filters; it calls ``/search`` (hits, snippets, highlights, facets, timeline),
``/documents/{id}`` (a random document, or one that does not exist), and in some cases
``/ask`` (answer, citations, closest hits and the LLM prompt), ``/experts`` and
``/status``. A leak is any hidden canary or hidden document id in what comes back, a
facet value or count that only hidden documents could give, or a hidden document answered
differently from one that does not exist.

``run(n)`` runs ``n`` cases with hypothesis (which shrinks a failing case to a small one)
and returns how many ran; the organizations are built once each and reused.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from ingest.pipeline import ingest
from search.retrieval.facets import count_facets
from search.store import store as store_module
from search.store.principals import create_token
from search.store.settings import Settings
from search.store.store import Store
from tests.access_org import Org, Viewer, build
from tests.openai_stub import OpenAIStub

CANARY = re.compile(r"zq[a-z]{6}")
DOC_ID = re.compile(r"\b[0-9a-f]{16}\b")
SEEDS = 6
KINDS = (None, "chat", "email", "meeting_notes")


@dataclass(slots=True)
class Workspace:
    org: Org
    client: TestClient
    store: Store
    tokens: dict[str, str]
    llm: OpenAIStub
    doc_canaries: dict[str, set[str]]
    doc_facets: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    channels: list[str] = field(default_factory=list)
    chunks: int = 0

    def visible_docs(self, viewer: Viewer) -> set[str]:
        seen = self.org.visible(viewer)
        return {d for d, canaries in self.doc_canaries.items() if canaries <= seen}


class Workspaces:
    """Organizations built on first use, each once, served until :meth:`close`."""

    def __init__(self, base: Path, llm: OpenAIStub) -> None:
        self.base = base
        self.llm = llm
        self.built: dict[int, Workspace] = {}

    def get(self, seed: int) -> Workspace:
        if seed not in self.built:
            self.built[seed] = self._build(seed)
        return self.built[seed]

    def _build(self, seed: int) -> Workspace:
        org = build(seed, self.base / f"org{seed}" / "files")
        settings = Settings(
            home=self.base / f"org{seed}" / "home",
            people_file=org.people_file,
            default_access=org.default_access,
            llm_url=self.llm.url,
            llm_timeout=10,
        )
        store = Store.open(settings)
        summary = ingest([org.root / "chat", org.root / "mail", org.root / "notes"], store)
        assert not summary.failures, summary.failures
        tokens = {}
        for viewer in org.viewers:
            _, secret = create_token(
                store.catalog, viewer.name, list(viewer.token_groups), viewer.admin
            )
            tokens[viewer.name] = secret
        assert store.catalog.visible_documents(()) == set()  # holding nothing sees nothing
        doc_canaries, doc_facets = {}, {}
        for row in store.catalog.documents_index():
            doc = store.catalog.document(row["doc_id"])
            assert doc is not None
            text = " ".join(
                [doc["title"], doc["channel"] or "", doc["source_path"]]
                + [c.text for c in doc["chunks"]]
            )
            found = set(CANARY.findall(text))
            assert found, f"a document without a canary: {doc['title']}"
            assert found <= set(org.canaries), f"unknown canary in {doc['title']}"
            doc_canaries[doc["doc_id"]] = found
            doc_facets[doc["doc_id"]] = count_facets(doc["chunks"])
        channels = sorted({r["channel"] for r in store.catalog.documents_index() if r["channel"]})
        client = TestClient(create_app(settings))
        client.__enter__()
        return Workspace(
            org,
            client,
            store,
            tokens,
            self.llm,
            doc_canaries,
            doc_facets,
            channels,
            store.catalog.chunk_total(),
        )

    def close(self) -> None:
        for ws in self.built.values():
            ws.client.__exit__(None, None, None)
            ws.store.close()
        self.built.clear()


@dataclass(frozen=True, slots=True)
class Case:
    seed: int
    viewer: int
    query: tuple[str, int, str]  # (what kind of query, which one, random text)
    k: int
    kind: str | None
    channel: int | None
    person: int | None
    doc: int
    ask: bool
    experts: bool
    narrow_dense: bool  # force the dense leg's Chroma-restricted paths


cases = st.builds(
    Case,
    seed=st.integers(0, SEEDS - 1),
    viewer=st.integers(0, 50),
    query=st.tuples(
        st.sampled_from(["hidden", "visible", "word", "two", "text"]),
        st.integers(0, 10_000),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz zq", min_size=1, max_size=20),
    ),
    k=st.sampled_from([1, 3, 10, 100]),
    kind=st.sampled_from(KINDS),
    channel=st.none() | st.integers(0, 50),
    person=st.none() | st.integers(0, 50),
    doc=st.integers(0, 10_000),
    ask=st.booleans(),
    experts=st.integers(0, 3).map(lambda n: n == 0),
    narrow_dense=st.booleans(),
)


def query_text(ws: Workspace, viewer: Viewer, query: tuple[str, int, str]) -> str:
    how, pick, text = query
    hidden, visible = sorted(ws.org.hidden(viewer)), sorted(ws.org.visible(viewer))
    words = ws.org.words
    if how == "hidden" and hidden:
        return hidden[pick % len(hidden)]
    if how == "visible" and visible:
        return visible[pick % len(visible)]
    if how == "two":
        pool = hidden + visible
        return f"{words[pick % len(words)]} {pool[pick % len(pool)]}"
    if how == "word":
        return words[pick % len(words)]
    return text.strip() or "zq"


def check(ws: Workspace, case: Case) -> None:
    """Run one case; an AssertionError names the leak."""
    org = ws.org
    viewer = org.viewers[case.viewer % len(org.viewers)]
    hidden = org.hidden(viewer)
    visible_docs = ws.visible_docs(viewer)
    hidden_docs = set(ws.doc_canaries) - visible_docs
    headers = {"Authorization": f"Bearer {ws.tokens[viewer.name]}"}
    q = query_text(ws, viewer, case.query)
    params: dict[str, Any] = {"q": q, "k": case.k}
    if case.kind:
        params["kind"] = case.kind
    if case.channel is not None and ws.channels:
        params["channel"] = ws.channels[case.channel % len(ws.channels)]
    if case.person is not None:
        params["person"] = org.people[case.person % len(org.people)].name
    where = f"viewer {viewer.name}, {params}"

    # What echoes the query (the query field, an abstention naming it) may hold the hidden
    # canary the viewer typed: there, documents are checked by id; the LLM prompt's
    # passages and /documents are checked for every hidden canary.
    echoed = hidden - set(CANARY.findall(q))

    def clean(text: str, what: str, canaries: set[str] = echoed) -> None:
        leaked = set(CANARY.findall(text)) & canaries
        assert not leaked, f"{what} leaks hidden canaries {sorted(leaked)} to {where}"
        ids = set(DOC_ID.findall(text)) & hidden_docs
        assert not ids, f"{what} leaks hidden documents {sorted(ids)} to {where}"

    response = ws.client.get("/search", params=params, headers=headers)
    assert response.status_code == 200, (response.status_code, response.text)
    body = response.json()
    clean(response.text, "/search")
    for hit in body["hits"]:
        assert hit["doc_id"] in visible_docs, f"/search hit {hit['title']} for {where}"
    check_facets(ws, visible_docs, body, params, where)

    doc_ids = [*sorted(ws.doc_canaries), "0123456789abcdef"]
    doc_id = doc_ids[case.doc % len(doc_ids)]
    response = ws.client.get(f"/documents/{doc_id}", headers=headers)
    if doc_id in visible_docs:
        assert response.status_code == 200, response.text
        clean(response.text, "/documents", hidden)
    else:
        assert response.status_code == 404, f"/documents/{doc_id} answers {where}"
        assert response.json() == {"detail": f"no document with doc_id {doc_id!r}"}

    if case.ask:
        asked = len(ws.llm.requests)
        body = {"question": q, **({"kind": [case.kind]} if case.kind else {})}
        response = ws.client.post("/ask", json=body, headers=headers)
        assert response.status_code == 200, response.text
        clean(response.text, "/ask")
        answer = response.json()
        for cited in answer["citations"] + answer["closest"]:
            assert cited["doc_id"] in visible_docs, f"/ask cites a hidden document: {where}"
        for request in ws.llm.requests[asked:]:
            prompt = json.dumps(request).rsplit("Question: ", 1)[0]
            assert "Passages:" in prompt
            clean(prompt, "the LLM prompt of /ask", hidden)

    if case.experts:
        response = ws.client.get("/experts", params={"q": q}, headers=headers)
        assert response.status_code == 200, response.text
        clean(response.text, "/experts")
        for expert in response.json()["experts"]:
            for evidence in expert["evidence"]:
                assert evidence["doc_id"] in visible_docs, f"/experts evidence: {where}"
        check_people(ws, case, headers, visible_docs, clean)
        check_topics(ws, case, headers, visible_docs, clean)

    status = ws.client.get("/status", headers=headers)
    assert status.status_code == 200
    if not viewer.admin:
        assert set(status.json()) == {"signed_in_as", "admin", "notice"}, status.text


def check_people(
    ws: Workspace, case: Case, headers: dict[str, str], visible_docs: set[str], clean: Any
) -> None:
    """The directory and a profile (topics, conversations, identities, counts) come from
    visible documents only: no hidden canary or document id, and nobody listed without a
    visible conversation."""
    hidden = ws.org.hidden(ws.org.viewers[case.viewer % len(ws.org.viewers)])
    listed = ws.client.get("/people", params={"limit": 200}, headers=headers)
    assert listed.status_code == 200, listed.text
    clean(listed.text, "/people", hidden)
    people = listed.json()["people"]
    if not people:
        return
    person = people[case.doc % len(people)]
    response = ws.client.get(f"/people/{person['person_id']}", headers=headers)
    assert response.status_code == 200, response.text
    clean(response.text, "/people/{id}", hidden)
    profile = response.json()
    assert profile["conversations"], f"{person['name']} is listed with nothing visible"
    for conversation in profile["conversations"]:
        assert conversation["doc_id"] in visible_docs, "/people/{id} shows a hidden doc"
    assert person["documents"] <= len(visible_docs)


def check_topics(
    ws: Workspace, case: Case, headers: dict[str, str], visible_docs: set[str], clean: Any
) -> None:
    """Topics, a topic's timeline, the risk list and a person's unique knowledge come from
    visible documents only: no hidden canary in labels or evidence, no hidden document."""
    hidden = ws.org.hidden(ws.org.viewers[case.viewer % len(ws.org.viewers)])
    listed = ws.client.get("/topics", headers=headers)
    assert listed.status_code == 200, listed.text
    clean(listed.text, "/topics", hidden)
    topics = listed.json()["topics"]
    if topics:
        topic = topics[case.doc % len(topics)]
        detail = ws.client.get(f"/topics/{topic['topic_id']}", headers=headers)
        assert detail.status_code == 200, detail.text
        clean(detail.text, "/topics/{id}", hidden)
        for doc in detail.json()["documents"]:
            assert doc["doc_id"] in visible_docs, "/topics/{id} shows a hidden doc"
    risk = ws.client.get("/risk", headers=headers)
    assert risk.status_code == 200, risk.text
    clean(risk.text, "/risk", hidden)
    people = ws.client.get("/people", params={"limit": 200}, headers=headers).json()["people"]
    if people:
        person = people[case.doc % len(people)]
        unique = ws.client.get(f"/people/{person['person_id']}/unique-knowledge", headers=headers)
        assert unique.status_code == 200, unique.text
        clean(unique.text, "/people/{id}/unique-knowledge", hidden)


def check_facets(
    ws: Workspace, visible_docs: set[str], body: dict[str, Any], params: dict[str, Any], where: str
) -> None:
    """Every facet value must be one a visible document has, counted at most once per such
    document. With no filter and every hit asked for, the pool is every visible document
    (the dense leg returns every chunk of a small store): kinds and channels must then be
    counted exactly as the visible documents give them."""
    facets = body.get("facets") or {}
    for name, counts in facets.items():
        for value, n in counts.items():
            having = sum(1 for d in visible_docs if value in ws.doc_facets[d].get(name, {}))
            assert 0 < n <= having, f"facet {name}={value!r} counts {n} of {having}: {where}"
    if set(params) == {"q", "k"} and params["k"] == 100 and ws.chunks < 500:
        for name in ("kind", "channel"):
            expected = Counter(v for d in visible_docs for v in ws.doc_facets[d].get(name, {}))
            assert facets.get(name, {}) == dict(expected), f"{name} facet: {where}"


def run(n: int, base: Path | None = None, *, on_case: Any = None) -> int:
    """Run ``n`` leak cases (hypothesis, no example database); returns how many ran."""
    ran = 0
    owned = base is None
    base = base or Path(tempfile.mkdtemp(prefix="leaks-"))
    with OpenAIStub("good") as llm:
        workspaces = Workspaces(base, llm)

        @settings(
            max_examples=n,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=cases)
        def one(case: Case) -> None:
            nonlocal ran
            ws = workspaces.get(case.seed)
            names = ("EXACT", "OVERFETCH", "ACCESS_OVERFETCH", "FILTER_OVERFETCH", "DEEPEST")
            saved = [getattr(store_module, name) for name in names]
            if case.narrow_dense:  # Chroma restricted to the passing chunks, overfetch cut
                for name, value in zip(names, (2, 3, 1, 1, 3), strict=True):
                    setattr(store_module, name, value)
            try:
                check(ws, case)
            finally:
                for name, value in zip(names, saved, strict=True):
                    setattr(store_module, name, value)
            ran += 1
            if on_case is not None:
                on_case(ran)

        try:
            one()
        finally:
            workspaces.close()
            if owned:
                shutil.rmtree(base, ignore_errors=True)
    return ran

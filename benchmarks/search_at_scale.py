"""/search latency over HTTP at 100k chunks, with and without filters.

    .venv/bin/python benchmarks/search_at_scale.py [--chunks 100000] [--queries 200] [--home DIR]

Builds a store of synthetic documents: chunk texts recombined from the sample
organization's sentences and names, vectors made from real embeddings of those texts with
noise added (embedding 100k texts on 2 cores would take most of an hour and measures the
model, not search). Writes go through the real store (catalog + FTS5 + Chroma). Then it
serves the store on loopback and times /search: unfiltered, by kind, by person, by date
range, and all filters at once; prints p50 / p99 and each filter's cost relative to the
unfiltered query.

Every document has an access list, spread as in an organization: 60% open to everyone, 20%
to one of 200 groups (private channels), 10% DMs between 2-3 of 1,000 people, 10% mail
threads among 3-6. Requests carry API tokens: an admin's (sees everything: "unfiltered"
and the other filters) and a member's in 20 groups ("access: 20 groups"), whose permission
filter runs inside both retrieval legs.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
import numpy as np  # noqa: E402

from ingest.pipeline import ingest  # noqa: E402
from search.store.access import Principal, access_list  # noqa: E402
from search.store.catalog import SourceAccess  # noqa: E402
from search.store.filters import Filters  # noqa: E402
from search.store.principals import create_token  # noqa: E402
from search.store.settings import Settings  # noqa: E402
from search.store.store import DocumentWrite, Store  # noqa: E402
from search.store.vectors import VectorChunk  # noqa: E402
from tests.conftest import LiveServer  # noqa: E402

KINDS = ("meeting_notes", "memo", "chat", "email", "transcript")
USERS = [f"user{i}@corp.example" for i in range(1000)]
GROUPS = [f"group{i}" for i in range(200)]
MEMBER_GROUPS = GROUPS[::10]  # the member the "access" case searches as: in 20 groups
YEAR = 365 * 24 * 3600
START = 1_704_067_200  # 2024-01-01


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def seed_material(tmp: Path) -> tuple[list[str], list[str], np.ndarray]:
    """Sentences, names and sentence embeddings from the ingested sample organization."""
    settings = Settings(home=tmp / "seed")
    store = Store.open(settings)
    source = tmp / "sample_org"
    shutil.copytree(REPO / "api" / "sample_org", source)
    ingest([source], store)
    db = store.catalog._db
    texts = [r[0] for r in db.execute("SELECT text FROM chunks")]
    names = sorted({r[0] for r in db.execute("SELECT name FROM document_people")})
    sentences = sorted(
        {s.strip() for t in texts for s in re.split(r"(?<=[.!?])\s+|\n", t) if len(s) > 30}
    )
    vectors = np.array(store.embedder.embed_texts(sentences), dtype=np.float32)
    store.close()
    return sentences, names, vectors


def grantees(rng: random.Random) -> tuple[str, ...]:
    """An access list as an organization's documents have them (see the module docstring)."""
    r = rng.random()
    if r < 0.6:
        return access_list(groups=["everyone"])
    if r < 0.8:
        return access_list(groups=[rng.choice(GROUPS)])
    if r < 0.9:
        return access_list(rng.sample(USERS, rng.randint(2, 3)))
    return access_list(rng.sample(USERS, rng.randint(3, 6)))


def build(store: Store, n_chunks: int, sentences, names, vectors, rng: random.Random) -> None:
    per_doc = 10
    np_rng = np.random.default_rng(7)
    for d in range(n_chunks // per_doc):
        kind = KINDS[d % len(KINDS)]
        doc_id = f"synthetic{d:07d}"
        created = START + rng.random() * 2 * YEAR
        people = rng.sample(names, 3)
        chunks, vecs = [], []
        for p in range(per_doc):
            picks = [rng.randrange(len(sentences)) for _ in range(4)]
            text = "\n".join(f"{rng.choice(people)}: {sentences[i]}" for i in picks)
            v = vectors[picks].mean(axis=0) + np_rng.normal(0, 0.02, vectors.shape[1])
            v = (v / np.linalg.norm(v)).astype(float).tolist()
            ts = created + p * 600
            chunk_id = f"{doc_id}:{p}"
            chunks.append(
                {
                    "chunk_id": chunk_id,
                    "doc_id": doc_id,
                    "position": p,
                    "heading": "",
                    "locator": f"line {p * 10 + 1}",
                    "source_path": f"/synthetic/{doc_id}.txt",
                    "text": text,
                    "people": people,
                    "start_ts": ts,
                    "end_ts": ts + 300,
                }
            )
            meta = {
                "kind": kind,
                "origin": "synthetic",
                "position": p,
                "channel": f"#c{d % 40}",
                "start_ts": ts,
                "end_ts": ts + 300,
            }
            vecs.append(VectorChunk(chunk_id, doc_id, text, v, meta))
        row = {
            "doc_id": doc_id,
            "kind": kind,
            "origin": "synthetic",
            "source_path": f"/synthetic/{doc_id}.txt",
            "title": f"Synthetic {kind} {d}",
            "created": created,
            "ended": created + per_doc * 600,
            "channel": f"#c{d % 40}",
            "thread": None,
            "participants": [{"name": n} for n in people],
            "access_scope": "public",
            "access_members": [],
            "content_hash": doc_id,
            "message_count": 0,
            "chunks": chunks,
        }
        store.write_source(
            f"/synthetic/{doc_id}.txt",
            "synthetic",
            doc_id,
            None,
            [DocumentWrite(row, vecs)],
            set(),
            SourceAccess("synthetic", {doc_id: grantees(rng)}),
        )
        if d % 1000 == 999:
            print(f"  {(d + 1) * per_doc} chunks", flush=True)


def time_queries(
    client: httpx.Client, queries: list[str], cases: dict[str, tuple[dict, str]]
) -> dict[str, list[float]]:
    """Milliseconds per query for each case (its parameters and token), the cases taking
    turns query by query so that none runs on a warmer machine than another."""
    latencies: dict[str, list[float]] = {name: [] for name in cases}
    for q in queries:
        for name, (params, token) in cases.items():
            headers = {"Authorization": f"Bearer {token}"}
            started = time.perf_counter()
            response = client.get("/search", params={"q": q, "k": 10, **params}, headers=headers)
            response.raise_for_status()
            latencies[name].append((time.perf_counter() - started) * 1000)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--home", type=Path, help="Keep (or reuse) the synthetic store here.")
    args = parser.parse_args()
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        sentences, names, vectors = seed_material(tmp)
        settings = Settings(home=args.home or tmp / "home")
        store = Store.open(settings)
        if store.catalog.is_empty():
            started = time.perf_counter()
            build(store, args.chunks, sentences, names, vectors, rng)
            print(
                f"built {store.catalog.counts()['chunks']} chunks "
                f"in {time.perf_counter() - started:.0f} s"
            )
        args.chunks = store.catalog.counts()["chunks"]
        _, admin = create_token(store.catalog, "admin@corp.example", [], admin=True)
        _, member = create_token(store.catalog, USERS[1], MEMBER_GROUPS, admin=False)
        visible = len(
            store.catalog.passing(
                Filters(access=Principal(USERS[1], tuple(MEMBER_GROUPS)).grantees())
            )
        )
        store.close()
        base = [
            json.loads(line)["query"]
            for line in (REPO / "tests" / "data" / "search_queries.jsonl").read_text().splitlines()
        ]
        queries = [base[i % len(base)] for i in range(args.queries)]
        person = names[0]
        cases = {
            "unfiltered": {},
            "access: 20 groups": {},
            "kind=chat": {"kind": "chat"},
            f"person={person}": {"person": person},
            "since/until (2 months)": {"since": "2024-05-01", "until": "2024-06-30"},
            "all filters": {
                "kind": "chat",
                "person": person,
                "since": "2024-01-01",
                "until": "2024-12-31",
            },
        }
        with LiveServer(settings) as server, httpx.Client(base_url=server.url, timeout=60) as c:
            warm = {"Authorization": f"Bearer {admin}"}
            c.get("/search", params={"q": "warm up"}, headers=warm)
            # waits for the directory built at start
            c.get("/experts", params={"q": "warm up"}, headers=warm)
            tokens = {n: member if n.startswith("access") else admin for n in cases}
            results = time_queries(c, queries, {n: (p, tokens[n]) for n, p in cases.items()})
        base_p50 = percentile(results["unfiltered"], 0.5)
        print(f"/search over HTTP at {args.chunks} chunks, {args.queries} queries each:")
        print(
            f"  (the member in {len(MEMBER_GROUPS)} groups may see {visible} chunks, "
            f"{visible / args.chunks:.0%}; every other case is an admin's)"
        )
        for name, lat in results.items():
            p50, p99 = percentile(lat, 0.5), percentile(lat, 0.99)
            print(
                f"  {name:28s} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
                f"x{p50 / base_p50:4.2f} of unfiltered p50"
            )


if __name__ == "__main__":
    main()

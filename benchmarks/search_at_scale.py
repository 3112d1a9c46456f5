"""/search and /experts latency over HTTP at 100k chunks, with and without filters.

    .venv/bin/python benchmarks/search_at_scale.py [--chunks 100000] [--queries 200] [--home DIR]

Builds a store of the synthetic organization of benchmarks/synthetic_org.py (real store
writes; vectors from real sentence embeddings, see there). Then it
serves the store on loopback and times /search: unfiltered, by kind, by person, by date
range, and all filters at once; prints p50 / p99 and each filter's cost relative to the
unfiltered query.

Requests carry API tokens: an admin's (sees everything: "unfiltered"
and the other filters) and a member's in 20 groups ("access: 20 groups"), whose permission
filter runs inside both retrieval legs.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from benchmarks.synthetic_org import MEMBER, grow, seed  # noqa: E402
from search.store.filters import Filters  # noqa: E402
from search.store.principals import create_token  # noqa: E402
from search.store.settings import Settings  # noqa: E402
from search.store.store import Store  # noqa: E402
from tests.conftest import LiveServer  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


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


def time_experts(
    client: httpx.Client, queries: list[str], tokens: dict[str, str]
) -> dict[str, list[float]]:
    """Milliseconds per /experts query for each token, taking turns as time_queries does."""
    latencies: dict[str, list[float]] = {name: [] for name in tokens}
    for q in queries:
        for name, token in tokens.items():
            started = time.perf_counter()
            response = client.get(
                "/experts", params={"q": q}, headers={"Authorization": f"Bearer {token}"}
            )
            response.raise_for_status()
            latencies[name].append((time.perf_counter() - started) * 1000)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--home", type=Path, help="Keep (or reuse) the synthetic store here.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        material = seed(tmp / "seed.npz")
        settings = Settings(home=args.home or tmp / "home")
        store = Store.open(settings)
        started = time.perf_counter()
        if grow(store, args.chunks, material) and time.perf_counter() - started > 1:
            print(
                f"built {store.catalog.counts()['chunks']} chunks "
                f"in {time.perf_counter() - started:.0f} s"
            )
        args.chunks = store.catalog.counts()["chunks"]
        _, admin = create_token(store.catalog, "admin@corp.example", [], admin=True)
        _, member = create_token(store.catalog, MEMBER.name, list(MEMBER.groups), admin=False)
        visible = len(store.catalog.passing(Filters(access=MEMBER.grantees())))
        store.close()
        base = [
            json.loads(line)["query"]
            for line in (REPO / "tests" / "data" / "search_queries.jsonl").read_text().splitlines()
        ]
        queries = [base[i % len(base)] for i in range(args.queries)]
        person = material.names[0]
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
            experts = time_experts(c, queries[:50], {"admin": admin, "member": member})
        base_p50 = percentile(results["unfiltered"], 0.5)
        print(f"/search over HTTP at {args.chunks} chunks, {args.queries} queries each:")
        print(
            f"  (the member in {len(MEMBER.groups)} groups may see {visible} chunks, "
            f"{visible / args.chunks:.0%}; every other case is an admin's)"
        )
        for name, lat in results.items():
            p50, p99 = percentile(lat, 0.5), percentile(lat, 0.99)
            print(
                f"  {name:28s} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
                f"x{p50 / base_p50:4.2f} of unfiltered p50"
            )
        for name, lat in experts.items():
            print(
                f"  /experts ({name}){'':17s} p50 {percentile(lat, 0.5):6.1f} ms  "
                f"p99 {percentile(lat, 0.99):6.1f} ms"
            )


if __name__ == "__main__":
    main()

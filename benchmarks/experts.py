"""Expert finding: quality of every model side by side, and /experts latency at 100k chunks.

    .venv/bin/python benchmarks/experts.py [--chunks 100000] [--queries 100]
        [--sample-home DIR] [--real-home DIR] [--scale-home DIR] [--skip-real] [--skip-scale]

1. ``eval-experts --compare`` on the sample organization (tests/data/expert_topics.jsonl,
   with api/sample_people.yaml) and on the real samples in ../shared/samples
   (benchmarks/real_samples/expert_topics.jsonl, no people.yaml) when that folder exists.
   Each is ingested (read in place) into a temporary home, or into ``--sample-home`` /
   ``--real-home`` (ingest skips what is already there, so a second run is quick).
2. /experts over HTTP at ``--chunks`` synthetic chunks (built as in search_at_scale.py):
   the first request (which builds the people directory and the profile index) and
   p50 / p99 of the next ``--queries`` requests, default model. ``--scale-home`` keeps the
   synthetic store for the next run (building it takes about ten minutes).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import httpx  # noqa: E402
from search_at_scale import percentile  # noqa: E402
from synthetic_org import grow, seed  # noqa: E402

from ingest.pipeline import ingest  # noqa: E402
from search.people.directory import directory_for  # noqa: E402
from search.people.evaluation import evaluate, load_topics  # noqa: E402
from search.people.experts import MODELS, ExpertFinder  # noqa: E402
from search.store.settings import Settings  # noqa: E402
from search.store.store import Store  # noqa: E402
from tests.conftest import LiveServer  # noqa: E402

SAMPLE_ORG = REPO / "api" / "sample_org"
SAMPLE_TOPICS = REPO / "tests" / "data" / "expert_topics.jsonl"
SAMPLE_PEOPLE = REPO / "api" / "sample_people.yaml"
REAL_SAMPLES = REPO.parent / "shared" / "samples"
REAL_TOPICS = REPO / "benchmarks" / "real_samples" / "expert_topics.jsonl"
EXCLUDE = ("PROVENANCE.md", "README.md", "README")


def compare(name: str, home: Path, sources: Path, topics: Path, people: Path | None) -> None:
    """Ingest ``sources`` into ``home`` (unchanged sources are skipped) and score each model."""
    store = Store.open(Settings(home=home, people_file=people))
    started = time.perf_counter()
    summary = ingest([sources], store, exclude=EXCLUDE)
    seconds = time.perf_counter() - started
    print(f"{name}: ingest {summary.as_dict()['new']} new sources in {seconds:.0f} s")
    directory = directory_for(store.catalog, people)
    identities = sum(len(p.identities) for p in directory.persons.values())
    print(
        f"{name}: {identities} identities -> {len(directory.persons)} people "
        f"({len(directory.dropped)} identities left out: bots, lists, labels)"
    )
    finder = ExpertFinder(store, people_file=people)
    labelled = load_topics(topics)
    print(f"{name}: {len(labelled)} topics")
    print(f"  {'model':10s} {'P@1':>6s} {'MAP':>6s}")
    for model in MODELS:
        report = evaluate(finder, labelled, model)
        print(f"  {model:10s} {report['p@1']:6.3f} {report['map']:6.3f}")
    store.close()


def latency(tmp: Path, chunks: int, queries: int, home: Path | None) -> None:
    """/experts p50 and p99 over HTTP at ``chunks`` synthetic chunks (built in ``home``
    unless it already holds a store)."""
    settings = Settings(home=home or tmp / "scale")
    store = Store.open(settings)
    if store.catalog.is_empty():
        started = time.perf_counter()
        grow(store, chunks, seed(tmp / "seed.npz"))
        print(
            f"built {store.catalog.chunk_total()} chunks in {time.perf_counter() - started:.0f} s"
        )
    chunks = store.catalog.chunk_total()
    store.close()
    topics = [t.topic for t in load_topics(SAMPLE_TOPICS)]
    asked = [topics[i % len(topics)] for i in range(queries)]
    server = LiveServer(settings)
    with server, httpx.Client(base_url=server.url, timeout=600) as client:
        started = time.perf_counter()
        client.get("/experts", params={"q": "warm up"}).raise_for_status()
        first = time.perf_counter() - started
        times = []
        for topic in asked:
            started = time.perf_counter()
            client.get("/experts", params={"q": topic, "k": 10}).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    print(
        f"/experts at {chunks} chunks: first request {first:.1f} s after start "
        "(waits for the directory and profiles the server builds from start)"
    )
    print(
        f"/experts at {chunks} chunks, {queries} queries: p50 {percentile(times, 0.5):.1f} ms, "
        f"p99 {percentile(times, 0.99):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--sample-home", type=Path)
    parser.add_argument("--real-home", type=Path)
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--scale-home", type=Path, help="Keep (or reuse) the synthetic store.")
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        home = args.sample_home or tmp / "sample-home"
        compare("sample organization", home, SAMPLE_ORG, SAMPLE_TOPICS, SAMPLE_PEOPLE)
        if REAL_SAMPLES.is_dir() and REAL_TOPICS.is_file() and not args.skip_real:
            home = args.real_home or tmp / "real-home"
            compare("real samples", home, REAL_SAMPLES, REAL_TOPICS, None)
        elif not args.skip_real:
            print(f"real samples: {REAL_SAMPLES} or {REAL_TOPICS} not found, skipped")
        if not args.skip_scale:
            latency(tmp, args.chunks, args.queries, args.scale_home)


if __name__ == "__main__":
    main()

"""The people directory and the expert profile index: full build, and update after an ingest.

    .venv/bin/python benchmarks/people_directory.py [--sizes 10000,100000]
        [--people 0,300,3000] [--workdir DIR] [--ingest 10] [--check] [--json FILE]

At each size and number of people, a synthetic store (benchmarks/synthetic_org.py; kept
under ``WORKDIR/SIZE`` or ``WORKDIR/SIZE-Np``, grown from the next smaller one when
missing) is measured. ``--people 0`` (the default) takes the sample organization's names;
N > 0 generates N people (:func:`benchmarks.synthetic_org.with_people`), three to a
document, as an organization of that many has them:

- full build: :func:`build_directory` from nothing, then :func:`profile_index` (what a
  server's warm-start child process does before writing the people snapshot);
- update after an ingest: ``--ingest`` new documents are written as one new source, and
  the directory and index are built again from the ones before (what
  :func:`directory_for` and the snapshot child do after the store changed);
- update after a forget: that source is forgotten again (its documents must drop out),
  which also leaves the store as it was;
- snapshot: the size of the pickled directory with its index (``people.snapshot``);
- ``/experts`` and ``/people?q=`` in-process after the full build: the median over the
  labelled topics of ``tests/data/expert_topics.jsonl`` (combined model, evidence
  included), and over eight name searches.

``--check`` also builds both anew after the ingest and after the forget and fails unless
each update equals its full build (persons, identities, documents, every posting and
passage; passage vectors to one step of their int8 rounding).
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.synthetic_org import (  # noqa: E402
    DOCS_PER_SOURCE,
    document,
    grow,
    seed,
    with_people,
)
from search.people.directory import (  # noqa: E402
    Directory,
    build_directory,
    directory_key,
    remember,
)
from search.people.experts import ExpertFinder, ProfileIndex, profile_index  # noqa: E402
from search.people.people_file import load_people_config  # noqa: E402
from search.people.snapshot import FORMAT, code_stamp  # noqa: E402
from search.store.catalog import SourceAccess  # noqa: E402
from search.store.settings import Settings  # noqa: E402
from search.store.store import Store  # noqa: E402

SOURCE = "/synthetic/people-directory-benchmark.jsonl"
TOPICS = [
    json.loads(line)["topic"]
    for line in (REPO / "tests" / "data" / "expert_topics.jsonl").read_text().splitlines()
]
NAME_SEARCHES = ("ana", "kim", "priya", "zhang", "el", "o", "maria", "tomas")


def directory_facts(directory: Directory) -> dict[str, Any]:
    """Everything a directory says, in a form that compares equal between equal builds."""
    persons = {
        p.person_id: (
            p.name,
            p.team,
            p.title,
            p.left,
            p.left_on,
            p.messages,
            tuple(p.documents),
            tuple(
                (m.identity, m.merged_by, m.merged_with, tuple(sorted(m.documents)))
                for m in p.identities
            ),
        )
        for p in directory.persons.values()
    }
    return {
        "persons": persons,
        "docs": dict(directory.docs),
        "doc_people": {d: tuple(v) for d, v in directory.doc_people.items()},
        "dropped": sorted(map(repr, directory.dropped)),
    }


def index_facts(index: ProfileIndex) -> dict[str, Any]:
    """Every posting (term -> (person, document) -> count), each person's length, and per
    (person, document) the passages and their summed vector."""
    postings: dict[str, dict[tuple[str, str], float]] = {}
    for term, (people, docs, counts) in index.postings.items():
        found = postings.setdefault(term, {})
        for i, j, c in zip(people.tolist(), docs.tolist(), counts.tolist(), strict=True):
            key = (index.people[i], index.doc_ids[j])
            found[key] = found.get(key, 0.0) + c
    buckets = {}
    for b, (i, j) in enumerate(
        zip(index.bucket_person.tolist(), index.bucket_doc.tolist(), strict=True)
    ):
        key = (index.people[i], index.doc_ids[j])
        buckets[key] = (
            sorted(index.passages(b)),
            index.vectors[b] * index.scales[b],
            index.scales[b],
        )
    lengths = {pid: float(index.length[i]) for i, pid in enumerate(index.people)}
    return {"postings": postings, "buckets": buckets, "lengths": lengths}


def differences(a: tuple[Directory, ProfileIndex], b: tuple[Directory, ProfileIndex]) -> list[str]:
    """What differs between two (directory, index) pairs; empty when they are equal."""
    found = []
    left, right = directory_facts(a[0]), directory_facts(b[0])
    found += [f"directory {k}" for k in left if left[k] != right[k]]
    left, right = index_facts(a[1]), index_facts(b[1])
    for k in ("postings", "lengths"):
        if left[k] != right[k]:
            found.append(f"index {k}")
    if left["buckets"].keys() != right["buckets"].keys():
        found.append("index buckets")
    else:
        for key, (passages, vector, step) in left["buckets"].items():
            other = right["buckets"][key]
            # int8 rows: the same sum added in another order may round one step apart
            if passages != other[0] or not np.allclose(vector, other[1], atol=max(step, other[2])):
                found.append(f"index bucket {key}")
                break
    return found


def build(store: Store, previous: Directory | None) -> tuple[Directory, ProfileIndex, float, float]:
    started = time.perf_counter()
    directory = build_directory(store.catalog, load_people_config(None), previous)
    built = time.perf_counter()
    index = profile_index(directory, store)
    return directory, index, built - started, time.perf_counter() - built


def open_store(home: Path, size: int, material: Any, smaller: Path | None) -> Store:
    if not home.exists() and smaller is not None and smaller.exists():
        shutil.copytree(smaller, home)
    store = Store.open(Settings(home=home))
    store.forget(SOURCE)  # left by a run that stopped half way
    started = time.perf_counter()
    held = grow(store, size, material)
    print(f"store of {held} chunks ready ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return store


def ingest(store: Store, material: Any, count: int) -> None:
    """``count`` new synthetic documents, as one new source."""
    rng = random.Random(7)
    noise = np.random.default_rng(7)
    first = (len(store.catalog.source_paths()) + 10_000) * DOCS_PER_SOURCE
    writes, access = [], {}
    for d in range(first, first + count):
        write, grant = document(d, material, rng, noise)
        writes.append(write)
        access[write.row["doc_id"]] = grant
    store.write_source(
        SOURCE, "synthetic", SOURCE, None, writes, set(), SourceAccess("synthetic", access)
    )


def measure(store: Store, material: Any, args: argparse.Namespace) -> dict[str, Any]:
    row: dict[str, Any] = {"chunks": store.catalog.chunk_total()}
    directory, index, row["full directory s"], row["full index s"] = build(store, None)
    row["people"] = len(directory.persons)
    saved = (FORMAT, code_stamp(), None, directory)
    row["snapshot MB"] = len(pickle.dumps(saved, protocol=pickle.HIGHEST_PROTOCOL)) / 1e6
    row["experts ms"], row["people search ms"] = queries(store, directory)
    ingest(store, material, args.ingest)
    directory, index, row["ingest directory s"], row["ingest index s"] = build(store, directory)
    if args.check:
        fresh = build(store, None)
        row["ingest equal"] = differences((directory, index), fresh[:2]) or "yes"
    store.forget(SOURCE)
    directory, index, row["forget directory s"], row["forget index s"] = build(store, directory)
    if args.check:
        fresh = build(store, None)
        row["forget equal"] = differences((directory, index), fresh[:2]) or "yes"
    return row


def queries(store: Store, directory: Directory) -> tuple[float, float]:
    """Median milliseconds of an expert search and of a name search in ``directory``."""
    people_file = store.settings.people_path
    remember(store.catalog, people_file, directory_key(store.catalog, people_file), directory)
    finder = ExpertFinder(store)
    finder.find(TOPICS[0])  # the first loads the model and warms the caches
    directory.search(NAME_SEARCHES[0])
    experts, names = [], []
    for topic in TOPICS:
        started = time.perf_counter()
        finder.find(topic)
        experts.append((time.perf_counter() - started) * 1000)
    for name in NAME_SEARCHES:
        started = time.perf_counter()
        directory.search(name)
        names.append((time.perf_counter() - started) * 1000)
    return float(np.median(experts)), float(np.median(names))


COLUMNS = (
    ("chunks", "d"),
    ("people", "d"),
    ("full directory s", ".1f"),
    ("full index s", ".1f"),
    ("ingest directory s", ".2f"),
    ("ingest index s", ".2f"),
    ("forget directory s", ".2f"),
    ("forget index s", ".2f"),
    ("snapshot MB", ".1f"),
    ("experts ms", ".0f"),
    ("people search ms", ".1f"),
)


def print_table(rows: list[dict[str, Any]]) -> None:
    print(" | ".join(name for name, _ in COLUMNS))
    print(" | ".join("---" for _ in COLUMNS))
    for row in rows:
        print(" | ".join(format(row[name], spec) for name, spec in COLUMNS))
    for row in rows:
        for check in ("ingest equal", "forget equal"):
            if check in row:
                print(
                    f"{row['chunks']} chunks, {check.replace(' equal', '')} = full build: "
                    f"{row[check]}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--people", default="0", help="People counts (0: the sample's names).")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/watercooler-people"))
    parser.add_argument("--ingest", type=int, default=10, help="Documents to ingest.")
    parser.add_argument("--check", action="store_true", help="Compare updates to full builds.")
    parser.add_argument("--json", type=Path, help="Also write every figure here.")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    sample = seed(args.workdir / "seed.npz")
    rows = []
    for people in (int(n) for n in args.people.split(",")):
        material = with_people(sample, people) if people else sample
        smaller = None
        for size in (int(s) for s in args.sizes.split(",")):
            home = args.workdir / (f"{size}-{people}p" if people else str(size))
            store = open_store(home, size, material, smaller)
            try:
                row = measure(store, material, args)
            finally:
                store.close()
            print(json.dumps(row, default=str), file=sys.stderr, flush=True)
            rows.append(row)
            smaller = home
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=str))
    if any(row.get(c, "yes") != "yes" for row in rows for c in ("ingest equal", "forget equal")):
        sys.exit(1)


if __name__ == "__main__":
    main()

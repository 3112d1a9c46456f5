"""Retrieval quality and keyword latency of the two catalog engines on one ingested store.

    .venv/bin/python benchmarks/catalog_engines.py --home DIR --queries FILE
        [--database-url postgresql://postgres@127.0.0.1:5432/test] [--modes keyword,...]

Copies the embedded catalog under ``--home`` into a new PostgreSQL schema (as ``watercooler
migrate`` does; the vectors stay where they are, so both engines' dense legs are the same),
runs the labelled queries of ``--queries`` (``{"id", "query", "relevant"}`` lines, as
``watercooler eval`` reads them) in each retrieval mode against each engine, and prints
nDCG@10, recall@5, MRR@10 and the mean time per query; the schema is dropped afterwards.

    .venv/bin/python benchmarks/catalog_engines.py --synthetic 10000,100000
        [--workdir DIR] [--database-url ...] [--keep]

Speed alone, at scale: both catalogs (no vectors) grow through the sizes with the synthetic
organization's documents (benchmarks/synthetic_org.py, written 100 to a source through
``write_source``, as ingest writes them), and at each size it prints the catalog's ingest
rate (chunks written per second while growing to that size) and the keyword leg's p50 /
p99 over the sample organization's queries (each query's terms, at the retriever's
candidate depth for the size, each query twice: the first pass warms the caches), the
PostgreSQL one both right after the writes (``ANALYZE``) and vacuumed, as autovacuum leaves
it (index-only scans need the visibility map).
The figures in ``search/store/catalog/postgres.py`` were measured with it on
``tests/data/search_queries.jsonl`` (the sample organization) and
``benchmarks/devsets/search_queries.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from benchmarks.synthetic_org import DOCS_PER_SOURCE, document, seed
from search.retrieval.evaluation import evaluate, load_queries
from search.retrieval.retriever import MODES, Retriever, candidate_depth
from search.retrieval.terms import search_terms
from search.store.catalog import BaseCatalog, Catalog, SourceAccess
from search.store.catalog.postgres import PostgresCatalog
from search.store.filters import Filters
from search.store.settings import Settings
from search.store.store import Store
from search.store.transfer import copy_catalog

REPO = Path(__file__).resolve().parents[1]


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def measure(store: Store, queries_file: Path, modes: list[str]) -> list[str]:
    queries = load_queries(queries_file)
    retriever = Retriever(store)
    lines = []
    for mode in modes:
        started = time.perf_counter()
        scores = evaluate(
            queries,
            lambda q, k, mode=mode: retriever.search(q, k=k, mode=mode),
            store.catalog.kind_of,
        ).overall
        per_query = (time.perf_counter() - started) / len(queries) * 1000
        lines.append(
            f"{mode:14s} nDCG@10 {scores.ndcg_at_10:.3f}  R@5 {scores.recall_at_5:.3f}  "
            f"MRR@10 {scores.mrr_at_10:.3f}  {per_query:.0f} ms/query"
        )
    return lines


def grow_catalog(catalog: BaseCatalog, chunks: int, material: Any) -> tuple[int, float]:
    """Write synthetic documents into ``catalog`` until it holds ``chunks``; (chunks held,
    seconds spent writing)."""
    held = catalog.chunk_total()
    sources = len(catalog.source_paths())
    spent = 0.0
    while held < chunks:
        rng = random.Random(42 * 1_000_003 + sources)
        noise = np.random.default_rng(42 * 1_000_003 + sources)
        docs, access = [], {}
        for d in range(sources * DOCS_PER_SOURCE, (sources + 1) * DOCS_PER_SOURCE):
            write, grant = document(d, material, rng, noise)
            docs.append(write.row)
            access[write.row["doc_id"]] = grant
        path = f"/synthetic/{sources:06d}.jsonl"
        started = time.perf_counter()
        catalog.write_source(
            path, "synthetic", path, None, docs, set(), SourceAccess("synthetic", access)
        )
        spent += time.perf_counter() - started
        held += sum(len(d["chunks"]) for d in docs)
        sources += 1
    return held, spent


def keyword_latency(catalog: BaseCatalog, queries: list[str]) -> tuple[float, float]:
    """p50 and p99 (ms) of the keyword leg over ``queries`` (after one warming pass)."""
    depth = candidate_depth(catalog.chunk_total())
    times = []
    for timed in (False, True):
        for query in queries:
            terms = search_terms(query)
            started = time.perf_counter()
            catalog.keyword_search(terms, depth, Filters())
            if timed:
                times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]


def synthetic(args: argparse.Namespace) -> None:
    """Ingest rate and keyword latency of both catalogs at each size (see the docstring)."""
    material = seed(args.workdir / "seed.npz")
    queries = [row["query"] for row in load_jsonl(REPO / "tests/data/search_queries.jsonl")]
    schema = "wc_kw_speed"
    url = f"{args.database_url}?options={quote(f'-csearch_path={schema}')}"
    with psycopg.connect(args.database_url, autocommit=True) as db:
        db.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    catalogs: list[tuple[str, BaseCatalog]] = [
        ("sqlite", Catalog(args.workdir / "catalog.db")),
        ("postgresql", PostgresCatalog(url)),
    ]
    print(f"{'engine':11s} {'chunks':>8s} {'ingest/s':>9s} {'kw p50':>8s} {'kw p99':>8s}")
    try:
        for size in [int(s) for s in args.synthetic.split(",")]:
            for name, catalog in catalogs:
                before = catalog.chunk_total()
                held, spent = grow_catalog(catalog, size, material)
                rate = f"{(held - before) / spent:9.0f}" if held > before else f"{'-':>9s}"
                if isinstance(catalog, PostgresCatalog):
                    catalog._db.execute("ANALYZE")
                p50, p99 = keyword_latency(catalog, queries)
                print(f"{name:11s} {held:8d} {rate} {p50:8.1f} {p99:8.1f}", flush=True)
                if isinstance(catalog, PostgresCatalog):  # as autovacuum leaves it
                    catalog._db.execute("VACUUM ANALYZE")
                    p50, p99 = keyword_latency(catalog, queries)
                    print(f"{'  vacuumed':11s} {held:8d} {'':9s} {p50:8.1f} {p99:8.1f}", flush=True)
    finally:
        for _, catalog in catalogs:
            catalog.close()
        if not args.keep:
            with psycopg.connect(args.database_url, autocommit=True) as db:
                db.execute(f"DROP SCHEMA {schema} CASCADE")
            shutil.rmtree(args.workdir / "catalog.db", ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path)
    parser.add_argument("--queries", type=Path)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--synthetic", help="Sizes in chunks: measure speed at scale instead.")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/watercooler-catalogs"))
    parser.add_argument("--keep", action="store_true", help="Keep the synthetic catalogs.")
    args = parser.parse_args()
    if args.synthetic:
        synthetic(args)
        return
    if args.home is None or args.queries is None:
        parser.error("--home and --queries are required (or --synthetic)")
    modes = args.modes.split(",")
    embedded = Store.open(Settings(home=args.home), check_model=False)
    schema = f"wc_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.database_url, autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in args.database_url else "?"
    url = f"{args.database_url}{separator}options={quote(f'-csearch_path={schema}')}"
    try:
        server = Store.open(Settings(home=args.home, database_url=url), check_model=False)
        copy_catalog(embedded.catalog, server.catalog, lambda table, rows: None)
        for name, store in (("sqlite", embedded), ("postgresql", server)):
            print(f"{name} ({store.catalog.chunk_total()} chunks)")
            for line in measure(store, args.queries, modes):
                print("  " + line, flush=True)
        server.close()
    finally:
        embedded.close()
        with psycopg.connect(args.database_url, autocommit=True) as db:
            db.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()

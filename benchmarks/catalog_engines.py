"""Retrieval quality and keyword latency of the two catalog engines on one ingested store.

    .venv/bin/python benchmarks/catalog_engines.py --home DIR --queries FILE
        [--database-url postgresql://postgres@127.0.0.1:5432/test] [--modes keyword,...]

Copies the embedded catalog under ``--home`` into a new PostgreSQL schema (as ``watercooler
migrate`` does; the vectors stay where they are, so both engines' dense legs are the same),
runs the labelled queries of ``--queries`` (``{"id", "query", "relevant"}`` lines, as
``watercooler eval`` reads them) in each retrieval mode against each engine, and prints
nDCG@10, recall@5, MRR@10 and the mean time per query; the schema is dropped afterwards.
The figures in ``search/store/catalog/postgres.py`` were measured with it on
``tests/data/search_queries.jsonl`` (the sample organization) and
``benchmarks/devsets/search_queries.jsonl``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from search.retrieval.evaluation import evaluate, load_queries
from search.retrieval.retriever import MODES, Retriever
from search.store.settings import Settings
from search.store.store import Store
from search.store.transfer import copy_catalog


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--modes", default=",".join(MODES))
    args = parser.parse_args()
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

"""Ingest speed and /search latency on the sample organization.

    .venv/bin/python benchmarks/ingest_and_search.py [--source PATH] [--queries N]

Prints: ingest wall time, documents / chunks / messages, chunks per second, chat
messages per second and its ratio to the model's raw embedding throughput on the same
chunk texts, then /search p50 / p95 / p99 over N queries to a real server on loopback.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from ingest.pipeline import ingest  # noqa: E402
from search.store.settings import Settings  # noqa: E402
from search.store.store import Store  # noqa: E402
from tests.conftest import LiveServer  # noqa: E402

REAL_CONVERSATIONS = ("slack-export", "discord", "teams", "email", "transcripts")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def queries(n: int) -> list[str]:
    path = REPO / "tests" / "data" / "search_queries.jsonl"
    base = [json.loads(line)["query"] for line in path.read_text().splitlines() if line.strip()]
    return [base[i % len(base)] for i in range(n)]


def chat_throughput(folders: list[Path], tmp: Path) -> None:
    """Conversation ingest in messages per second, against embedding each message alone."""
    store = Store.open(Settings(home=tmp / "chat-home"))
    store.embedder.embed_query("load the model")
    started = time.perf_counter()
    ingest(folders, store, exclude=("PROVENANCE.md", "README*"))
    seconds = time.perf_counter() - started
    counts = store.catalog.counts()
    messages = sum(
        row["messages"]
        for kind, row in counts["by_kind"].items()
        if kind in ("chat", "email", "transcript")
    )
    texts = [
        line.split(": ", 1)[-1]
        for (text,) in store.catalog._db.execute(
            "SELECT text FROM chunks WHERE kind IN ('chat', 'email', 'transcript')"
        )
        for line in text.splitlines()
    ][:messages]
    started = time.perf_counter()
    store.embedder.embed_texts(texts)
    raw = len(texts) / (time.perf_counter() - started)
    store.close()
    names = ", ".join(p.name for p in folders)
    print(f"conversations from {names}:")
    print(f"  {messages} messages in {counts['chunks']} chunks, ingested in {seconds:.2f} s")
    print(f"  ingest                  {messages / seconds:8.1f} messages/s")
    print(f"  raw model, one message each {raw:8.1f} messages/s")
    print(f"  ingest / raw embedding  {messages / seconds / raw:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=REPO / "api" / "sample_org")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument(
        "--real", action="store_true", help="also time chat ingest of ../shared/samples"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source"
        shutil.copytree(args.source, source)
        settings = Settings(home=Path(tmp) / "home")
        store = Store.open(settings)
        started = time.perf_counter()
        store.embedder.embed_query("load the model")
        load_seconds = time.perf_counter() - started

        started = time.perf_counter()
        summary = ingest([source], store)
        seconds = time.perf_counter() - started
        counts = store.catalog.counts()
        chat = counts["by_kind"].get("chat", {"messages": 0, "chunks": 0})
        texts = [r[0] for r in store.catalog._db.execute("SELECT text FROM chunks")]
        started = time.perf_counter()
        store.embedder.embed_texts(texts)
        raw_seconds = time.perf_counter() - started
        again = time.perf_counter()
        ingest([source], store)
        reingest_seconds = time.perf_counter() - again
        store.close()

        print(f"model load                {load_seconds:8.2f} s")
        print(
            f"ingest                    {seconds:8.2f} s  ({summary.count('new')} sources, "
            f"{summary.count('failed')} failed)"
        )
        print(f"documents / conversations {counts['documents']:8d} / {counts['conversations']}")
        print(f"messages                  {counts['messages']:8d}")
        print(f"chunks                    {counts['chunks']:8d}")
        print(f"chunks per second         {counts['chunks'] / seconds:8.1f}")
        print(f"raw embedding, same texts {len(texts) / raw_seconds:8.1f} chunks/s")
        print(f"ingest / raw embedding    {raw_seconds / seconds:8.2f}")
        if chat["messages"]:
            print(
                f"chat messages per second  {counts['messages'] / seconds:8.1f} "
                "(all conversation messages over the whole ingest)"
            )
        print(f"re-ingest, nothing new    {reingest_seconds:8.2f} s")

        with LiveServer(settings) as server, httpx.Client(base_url=server.url) as client:
            client.get("/search", params={"q": "warm up"})
            client.get("/experts", params={"q": "warm up"})  # the directory built at start
            latencies = []
            for query in queries(args.queries):
                started = time.perf_counter()
                response = client.get("/search", params={"q": query, "k": 10})
                latencies.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
        print(
            f"/search over HTTP, {len(latencies)} queries: "
            f"p50 {percentile(latencies, 0.5):.1f} ms, "
            f"p95 {percentile(latencies, 0.95):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms, "
            f"mean {statistics.mean(latencies):.1f} ms"
        )
        sample_chat = [source / "chat", source / "mail", source / "transcripts"]
        chat_throughput([p for p in sample_chat if p.exists()], Path(tmp) / "org")
        shared = REPO.parent / "shared" / "samples"
        if args.real and shared.is_dir():
            real = [
                shared / n for n in ("slack-export", "discord", "teams", "email", "transcripts")
            ]
            chat_throughput([p for p in real if p.exists()], Path(tmp) / "real")


if __name__ == "__main__":
    main()

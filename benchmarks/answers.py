"""Question answering quality on labelled questions, and extractive /ask latency.

    .venv/bin/python benchmarks/answers.py [--home DIR] [--real-home DIR] [--scale 100000]
                                           [--repeat 3] [--verbose]

For the sample organization (tests/data/questions.jsonl) and, when ../shared/samples
exists, the real public samples (benchmarks/real_samples/questions.jsonl), it prints:

- answer accuracy: answerable questions whose answer contains the expected phrase;
- false abstentions: answerable questions the answer abstained on;
- citation precision: citations (of answered, answerable questions) that quote the
  expected phrase or come from the labelled source file; and citation faithfulness:
  citations whose quote is verbatim in the cited document and carried by its [n] sentence;
- abstention precision and recall: abstentions that were on unanswerable questions, and
  unanswerable questions abstained on;
- a threshold sweep: both error rates at other confidence thresholds (the calibration).

Then extractive POST /ask p50 / p99 over HTTP on the sample organization, and at
``--scale`` chunks (a synthetic store built by benchmarks/search_at_scale.py; 0 skips it).
``--home`` / ``--real-home`` reuse stores already ingested from those folders.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from api.routes import ask  # noqa: E402
from benchmarks.search_at_scale import percentile  # noqa: E402
from benchmarks.synthetic_org import grow, seed  # noqa: E402
from ingest.pipeline import ingest  # noqa: E402
from search.answers.extractive import THRESHOLD, Answer, Answerer  # noqa: E402
from search.store.settings import Settings  # noqa: E402
from search.store.store import Store  # noqa: E402
from tests.conftest import LiveServer  # noqa: E402

SAMPLES = REPO.parent / "shared" / "samples"
SAMPLE_QUESTIONS = REPO / "tests" / "data" / "questions.jsonl"
REAL_QUESTIONS = REPO / "benchmarks" / "real_samples" / "questions.jsonl"
SKIP = ("PROVENANCE.md", "README.md", "README")


@dataclass(slots=True)
class Outcome:
    question: dict
    answer: Answer
    seconds: float


@dataclass(slots=True)
class Scores:
    """Counts behind every rate the benchmark prints."""

    answerable: int = 0
    correct: int = 0
    false_abstentions: int = 0
    unanswerable: int = 0
    true_abstentions: int = 0
    citations: int = 0
    relevant_citations: int = 0
    faithful_citations: int = 0
    misses: list[str] = field(default_factory=list)

    def rates(self) -> dict[str, float]:
        abstentions = self.true_abstentions + self.false_abstentions
        return {
            "answer accuracy": _share(self.correct, self.answerable),
            "false abstentions": _share(self.false_abstentions, self.answerable),
            "citation precision": _share(self.relevant_citations, self.citations),
            "citation faithfulness": _share(self.faithful_citations, self.citations),
            "abstention precision": _share(self.true_abstentions, abstentions),
            "abstention recall": _share(self.true_abstentions, self.unanswerable),
        }


def _share(part: int, whole: int) -> float:
    return part / whole if whole else float("nan")


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def folded(text: str) -> str:
    return " ".join(text.lower().split())


def run(store: Store, questions: list[dict]) -> list[Outcome]:
    answerer = Answerer(store)
    answerer.ask("warm up")
    outcomes = []
    for q in questions:
        started = time.perf_counter()
        answer = answerer.ask(q["question"])
        outcomes.append(Outcome(q, answer, time.perf_counter() - started))
    return outcomes


def score(store: Store, outcomes: list[Outcome]) -> Scores:
    scores = Scores()
    for outcome in outcomes:
        q, answer = outcome.question, outcome.answer
        if not q["expected"]:
            scores.unanswerable += 1
            scores.true_abstentions += answer.abstained
            if not answer.abstained:
                scores.misses.append(f"{q['id']} answered: {answer.answer[:160]!r}")
            continue
        scores.answerable += 1
        if answer.abstained:
            scores.false_abstentions += 1
            scores.misses.append(f"{q['id']} abstained: {q['question']}")
            continue
        expected = folded(q["expected"])
        scores.correct += expected in folded(answer.answer)
        if expected not in folded(answer.answer):
            scores.misses.append(f"{q['id']} missed {q['expected']!r}: {answer.answer[:160]!r}")
        for citation in answer.citations:
            scores.citations += 1
            from_source = citation.source_path.endswith("/" + q["source"])
            scores.relevant_citations += from_source or expected in folded(citation.quote)
            scores.faithful_citations += faithful(store, answer, citation)
    return scores


def faithful(store: Store, answer: Answer, citation) -> bool:
    """The quote is verbatim in the cited document and is what its [n] sentence says."""
    doc = store.catalog.document(citation.doc_id)
    in_document = doc is not None and any(citation.quote in c.text for c in doc["chunks"])
    return in_document and f"“{citation.quote}” [{citation.n}]" in answer.answer


def sweep(outcomes: list[Outcome]) -> list[tuple[float, float, float]]:
    """(threshold, false-abstention rate, false-answer rate) around the calibrated one."""
    rows = []
    answerable = [o for o in outcomes if o.question["expected"]]
    unanswerable = [o for o in outcomes if not o.question["expected"]]
    for threshold in (0.3, 0.4, 0.45, THRESHOLD, 0.55, 0.6, 0.7):
        missed = sum(o.answer.confidence < threshold for o in answerable)
        wrong = sum(o.answer.confidence >= threshold for o in unanswerable)
        rows.append((threshold, missed / len(answerable), wrong / max(1, len(unanswerable))))
    return rows


def report(name: str, store: Store, questions: list[dict], verbose: bool) -> None:
    outcomes = run(store, questions)
    scores = score(store, outcomes)
    answered = len(questions) - scores.true_abstentions - scores.false_abstentions
    print(
        f"\n{name}: {len(questions)} questions, {scores.answerable} answerable, {answered} answered"
    )
    for label, value in scores.rates().items():
        print(f"  {label:24s} {value:6.1%}")
    print(
        f"  {'in-process p50':24s} {percentile([o.seconds for o in outcomes], 0.5) * 1000:6.1f} ms"
    )
    print("  threshold sweep (confidence; false abstention / false answer):")
    for threshold, missed, wrong in sweep(outcomes):
        mark = " <- used" if threshold == THRESHOLD else ""
        print(f"    {threshold:4.2f}  {missed:6.1%} / {wrong:6.1%}{mark}")
    if verbose:
        for line in scores.misses:
            print("  -", line)


def serve(settings: Settings) -> LiveServer:
    server = LiveServer(settings)
    app = server.server.config.app
    if not any(getattr(route, "path", None) == "/ask" for route in app.routes):
        app.include_router(ask.router)
    return server


def latency(settings: Settings, questions: list[str], repeat: int) -> dict[str, float]:
    """Extractive POST /ask p50 and p99 in milliseconds over HTTP on loopback.

    ``cold`` is the first pass over the questions; later passes are ``warm``: the server
    keeps the embeddings of units it has scored, so repeated questions skip that step.
    """
    passes: list[list[float]] = []
    with serve(settings) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        client.post("/ask", json={"question": "warm up"}).raise_for_status()
        client.get("/experts", params={"q": "warm up"})  # the directory built at start
        for _ in range(repeat):
            times = []
            for question in questions:
                started = time.perf_counter()
                client.post("/ask", json={"question": question}).raise_for_status()
                times.append((time.perf_counter() - started) * 1000)
            passes.append(times)
        search = []
        for question in questions:
            started = time.perf_counter()
            client.get("/search", params={"q": question}).raise_for_status()
            search.append((time.perf_counter() - started) * 1000)
    warm = [t for times in passes[1:] for t in times]
    result = {"cold p50": percentile(passes[0], 0.5), "cold p99": percentile(passes[0], 0.99)}
    if warm:
        result |= {"warm p50": percentile(warm, 0.5), "warm p99": percentile(warm, 0.99)}
    return result | {"/search p50": percentile(search, 0.5)}


def show(label: str, timings: dict[str, float]) -> None:
    print(
        f"POST /ask over HTTP, {label}: " + ", ".join(f"{k} {v:.1f} ms" for k, v in timings.items())
    )


def ingested(tmp: Path, name: str, source: Path, home: Path | None) -> Store:
    """A store over ``source``: the one at ``home``, or a fresh ingest into ``tmp``."""
    if home is not None:
        return Store.open(Settings(home=home))
    store = Store.open(Settings(home=tmp / name))
    copy = tmp / f"{name}-source"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns(*SKIP))
    started = time.perf_counter()
    ingest([copy], store, exclude=SKIP)
    print(f"ingested {source} in {time.perf_counter() - started:.0f} s")
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="a store with api/sample_org ingested")
    parser.add_argument("--real-home", type=Path, help="a store with ../shared/samples ingested")
    parser.add_argument("--scale", type=int, default=100_000, help="chunks; 0 skips")
    parser.add_argument(
        "--scale-home", type=Path, help="keep the synthetic store here (reused when built)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="passes over the questions")
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    args = parser.parse_args()
    sample_questions = load(SAMPLE_QUESTIONS)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        store = ingested(tmp, "sample", REPO / "api" / "sample_org", args.home)
        report("sample organization", store, sample_questions, args.verbose)
        settings = store.settings
        store.close()
        if SAMPLES.is_dir() and REAL_QUESTIONS.is_file():
            real = ingested(tmp, "real", SAMPLES, args.real_home)
            report("real samples (../shared/samples)", real, load(REAL_QUESTIONS), args.verbose)
            real.close()
        else:
            print("\nreal samples: ../shared/samples or its questions are missing; skipped")
        texts = [q["question"] for q in sample_questions]
        print()
        show("sample organization", latency(settings, texts, args.repeat))
        if args.scale:
            scale(args.scale_home or tmp / "scale", tmp, args.scale, texts, args.repeat)


def scale(home: Path, tmp: Path, chunks: int, questions: list[str], repeat: int) -> None:
    """Time /ask on a synthetic store of ``chunks`` chunks (built at ``home`` if need be)."""
    settings = Settings(home=home)
    store = Store.open(settings)
    if store.catalog.counts()["chunks"] < chunks:
        started = time.perf_counter()
        grow(store, chunks, seed(tmp / "seed.npz"))
        print(f"built {chunks} chunks in {time.perf_counter() - started:.0f} s")
    print(f"\n{store.catalog.counts()['chunks']} chunks at {home}")
    store.close()
    show(f"{chunks} chunks", latency(settings, questions, repeat))


if __name__ == "__main__":
    main()

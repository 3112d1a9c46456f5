"""Watercooler's quality on real data, per source, next to simple baselines.

    .venv/bin/python benchmarks/real_data.py [--code DIR] [--data DIR] [--sets DIR]
                                             [--home DIR] [--json OUT]

    # the code before a change, on the real development sets, kept for a rerun:
    .venv/bin/python benchmarks/real_data.py --code /tmp/wc-before --home /tmp/before-home \\
        --json benchmarks/devsets/before.json | tee benchmarks/devsets/before.txt
    # the older sets over the real samples (source = first path component of a label):
    .venv/bin/python benchmarks/real_data.py --data ../shared/samples \\
        --sets benchmarks/real_samples

The project is driven only from outside, so that the same script measures any checkout:
its CLI runs as a subprocess (``python -m api.cli``, cwd and PYTHONPATH = ``--code``,
``WATERCOOLER_HOME`` = ``--home``), then ``python -m api.cli serve`` answers HTTP, and the
SQLite catalog ``<home>/catalog.db`` is read read-only for document metadata. No project
module is imported here.

Every subfolder of ``--data`` is one source (``PROVENANCE.md`` and ``README*`` are left
out). Label files in ``--sets`` (any may be missing; that section is then skipped):

- ``search_queries.jsonl`` ``{id, query, relevant: [paths relative to --data]}``: nDCG@10,
  recall@5 and MRR of ``GET /search`` (the default retriever), of every retriever mode of
  ``api.cli eval --compare``, and of a BM25 over whole files (k1 1.2, b 0.75);
- ``questions.jsonl`` ``{id, question, expected, source, lines?}`` (``expected`` null when
  unanswerable): ``POST /ask``; first citation in the labelled file, any citation in it,
  false abstentions, abstention on unanswerable questions, expected phrase in the answer,
  and whether the first citation in the labelled file points into the labelled lines
  ("place": by the locator's line, or by the span up to the next chunk of that file);
- the same questions, when the source has speaker turns (chat logs, transcripts, minutes):
  BM25 over windows of 20 lines (stride 10) of that source's files against the top
  ``/search`` hit and the first citation;
- ``expert_topics.jsonl`` ``{id, topic, experts, aliases?, source?}``: P@1 and MAP@10 of
  ``GET /experts`` and of a "speaker count" baseline (speakers counted in the BM25 top 10
  files);
- ``documents.jsonl`` ``{path, title, date, date_stated}``: the catalog's date (same UTC
  day, where the file states one) and title of the earliest document read from each file;
- ``people.jsonl`` ``{path, people, handles, bots?, not_people?, aka?, as_written?}``: the
  labelled people found among the participants the catalog holds for that file, and the
  participants that are labelled bots or not people;
- the people directory (``GET /people``): its size, and 100 names drawn with seed 0
  written next to ``--json`` (``OUT`` with suffix ``.people-sample.txt``) for checking.

When the store has API tokens, set ``WATERCOOLER_BENCH_TOKEN`` to one: it is sent as a
bearer token. The ingest table's "first ingest s" is the first run that wrote each folder
(from the catalog's ``runs``), so a rerun over a kept ``--home`` still shows the cold time.

Tables go to stdout, progress to stderr; ``--json`` keeps every number and each query's
outcome. Runs one thing at a time (ingest, eval, then one server).
"""

from __future__ import annotations

import argparse
import fnmatch
import html
import json
import math
import os
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "devsets"
DEFAULT_SETS = REPO / "benchmarks" / "devsets"
SKIP_GLOBS = ("PROVENANCE.md", "README*")
GENERIC_TITLES = frozenset({"summary", "abstract", "overview", "motivation", "introduction"})
TRANSCRIPT_SUFFIXES = frozenset({".log", ".vtt", ".srt", ".sbv"})
WINDOW, STRIDE = 20, 10
OVERALL = "overall"

Json = dict[str, Any]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- corpus and BM25


def tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


class BM25:
    """Okapi BM25 over token lists (k1 1.2, b 0.75, idf log(1 + (N - df + .5) / (df + .5)))."""

    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.tf = [Counter(d) for d in docs]
        self.length = [len(d) for d in docs]
        self.avgdl = sum(self.length) / max(len(docs), 1) or 1.0
        df: Counter[str] = Counter()
        for tf in self.tf:
            df.update(tf.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def scores(self, query: list[str]) -> list[float]:
        terms = [t for t in query if t in self.idf]
        out = []
        for tf, length in zip(self.tf, self.length, strict=True):
            norm = self.k1 * (1 - self.b + self.b * length / self.avgdl)
            out.append(
                sum(self.idf[t] * tf[t] * (self.k1 + 1) / (tf[t] + norm) for t in terms if t in tf)
            )
        return out

    def top(self, query: str, k: int) -> list[int]:
        scores = self.scores(tokens(query))
        ranked = sorted(range(len(scores)), key=lambda i: -scores[i])
        return [i for i in ranked[:k] if scores[i] > 0]


def skipped(path: Path) -> bool:
    return path.name.startswith(".") or any(fnmatch.fnmatch(path.name, g) for g in SKIP_GLOBS)


def corpus_files(data: Path) -> dict[str, list[Path]]:
    """The files of each source (each subfolder of ``data``), labels and hidden files left out."""
    sources: dict[str, list[Path]] = {}
    for folder in sorted(p for p in data.iterdir() if p.is_dir() and not skipped(p)):
        sources[folder.name] = [
            p
            for p in sorted(folder.rglob("*"))
            if p.is_file() and not any(skipped(Path(part)) for part in p.relative_to(data).parts)
        ]
    return sources


def read_text(path: Path) -> str:
    """The file as text: XML parts of Office zips with tags dropped, anything else decoded."""
    if path.suffix.lower() in {".docx", ".pptx", ".xlsx", ".odt", ".odp"}:
        try:
            with zipfile.ZipFile(path) as zf:
                parts = [n for n in zf.namelist() if n.endswith(".xml")]
                xml = " ".join(zf.read(n).decode("utf-8", "replace") for n in parts)
            return html.unescape(re.sub(r"<[^>]+>", " ", xml))
        except (zipfile.BadZipFile, OSError):
            pass
    return path.read_bytes().decode("utf-8", "replace")


@dataclass(slots=True)
class Corpus:
    data: Path
    files: dict[str, list[Path]]
    texts: dict[Path, str] = field(default_factory=dict)
    _whole: tuple[list[Path], BM25] | None = None
    _windows: dict[str, tuple[list[tuple[Path, int, int]], BM25]] = field(default_factory=dict)

    @classmethod
    def load(cls, data: Path) -> Corpus:
        corpus = cls(data, corpus_files(data))
        for files in corpus.files.values():
            for path in files:
                corpus.texts[path] = read_text(path)
        return corpus

    def source_of(self, path: Path) -> str:
        return path.relative_to(self.data).parts[0]

    def whole_files(self) -> tuple[list[Path], BM25]:
        if self._whole is None:
            paths = list(self.texts)
            self._whole = (paths, BM25([tokens(self.texts[p]) for p in paths]))
        return self._whole

    def search_files(self, query: str, k: int = 10) -> list[Path]:
        paths, index = self.whole_files()
        return [paths[i] for i in index.top(query, k)]

    def windows(self, source: str) -> tuple[list[tuple[Path, int, int]], BM25]:
        """Windows of ``WINDOW`` lines every ``STRIDE`` lines over the source's files."""
        if source not in self._windows:
            spans, docs = [], []
            for path in self.files.get(source, []):
                lines = self.texts[path].splitlines()
                for start in range(0, max(len(lines) - WINDOW, 0) + STRIDE, STRIDE):
                    chunk = lines[start : start + WINDOW]
                    if not chunk:
                        break
                    spans.append((path, start + 1, start + len(chunk)))
                    docs.append(tokens("\n".join(chunk)))
            self._windows[source] = (spans, BM25(docs))
        return self._windows[source]


# ---------------------------------------------------------------------------- speakers

_IRC = re.compile(r"^\S*\s*<[@+%&~ ]?([^<>\s]{1,40})>\s")
_PIDGIN = re.compile(r"^\(\d\d?:\d\d(?::\d\d)?(?: [AP]M)?\)\s+([^\s:]{1,40}):\s")
_TAG = re.compile(r"^\s*(?:[-*+]|\d+\.)\s*\[([A-Za-z][\w .'-]{0,40})\](?!\()\s*:?")
_TURN = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:<v\s+([^>]{1,60})>|\*\*([^*:]{1,60})\*\*\s*:|"
    r"([A-Z][\w.'-]*(?:\s[A-Z][\w.'-]*){0,3})\s*:\s)"
)
_NOT_SPEAKERS = frozenset(
    """
    action agenda attendees author authors chair created date decision discussions-to
    discussion email from note notes post-history python-version question replaces
    requires resolution scribe scribes sponsor status subject summary time title to topic
    type update url version see re cc fyi edit edited pep pr issue answer todo tl dr
    agreed conclusion proposal q a webvtt kind language style region
    """.split()
)


def pep_authors(text: str) -> list[str]:
    """Names in a PEP's ``Author:`` header (with continuation lines), e-mails dropped."""
    match = re.search(r"^Author:(.*(?:\n[ \t]+.*)*)", text, re.M)
    if not match:
        return []
    value = re.sub(r"<[^>]*>|\([^)]*\)", "", match.group(1))
    return [n.strip() for n in re.split(r",|\n", value) if n.strip()]


def speakers(text: str) -> Iterator[str]:
    """Every speaker occurrence: a memo's ``Author:`` header names (and nothing else), else
    IRC ``<nick>``, Pidgin ``nick:``, ``* [rob]`` tags and ``Name:`` turns."""
    authors = pep_authors(text[:5000])
    if authors:
        yield from authors
        return
    for line in text.splitlines():
        for pattern in (_IRC, _PIDGIN, _TAG):
            match = pattern.match(line)
            if match:
                yield match.group(1).strip()
                break
        else:
            match = _TURN.match(line)
            if match:
                name = next(g for g in match.groups() if g).strip()
                if name.lower() not in _NOT_SPEAKERS:
                    yield name


def has_turns(path: Path, text: str) -> bool:
    """A chat log or transcript: a log/caption file, or text with speaker turns on at least
    20 lines and 15% of its non-blank lines (scribed minutes yes, memos no)."""
    if path.suffix.lower() in TRANSCRIPT_SUFFIXES:
        return True
    turns = sum(1 for _ in speakers(text))
    return turns >= 20 and turns >= 0.15 * sum(1 for line in text.splitlines() if line.strip())


# ---------------------------------------------------------------------------- metrics


def ranking_scores(paths: list[str], relevant: list[str]) -> Json:
    """recall@5, reciprocal rank within 10 and binary nDCG@10; a label earns credit once."""
    found: list[str | None] = []
    seen: set[str] = set()
    for path in paths[:10]:
        label = next((r for r in relevant if path == r or path.endswith("/" + r)), None)
        found.append(label if label and label not in seen else None)
        if label:
            seen.add(label)
    recall = len({f for f in found[:5] if f}) / len(relevant)
    rr = next((1.0 / (i + 1) for i, f in enumerate(found) if f), 0.0)
    dcg = sum(1.0 / math.log2(i + 2) for i, f in enumerate(found) if f)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
    return {"ndcg@10": dcg / ideal if ideal else 0.0, "recall@5": recall, "mrr@10": rr}


def mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def squash(name: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", name.casefold()).split())


def name_matches(name: str, expert: str, aliases: list[str]) -> bool:
    """Same name or alias; same first token; or an alias equal to one of the name's tokens."""
    got, want = squash(name), squash(expert)
    if not got or not want:
        return False
    alias_set = {squash(a) for a in aliases} - {""}
    if got == want or got in alias_set:
        return True
    got_tokens = got.split()
    return got_tokens[0] == want.split()[0] or any(a in got_tokens for a in alias_set)


def matching_expert(
    name: str, remaining: list[str], per: dict[str, list[str]], shared: list[str]
) -> str | None:
    """The expert ``name`` stands for: by own name first, then own aliases, then shared ones."""
    for level in range(3):
        for expert in remaining:
            aliases = ([], per.get(expert, []), shared)[level]
            if name_matches(name, expert, aliases):
                return expert
    return None


def expert_scores(names: list[str], topic: Json) -> Json:
    """P@1 and AP@10 (divided by the number of experts); each expert is credited once."""
    raw = topic.get("aliases") or []
    shared = [str(a) for a in raw] if isinstance(raw, list) else []
    per = {str(k): [str(a) for a in v] for k, v in raw.items()} if isinstance(raw, dict) else {}
    remaining = [str(e) for e in topic["experts"]]
    total, hits, precision, first = len(remaining), 0, 0.0, 0.0
    for rank, name in enumerate(names[:10], 1):
        match = matching_expert(name, remaining, per, shared)
        if match is None:
            continue
        remaining.remove(match)
        hits += 1
        precision += hits / rank
        first = 1.0 if rank == 1 else first
    return {"p@1": first, "ap@10": precision / total if total else 0.0}


def parse_ranges(value: Any) -> list[tuple[int, int]]:
    """``[a, b]``, ``[[a, b], ...]``, ``"a-b"``, ``"120"`` or ``a`` as inclusive ranges."""
    if value is None or value == []:
        return []
    if isinstance(value, int):
        return [(value, value)]
    if isinstance(value, str):
        numbers = [int(n) for n in re.findall(r"\d+", value)]
        return [(numbers[0], numbers[-1])] if numbers else []
    if isinstance(value, dict):
        return parse_ranges([value.get("start"), value.get("end")])
    if isinstance(value, list | tuple):
        if all(isinstance(v, int) for v in value):
            return [(min(value), max(value))]
        return [r for v in value for r in parse_ranges(v)]
    return []


def overlaps(span: tuple[int, int] | None, ranges: list[tuple[int, int]]) -> bool:
    return span is not None and any(span[0] <= b and a <= span[1] for a, b in ranges)


_CUE = re.compile(r"\d{1,2}:\d\d(?::\d\d)?(?:[.,]\d+)?")


def locator_line(locator: str, text: str | None) -> tuple[int, int] | None:
    """``line N`` / ``lines A-B``; a cue time is looked up in the file's text."""
    match = re.search(r"lines?\s+(\d+)(?:\s*[-\u2013]\s*(\d+))?", locator or "")
    if match:
        start = int(match.group(1))
        return start, int(match.group(2) or start)
    cue = _CUE.search(locator or "")
    if cue and text:
        wanted = cue.group(0).replace(",", ".")
        for number, line in enumerate(text.splitlines(), 1):
            if wanted in line.replace(",", "."):
                return number, number
    return None


# ---------------------------------------------------------------------------- the project


@dataclass(slots=True)
class Project:
    """One checkout's code run against one store, only through its CLI and HTTP API."""

    code: Path
    home: Path
    python: str = sys.executable

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(self.code)
        env["WATERCOOLER_HOME"] = str(self.home)
        env.pop("WATERCOOLER_CHROMA_URL", None)
        return env

    def run(self, *args: str, timeout: float = 7200) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.python, *args],
            cwd=self.code,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def cli(self, *args: str, timeout: float = 7200) -> subprocess.CompletedProcess[str]:
        return self.run("-m", "api.cli", *args, timeout=timeout)

    def check_code(self) -> str:
        """Exit unless ``import search`` under this env loads the package from ``code``."""
        done = self.run("-c", "import search; print(search.__file__)", timeout=120)
        where = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
        if done.returncode or not Path(where).resolve().is_relative_to(self.code.resolve()):
            sys.exit(
                f"error: `import search` under --code {self.code} gave {where!r}: "
                f"{done.stderr.strip()[-500:]}"
            )
        return where

    def revision(self) -> str | None:
        done = subprocess.run(
            ["git", "-C", str(self.code), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
        dirty = subprocess.run(
            ["git", "-C", str(self.code), "status", "--porcelain"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            return None
        return done.stdout.strip() + (" (modified)" if dirty.stdout.strip() else "")

    @contextmanager
    def serve(self) -> Iterator[httpx.Client]:
        """``api.cli serve`` on a free port, until /healthz answers; stopped on exit."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with tempfile.TemporaryFile(mode="w+") as logfile:
            proc = subprocess.Popen(
                [self.python, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=self.code,
                env=self.env(),
                stdout=logfile,
                stderr=subprocess.STDOUT,
                text=True,
            )
            token = os.environ.get("WATERCOOLER_BENCH_TOKEN")
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            base = f"http://127.0.0.1:{port}"
            try:
                with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
                    wait_healthy(client, proc, logfile)
                    yield client
            finally:
                proc.terminate()
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def wait_healthy(client: httpx.Client, proc: subprocess.Popen[str], logfile: Any) -> None:
    """Until GET /healthz answers 200; an error with the server's output if it exits."""
    deadline = time.monotonic() + 300
    while True:
        if proc.poll() is not None:
            logfile.seek(0)
            raise RuntimeError(f"server exited {proc.returncode}: {logfile.read()[-3000:]}")
        try:
            if client.get("/healthz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("server did not answer /healthz within 300 s")
        time.sleep(0.5)


def timed_json(client: httpx.Client, method: str, url: str, **kwargs: Any) -> tuple[Json, float]:
    started = time.perf_counter()
    response = client.request(method, url, **kwargs)
    seconds = time.perf_counter() - started
    response.raise_for_status()
    return response.json(), seconds


def catalog_rows(home: Path, table: str, wanted: tuple[str, ...]) -> list[Json]:
    """Rows of a catalog table, read-only, with the wanted columns that exist."""
    db = home / "catalog.db"
    if not db.exists():
        return []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        con.row_factory = sqlite3.Row
        columns = {r["name"] for r in con.execute(f"PRAGMA table_info({table})")}
        chosen = [c for c in wanted if c in columns]
        if not chosen:
            return []
        return [dict(r) for r in con.execute(f"SELECT {', '.join(chosen)} FROM {table}")]
    finally:
        con.close()


# ---------------------------------------------------------------------------- the sections


def read_jsonl(path: Path) -> list[Json]:
    if not path.is_file():
        return []
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def label_source(value: Any, fallback: str = "(none)") -> str:
    if not value:
        return fallback
    return Path(str(value)).parts[0]


def ingest(project: Project, corpus: Corpus) -> Json:
    out: Json = {}
    for source in corpus.files:
        folder = corpus.data / source
        log(f"ingest {folder}")
        started = time.perf_counter()
        args = ["ingest", str(folder), "--json"]
        for glob in SKIP_GLOBS:
            args += ["--exclude", glob]
        done = project.cli(*args)
        seconds = time.perf_counter() - started
        try:
            summary = json.loads(done.stdout)
        except json.JSONDecodeError:
            summary = {"error": f"exit {done.returncode}: {done.stderr.strip()[-2000:]}"}
        out[source] = {
            "wall_seconds": round(seconds, 2),
            "exit": done.returncode,
            "summary": summary,
        }
    first_runs = first_ingest_seconds(project.home)
    docs = catalog_rows(project.home, "documents", ("doc_id", "source_path"))
    chunks = catalog_rows(project.home, "chunks", ("source_path",))
    doc_count = Counter(d["source_path"] for d in docs)
    chunk_count = Counter(c["source_path"] for c in chunks)
    for source, files in corpus.files.items():
        stored = [p for p in files if doc_count.get(str(p.resolve()))]
        missing = [str(p.relative_to(corpus.data)) for p in files if p not in stored]
        out[source].update(
            files=len(files),
            files_stored=len(stored),
            documents=sum(doc_count.get(str(p.resolve()), 0) for p in files),
            chunks=sum(chunk_count.get(str(p.resolve()), 0) for p in files),
            missing_by_suffix=dict(Counter(Path(m).suffix or "(none)" for m in missing)),
            missing=missing,
            first_ingest_seconds=first_runs.get(str((corpus.data / source).resolve())),
        )
    return out


def first_ingest_seconds(home: Path) -> dict[str, float]:
    """Per folder, the seconds of the first run of the store that ingested it alone and wrote
    something (from the catalog's ``runs`` table), so that a rerun still shows the cold time."""
    out: dict[str, float] = {}
    rows = catalog_rows(home, "runs", ("run_id", "paths", "summary"))
    for row in sorted(rows, key=lambda r: r.get("run_id") or 0):
        try:
            paths, summary = json.loads(row["paths"]), json.loads(row.get("summary") or "{}")
        except (json.JSONDecodeError, TypeError, KeyError):
            continue
        wrote = summary.get("new", 0) or summary.get("updated", 0)
        if isinstance(paths, list) and len(paths) == 1 and wrote and paths[0] not in out:
            out[paths[0]] = summary.get("seconds")
    return out


def eval_modes(project: Project, corpus: Corpus, queries: list[Json]) -> Json:
    """``api.cli eval --compare --json`` per source and overall, labels as absolute paths."""
    groups: dict[str, list[Json]] = defaultdict(list)
    for q in queries:
        groups[q["_source"]].append(q)
    groups[OVERALL] = list(queries)
    out: Json = {}
    with tempfile.TemporaryDirectory() as tmp:
        for source, items in groups.items():
            path = Path(tmp) / f"{source}.jsonl"
            lines = [
                json.dumps(
                    {
                        "id": q["id"],
                        "query": q["query"],
                        "relevant": [str((corpus.data / r).resolve()) for r in q["relevant"]],
                    }
                )
                for q in items
            ]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            log(f"eval --compare {source} ({len(items)} queries)")
            done = project.cli("eval", str(path), "--compare", "--json")
            try:
                report = json.loads(done.stdout)
                out[source] = {mode: r["overall"] for mode, r in report.items()}
            except (json.JSONDecodeError, KeyError, TypeError):
                out[source] = {"error": f"exit {done.returncode}: {done.stderr.strip()[-2000:]}"}
    return out


def search_section(client: httpx.Client, corpus: Corpus, queries: list[Json]) -> Json:
    rows = []
    for q in queries:
        relevant = [str(r) for r in q["relevant"]]
        data, seconds = timed_json(client, "GET", "/search", params={"q": q["query"], "k": 10})
        wc_paths = [h["source_path"] for h in data.get("hits", [])]
        bm25_paths = [str(p.resolve()) for p in corpus.search_files(q["query"], 10)]
        rows.append(
            {
                "id": q["id"],
                "source": q["_source"],
                "query": q["query"],
                "watercooler": ranking_scores(wc_paths, relevant),
                "bm25": ranking_scores(bm25_paths, relevant),
                "seconds": round(seconds, 4),
                "top": [str(Path(p)) for p in wc_paths[:3]],
                "bm25_top": [
                    str(Path(p).relative_to(corpus.data.resolve())) for p in bm25_paths[:3]
                ],
            }
        )
    summary: Json = {}
    for source, items in grouped(rows).items():
        summary[source] = {
            "queries": len(items),
            **{
                system: {
                    m: mean(r[system][m] for r in items) for m in ("ndcg@10", "recall@5", "mrr@10")
                }
                for system in ("watercooler", "bm25")
            },
            "p50_seconds": statistics.median(r["seconds"] for r in items),
        }
    return {"summary": summary, "per_query": rows}


def grouped(rows: list[Json], key: str = "source") -> dict[str, list[Json]]:
    groups: dict[str, list[Json]] = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return {**dict(sorted(groups.items())), OVERALL: rows}


def answers_section(
    client: httpx.Client, corpus: Corpus, questions: list[Json], home: Path
) -> Json:
    chunk_starts = chunk_line_starts(home)
    rows = []
    for q in questions:
        data, seconds = timed_json(client, "POST", "/ask", json={"question": q["question"]})
        cits = data.get("citations") or []
        src = q.get("source")
        expected = q.get("expected")
        ranges = parse_ranges(q.get("lines"))
        in_file = [c for c in cits if src and c["source_path"].endswith("/" + src)]
        path = (corpus.data / src) if src else None
        text = corpus.texts.get(path) if path else None
        row: Json = {
            "id": q["id"],
            "source": q["_source"],
            "question": q["question"],
            "answerable": expected is not None,
            "abstained": bool(data.get("abstained")),
            "confidence": data.get("confidence"),
            "seconds": round(seconds, 4),
            "citations": [
                {"source_path": c["source_path"], "locator": c.get("locator", "")} for c in cits[:3]
            ],
            "answer": data.get("answer", "")[:600],
        }
        if expected is not None:
            answer = " ".join(str(data.get("answer", "")).split()).casefold()
            row.update(
                first_citation_right=bool(cits) and cits[0]["source_path"].endswith("/" + src),
                any_citation_right=bool(in_file),
                expected_in_answer=" ".join(str(expected).split()).casefold() in answer,
            )
        if ranges and path is not None:
            cited = in_file[0] if in_file else None
            point = locator_line(cited["locator"], text) if cited else None
            row.update(
                lines=ranges,
                cited_locator=cited["locator"] if cited else None,
                place_right=overlaps(point, ranges),
                place_in_chunk=overlaps(chunk_span(point, path, chunk_starts, text), ranges),
            )
        rows.append(row)
    summary: Json = {}
    for source, items in grouped(rows).items():
        ans = [r for r in items if r["answerable"]]
        una = [r for r in items if not r["answerable"]]
        placed = [r for r in items if "place_right" in r]
        summary[source] = {
            "answerable": len(ans),
            "unanswerable": len(una),
            "first_citation_right": sum(r["first_citation_right"] for r in ans),
            "any_citation_right": sum(r["any_citation_right"] for r in ans),
            "false_abstentions": sum(r["abstained"] for r in ans),
            "abstained_unanswerable": sum(r["abstained"] for r in una),
            "expected_in_answer": sum(r["expected_in_answer"] for r in ans),
            "with_lines": len(placed),
            "place_right": sum(r["place_right"] for r in placed),
            "place_in_chunk": sum(r["place_in_chunk"] for r in placed),
            "p50_seconds": statistics.median(r["seconds"] for r in items),
        }
    return {"summary": summary, "per_question": rows}


def widened(span: tuple[int, int] | None, size: int) -> tuple[int, int] | None:
    """A span of ``size`` lines centred on ``span`` (the baseline's window size), so that a
    pointed passage and a BM25 window are judged with the same tolerance."""
    if span is None:
        return None
    middle = (span[0] + span[1]) // 2
    return middle - size // 2, middle + size - size // 2 - 1


def chunk_line_starts(home: Path) -> dict[str, list[int]]:
    """For each file, the sorted first lines of its chunks (from ``line N`` locators)."""
    starts: dict[str, set[int]] = defaultdict(set)
    for row in catalog_rows(home, "chunks", ("source_path", "locator")):
        span = locator_line(row.get("locator") or "", None)
        if span:
            starts[row["source_path"]].add(span[0])
    return {k: sorted(v) for k, v in starts.items()}


def chunk_span(
    point: tuple[int, int] | None, path: Path, starts: dict[str, list[int]], text: str | None
) -> tuple[int, int] | None:
    """From the locator's line to the line before the file's next chunk starts."""
    if point is None:
        return None
    later = [s for s in starts.get(str(path.resolve()), []) if s > point[1]]
    end = later[0] - 1 if later else (len(text.splitlines()) if text else point[1])
    return point[0], max(end, point[1])


def place_section(
    client: httpx.Client, corpus: Corpus, questions: list[Json], answers: Json, home: Path
) -> Json:
    """BM25 over 20-line windows vs the top /search hit and the first citation."""
    by_id = {r["id"]: r for r in answers.get("per_question", [])}
    chunk_starts = chunk_line_starts(home)
    rows = []
    for q in questions:
        src, ranges = q.get("source"), parse_ranges(q.get("lines"))
        path = corpus.data / src if src else None
        if not ranges or path is None or path not in corpus.texts:
            continue
        text = corpus.texts[path]
        if not has_turns(path, text):
            continue
        spans, index = corpus.windows(q["_source"])
        top = index.top(q["question"], 1)
        window = spans[top[0]] if top else None
        bm25_right = bool(window) and window[0] == path and overlaps(window[1:], ranges)
        data, _ = timed_json(client, "GET", "/search", params={"q": q["question"], "k": 10})
        hits = data.get("hits", [])
        hit = hits[0] if hits else None
        hit_point = None
        if hit and hit["source_path"] == str(path.resolve()):
            hit_point = locator_line(hit.get("locator", ""), text)
        answer = by_id.get(q["id"], {})
        cited = (answer.get("citations") or [None])[0]
        cit_point = None
        if cited and cited["source_path"] == str(path.resolve()):
            cit_point = locator_line(cited["locator"], text)
        rows.append(
            {
                "id": q["id"],
                "source": q["_source"],
                "lines": ranges,
                "bm25_window": [str(window[0].relative_to(corpus.data)), *window[1:]]
                if window
                else None,
                "bm25_right": bm25_right,
                "hit_locator": hit.get("locator") if hit else None,
                "hit_right": overlaps(hit_point, ranges),
                "hit_window": overlaps(widened(hit_point, WINDOW), ranges),
                "hit_in_chunk": overlaps(chunk_span(hit_point, path, chunk_starts, text), ranges),
                "citation_right": overlaps(cit_point, ranges),
                "citation_window": overlaps(widened(cit_point, WINDOW), ranges),
                "citation_in_chunk": overlaps(
                    chunk_span(cit_point, path, chunk_starts, text), ranges
                ),
            }
        )
    keys = (
        "bm25_right",
        "hit_right",
        "hit_window",
        "hit_in_chunk",
        "citation_right",
        "citation_window",
        "citation_in_chunk",
    )
    summary = {
        source: {"questions": len(items), **{k: sum(r[k] for r in items) for k in keys}}
        for source, items in grouped(rows).items()
    }
    return {"summary": summary, "per_question": rows}


def experts_section(client: httpx.Client, corpus: Corpus, topics: list[Json]) -> Json:
    rows = []
    for t in topics:
        data, seconds = timed_json(client, "GET", "/experts", params={"q": t["topic"], "k": 10})
        names = [e["name"] for e in data.get("experts", [])]
        counts: Counter[str] = Counter()
        spelled: dict[str, str] = {}
        for path in corpus.search_files(t["topic"], 10):
            for name in speakers(corpus.texts[path]):
                key = squash(name)
                if key:
                    counts[key] += 1
                    spelled.setdefault(key, name)
        baseline = [spelled[k] for k, _ in counts.most_common(10)]
        rows.append(
            {
                "id": t["id"],
                "source": t["_source"],
                "topic": t["topic"],
                "experts": t["experts"],
                "watercooler": expert_scores(names, t),
                "speaker_count": expert_scores(baseline, t),
                "top": names[:3],
                "baseline_top": baseline[:3],
                "seconds": round(seconds, 4),
            }
        )
    summary = {
        source: {
            "topics": len(items),
            **{
                system: {m: mean(r[system][m] for r in items) for m in ("p@1", "ap@10")}
                for system in ("watercooler", "speaker_count")
            },
            "p50_seconds": statistics.median(r["seconds"] for r in items),
        }
        for source, items in grouped(rows).items()
    }
    return {"summary": summary, "per_topic": rows}


def normal_title(title: str) -> str:
    return " ".join(str(title).split()).casefold()


def metadata_section(home: Path, corpus: Corpus, labels: list[Json]) -> Json:
    wanted = ("doc_id", "source_path", "title", "created", "date_source", "kind")
    docs: dict[str, list[Json]] = defaultdict(list)
    for row in catalog_rows(home, "documents", wanted):
        docs[row["source_path"]].append(row)
    rows = []
    for label in labels:
        path = str((corpus.data / label["path"]).resolve())
        found = docs.get(path) or [
            d for p, ds in docs.items() if p.endswith("/" + label["path"]) for d in ds
        ]
        row: Json = {
            "path": label["path"],
            "source": label_source(label["path"]),
            "found": bool(found),
            "documents": len(found),
            "date_stated": bool(label.get("date_stated")),
        }
        if found:
            first = min(
                found,
                key=lambda d: (
                    d.get("created") is None,
                    d.get("created") or 0,
                    d.get("doc_id", ""),
                ),
            )
            created = first.get("created")
            day = datetime.fromtimestamp(created, UTC).date().isoformat() if created else None
            title = normal_title(first.get("title") or "")
            want = normal_title(label.get("title") or "")
            row.update(
                title=first.get("title"),
                date=day,
                date_source=first.get("date_source"),
                title_exact=bool(want) and title == want,
                title_contains=bool(want) and want in title,
                title_generic=re.sub(r"[\W\d_]+", " ", title).strip() in GENERIC_TITLES,
            )
            if row["date_stated"]:
                row["date_right"] = day is not None and day == str(label.get("date"))[:10]
        rows.append(row)
    summary: Json = {}
    for source, items in grouped(rows).items():
        found = [r for r in items if r["found"]]
        stated = [r for r in found if r["date_stated"]]
        summary[source] = {
            "labelled": len(items),
            "found": len(found),
            "date_stated": sum(r["date_stated"] for r in items),
            "date_right": sum(r["date_right"] for r in stated),
            "title_exact": sum(r["title_exact"] for r in found),
            "title_contains": sum(r["title_contains"] for r in found),
            "title_generic": sum(r["title_generic"] for r in found),
        }
    return {"summary": summary, "per_document": rows}


def participant_names(raw: Any) -> list[str]:
    """Names (and handles) in a catalog ``participants`` JSON list of dicts or strings."""
    try:
        items = json.loads(raw) if isinstance(raw, str) else raw or []
    except json.JSONDecodeError:
        return []
    names = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            names += [str(item[k]) for k in ("name", "handle") if item.get(k)]
        elif item:
            names.append(str(item))
    return names


def people_files_section(home: Path, corpus: Corpus, labels: list[Json]) -> Json:
    """Per labelled file: labelled people found among its documents' participants, and
    participants that are labelled bots or not people."""
    names_by_path: dict[str, list[str]] = defaultdict(list)
    for row in catalog_rows(home, "documents", ("source_path", "participants")):
        names_by_path[row["source_path"]] += participant_names(row.get("participants"))
    rows = []
    for label in labels:
        path = str((corpus.data / label["path"]).resolve())
        found = names_by_path.get(path, [])
        aliases: dict[str, list[str]] = defaultdict(list)
        for handle, person in (label.get("handles") or {}).items():
            aliases[str(person)].append(str(handle))
        for extra in ("aka", "as_written"):
            for person, other in (label.get(extra) or {}).items():
                aliases[str(person)].append(str(other))
        people = [str(p) for p in label.get("people") or []]
        hits = [p for p in people if any(name_matches(n, p, aliases[p]) for n in found)]
        wrong_labels = [str(b) for b in label.get("bots") or []] + [
            re.sub(r"\s*\(.*", "", str(n)).strip() for n in label.get("not_people") or []
        ]
        wrong = sorted({n for n in found for w in wrong_labels if w and squash(n) == squash(w)})
        rows.append(
            {
                "path": label["path"],
                "source": label_source(label["path"]),
                "people": len(people),
                "found": len(hits),
                "missed": sorted(set(people) - set(hits)),
                "participants": len(set(found)),
                "bots_or_not_people": wrong,
            }
        )
    summary = {
        source: {
            "files": len(items),
            "people": sum(r["people"] for r in items),
            "found": sum(r["found"] for r in items),
            "participants": sum(r["participants"] for r in items),
            "bots_or_not_people": sum(len(r["bots_or_not_people"]) for r in items),
        }
        for source, items in grouped(rows).items()
    }
    return {"summary": summary, "per_file": rows}


def people_section(client: httpx.Client, sample_file: Path | None) -> Json:
    names: list[str] = []
    offset, total = 0, None
    while total is None or offset < total:
        page, _ = timed_json(client, "GET", "/people", params={"limit": 200, "offset": offset})
        total = page["total"]
        if not page["people"]:
            break
        names += [p["name"] for p in page["people"]]
        offset += len(page["people"])
    sample = random.Random(0).sample(sorted(names), min(100, len(names)))
    if sample_file is not None:
        sample_file.write_text("\n".join(sample) + "\n", encoding="utf-8")
    return {"total": total, "listed": len(names), "sample_file": str(sample_file), "sample": sample}


# ---------------------------------------------------------------------------- tables


def table(title: str, headers: list[str], rows: list[list[Any]]) -> None:
    cells = [[cell_text(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print(
        "  ".join(
            h.ljust(w) if i == 0 else h.rjust(w)
            for i, (h, w) in enumerate(zip(headers, widths, strict=True))
        )
    )
    for row in cells:
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def cell_text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def frac(k: int, n: int) -> str:
    return f"{k}/{n}" if n else "-"


def print_tables(report: Json) -> None:
    meta = report["meta"]
    print(
        f"Watercooler on real data: code {meta['code']} ({meta['revision']}), "
        f"data {meta['data']}, sets {meta['sets']}"
    )
    if "ingest" in report:
        table(
            "Ingest",
            [
                "source",
                "files",
                "stored",
                "docs",
                "chunks",
                "failed",
                "skipped",
                "new",
                "unchanged",
                "seconds",
                "first ingest s",
                "not stored (by suffix)",
            ],
            [
                [
                    s,
                    r["files"],
                    r["files_stored"],
                    r["documents"],
                    r["chunks"],
                    r["summary"].get("failed"),
                    r["summary"].get("skipped"),
                    r["summary"].get("new"),
                    r["summary"].get("unchanged"),
                    r["wall_seconds"],
                    r.get("first_ingest_seconds"),
                    ", ".join(f"{k} {v}" for k, v in r["missing_by_suffix"].items()) or "-",
                ]
                for s, r in report["ingest"].items()
            ],
        )
        for s, r in report["ingest"].items():
            summary = r["summary"]
            if "error" in summary:
                print(f"  {s}: ingest error: {summary['error'][-300:]}")
            for failure in summary.get("failures", []):
                print(f"  {s}: failed {failure['path']}: {failure['reason']}")
            if summary.get("warnings"):
                print(f"  {s}: {len(summary['warnings'])} warnings (in the JSON)")
    if "search" in report:
        rows = []
        for s, r in report["search"]["summary"].items():
            wc, bm = r["watercooler"], r["bm25"]
            rows.append(
                [
                    s,
                    r["queries"],
                    wc["ndcg@10"],
                    wc["recall@5"],
                    wc["mrr@10"],
                    bm["ndcg@10"],
                    bm["recall@5"],
                    bm["mrr@10"],
                    r["p50_seconds"],
                ]
            )
        table(
            "Search (GET /search, default retriever) vs BM25 over whole files",
            ["source", "n", "nDCG@10", "R@5", "MRR", "bm25 nDCG", "bm25 R@5", "bm25 MRR", "p50 s"],
            rows,
        )
        modes = report.get("search_modes", {})
        names = list(dict.fromkeys(m for r in modes.values() for m in r if m != "error"))
        if names:
            table(
                "Search by retriever mode (api.cli eval --compare): nDCG@10 / R@5 / MRR",
                ["source", *names],
                [
                    [
                        s,
                        *(
                            ("/".join(f"{r[m][x]:.3f}" for x in ("ndcg@10", "recall@5", "mrr@10")))
                            if m in r
                            else r.get("error", "-")[:40]
                            for m in names
                        ),
                    ]
                    for s, r in sorted(
                        modes.items(), key=lambda item: (item[0] == OVERALL, item[0])
                    )
                ],
            )
    if "answers" in report:
        rows = []
        for s, r in report["answers"]["summary"].items():
            a, u, w = r["answerable"], r["unanswerable"], r["with_lines"]
            rows.append(
                [
                    s,
                    a,
                    u,
                    frac(r["first_citation_right"], a),
                    frac(r["any_citation_right"], a),
                    frac(r["false_abstentions"], a),
                    frac(r["abstained_unanswerable"], u),
                    frac(r["expected_in_answer"], a),
                    frac(r["place_right"], w),
                    frac(r["place_in_chunk"], w),
                    r["p50_seconds"],
                ]
            )
        table(
            "Answers (POST /ask)",
            [
                "source",
                "ans",
                "unans",
                "1st cit file",
                "any cit file",
                "false abst",
                "abst unans",
                "expected",
                "place line",
                "place chunk",
                "p50 s",
            ],
            rows,
        )
    if report.get("place", {}).get("per_question"):
        rows = [
            [
                s,
                r["questions"],
                frac(r["bm25_right"], r["questions"]),
                frac(r["hit_right"], r["questions"]),
                frac(r.get("hit_window", 0), r["questions"]),
                frac(r["hit_in_chunk"], r["questions"]),
                frac(r["citation_right"], r["questions"]),
                frac(r.get("citation_window", 0), r["questions"]),
                frac(r["citation_in_chunk"], r["questions"]),
            ]
            for s, r in report["place"]["summary"].items()
        ]
        table(
            f"Place in transcript: BM25 top window ({WINDOW} lines, stride {STRIDE}) vs "
            "Watercooler (top-1 hit / first citation: the pointed lines, the same "
            f"{WINDOW} lines centred on them, or up to the next chunk)",
            [
                "source",
                "n",
                "bm25 window",
                "hit line",
                f"hit {WINDOW}",
                "hit chunk",
                "cit line",
                f"cit {WINDOW}",
                "cit chunk",
            ],
            rows,
        )
    if "experts" in report:
        rows = [
            [
                s,
                r["topics"],
                r["watercooler"]["p@1"],
                r["watercooler"]["ap@10"],
                r["speaker_count"]["p@1"],
                r["speaker_count"]["ap@10"],
                r["p50_seconds"],
            ]
            for s, r in report["experts"]["summary"].items()
        ]
        table(
            "Experts (GET /experts) vs speaker count in BM25 top 10 files",
            ["source", "n", "P@1", "MAP@10", "count P@1", "count MAP@10", "p50 s"],
            rows,
        )
    if "metadata" in report:
        rows = [
            [
                s,
                r["labelled"],
                r["found"],
                frac(r["date_right"], r["date_stated"]),
                frac(r["title_exact"], r["found"]),
                frac(r["title_contains"], r["found"]),
                frac(r["title_generic"], r["found"]),
            ]
            for s, r in report["metadata"]["summary"].items()
        ]
        table(
            "Document metadata (catalog.db, earliest document per file)",
            [
                "source",
                "labelled",
                "found",
                "date right",
                "title exact",
                "title contains",
                "generic title",
            ],
            rows,
        )
    if "people_files" in report:
        rows = [
            [
                s,
                r["files"],
                r["people"],
                frac(r["found"], r["people"]),
                r["participants"],
                r["bots_or_not_people"],
            ]
            for s, r in report["people_files"]["summary"].items()
        ]
        table(
            "People per labelled file (catalog participants vs people.jsonl)",
            ["source", "files", "labelled", "found", "participants", "bots/not people"],
            rows,
        )
    if "people" in report:
        p = report["people"]
        print(
            f"\nPeople directory: {p['total']} people; sample of {len(p['sample'])} "
            f"(seed 0) in {p['sample_file']}"
        )


# ---------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", type=Path, default=REPO, help="checkout whose code runs")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="one subfolder a source")
    parser.add_argument("--sets", type=Path, default=DEFAULT_SETS, help="label files")
    parser.add_argument("--home", type=Path, help="store folder to reuse (default: a temp one)")
    parser.add_argument("--json", type=Path, help="write every number here")
    args = parser.parse_args(argv)

    data, sets = args.data.resolve(), args.sets.resolve()
    code = args.code.resolve()
    for name, folder in (("--code", code), ("--data", data), ("--sets", sets)):
        if not folder.is_dir():
            parser.error(f"{name}: no such folder {folder}")
    with contextlib_home(args.home) as home:
        project = Project(code, home)
        where = project.check_code()
        log(f"code: {where}; store: {home}")
        corpus = Corpus.load(data)
        report: Json = {
            "meta": {
                "code": str(code),
                "revision": project.revision(),
                "search_module": where,
                "data": str(data),
                "sets": str(sets),
                "home": str(home),
                "started": datetime.now(UTC).isoformat(timespec="seconds"),
                "sources": {s: len(f) for s, f in corpus.files.items()},
            }
        }
        report["ingest"] = ingest(project, corpus)

        queries = read_jsonl(sets / "search_queries.jsonl")
        for q in queries:
            q["_source"] = label_source(q.get("source") or q["relevant"][0])
        questions = read_jsonl(sets / "questions.jsonl")
        for q in questions:
            q["_source"] = label_source(q.get("source"), "(unanswerable)")
        topics = read_jsonl(sets / "expert_topics.jsonl")
        for t in topics:
            t["_source"] = label_source(t.get("source"), "(all)")
        documents = read_jsonl(sets / "documents.jsonl")
        people_labels = read_jsonl(sets / "people.jsonl")

        if queries:
            report["search_modes"] = eval_modes(project, corpus, queries)
        with project.serve() as client:
            if queries:
                log(f"search: {len(queries)} queries")
                report["search"] = search_section(client, corpus, queries)
            if questions:
                log(f"ask: {len(questions)} questions")
                report["answers"] = answers_section(client, corpus, questions, home)
                report["place"] = place_section(client, corpus, questions, report["answers"], home)
            if topics:
                log(f"experts: {len(topics)} topics")
                report["experts"] = experts_section(client, corpus, topics)
            sample_file = (
                args.json.with_suffix(".people-sample.txt")
                if args.json
                else home / "people-sample.txt"
            )
            report["people"] = people_section(client, sample_file)
        if documents:
            report["metadata"] = metadata_section(home, corpus, documents)
        if people_labels:
            report["people_files"] = people_files_section(home, corpus, people_labels)
        report["meta"]["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        print_tables(report)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(
                json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            log(f"wrote {args.json}")
    return 0


@contextmanager
def contextlib_home(home: Path | None) -> Iterator[Path]:
    if home is not None:
        home = home.resolve()
        home.mkdir(parents=True, exist_ok=True)
        yield home
        return
    with tempfile.TemporaryDirectory(prefix="wc-real-") as tmp:
        yield Path(tmp)


if __name__ == "__main__":
    sys.exit(main())

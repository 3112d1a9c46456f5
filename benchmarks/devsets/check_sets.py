"""Sanity checks for the hand-labelled evaluation sets over the public development data.

    python3 benchmarks/devsets/check_sets.py [--devsets ../shared/devsets] [--others]

Checks that every labelled path exists under the devsets folder, that each search query's
short evidence patterns occur in every file labelled relevant, that each answerable
question's expected phrase occurs in its source and inside the labelled line range
(case-insensitive, whitespace-normalised), that the unanswerable questions' key terms occur
nowhere, and that the sets keep their minimum sizes per source folder. With --others it
also lists unlabelled files that match all of a query's evidence patterns, for review.

Only short patterns live here; no devsets text is copied. Standard library only. When the
devsets folder is absent it prints a note and exits 0.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DEVSETS = Path(__file__).resolve().parents[2].parent / "shared" / "devsets"
SKIP_NAMES = {"README.md", "PROVENANCE.md"}
FOLDERS = ("memos-peps", "meeting-notes-w3c-webextensions", "irc-logs-i2p")
MIN_QUERIES, MIN_QUERIES_PER_FOLDER = 45, 12
MIN_QUESTIONS, MIN_QUESTIONS_PER_FOLDER = 30, 8
MIN_IRC_LOG_QUESTIONS, MIN_UNANSWERABLE = 10, 5

# Every pattern must match (case-insensitive) in every file listed as relevant.
EVIDENCE: dict[str, list[str]] = {
    "d01": [r"79 characters"],
    "d02": [r"3\.12", r"18 months|1½ year"],
    "d03": [r"isn't all that harmful"],
    "d04": [r"Condorcet", r"ranked ballot"],
    "d05": [r"matrix multiplication", r"``@``"],
    "d06": [r"monotonic", r"\bNTP\b"],
    "d07": [r"single-file", r"dependenc"],
    "d08": [r"72 hours", r"yank"],
    "d09": [r"super\(Foo, self\)"],
    "d10": [r"^Status: Rejected", r"keyword arguments"],
    "d11": [r"Unladen Swallow", r"just-in-time"],
    "d12": [r"``python``", r"``python2``", r"``python3``"],
    "d13": [r"lazy imports", r"startup time"],
    "d14": [r"PSRT", r"two-thirds"],
    "d15": [r"\bCVS\b", r"Subversion", r"SourceForge"],
    "d16": [r"Tier 2", r"buildbot"],
    "d17": [r"manylinux2014", r"CentOS 7"],
    "d18": [r"onDoubleClicked"],
    "d19": [r"issues/191", r"background page"],
    "d20": [r"object-src", r"plugin"],
    "d21": [r"30,?000", r"Firefox"],
    "d22": [r"implementing DNR for compatibility", r"blocking webRequest"],
    "d23": [r"cancel+ed", r"Ad Filtering Dev Summit"],
    "d24": [r"MessageFormat ?2", r"issues/698"],
    "d25": [r"alarm", r"wall ?clock"],
    "d26": [r"PR 587", r"sponsoring browser"],
    "d27": [r"alternat", r"Japan|all time zones"],
    "d28": [r"developer\.name", r"`author`"],
    "d29": [r"click-?jacking", r"z-index|top layer"],
    "d30": [r"\$schema"],
    "d31": [r"getAcceptLanguages", r"navigator\.languages"],
    "d32": [r"prerender", r"content scripts"],
    "d33": [r"tabs\.create\(\{ incognito: true \}\)"],
    "d34": [r"closedelay", r"15-45 seconds"],
    "d35": [r"no flooding", r"iip@invisiblenet\.net"],
    "d36": [r"resign\s+as IIP developer"],
    "d37": [r"azureus", r"1\.5"],
    "d38": [r"os ?9", r"3500"],
    "d39": [r"bittorrent", r"notoriety|bad reputation"],
    "d40": [r"zzz\.i2p", r"mailing ?list"],
    "d41": [r"LEGACY_MAP", r"\bSEO\b"],
    "d42": [r"notariz", r"dev account"],
    "d43": [r"\bh1\b", r"\bvrp\b"],
    "d44": [r"summer of", r"plugins"],
    "d45": [r"share percentage", r"remaining"],
    "d46": [r"libsyndie"],
    "d47": [r"github", r"nextloop"],
    "d48": [r"headache", r"nonfunctional"],
    "d49": [r"docbook", r"latex", r"\bchm\b"],
    "d50": [r"git (transition|migration)", r"\bmtn\b"],
}

# Key terms that must occur nowhere in the corpus for the unanswerable questions.
ABSENT: dict[str, list[str]] = {
    "dq48": [r"free.?thread", r"nogil", r"PEP 703|:pep:`703`"],
    "dq49": [r"in.residence"],
    "dq50": [r"ML-?KEM", r"post.?quantum", r"kyber"],
    "dq51": [r"telegram"],
    "dq52": [r"TPAC 2027"],
}


def norm(text: str) -> str:
    """Collapse all whitespace runs to one space and lower-case."""
    return " ".join(text.split()).lower()


def load(name: str) -> list[dict]:
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def folder_of(rel: str) -> str:
    return rel.split("/", 1)[0]


def check_queries(
    queries: list[dict], corpus: dict[str, str], errors: list[str], others: bool
) -> None:
    seen: set[str] = set()
    per_folder: Counter[str] = Counter()
    for q in queries:
        qid = q["id"]
        if qid in seen:
            errors.append(f"{qid}: duplicate id")
        seen.add(qid)
        if not q["query"].strip() or not q["relevant"]:
            errors.append(f"{qid}: empty query or relevant list")
            continue
        per_folder.update({folder_of(r) for r in q["relevant"]})
        pats = EVIDENCE.get(qid)
        if not pats:
            errors.append(f"{qid}: no evidence patterns")
            continue
        for rel in q["relevant"]:
            if rel not in corpus:
                errors.append(f"{qid}: missing path {rel}")
                continue
            for pat in pats:
                if not re.search(pat, corpus[rel], re.IGNORECASE | re.MULTILINE):
                    errors.append(f"{qid}: /{pat}/ not found in {rel}")
        if others:
            hits = [
                rel
                for rel, text in corpus.items()
                if rel not in q["relevant"]
                and all(re.search(p, text, re.IGNORECASE | re.MULTILINE) for p in pats)
            ]
            if hits:
                print(f"{qid} also matches (review): {hits}")
    for qid in EVIDENCE.keys() - seen:
        errors.append(f"{qid}: evidence patterns for an unknown query id")
    if len(queries) < MIN_QUERIES:
        errors.append(f"only {len(queries)} search queries (need {MIN_QUERIES})")
    for folder in FOLDERS:
        if per_folder[folder] < MIN_QUERIES_PER_FOLDER:
            errors.append(f"only {per_folder[folder]} search queries for {folder}")


def check_question(q: dict, corpus: dict[str, str], errors: list[str]) -> None:
    qid, src, lines = q["id"], q["source"], q["lines"]
    if src not in corpus:
        errors.append(f"{qid}: missing source {src}")
        return
    text = corpus[src]
    expected = norm(q["expected"])
    if expected not in norm(text):
        errors.append(f"{qid}: expected {q['expected']!r} not in {src}")
        return
    file_lines = text.splitlines()
    if not (
        isinstance(lines, list)
        and len(lines) == 2
        and all(isinstance(n, int) for n in lines)
        and 1 <= lines[0] <= lines[1] <= len(file_lines)
    ):
        errors.append(f"{qid}: bad line range {lines} for {src} ({len(file_lines)} lines)")
        return
    passage = norm("\n".join(file_lines[lines[0] - 1 : lines[1]]))
    if expected not in passage:
        errors.append(f"{qid}: expected {q['expected']!r} not within lines {lines} of {src}")


def check_questions(questions: list[dict], corpus: dict[str, str], errors: list[str]) -> None:
    seen: set[str] = set()
    per_folder: Counter[str] = Counter()
    irc_logs = unanswerable = 0
    for q in questions:
        qid = q["id"]
        if qid in seen:
            errors.append(f"{qid}: duplicate id")
        seen.add(qid)
        if q["expected"] is None:
            unanswerable += 1
            if q["source"] is not None or q["lines"] is not None:
                errors.append(f"{qid}: unanswerable question has a source or lines")
            pats = ABSENT.get(qid)
            if not pats:
                errors.append(f"{qid}: unanswerable question without key terms")
            for pat in pats or []:
                hits = [r for r, t in corpus.items() if re.search(pat, t, re.IGNORECASE)]
                if hits:
                    errors.append(f"{qid}: unanswerable term /{pat}/ found in {hits[:3]}")
            continue
        per_folder[folder_of(q["source"])] += 1
        irc_logs += q["source"].startswith("irc-logs-i2p/") and q["source"].endswith(".log")
        check_question(q, corpus, errors)
    if len(questions) < MIN_QUESTIONS:
        errors.append(f"only {len(questions)} questions (need {MIN_QUESTIONS})")
    for folder in FOLDERS:
        if per_folder[folder] < MIN_QUESTIONS_PER_FOLDER:
            errors.append(f"only {per_folder[folder]} answerable questions for {folder}")
    if irc_logs < MIN_IRC_LOG_QUESTIONS:
        errors.append(f"only {irc_logs} questions in IRC .log files")
    if unanswerable < MIN_UNANSWERABLE:
        errors.append(f"only {unanswerable} unanswerable questions")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devsets", type=Path, default=DEFAULT_DEVSETS)
    ap.add_argument(
        "--others", action="store_true", help="list unlabelled files matching all evidence patterns"
    )
    args = ap.parse_args()
    root: Path = args.devsets
    if not root.is_dir():
        print(f"devsets folder not found: {root}; nothing checked")
        return 0

    corpus = {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8", errors="replace")
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in SKIP_NAMES
    }
    errors: list[str] = []
    queries = load("search_queries.jsonl")
    questions = load("questions.jsonl")
    check_queries(queries, corpus, errors, args.others)
    check_questions(questions, corpus, errors)

    unanswerable = sum(q["expected"] is None for q in questions)
    print(
        f"search queries: {len(queries)}, questions: {len(questions)} "
        f"({unanswerable} unanswerable), corpus files: {len(corpus)}"
    )
    for err in errors:
        print("FAIL", err)
    print("OK" if not errors else f"{len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

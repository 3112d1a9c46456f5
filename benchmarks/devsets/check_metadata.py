"""Check the hand-made metadata labels against the real development sets.

Labels: expert_topics.jsonl, documents.jsonl, people.jsonl (next to this file). The sets live
in ../shared/devsets seen from the repository root; without them this exits 0 with a note.
Stdlib only: python3 benchmarks/devsets/check_metadata.py
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEVSETS = Path(__file__).resolve().parents[2].parent / "shared" / "devsets"
SOURCES = ("memos-peps", "meeting-notes-w3c-webextensions", "irc-logs-i2p")


def norm(text: str) -> str:
    """Collapse whitespace and undo reST backslash escapes (``toad\\_`` -> ``toad_``)."""
    return re.sub(r"\s+", " ", text.replace("\\_", "_").replace("\\|", "|"))


@cache
def file_text(rel: str) -> str:
    return norm((DEVSETS / rel).read_text(encoding="utf-8", errors="replace"))


@cache
def folder_text(source: str) -> str:
    files = sorted(p for p in (DEVSETS / source).iterdir() if p.name != "PROVENANCE.md")
    return "\n".join(file_text(f"{source}/{p.name}") for p in files)


def load(name: str) -> list[dict]:
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def source_of(rel: str) -> str:
    return rel.split("/", 1)[0]


def check_documents(errors: list[str]) -> Counter[str]:
    rows = load("documents.jsonl")
    seen: set[str] = set()
    for row in rows:
        rel = row["path"]
        if rel in seen:
            errors.append(f"documents: duplicate {rel}")
        seen.add(rel)
        if not (DEVSETS / rel).is_file():
            errors.append(f"documents: missing file {rel}")
            continue
        in_file = row.get("title_source", rel)
        if norm(row["title"]) not in file_text(in_file):
            errors.append(f"documents: title not in {in_file}: {row['title']!r}")
        if row["date"] is None:
            if row["date_stated"] or not row.get("note"):
                errors.append(f"documents: null date needs date_stated false and a note: {rel}")
        else:
            date.fromisoformat(row["date"])
    for source in SOURCES:
        on_disk = {
            f"{source}/{p.name}"
            for p in (DEVSETS / source).iterdir()
            if p.suffix in {".rst", ".md", ".log"} and p.name != "PROVENANCE.md"
        }
        for rel in sorted(on_disk - seen):
            errors.append(f"documents: file without a label: {rel}")
    return Counter(source_of(row["path"]) for row in rows)


def check_experts(errors: list[str]) -> Counter[str]:
    rows = load("expert_topics.jsonl")
    ids = Counter(row["id"] for row in rows)
    errors.extend(f"experts: duplicate id {i}" for i, n in ids.items() if n > 1)
    for row in rows:
        source = row["source"]
        if source not in SOURCES:
            errors.append(f"experts: {row['id']} unknown source {source}")
            continue
        if not 1 <= len(row["experts"]) <= 3:
            errors.append(f"experts: {row['id']} needs 1-3 experts")
        for name in row["experts"] + row["aliases"]:
            if norm(name) not in folder_text(source):
                errors.append(f"experts: {row['id']} {name!r} not found in {source}")
        for rel in row.get("evidence", []):
            if source_of(rel) != source or not (DEVSETS / rel).is_file():
                errors.append(f"experts: {row['id']} bad evidence path {rel}")
    counts = Counter(row["source"] for row in rows)
    errors.extend(
        f"experts: only {counts[s]} topics for {s} (want >= 7)" for s in SOURCES if counts[s] < 7
    )
    return counts


def check_people(errors: list[str]) -> tuple[Counter[str], int]:
    rows = load("people.jsonl")
    elsewhere = 0
    for row in rows:
        rel = row["path"]
        if not (DEVSETS / rel).is_file():
            errors.append(f"people: missing file {rel}")
            continue
        text = file_text(rel)
        if "recap_path" in row:
            text += "\n" + file_text(row["recap_path"])
        for name in row["people"]:
            if norm(name) in text:
                continue
            if norm(name) in folder_text(source_of(rel)):
                elsewhere += 1  # written differently here; full name taken from another file
            else:
                errors.append(f"people: {name!r} not found for {rel}")
        for handle, person in row["handles"].items():
            if norm(handle) not in text:
                errors.append(f"people: handle {handle!r} not in {rel}")
            if person not in row["people"]:
                errors.append(f"people: handle {handle!r} maps outside people in {rel}")
    return Counter(source_of(row["path"]) for row in rows), elsewhere


def main() -> int:
    if not DEVSETS.is_dir():
        print(f"note: {DEVSETS} not found; nothing to check (the sets are not in the repo)")
        return 0
    errors: list[str] = []
    docs = check_documents(errors)
    experts = check_experts(errors)
    people, elsewhere = check_people(errors)
    for source in SOURCES:
        print(
            f"{source}: {docs[source]} documents, {experts[source]} expert topics, "
            f"{people[source]} people files"
        )
    print(f"people names resolved from another file of the same set: {elsewhere}")
    for error in errors:
        print("ERROR", error)
    print("OK" if not errors else f"{len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

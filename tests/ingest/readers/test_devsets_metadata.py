"""Titles, dates and authors of the real devsets documents against the hand-made labels in
benchmarks/devsets (documents.jsonl, people.jsonl). Runs only when ../shared/devsets exists."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest

from ingest.readers import notes
from tests.conftest import REPO, SHARED

DEVSETS = SHARED / "devsets"
LABELS = REPO / "benchmarks" / "devsets"
pytestmark = pytest.mark.skipif(not DEVSETS.is_dir(), reason="shared devsets not present")


def labels(name: str) -> list[dict]:
    lines = (LABELS / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("`", "").replace("\\", "")
    return " ".join(text.replace("\u2019", "'").split()).casefold()


def notes_labels() -> list[dict]:
    """Labelled documents the notes reader reads (PEPs, W3C minutes, I2P recaps)."""
    return [row for row in labels("documents.jsonl") if notes.detect(DEVSETS / row["path"])]


def test_stated_dates_titles_and_no_generic_titles() -> None:
    rows = notes_labels()
    assert len(rows) >= 280
    wrong_dates, wrong_titles, generic = [], [], []
    for row in rows:
        record = notes.read(DEVSETS / row["path"]).records[0]
        if row["date_stated"] and record.created.date().isoformat() != row["date"]:
            wrong_dates.append((row["path"], record.created, record.date_source))
        if fold(record.title) != fold(row["title"]):
            wrong_titles.append((row["path"], record.title))
        if notes.is_generic_heading(record.title):
            generic.append(row["path"])
        assert record.date_source in {"front_matter", "header", "title", "heading", "filename"} or (
            not row["date_stated"] and record.date_source == "mtime"
        ), row["path"]
    stated = sum(row["date_stated"] for row in rows)
    assert len(wrong_dates) <= 0.02 * stated, wrong_dates
    assert len(wrong_titles) <= 0.02 * len(rows), wrong_titles
    assert generic == []


def test_pep_authors_and_recap_attendance() -> None:
    for row in labels("people.jsonl"):
        if row["path"].startswith("memos-peps/"):
            path, want = row["path"], row["people"]
        elif row.get("recap_path"):
            path, want = row["recap_path"], row["recap_present"]
        else:
            continue
        record = notes.read(DEVSETS / path).records[0]
        got = [re.sub(r"\s+", " ", p.name) for p in record.participants]
        assert [fold(n) for n in got] == [fold(n) for n in want] or sorted(
            map(fold, got)
        ) == sorted(map(fold, want)), path

"""Precision and recall of decision and action-item finding per source kind, on held-apart
real lines of ``../shared/samples`` labelled by reference in ``benchmarks/decisions/labels.jsonl``
(``path`` under the samples folder, 1-based ``line``, ``label``, ``kind``). The classifier
is trained only on the written sentences shipped with it; no sample text is stored here.

A labelled line counts as found when one of its sentences is a candidate the classifier
calls a decision (or, failing that, an action). ``python benchmarks/decisions.py [--json]``
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from search.knowledge.classifier import classifier_for
from search.knowledge.cues import is_candidate
from search.knowledge.sentences import sentences
from search.store.embeddings import load_embedder
from search.store.settings import Settings

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
LABELS = Path(__file__).with_name("decisions") / "labels.jsonl"
_JSON_TEXT = re.compile(r'"(?:text|content)"\s*:\s*("(?:[^"\\]|\\.)*")')


def line_and_section(path: Path, number: int) -> tuple[str, str]:
    """The labelled line's text (a chat export's message text) and the markdown heading
    above it."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    text = lines[number - 1].strip()
    if path.suffix == ".json":
        match = _JSON_TEXT.search(text)
        text = json.loads(match.group(1)) if match else ""
    section = ""
    if path.suffix == ".md":
        for above in reversed(lines[: number - 1]):
            if above.startswith("#"):
                section = above
                break
    return text, section


def predict(rows: list[dict[str, object]]) -> list[str]:
    classifier = classifier_for(load_embedder(Settings().model_path))
    predicted = []
    for row in rows:
        text, section = line_and_section(SAMPLES / str(row["path"]), int(row["line"]))  # type: ignore[arg-type]
        found = [(s, False) for s in sentences(f"{section}\n{text}") if is_candidate(s)]
        labels = {label for label, _ in classifier.classify(found)}
        predicted.append(next((x for x in ("decision", "action") if x in labels), "other"))
    return predicted


def scores(rows: list[dict[str, object]], predicted: list[str]) -> dict[str, dict[str, object]]:
    """Per kind (and ``all``) and per label: precision, recall and the counts."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    for row, guess in zip(rows, predicted, strict=True):
        for kind in (str(row["kind"]), "all"):
            for label in ("decision", "action"):
                truth = row["label"] == label
                counts[kind, label][0] += truth and guess == label
                counts[kind, label][1] += (not truth) and guess == label
                counts[kind, label][2] += truth and guess != label
    found: dict[str, dict[str, object]] = defaultdict(dict)
    for (kind, label), (tp, fp, fn) in sorted(counts.items()):
        found[kind][label] = {
            "precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None,
            "labelled": tp + fn,
            "found": tp + fp,
            "correct": tp,
        }
    return dict(found)


def main() -> None:
    if not SAMPLES.is_dir():
        sys.exit(f"{SAMPLES} is missing: the held-apart lines are read from there")
    rows = [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]
    result = scores(rows, predict(rows))
    if "--json" in sys.argv:
        print(json.dumps(result, indent=2))
        return
    print(f"{len(rows)} labelled lines")
    for kind, labels in result.items():
        for label, s in labels.items():
            print(
                f"{kind:14} {label:9} precision {s['precision']}  recall {s['recall']}  "
                f"(labelled {s['labelled']}, found {s['found']}, correct {s['correct']})"
            )


if __name__ == "__main__":
    main()

"""Precision and recall of decision and action-item finding per source kind, on held-apart
real lines labelled by reference in ``benchmarks/decisions/labels.jsonl`` (``root``: the
folder of ``../shared`` the file is in, ``samples`` when absent, or ``devsets``; ``path``
under it, 1-based ``line``, ``label``, ``kind``). How the lines were chosen and labelled:
``benchmarks/decisions/README.md``. The classifier is trained only on the written sentences
shipped with it; no source text is stored here.

A labelled line counts as found when one of its sentences is a candidate the classifier
calls a decision (or, failing that, an action). A chat or transcript line is read as
``speaker: text`` with the few messages after it, so that a proposal accepted by someone
else is marked accepted as at ingest. ``python benchmarks/decisions.py [--json]``
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from ingest.readers.chatlog import classify, clean_line
from search.knowledge.classifier import classifier_for
from search.knowledge.cues import is_acceptance, is_candidate
from search.knowledge.extract import _accepted
from search.knowledge.sentences import Sentence, sentences
from search.store.embeddings import load_embedder
from search.store.settings import Settings

SHARED = Path(__file__).resolve().parents[2] / "shared"
SAMPLES = SHARED / "samples"
# Messages after a chat or transcript line read with it (a reply accepting a proposal).
REPLIES = 4
LABELS = Path(__file__).with_name("decisions") / "labels.jsonl"
_JSON_TEXT = re.compile(r'"(?:text|content)"\s*:\s*("(?:[^"\\]|\\.)*")')


def _message(path: Path, raw: str) -> str | None:
    """A chat log or transcript line as ``speaker: text`` (None when it is no message)."""
    if path.suffix == ".vtt":
        text = raw.strip()
        return None if not text or text.isdigit() or "-->" in text or text == "WEBVTT" else text
    kind, match, _ = classify(clean_line(raw))
    if kind != "message" or match is None:
        return None
    nick = (match.groupdict().get("nick") or "").strip().lstrip("@+%&~ ")
    return f"{nick}: {match.group('text').strip()}" if nick else match.group("text").strip()


def is_conversation(path: Path) -> bool:
    return path.suffix in {".log", ".vtt"} or path.name == "chat.txt"


def with_replies(path: Path, number: int) -> list[str]:
    """A conversation line (as ``speaker: text``) and the messages after it."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    first = _message(path, lines[number - 1]) or lines[number - 1].strip()
    after = []
    for raw in lines[number:]:
        if len(after) == REPLIES:
            break
        message = _message(path, raw)
        if message:
            after.append(message)
    return [first, *after]


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


def source(row: dict[str, object]) -> Path:
    return SHARED / str(row.get("root", "samples")) / str(row["path"])


def candidates(path: Path, number: int) -> list[tuple[Sentence, bool]]:
    """The labelled line's sentences worth classifying, each with whether it was accepted
    (as :func:`search.knowledge.extract.candidates_of` picks them)."""
    if is_conversation(path):
        text = "\n".join(["", *with_replies(path, number)])
    else:
        line, section = line_and_section(path, number)
        text = f"{section}\n{line}"
    found = list(sentences(text))
    accepted = _accepted(found)
    return [
        (s, i in accepted)
        for i, s in enumerate(found)
        if s.line == 1
        and not (is_acceptance(s.text) and len(s.text.split()) <= 4)
        and is_candidate(s, i in accepted)
    ]


def predict(rows: list[dict[str, object]]) -> list[str]:
    classifier = classifier_for(load_embedder(Settings().model_path))
    predicted = []
    for row in rows:
        found = candidates(source(row), int(row["line"]))  # type: ignore[arg-type]
        labels = {label for label, _ in classifier.classify(found)}
        predicted.append(next((x for x in ("decision", "action") if x in labels), "other"))
    return predicted


def scores(rows: list[dict[str, object]], predicted: list[str]) -> dict[str, dict[str, object]]:
    """Per kind (and ``all``) and per label: precision, recall and the counts."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    for row, guess in zip(rows, predicted, strict=True):
        root = str(row.get("root", "samples"))
        for kind in (str(row["kind"]), f"{root}/{row['kind']}", "all"):
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
    rows = [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]
    missing = {str(row.get("root", "samples")) for row in rows} - {
        p.name for p in SHARED.iterdir() if p.is_dir()
    }
    if missing or not SAMPLES.is_dir():
        sys.exit(f"{SHARED} lacks {', '.join(sorted(missing)) or 'samples'}: lines are read there")
    result = scores(rows, predict(rows))
    if "--json" in sys.argv:
        print(json.dumps(result, indent=2))
        return
    print(f"{len(rows)} labelled lines")
    for kind, labels in result.items():
        for label, s in labels.items():
            print(
                f"{kind:24} {label:9} precision {s['precision']}  recall {s['recall']}  "
                f"(labelled {s['labelled']}, found {s['found']}, correct {s['correct']})"
            )


if __name__ == "__main__":
    main()

"""The lines to label for the held-apart decision set, chosen by a fixed procedure (see
``README.md`` beside this file): seeded random files of each source, and in each file every
line that carries a decision or action marker plus a few random other lines.

``python benchmarks/decisions/sample_lines.py OUT.jsonl`` writes one row per chosen line
(``root``, ``path``, ``line``, ``kind`` and the line's text, for the labeller to read). The
output holds source text: write it outside the repository and copy only the references
(with the label) into ``labels.jsonl``.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared"
SEED = 17
RANDOM_LINES = 10
# (root, folder under it, file pattern, kind, how many files)
SOURCES = (
    ("devsets", "meeting-notes-w3c-webextensions", "*.md", "meeting_notes", 10),
    ("devsets", "irc-logs-i2p", "*.log", "chat", 5),
    ("samples", "transcripts/ethereum-pm-zoom", "*/transcript.vtt", "transcript", 2),
    ("samples", "transcripts/ethereum-pm-zoom", "*/chat.txt", "chat", 2),
)
# A second round, for more decision positives: other seeded files of the sources richest in
# decisions, every line with a decision marker plus a few random lines.
MORE_DECISIONS = (
    ("devsets", "meeting-notes-w3c-webextensions", "*.md", "meeting_notes", 20),
    ("devsets", "irc-logs-i2p", "*.log", "chat", 4),
)
MORE_RANDOM_LINES = 4
DECISION_MARKERS = re.compile(
    r"resolution|resolved|consensus|agree|decid|decision|settled|approv|accept|reject|"
    r"\bclose\b|go(?:ing)? with|\bwe(?:'ll| will)\b|let'?s|let us",
    re.I,
)
# Words that may mark a decision or an action item, for choosing lines only; broader than
# the cue patterns of search.knowledge.cues and written independently of them.
MARKERS = re.compile(
    r"resolution|resolved|consensus|decid|decision|agree|action item|\bAI\b|todo|let'?s|"
    r"let us|\bwe(?:'ll| will)\b|\bI(?:'ll| will)\b|going with|go with|propos|\bplan\b|"
    r"follow[- ]?up|\+1|sounds good|lgtm|approv|accept|reject|\bclose\b|settled|"
    r"\bnext steps?\b|\bowner\b",
    re.I,
)
_VTT_TIMING = re.compile(r"^\d{2}:\d{2}:\d{2}[.,]\d{3}\s+-->")
_IRC = re.compile(r"^(?:\[?\d{1,2}:\d{2}(?::\d{2})?\]?)\s*<[@+%&~ ]?[^<>]{1,40}>\s*(?P<text>.*)$")
_ZOOM_CHAT = re.compile(r"^\d{2}:\d{2}:\d{2}\t[^\t]{1,80}:\t?(?P<text>.*)$")


def content(path: Path, line: str) -> str | None:
    """The words of a line worth labelling (a message, a caption, a prose or bullet line),
    or None for structure: headings, timings, joins, short lines."""
    text = line.strip()
    if not text:
        return None
    if path.suffix == ".vtt":
        if text == "WEBVTT" or text.isdigit() or _VTT_TIMING.match(text):
            return None
    elif path.suffix == ".log":
        match = _IRC.match(text)
        if not match:
            return None
        text = match.group("text")
    elif path.name == "chat.txt":
        match = _ZOOM_CHAT.match(line.rstrip("\n"))
        if not match or match.group("text").startswith("Reacted to "):
            return None
        text = match.group("text")
    elif text.startswith("#"):
        return None
    return text if len(text.split()) >= 4 else None


def chosen(
    root: str,
    folder: str,
    pattern: str,
    kind: str,
    files: int,
    markers: re.Pattern[str] = MARKERS,
    random_lines: int = RANDOM_LINES,
    exclude: frozenset[str] = frozenset(),
) -> list[dict[str, object]]:
    """Lines of ``files`` seeded random files (none of those in ``exclude``)."""
    rng = random.Random(f"{SEED}:{folder}:{pattern}")
    base = SHARED / root
    every = sorted((base / folder).glob(pattern))
    if exclude:
        rng = random.Random(f"{SEED}:more:{folder}:{pattern}")
        drawn = [
            p for p in rng.sample(every, len(every)) if str(p.relative_to(base)) not in exclude
        ]
    else:
        drawn = rng.sample(every, min(files, len(every)))
    rows = []
    for path in sorted(drawn[:files]):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        numbered = [(n, content(path, raw)) for n, raw in enumerate(lines, 1)]
        numbered = [(n, text) for n, text in numbered if text]
        marked = [(n, text) for n, text in numbered if markers.search(text)]
        rest = [(n, text) for n, text in numbered if not markers.search(text)]
        extra = rng.sample(rest, min(random_lines, len(rest)))
        for n, text in sorted(marked + extra):
            rows.append(
                {
                    "root": root,
                    "path": str(path.relative_to(base)),
                    "line": n,
                    "kind": kind,
                    "marked": (n, text) in marked,
                    "text": text,
                }
            )
    return rows


def main() -> None:
    out = Path(sys.argv[1])
    rows = [row for source in SOURCES for row in chosen(*source)]
    used = frozenset(str(row["path"]) for row in rows)
    for source in MORE_DECISIONS:
        rows += chosen(*source, DECISION_MARKERS, MORE_RANDOM_LINES, exclude=used)
    out.write_text("".join(json.dumps(row) + "\n" for row in rows))
    print(f"{len(rows)} lines ({sum(bool(r['marked']) for r in rows)} marked) -> {out}")


if __name__ == "__main__":
    main()

"""Who said, owns or is named in what inside one chunk."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from search.people.directory import LIST_FIELDS, Directory, Mentions
from search.store.catalog import ChunkRow
from search.store.kinds import CONVERSATION_KINDS

LIST_LINE = re.compile(r"^\W*(?:" + "|".join(sorted(LIST_FIELDS)) + r")\W*:", re.IGNORECASE)


@dataclass(slots=True)
class Attribution:
    """Who said, owns or is named in what inside one chunk."""

    said: dict[str, list[str]] = field(default_factory=dict)
    named: dict[str, list[str]] = field(default_factory=dict)
    present: list[str] = field(default_factory=list)
    starter: str | None = None
    lines: int = 0


def attribute(chunk: ChunkRow, directory: Directory) -> Attribution:
    """Split a chunk's text among people: their own lines (conversation turns, agenda or
    action-item lines they own), sentences that name them, and who was merely present."""
    pattern = directory.mention_pattern(chunk.doc_id)
    result = Attribution()
    labels = sorted(chunk.people, key=len, reverse=True)
    current: str | None = None
    for raw in chunk.text.splitlines():
        line = raw.strip()
        if not line:
            continue
        result.lines += 1
        owner, text = _speaker(line, labels, chunk.doc_id, directory, pattern)
        if owner is not None:
            current = owner
            result.said.setdefault(owner, []).append(text)
            if result.starter is None and chunk.position == 0:
                result.starter = owner
        elif current is not None and _is_conversation_text(chunk):
            result.said[current].append(line)
            text = line
        else:
            text = line
        named = [pid for pid in pattern.find(text) if pid != owner]
        if named and LIST_LINE.match(line):
            result.present += [pid for pid in named if pid not in result.present]
        elif named:
            for pid, sentences in _sentences_naming(text, named, pattern).items():
                result.named.setdefault(pid, []).extend(sentences)
    credited = result.said.keys() | result.named.keys()
    for label in chunk.people:
        pid = directory.person_for(chunk.doc_id, label)
        if pid is not None and pid not in result.present:
            result.present.append(pid)
    result.present = [pid for pid in result.present if pid not in credited]
    return result


def _is_conversation_text(chunk: ChunkRow) -> bool:
    return chunk.kind in CONVERSATION_KINDS


def _speaker(
    line: str, labels: list[str], doc_id: str, directory: Directory, pattern: Mentions
) -> tuple[str | None, str]:
    for label in labels:
        for prefix in (f"{label}: ", f"{label} (bot): "):
            if line.startswith(prefix):
                return directory.person_for(doc_id, label), line[len(prefix) :]
    found = pattern.label_at_start(line)
    if found is not None:
        return found
    return None, line


def _sentences_naming(text: str, named: list[str], pattern: Mentions) -> dict[str, list[str]]:
    """For each person named in ``text``, the sentences of it that name them."""
    sentences = _SENTENCE.split(text)
    if len(sentences) == 1:
        return {pid: [text] for pid in named}
    found: dict[str, list[str]] = {pid: [] for pid in named}
    for sentence in sentences:
        for pid in pattern.find(sentence):
            if pid in found:
                found[pid].append(sentence)
    return {pid: lines or [text] for pid, lines in found.items()}


_SENTENCE = re.compile(r"(?<=[.!?])\s+")

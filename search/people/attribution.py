"""Who said, owns or is named in what inside one chunk."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from search.people.directory import LIST_FIELDS, OWNER_WORDS, Directory, Mentions
from search.store.catalog import ChunkRow
from search.store.kinds import CONVERSATION_KINDS

LIST_LINE = re.compile(r"^\W*(?:" + "|".join(sorted(LIST_FIELDS)) + r")\W*:", re.IGNORECASE)
# "Creator: @ana", "Owner: Bo" under an agenda item: they own the item above.
OWNER_LINE = re.compile(
    r"^\W*(?:" + "|".join(sorted(OWNER_WORDS, key=len, reverse=True)) + r")\W*:", re.IGNORECASE
)


@dataclass(slots=True)
class Attribution:
    """Who said, owns or is named in what inside one chunk."""

    said: dict[str, list[str]] = field(default_factory=dict)
    named: dict[str, list[str]] = field(default_factory=dict)
    present: list[str] = field(default_factory=list)
    starter: str | None = None
    lines: int = 0


def attribute(chunk: ChunkRow, directory: Directory) -> Attribution:
    """Split a chunk's text among people: their own lines (conversation turns, speaker
    tags, agenda or action-item lines they own), sentences that name them, and who was
    merely present. A memo's text is its authors' own, except the lines someone else
    says in it."""
    pattern = directory.mention_pattern(chunk.doc_id)
    result = Attribution()
    labels = sorted(chunk.people, key=len, reverse=True)
    owners = directory.owners(chunk.doc_id)
    current: list[str] = []
    items: list[tuple[int, str]] = []  # the open list items above this line: (indent, text)
    for raw in chunk.text.splitlines():
        line = raw.strip()
        if not line:
            continue
        result.lines += 1
        indent = len(raw) - len(raw.lstrip())
        while items and items[-1][0] >= indent:
            items.pop()
        speakers, text = _speaker(line, labels, chunk.doc_id, directory, pattern)
        if speakers and items and OWNER_LINE.match(line):
            text = f"{items[-1][1]} \u2014 {text}"  # the item they own, then the field
        items.append((indent, line))
        if speakers:
            current = speakers
            for owner in speakers:
                result.said.setdefault(owner, []).append(text)
            if result.starter is None and chunk.position == 0:
                result.starter = speakers[0]
        elif current and _is_conversation_text(chunk):
            for owner in current:
                result.said[owner].append(line)
            text = line
        else:
            text = line
            for owner in owners:
                result.said.setdefault(owner, []).append(line)
        named = [pid for pid in pattern.find(text) if pid not in speakers]
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
) -> tuple[list[str], str]:
    """Whose line this is (several for ``@ana and @bo: …``), and its text after the label."""
    for label in labels:
        for prefix in (f"{label}: ", f"{label} (bot): "):
            if line.startswith(prefix):
                pid = directory.person_for(doc_id, label)
                return ([pid] if pid else []), line[len(prefix) :]
    found = pattern.label_at_start(line)
    if found is not None:
        return found
    return [], line


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

"""A chunk's text as sentences, each with who said it, the section it is under and the
line of the chunk it starts on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Labels that open a line like a speaker turn but name no speaker (``Decision: …``).
LABELS = frozenset(
    """action actions ai ais agreed answer a q decision decisions decided note notes outcome
    outcomes owner owners reason reasons rationale why background context resolved resolution
    consensus conclusion summary todo update status next question result results agenda date
    time attendees present proposal proposals topic topics item items issue issues
    discussion""".split()
)
DECISION_SECTION = re.compile(
    r"^(?:\d+\.\s*)?(?:key\s+)?(?:decisions?(?:\s+(?:made|taken|log|record))?|outcomes?|"
    r"resolutions?|conclusions?|agreements?|agreed|consensus|summary of decisions)\b",
    re.I,
)
ACTION_SECTION = re.compile(
    r"^(?:\d+\.\s*)?(?:action\s+items?|actions?|ais|next\s+steps|to-?dos?|follow[- ]?ups?|"
    r"tasks|owners)\b",
    re.I,
)
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_CHECKBOX = re.compile(r"^\[( |x|X)\]\s*")
# Minutes and some chat logs tag a turn with the speaker in brackets: ``[dana] Agreed.``
# (a link ``[Issue 12](…)`` is not a tag: no space follows its bracket).
_BRACKET_TURN = re.compile(
    r"^\[(?P<name>[A-Za-z@][\w.'\u2019|-]{0,30}(?:\s+[\w.'\u2019-]+){0,2})\]\s+(?P<rest>\S.*)$"
)
_TURN = re.compile(
    r"^(?:\*\*)?(?P<name>@?[\w.'\u2019-]+(?:\s+[\w.'\u2019()-]+){0,3}?)(?:\*\*)?\s*:(?:\*\*)?\s+(?P<rest>\S.*)$"
)
# A speaker or owner label: a capitalized name of up to three words, or an @handle.
_PERSON = re.compile(
    r"^(?:@[\w.-]+|[A-Z][\w.'\u2019-]*(?:\s+[A-Z][\w.'\u2019-]*){0,2}(?:\s*\+\s*[A-Z]\w+)?)$"
)
# A chat handle as a speaker: one lower-case word (``zzz``, ``str4d``, ``eche|on``), not one
# of the words that open a note line.
_HANDLE = re.compile(r"^[a-z][\w|.-]{1,24}$")
NOT_HANDLES = frozenset(
    """fyi re eg ie ps edit http https example context problem goal why how what where when
    who which tl dr tldr pros cons note bug fix see also and but or so then""".split()
)
_SPLIT = re.compile(r"(?<=[.!?])[\"\u201d)]?\s+(?=[A-Z0-9\"\u201c*(@\[])")
_EMPHASIS = re.compile(r"\*\*|__|`")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: its text (emphasis removed), the speaker of its turn (or None), the
    owner named by a ``Name:`` label on a checklist or action line, the section it is
    under, whether it was a checkbox (``None``: no box; ``True``: ticked) and its line."""

    text: str
    speaker: str | None
    section: str
    line: int
    owner_label: str | None = None
    checked: bool | None = None
    label: str | None = None

    @property
    def in_decisions(self) -> bool:
        return bool(DECISION_SECTION.match(self.section))

    @property
    def in_actions(self) -> bool:
        return bool(ACTION_SECTION.match(self.section))


def clean(text: str) -> str:
    return " ".join(_EMPHASIS.sub("", text).split())


def _heading(line: str) -> str | None:
    """The heading a bare line is, when it is one: ``## Decisions``, ``**Action items:**``,
    ``Decisions`` alone on its line."""
    stripped = line.strip()
    if stripped.startswith("#"):
        return clean(stripped.lstrip("#")).rstrip(":")
    bare = clean(stripped).rstrip(":").strip()
    if not bare or len(bare.split()) > 8 or bare[-1] in ".?!,;)":
        return None
    if DECISION_SECTION.match(bare) or ACTION_SECTION.match(bare):
        return bare
    if stripped.startswith("**") and stripped.rstrip(":").endswith("**"):
        return bare
    if re.match(r"^\d+\.\s+\S", bare) and len(bare.split()) <= 8 and not _BULLET.match(line):
        return bare
    return None


def split_sentences(text: str) -> list[str]:
    """A line's sentences (a plain split at end punctuation before a capital)."""
    return [s.strip() for s in _SPLIT.split(text) if s.strip()]


def sentences(text: str, section: str = "", speakers: bool = True) -> Iterator[Sentence]:
    """The sentences of a chunk's ``text`` under its ``section`` heading. ``speakers``:
    read ``Name: …`` line openings as speaker turns (chat, mail, transcripts, minutes)."""
    speaker: str | None = None
    for number, raw in enumerate(text.splitlines()):
        if not raw.strip():
            continue
        heading = _heading(raw)
        if heading is not None:
            section, speaker = heading, None
            continue
        line = raw.strip()
        bulleted = bool(_BULLET.match(line))
        line = _BULLET.sub("", line)
        checked: bool | None = None
        box = _CHECKBOX.match(line)
        if box:
            checked = box.group(1) != " "
            line = line[box.end() :]
        owner = label = None
        tagged = _BRACKET_TURN.match(line)
        if tagged and speakers:
            speaker, line = tagged.group("name"), tagged.group("rest")
        turn = _TURN.match(clean(line))
        if turn:
            name, rest = turn.group("name").strip(), turn.group("rest")
            word = name.casefold().lstrip("@")
            person = _PERSON.match(name) or (_HANDLE.match(name) and word not in NOT_HANDLES)
            if word in LABELS or word.split()[0] in LABELS or not person:
                label = name
            elif box is not None or (bulleted and ACTION_SECTION.match(section)):
                owner, line = name, rest
            elif speakers and not bulleted and not tagged:
                speaker, line = name, rest
            else:
                label = name
        for part in split_sentences(clean(line)):
            yield Sentence(part, speaker, section, number, owner, checked, label)

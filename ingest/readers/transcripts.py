"""Reader for meeting transcripts: WebVTT, SRT, SBV captions and plain-text/markdown
transcripts made of ``Speaker: text`` or ``**Speaker**: text`` turns.

Caption cues are cleaned (voice tags, inline timestamps, class spans, cue settings),
rolling captions are de-duplicated, and consecutive cues of one speaker become one
turn (a :class:`Message` located by its start time). One record per file.
"""

from __future__ import annotations

import html
import itertools
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ingest.readers.chatlog import looks_like_chat
from ingest.readers.dates import find_date
from ingest.readers.mailtext import decode_bytes
from ingest.readers.textutil import looks_binary, read_bytes, split_lines
from ingest.records import Identity, Message, ReadError, Record
from ingest.sources import ReadResult

NAME = "transcripts"

CAPTION_SUFFIXES = {".vtt": "vtt", ".srt": "srt", ".sbv": "sbv"}
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
# Speakerless captions are grouped into paragraphs at pauses or at this length.
PAUSE_SECONDS = 2.0
PARAGRAPH_CHARS = 600
# Share of content lines that must be speaker turns for a .txt/.md to be a transcript.
MIN_TURN_SHARE = 0.5
GENERIC_STEMS = frozenset(
    {"transcript", "transcript_corrected", "captions", "subtitles", "subtitle", "cc",
     "closed_captions", "meeting_transcript", "audio_transcript", "index"}
)  # fmt: skip

_TS = r"(?:\d+:)?\d{1,2}:\d{1,2}(?:[.,]\d{1,3})?"
_VTT_TIMING = re.compile(rf"^\s*({_TS})\s*-->\s*({_TS})(.*)$")
_SBV_TIMING = re.compile(rf"^\s*({_TS}),({_TS})\s*$")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAG = re.compile(r"<[^>]*>")
_CUE_SPEAKER = re.compile(r"^([^\s:][^:]{0,59}?):\s+(\S.*)$")


@dataclass(slots=True)
class Cue:
    """One caption cue: times in seconds, cleaned text lines, optional speaker."""

    start: float
    end: float
    lines: list[str] = field(default_factory=list)
    speaker: str | None = None


@dataclass(slots=True)
class Turn:
    """One speaker's stretch of talk before the next speaker."""

    speaker: str | None
    locator: str
    parts: list[str] = field(default_factory=list)
    end: float = 0.0


# ---------------------------------------------------------------- detection


def detect(path: Path) -> bool:
    """Caption files always; .txt/.md only when most non-empty lines are speaker turns."""
    if not path.is_file():
        return False
    suffix = path.suffix.lower()
    if suffix in CAPTION_SUFFIXES:
        return True
    if suffix not in TEXT_SUFFIXES:
        return False
    try:
        text = _decode(read_bytes(path, 400_000))
    except ReadError:
        return False
    lines = text.splitlines()
    return looks_like_transcript(lines) and not looks_like_chat(lines)


# ---------------------------------------------------------------- reading


def read(path: Path) -> ReadResult:
    """Read one transcript file into one record."""
    path = path.resolve()
    data = read_bytes(path)
    if looks_binary(data):
        raise ReadError("binary file, not text")
    text = _decode(data)
    lines = split_lines(text)
    suffix = path.suffix.lower()
    if suffix in CAPTION_SUFFIXES:
        title, header_date, cues = parse_captions(lines, CAPTION_SUFFIXES[suffix])
        if not cues:
            raise ReadError("no caption cues found")
        messages = [_turn_message(t) for t in caption_turns(cues)]
        source = CAPTION_SUFFIXES[suffix]
    else:
        title, header_date, messages = parse_plain(lines)
        if not any(m.author.name for m in messages):
            raise ReadError("no speaker turns found")
        source = "transcript"
    return ReadResult(records=[_record(path, source, title, header_date, messages)])


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    return decode_bytes(data.removeprefix(b"\xef\xbb\xbf"), "utf-8")


def _record(
    path: Path, source: str, title: str | None, date: datetime | None, messages: list[Message]
) -> Record:
    speakers = list(dict.fromkeys(m.author.name for m in messages if m.author.name))
    return Record(
        key=f"transcript:{path}",
        kind="transcript",
        source=source,
        source_path=str(path),
        title=title or _title_from_path(path),
        created=date or find_date(path.stem) or find_date(path.parent.name),
        participants=[Identity(name=name) for name in speakers],
        messages=messages,
    )


def _title_from_path(path: Path) -> str:
    stem = path.stem
    if stem.lower() in GENERIC_STEMS:
        return f"{path.parent.name} {stem.replace('_', ' ')}"
    return stem.replace("_", " ")


def _turn_message(turn: Turn) -> Message:
    return Message(
        author=Identity(name=turn.speaker or ""),
        text=re.sub(r"[ \t]+\n", "\n", " ".join(turn.parts)).strip(),
        locator=turn.locator,
    )


# ---------------------------------------------------------------- captions


def parse_seconds(stamp: str) -> float:
    """``01:02:03.500``, ``0:0:0.210``, ``00:16.500`` or ``00:00:00,500`` in seconds."""
    stamp = stamp.strip().replace(",", ".")
    parts = stamp.split(":")
    seconds = float(parts[-1])
    for unit, value in zip((60, 3600), reversed(parts[:-1]), strict=False):
        seconds += unit * int(value)
    return seconds


def format_seconds(seconds: float) -> str:
    """Seconds as ``HH:MM:SS``."""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def parse_captions(lines: list[str], kind: str) -> tuple[str | None, datetime | None, list[Cue]]:
    """Title, date and cues of a WebVTT, SRT or SBV file."""
    timing = _SBV_TIMING if kind == "sbv" else _VTT_TIMING
    title, date, index = _vtt_header(lines) if kind == "vtt" else (None, None, 0)
    cues: list[Cue] = []
    current: Cue | None = None
    for line in lines[index:]:
        stripped = line.strip().lstrip("\ufeff")
        if not stripped:
            current = None
        elif match := timing.match(stripped):
            current = Cue(parse_seconds(match.group(1)), parse_seconds(match.group(2)))
            cues.append(current)
        elif current is not None:
            current.lines.append(line)
        # Outside a cue: a cue identifier, or a line of a NOTE/STYLE/REGION block.
    for cue in cues:
        _clean_cue(cue)
    return title, date, _assign_prefix_speakers([c for c in cues if c.lines])


def _vtt_header(lines: list[str]) -> tuple[str | None, datetime | None, int]:
    """The WEBVTT header block: title after ``WEBVTT``, a date header, and where cues begin."""
    first = lines[0].lstrip("\ufeff").strip() if lines else ""
    if not first.startswith("WEBVTT"):
        return None, None, 0  # no header: read cues from the first line
    title = first[6:].strip(" -\t") or None
    date = None
    index = 1
    while index < len(lines) and lines[index].strip() and "-->" not in lines[index]:
        key, _, value = lines[index].partition(":")
        if key.strip().lower() in ("date", "created", "recorded"):
            date = find_date(value)
        elif key.strip().lower() == "title" and value.strip():
            title = value.strip()
        index += 1
    return title, date, index


def _clean_cue(cue: Cue) -> None:
    voice = _VOICE.search(" ".join(cue.lines))
    if voice:
        cue.speaker = voice.group(1).strip()
    cleaned = [html.unescape(_TAG.sub("", line)).strip() for line in cue.lines]
    cue.lines = [line for line in cleaned if line]


def _assign_prefix_speakers(cues: list[Cue]) -> list[Cue]:
    """Zoom writes ``Name: text``; use such prefixes when most cues have one."""
    if not cues or any(c.speaker for c in cues):
        return cues
    matches = [_CUE_SPEAKER.match(c.lines[0]) for c in cues]
    named = [m for m in matches if m and _is_speaker_name(m.group(1))]
    if len(named) < max(2, 0.6 * len(cues)):
        return cues
    for cue, match in zip(cues, matches, strict=True):
        if match and _is_speaker_name(match.group(1)):
            cue.speaker = match.group(1).strip()
            cue.lines[0] = match.group(2)
    return cues


def _dedupe_rolling(cues: list[Cue]) -> list[Cue]:
    """YouTube rolling captions repeat the previous line; keep each line once."""
    repeats = sum(1 for prev, cue in itertools.pairwise(cues) if cue.lines[0] == prev.lines[-1])
    if len(cues) < 3 or repeats < 0.3 * (len(cues) - 1):
        return cues
    emitted: list[str] = []
    kept = []
    for cue in cues:
        overlap = 0
        for size in range(min(len(cue.lines), len(emitted)), 0, -1):
            if emitted[-size:] == cue.lines[:size]:
                overlap = size
                break
        new_lines = cue.lines[overlap:]
        if new_lines:
            emitted += new_lines
            kept.append(Cue(cue.start, cue.end, new_lines, cue.speaker))
    return kept


def caption_turns(cues: list[Cue]) -> list[Turn]:
    """Merge consecutive cues of one speaker (or, without speakers, one paragraph)."""
    turns: list[Turn] = []
    for cue in _dedupe_rolling(cues):
        last = turns[-1] if turns else None
        if last is not None and _continues(last, cue):
            last.parts.append(" ".join(cue.lines))
            last.end = max(last.end, cue.end)
            continue
        turns.append(Turn(cue.speaker, format_seconds(cue.start), [" ".join(cue.lines)], cue.end))
    return turns


def _continues(turn: Turn, cue: Cue) -> bool:
    if turn.speaker != cue.speaker:
        return False
    if turn.speaker is not None:
        return True
    paused = cue.start - turn.end > PAUSE_SECONDS
    return not paused and sum(len(p) for p in turn.parts) < PARAGRAPH_CHARS


# ---------------------------------------------------------------- plain transcripts

_LABEL_WORDS = frozenset(
    {"agenda", "date", "time", "date & time", "date/time", "recording", "video", "audio",
     "notes", "note", "moderator", "facilitator", "chair", "attendees", "participants",
     "attendance", "summary", "action", "actions", "action items", "decision", "decisions",
     "todo", "location", "duration", "link", "links", "url", "zoom", "meeting", "title",
     "subject", "topic", "status", "update", "updates", "question", "answer", "next steps",
     "confirmed", "result", "results", "context", "background", "tl;dr", "tldr", "edit",
     "source", "original notes", "transcript", "speakers", "host", "hosts", "tags", "author",
     "authors", "created", "updated", "warning", "important", "example", "http", "https",
     "actions required", "decisions made", "decision items", "action item", "next meeting"}
)  # fmt: skip
_BOLD_TURN = re.compile(
    r"^\s*(?:\[?(?P<t1>\d{1,2}:\d{2}(?::\d{2})?)\]?\s+)?"
    r"(?:\*\*|__)(?P<name>[^*_\n]{1,60}?)(?::)?(?:\*\*|__)"
    r"(?P<note>\s*\([^)]{0,60}\))?(?P<sep>\s*:|\s+[-\u2013\u2014](?=\s)|)\s*(?P<text>.*)$"
)
_PLAIN_TURN = re.compile(
    r"^\s*(?:\[?(?P<t1>\d{1,2}:\d{2}(?::\d{2})?)\]?\s+)?"
    r"(?P<name>[^\s:*#>|\-\[][^:*#|\n]{0,59}?)"
    r"(?:\s*[(\[](?P<t2>\d{1,2}:\d{2}(?::\d{2})?)[)\]])?:\s+(?P<text>\S.*)$"
)
_OTTER_TURN = re.compile(
    r"^\s*(?P<name>[^\s:*#>|][^:*#|\n]{0,59}?)\s{2,}(?P<t1>\d{1,2}:\d{2}(?::\d{2})?)\s*$"
)
_HEADING = re.compile(r"^\s*#{1,6}\s+(.*?)\s*#*\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


def _is_speaker_name(name: str) -> bool:
    """A plausible speaker label: a few words, not a metadata label or a URL."""
    name = name.strip()
    bare = re.sub(r"\s*\([^)]*\)", "", name).strip()
    if not bare or len(bare) > 48 or bare.lower() in _LABEL_WORDS:
        return False
    if "http" in name or bare.endswith((".", ",")) or re.search(r"[\"{}\[\]<>=/\\_`]", bare):
        return False
    if bare[0].isdigit():  # "1. Item"
        return False
    return len(bare.split()) <= 5


@dataclass(frozen=True, slots=True)
class TurnStart:
    """A line that starts a turn: who speaks, the text on the line, and the style."""

    speaker: str
    text: str
    style: str  # "bold", "plain" or "otter"


_LABEL_LINE = re.compile(
    r"^\s*(?:\*\*|__)(?P<label>[^*_\n]{1,40}?):?(?:\*\*|__)\s*:?\s*(?P<text>.*)$"
)


def _turn_match(line: str, style: str | None = None) -> TurnStart | None:
    """The turn ``line`` starts, if any (only of ``style`` when given)."""
    for name, pattern in (("bold", _BOLD_TURN), ("plain", _PLAIN_TURN)):
        match = pattern.match(line)
        if not match or not _is_speaker_name(match.group("name")):
            continue
        if name == "bold" and not (match.group("sep") or ":" in match.group("name")):
            continue
        text = match.group("text").strip()
        note = match.groupdict().get("note")
        if note:
            text = f"{note.strip()} {text}".strip()
        found = TurnStart(match.group("name").strip().rstrip(":"), text, name)
        return found if style in (None, name) else None
    match = _OTTER_TURN.match(line)
    if match and _is_speaker_name(match.group("name")) and style in (None, "otter"):
        return TurnStart(match.group("name").strip(), "", "otter")
    return None


def _label_block(line: str) -> str | None:
    """``**Decisions**:`` and the like: a note-taker's block, not a speaker."""
    match = _LABEL_LINE.match(line)
    if match and match.group("label").strip().lower() in _LABEL_WORDS and ":" in line:
        return f"{match.group('label').strip()}: {match.group('text').strip()}".strip()
    return None


def without_code(lines: list[str]) -> list[str]:
    """``lines`` with front matter and fenced code blocks blanked (line numbers kept)."""
    out = list(lines)
    if out and out[0].strip() == "---":
        end = next((i for i in range(1, len(out)) if out[i].strip() in ("---", "...")), 0)
        out[: end + 1] = [""] * (end + 1)
    fence: str | None = None
    for i, line in enumerate(out):
        marker = re.match(r"^\s*(```+|~~~+)", line)
        if marker and (fence is None or marker.group(1).startswith(fence)):
            fence = None if fence else marker.group(1)[:3]
            out[i] = ""
        elif fence:
            out[i] = ""
    return out


def _content_lines(lines: list[str]) -> list[str]:
    """Non-empty lines that are not markdown scaffolding (headings, tables, rules, code)."""
    return [
        line
        for line in without_code(lines)
        if line.strip()
        and not _HEADING.match(line)
        and not _TABLE_RULE.match(line)
        and not re.match(r"^\s*(---+|\*\*\*+|<!--.*-->)\s*$", line)
    ]


def dominant_style(lines: list[str]) -> str | None:
    """The turn style most turn lines use: bold, plain or otter."""
    counts: dict[str, int] = {}
    for line in lines:
        found = _turn_match(line)
        if found:
            counts[found.style] = counts.get(found.style, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None


def looks_like_transcript(lines: list[str]) -> bool:
    """Most content lines are speaker turns, by a few speakers who speak repeatedly."""
    content = _content_lines(lines)
    style = dominant_style(content)
    turns = [t for t in (_turn_match(line, style) for line in content) if t]
    if len(turns) < 4:
        return False
    speakers = {t.speaker.lower() for t in turns}
    repeated = sum(1 for name in speakers if sum(t.speaker.lower() == name for t in turns) > 1)
    turn_lines = len(turns) * (2 if style == "otter" else 1)  # Otter: name line + text line
    return (
        turn_lines >= MIN_TURN_SHARE * len(content)
        and len(speakers) >= 2
        and repeated >= 1
        and len(turns) >= 1.5 * len(speakers)
    )


def parse_plain(lines: list[str]) -> tuple[str | None, datetime | None, list[Message]]:
    """Title and date from the header before the first turn, then the turns.

    The header itself (summary, decisions) becomes a first, speakerless message.
    """
    lines = without_code(lines)
    style = dominant_style(lines)
    first = next((i for i, line in enumerate(lines) if _turn_match(line, style)), len(lines))
    title, date = _plain_header(lines[:first])
    intro = _header_start(lines, first)
    turns: list[Turn] = []
    summary = _header_text(lines[:intro])
    if summary:
        turns.append(Turn(None, "line 1", [summary]))
    context: list[str] = []
    for number, line in enumerate(lines[intro:], intro + 1):
        _plain_line(line, number, style, turns, context)
    messages = [_turn_message(t) for t in turns]
    return title, date, [m for m in messages if m.text]


def _header_start(lines: list[str], first: int) -> int:
    """Where the section holding the first turn begins (its heading), else the first turn."""
    for index in range(first - 1, -1, -1):
        if _HEADING.match(lines[index]):
            return index
        if _label_block(lines[index]) or (lines[index].strip() and index < first - 8):
            break
    return first


def _header_text(lines: list[str]) -> str:
    """The header's text without the title heading, tables rules and comments."""
    kept = []
    for line in lines:
        if _TABLE_RULE.match(line) or re.match(r"^\s*(---+|<!--.*-->)\s*$", line):
            continue
        if line.strip():
            kept.append(line.strip())
    return "\n".join(kept[1:] if kept and _HEADING.match(kept[0]) else kept)


def _plain_line(
    line: str, number: int, style: str | None, turns: list[Turn], context: list[str]
) -> None:
    """Add one line: a turn, a note block, a heading (context for the next turn), or text."""
    found = _turn_match(line, style)
    label = None if found else _label_block(line)
    heading = _HEADING.match(line)
    if found or label:
        speaker = found.speaker if found else None
        text = found.text if found else label or ""
        prefix = [f"[{c}]" for c in context]
        context.clear()
        last = turns[-1] if turns else None
        if found and last is not None and last.speaker == speaker and not prefix:
            last.parts.append("\n" + text if text else "")
        else:
            turns.append(Turn(speaker, f"line {number}", [*prefix, text] if text else prefix))
    elif heading:
        context.append(heading.group(1).strip())
    elif _TABLE_RULE.match(line) or not line.strip():
        return
    elif context or not turns:
        context.append(line.strip())
    else:
        turns[-1].parts.append("\n" + line.strip())


def _plain_header(lines: list[str]) -> tuple[str | None, datetime | None]:
    title = None
    date = None
    for line in lines:
        heading = _HEADING.match(line)
        if heading and title is None:
            title = re.sub(r"[*_`]", "", heading.group(1)).strip() or None
        if date is None and re.search(r"\b(date|when|time)\b", line, re.I):
            date = find_date(line)
    if date is None:
        date = next((d for d in (find_date(line) for line in lines) if d), None)
    return title, date

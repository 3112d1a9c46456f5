"""Reader for plain-text chat logs: IRC logs (irssi, weechat, HexChat, mIRC, ZNC,
bare ``<nick> text``), ``**nick** text`` markdown logs, and Zoom in-meeting chat exports.

Join/part/quit/mode lines and Zoom ``Reacted to ...`` lines are skipped; a Zoom
``Replying to "..."`` message points at the message it quotes. A log is split into
records at pauses longer than 45 minutes, or every ~200 lines when it has no times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ingest.readers.dates import find_date
from ingest.readers.textutil import read_bytes, split_lines
from ingest.records import Access, Identity, Message, ReadError, Record
from ingest.sources import ReadResult

NAME = "chatlog"

SUFFIXES = frozenset({".txt", ".log", ".md", ".markdown"})
SESSION_GAP = timedelta(minutes=45)
WINDOW_LINES = 200
GENERIC_STEMS = frozenset({"chat", "log", "chatlog", "messages", "meeting_saved_chat", "irc"})

_NICK = r"[@+%&~ ]?(?P<nick>[^\s<>][^<>]{0,40}?)"
_TIME = r"(?P<time>\d{1,2}:\d{2}(?::\d{2})?)"
_DATE = r"(?P<date>\d{4}-\d{2}-\d{2})"
_MESSAGE_PATTERNS = (
    # Zoom (current): 00:04:07<TAB>Name:<TAB>text
    ("zoom", re.compile(rf"^{_TIME}\t(?P<nick>[^\t]{{1,80}}?):\t?(?P<text>.*)$")),
    # Zoom (older): 10:02:31 From Name to Everyone: text
    ("zoom", re.compile(rf"^{_TIME}\s+From\s+(?P<nick>.+?)\s+to\s+.+?:\s*(?P<text>.*)$")),
    # [12:01] <nick> text, [2024-01-02 12:01:02] <nick> text
    ("irc", re.compile(rf"^\[(?:{_DATE}[ T])?{_TIME}\]\s*<{_NICK}>\s?(?P<text>.*)$")),
    # 12:01 < nick> text (irssi)
    ("irc", re.compile(rf"^{_TIME}\s*<{_NICK}>\s?(?P<text>.*)$")),
    # Jan 02 12:01:02 <nick> text (HexChat)
    ("irc", re.compile(rf"^[A-Z][a-z]{{2}} +\d{{1,2}} {_TIME}\s+<{_NICK}>\s?(?P<text>.*)$")),
    # 2024-01-02 12:01:02 nick: text, <nick> text, or weechat's tab-separated nick
    (
        "irc",
        re.compile(
            rf"^{_DATE}[ T]{_TIME}(?:[.,]\d+)?(?:Z|[+-]\d{{2}}:?\d{{2}})?\s+"
            r"(?:<[@+%&~ ]?(?P<nick>[^<>]{1,40}?)>|(?P<nick2>[^\s:<>]{1,40}):?)\s+(?P<text>.*)$"
        ),
    ),
    # <nick> text
    ("irc", re.compile(rf"^<{_NICK}>\s?(?P<text>.*)$")),
    # **nick** text (``**Speaker**: text`` and ``**Speaker** - text`` are transcript turns)
    ("md", re.compile(r"^\*\*(?P<nick>[^*\n:]{1,40})\*\*\s+(?P<text>[^\s:\-\u2013\u2014].*)$")),
)
# Status lines: irssi/ZNC/weechat markers always; "* ..." or "-- ..." only with a keyword
# (otherwise "* nick waves" is an action, which is a message).
_EVENT = re.compile(
    r"^(?:\[?[\d:\-T ]*\]?\s*)?(?:(?:-!-|\*\*\*|-->|<--)\s|(?:\*|--)\s+.*(?:\b(?:has joined|"
    r"joined|has left|left|has quit|quit|Quits?:|Joins?:|Parts?:|is now known as|kicked|"
    r"changed the topic|Topic)\b|sets mode|mode/))",
    re.I,
)
_ACTION = re.compile(rf"^(?:\[?(?:{_DATE}[ T])?{_TIME}\]?\s+)?\*\s+(?P<nick>\S+)\s+(?P<text>.+)$")
_HEADER = re.compile(
    r"^(?:---\s*(?:Log opened|Log closed|Day changed)|\*{4}\s*(?:BEGIN|ENDING) LOGGING|"
    r"Session (?:Start|Close|Ident|Time)|#\s|Conversation with|Kind:|Channel:)",
    re.I,
)
_ASCTIME = re.compile(
    r"(?P<month>[A-Z][a-z]{2})\s+(?P<day>\d{1,2})(?:\s+[\d:]+)?\s+(?P<year>(?:19|20)\d{2})"
)
_ZOOM_NOISE = re.compile(r"^(Reacted to .+ with |Removed a .+ reaction)", re.S)
_ZOOM_REPLY = re.compile(r'^Replying to "(?P<quote>.*?)(?:\.\.\.|…)?"\s*\n(?P<text>.*)$', re.S)


@dataclass(slots=True)
class Line:
    """A chat message found in the log, before grouping into records."""

    number: int
    nick: str
    text: str
    clock: float | None
    day: datetime | None
    style: str
    reply_to: str | None = None
    extra: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- classification


def classify(line: str) -> tuple[str, re.Match[str] | None, str]:
    """``("message"|"event"|"header"|"other", match, style)`` for one log line."""
    stripped = line.rstrip()
    if _HEADER.match(stripped):
        return "header", None, ""
    for style, pattern in _MESSAGE_PATTERNS:
        match = pattern.match(stripped)
        if match:
            nick = (match.groupdict().get("nick") or match.groupdict().get("nick2") or "").strip()
            if nick in ("-->", "<--", "--", "*", "-!-", "***", "=!="):
                return "event", match, style
            return "message", match, style
    if _EVENT.match(stripped):
        return "event", None, ""
    action = _ACTION.match(stripped)
    if action:
        return "message", action, "action"
    return "other", None, ""


def looks_like_chat(lines: list[str]) -> bool:
    """Most non-empty lines are chat lines (Zoom continuation lines count as their message)."""
    non_empty = [line for line in lines if line.strip()]
    if not non_empty:
        return False
    matched = messages = 0
    nicks: list[str] = []
    in_zoom = False
    for line in non_empty:
        kind, match, style = classify(line)
        if kind == "message" and match is not None:
            messages += 1
            nicks.append(match.groupdict().get("nick") or match.groupdict().get("nick2") or "")
            in_zoom = style == "zoom"
        if kind != "other" or in_zoom:
            matched += 1
    distinct = len(set(nicks))
    weak = all(style == "md" for style in _styles(non_empty))
    return (
        messages >= 3
        and matched >= 0.6 * len(non_empty)
        and (distinct >= 2 or messages >= 10)
        and (not weak or messages >= 1.5 * distinct)
    )


def _styles(lines: list[str]) -> set[str]:
    return {style for kind, _, style in map(classify, lines) if kind == "message"}


def detect(path: Path) -> bool:
    """A .txt/.log/.md file whose lines are mostly chat lines."""
    if not path.is_file() or path.suffix.lower() not in SUFFIXES:
        return False
    try:
        text = _decode(path.read_bytes()[:400_000])
    except OSError:
        return False
    return looks_like_chat(split_lines(text))


# ---------------------------------------------------------------- reading


def _decode(data: bytes) -> str:
    from ingest.readers.mailtext import decode_bytes

    return decode_bytes(data.removeprefix(b"\xef\xbb\xbf"), "utf-8")


def read(path: Path) -> ReadResult:
    """Read a chat log into one record per session (or per window of lines)."""
    path = path.resolve()
    lines = split_lines(_decode(read_bytes(path)))
    channel = _channel(path, lines)
    entries = parse_log(lines, find_date(path.stem) or find_date(path.parent.name))
    if not entries:
        raise ReadError("no chat messages found")
    groups = group_sessions(entries)
    day = find_date(path.stem) or find_date(path.parent.name)
    return ReadResult(
        records=[_record(path, channel, group, day, len(groups) > 1) for group in groups]
    )


def parse_log(lines: list[str], file_day: datetime | None) -> list[Line]:
    """Messages of a log, with continuation lines joined and Zoom pseudo-messages handled."""
    entries: list[Line] = []
    day = file_day
    last: Line | None = None
    family = _dominant_family(lines)
    for number, raw in enumerate(lines, 1):
        kind, match, style = classify(raw)
        if kind == "message" and _family(style) != family:
            kind = "other"  # e.g. a pasted log line inside a Zoom message
        if kind == "header":
            day = _header_day(raw) or day
            last = None
        elif kind == "message" and match is not None:
            last = _entry(number, match, style, day)
            entries.append(last)
        elif kind == "other" and last is not None:
            last.extra.append(raw.rstrip())
        elif kind == "event":
            last = None
    return _finish_zoom(entries)


def _family(style: str) -> str:
    return "irc" if style == "action" else style


def _dominant_family(lines: list[str]) -> str:
    """The message style most lines of the log are written in (zoom, irc or md)."""
    counts: dict[str, int] = {}
    for kind, _, style in map(classify, lines):
        if kind == "message":
            counts[_family(style)] = counts.get(_family(style), 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else "irc"


def _header_day(line: str) -> datetime | None:
    match = _ASCTIME.search(line)
    if match:
        found = find_date(f"{match['month']} {match['day']}, {match['year']}")
        if found:
            return found
    return find_date(line)


def _entry(number: int, match: re.Match[str], style: str, day: datetime | None) -> Line:
    groups = match.groupdict()
    nick = (groups.get("nick") or groups.get("nick2") or "").strip()
    text = groups.get("text") or ""
    if style == "action":
        text = f"* {nick} {text}"
    if groups.get("date"):
        day = find_date(groups["date"]) or day
    clock = _clock(groups.get("time"))
    return Line(number, nick, text, clock, day if style != "zoom" else None, style)


def _clock(value: str | None) -> float | None:
    if not value:
        return None
    parts = [int(p) for p in value.split(":")]
    return parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0)


def _finish_zoom(entries: list[Line]) -> list[Line]:
    """Join continuation lines; drop reactions; link ``Replying to "..."`` to its message."""
    kept: list[Line] = []
    for entry in entries:
        text = "\n".join([entry.text, *entry.extra]).strip()
        if entry.style == "zoom":
            if _ZOOM_NOISE.match(text):
                continue
            reply = _ZOOM_REPLY.match(text)
            if reply:
                text = reply.group("text").strip()
                entry.reply_to = _quoted_message(kept, reply.group("quote"))
        entry.text = text
        if text:
            kept.append(entry)
    return kept


def _quoted_message(previous: list[Line], quote: str) -> str | None:
    quote = quote.strip()
    for entry in reversed(previous):
        if quote and entry.text.startswith(quote):
            return f"line {entry.number}"
    return None


# ---------------------------------------------------------------- records


def _absolute(entry: Line, day_offset: int) -> float | None:
    if entry.clock is None:
        return None
    return entry.clock + 86400 * day_offset


def group_sessions(entries: list[Line]) -> list[list[Line]]:
    """Split at pauses longer than 45 minutes, or every ~200 lines without times."""
    if all(e.clock is None for e in entries):
        return _windows(entries)
    groups: list[list[Line]] = [[]]
    previous: float | None = None
    day_offset = 0
    for entry in entries:
        moment = _absolute(entry, day_offset)
        if moment is not None and previous is not None and moment < previous - 12 * 3600:
            day_offset += 1  # the clock wrapped past midnight
            moment = _absolute(entry, day_offset)
        if moment is not None and previous is not None and moment - previous > 2700:
            groups.append([])
        groups[-1].append(entry)
        previous = moment if moment is not None else previous
    return [g for g in groups if g]


def _windows(entries: list[Line]) -> list[list[Line]]:
    groups: list[list[Line]] = []
    for entry in entries:
        if not groups or entry.number - groups[-1][0].number >= WINDOW_LINES:
            groups.append([])
        groups[-1].append(entry)
    return groups


def _time(entry: Line) -> datetime | None:
    if entry.day is None or entry.clock is None:
        return None
    return entry.day.replace(hour=0, minute=0, second=0, tzinfo=UTC) + timedelta(
        seconds=entry.clock
    )


def _record(
    path: Path, channel: str, group: list[Line], day: datetime | None, windowed: bool
) -> Record:
    first, last = group[0], group[-1]
    times = [t for t in (_time(e) for e in group) if t]
    nicks = list(dict.fromkeys(e.nick for e in group))
    created = times[0] if times else day
    title = channel + (
        created.strftime(" %Y-%m-%d %H:%M" if times else " %Y-%m-%d") if created else ""
    )
    if windowed and not times:
        title += f" (lines {first.number}-{last.number})"
    return Record(
        key=f"chatlog:{path}:{first.number}",
        kind="chat",
        source="chatlog",
        source_path=str(path),
        title=title,
        created=created,
        ended=times[-1] if times else None,
        participants=[Identity(name=nick, handle=nick) for nick in nicks],
        channel=channel,
        access=Access("public"),
        messages=[_message(e) for e in group],
    )


def _message(entry: Line) -> Message:
    return Message(
        author=Identity(name=entry.nick, handle=entry.nick),
        text=entry.text,
        time=_time(entry),
        locator=f"line {entry.number}",
        reply_to=entry.reply_to,
    )


def _channel(path: Path, lines: list[str]) -> str:
    """A channel named in the log header, else the file name without dates."""
    for line in lines[:50]:
        match = re.search(r"(?:Session Ident:|Channel:|Log opened .*?)\s*([#&][^\s,]+)", line)
        if match:
            return match.group(1)
    stem = re.sub(r"[._-]?\d{4}-?\d{2}-?\d{2}.*$", "", path.stem) or path.stem
    if stem.lower() in GENERIC_STEMS:
        return path.parent.name
    return stem

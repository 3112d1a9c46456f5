"""Reader for plain-text chat logs: IRC logs (irssi, weechat, HexChat/X-Chat, mIRC, ZNC,
ircII, Pidgin, bare ``<nick> text``), ``**nick** text`` markdown logs, and Zoom in-meeting
chat exports.

What a faithful reading takes care of:

- join/part/quit/mode/topic lines, client status lines (names lists, notices) and Zoom
  ``Reacted to ...`` lines are skipped; a Zoom ``Replying to "..."`` message points at the
  message it quotes;
- nick mode prefixes (``@``, ``+``, a space) are dropped; actions (``* nick waves``,
  ``-*- nick``, Pidgin's ``***nick``, HTML ``<li> nick``) belong to their nick;
- indented lines without a nick continue the message before them (a wrapped message);
- a relay bot (a nick whose messages mostly start with ``<other>`` or ``[Net/other]``)
  passes its messages on to the nick inside them; its own remaining lines are a bot's;
- HTML remnants of a log published on the web (``&amp;``, ``<p>``, wiki links inside
  nicks) are cleaned; a prose preamble before the first message is kept as text;
- times: ``Log opened`` / ``Day changed`` headers give the day, a clock that runs back
  past midnight moves to the next day, and Pidgin's 12-hour clock is read as such.

The log's date comes from its own headers, else from a companion file with the same stem
that states one in its title (a meeting recap ``NNN.rst`` next to ``NNN.log``), else from
the file or folder name. That companion's title, when it has one, names the log.

A log is split into records at pauses longer than 45 minutes, or every
:data:`WINDOW_LINES` lines when it has no times.
"""

from __future__ import annotations

import html
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
# A log without times is one record per this many lines (a meeting log stays whole).
WINDOW_LINES = 1000
GENERIC_STEMS = frozenset({"chat", "log", "chatlog", "messages", "meeting_saved_chat", "irc"})
# Companion files that may carry the log's title and date (a recap or the meeting's notes).
COMPANION_SUFFIXES = (".rst", ".md", ".markdown", ".txt", ".html", ".htm")
# A relay bot: at least this share of its messages carry another speaker inside.
RELAY_SHARE = 0.5
# The companion's stated day wins over the log's own when they differ by at most this
# (logs are written in the logger's local time, recaps state the meeting's day).
COMPANION_DAY_SLACK = 1

_NICK = r"[@+%&~ ]?(?P<nick>[^\s<>][^<>]{0,40}?)"
_TIME = r"(?P<time>\d{1,2}:\d{2}(?::\d{2})?)"
_DATE = r"(?P<date>\d{4}-\d{2}-\d{2})"
# Pidgin: (04:00:50 PM) or (2021-03-02 20:01:02); seconds or AM/PM keep it from being a
# transcript's "(12:01) Name:" turn.
_PIDGIN_TIME = (
    rf"\((?:{_DATE}\s+)?(?P<time>\d{{1,2}}:\d{{2}}:\d{{2}}|\d{{1,2}}:\d{{2}}(?=\s?[AaPp]))"
    r"(?:\s?(?P<ampm>[AaPp])\.?[Mm]\.?)?\)"
)
_PIDGIN_NICK = r"[^\s:()<>*][^\s:()<>]{0,39}"
_MESSAGE_PATTERNS = (
    # Zoom (current): 00:04:07<TAB>Name:<TAB>text
    ("zoom", re.compile(rf"^{_TIME}\t(?P<nick>[^\t]{{1,80}}?):\t?(?P<text>.*)$")),
    # Zoom (older): 10:02:31 From Name to Everyone: text
    ("zoom", re.compile(rf"^{_TIME}\s+From\s+(?P<nick>.+?)\s+to\s+.+?:\s*(?P<text>.*)$")),
    # [12:01] <nick> text, [2024-01-02 12:01:02] <nick> text
    ("irc", re.compile(rf"^\[(?:{_DATE}[ T])?{_TIME}\]\s*<{_NICK}>\s?(?P<text>.*)$")),
    # 12:01 < nick> text (irssi), 12:01:02  <nick> text
    ("irc", re.compile(rf"^{_TIME}\s*<{_NICK}>\s?(?P<text>.*)$")),
    # Jan 02 12:01:02 <nick> text (HexChat)
    ("irc", re.compile(rf"^[A-Z][a-z]{{2}} +\d{{1,2}} {_TIME}\s+<{_NICK}>\s?(?P<text>.*)$")),
    # (04:00:50 PM) nick: text (Pidgin)
    ("irc", re.compile(rf"^{_PIDGIN_TIME}\s+(?P<nick>{_PIDGIN_NICK}):\s?(?P<text>.*)$")),
    # 2024-01-02 12:01:02 nick: text, <nick> text, or weechat's tab-separated nick
    (
        "irc",
        re.compile(
            rf"^{_DATE}[ T]{_TIME}(?:[.,]\d+)?(?:Z|[+-]\d{{2}}:?\d{{2}})?\s+"
            r"(?:<[@+%&~ ]?(?P<nick>[^<>]{1,40}?)>|(?P<nick2>[^\s:<>]{1,40}):?)\s+(?P<text>.*)$"
        ),
    ),
    # <nick> text (bare, or X-Chat's <nick><TAB>text)
    ("irc", re.compile(rf"^<{_NICK}>\s?(?P<text>.*)$")),
    # **nick** text (``**Speaker**: text`` and ``**Speaker** - text`` are transcript turns)
    ("md", re.compile(r"^\*\*(?P<nick>[^*\n:]{1,40})\*\*\s+(?P<text>[^\s:\-\u2013\u2014].*)$")),
)
_STAMP = (
    r"(?:\[(?:\d{4}-\d{2}-\d{2}[ T])?\d{1,2}:\d{2}(?::\d{2})?\]"
    r"|\((?:\d{4}-\d{2}-\d{2}\s+)?\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AaPp]\.?[Mm]\.?)?\)"
    r"|(?:\d{4}-\d{2}-\d{2}[ T])?\d{1,2}:\d{2}(?::\d{2})?"
    r"|[A-Z][a-z]{2} +\d{1,2} \d{1,2}:\d{2}(?::\d{2})?)"
)
# Actions: "* nick waves" (irssi, mIRC, X-Chat's "*<TAB>nick"), "-*- nick" (ircII-likes),
# "***nick" (Pidgin); optionally after a time stamp.
_ACTION = re.compile(
    rf"^(?:{_STAMP}\s+)?(?:\*|-\*-|\*\*\*|\u2261)[ \t]*(?P<nick>[^\s*<>/][^\s<>/]{{0,40}})"
    r"(?:/[#&]\S*)?\s+(?P<text>\S.*)$"
)
# Status lines: irssi/ZNC/weechat/X-Chat markers always; "* ..." or "-- ..." only with a
# keyword (otherwise "* nick waves" is an action, which is a message).
_EVENT = re.compile(
    r"^(?:\[?[\d:\-T ]*\]?\s*)?(?:(?:-!-|\*\*\*|-->|<--|---|-=-|=!=|<->|-[^\s-][^\s]*-)\s|"
    r"(?:\*|--)\s+.*(?:\b(?:has joined|joined|has left|left|has quit|quit|Quits?:|Joins?:|"
    r"Parts?:|is now known as|kicked|changed the topic|Topic)\b|sets mode|mode/))",
    re.I,
)
# ircII / BitchX / Pidgin status lines written without any marker.
_BARE_EVENT = re.compile(
    r"^(?:Signoff: |Signon: |Mode change |Topic (?:for|on|changed)|>{2,}\s|CTCP\s|"
    r"\S+ (?:\([^)]*\) )?has (?:joined|left|quit|been kicked)\b|.{0,12}\bis now known as \S+$|"
    r"\S+ has changed the topic|"
    r"\S+ (?:\[[^\]]*\] )?(?:entered|left) the room|mode \([^)]*\) by )",
    re.I,
)
_STAMP_CLOCK = re.compile(
    r"^[\[(]?(?:\d{4}-\d{2}-\d{2}[ T])?(\d{1,2}:\d{2}(?::\d{2})?)(?:\s?([AaPp])\.?[Mm]\.?)?[\])]?\s"
)
_STAMPED = re.compile(rf"^{_STAMP}(?:\s|$)")
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

# HTML left in logs published on the web.
_HTML_TAGS = r"(?:a|p|br|ul|ol|li|b|i|u|em|strong|span|div|font|tt|pre|code|hr|img|small|big)"
_WIKI_LINK = re.compile(r"<a\s[^<>]*>\W{0,2}</a>", re.I)  # a wiki's "?" link after a name
_HTML_TAG = re.compile(rf"</{_HTML_TAGS}\s*>|<{_HTML_TAGS}(?:\s[^<>]*|\s*/)>|<br>|<p>$", re.I)
_HTML_ONLY = re.compile(rf"^\s*(?:</?{_HTML_TAGS}\s*/?>\s*)+$", re.I)
_LIST_ITEM = re.compile(r"^\s*<li>\s*", re.I)
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|apos|nbsp|#\d{1,6}|#x[0-9a-fA-F]{1,6});")

# A speaker carried inside a relayed message: "<nick> text", "[Network/nick] text".
_RELAYED = re.compile(
    r"^(?:<[@+%&~ ]?(?P<nick>[^\s<>]{1,40})>|\[(?P<net>[A-Za-z][\w.-]{0,20})/"
    r"(?P<nick2>[^\]\s]{1,40})\])\s?(?P<text>.*)$",
    re.S,
)
_RELAYED_ACTION = re.compile(r"^\* (?P<nick>[^\s*<>]{1,40}) (?P<text>.*)$", re.S)
_BOT_NAME = re.compile(r"relay|bridge|bot\d*$", re.I)
_PREAMBLE_WORDS = 8
# Status lines that name the channel: topic, joins, "now talking on", a names list.
_CHANNEL_MENTION = re.compile(
    r"(?:Topic for|[Tt]alking on|has joined(?: channel)?|\[Users|joined channel)\s+"
    r"([#&][^\s:,\]]+)"
)


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
    days_on: int = 0  # midnights the clock has run past since ``day`` was last stated
    is_bot: bool = False


# ---------------------------------------------------------------- classification


def clean_line(line: str) -> str:
    """A log line without trailing space, HTML remnants and character entities."""
    line = line.rstrip()
    if "<" in line:
        if _HTML_ONLY.match(line):
            return ""
        line = _LIST_ITEM.sub("* ", line)
        line = _WIKI_LINK.sub("", line)
        line = _HTML_TAG.sub("", line).rstrip()
    if "&" in line:
        line = _ENTITY.sub(lambda m: html.unescape(m.group(0)), line)
    return line


def classify(line: str) -> tuple[str, re.Match[str] | None, str]:
    """``(kind, match, style)`` for one cleaned log line.

    ``kind`` is ``message``, ``event`` (status lines), ``header`` (log opened, day
    changed), ``continuation`` (an indented line without a nick), ``self`` (ircII's
    ``> text``, the logger's own message), ``blank`` or ``other``.
    """
    stripped = line.rstrip()
    if not stripped.strip():
        return "blank", None, ""
    if _HEADER.match(stripped):
        return "header", None, ""
    body = stripped.lstrip()
    for style, pattern in _MESSAGE_PATTERNS:
        match = pattern.match(body if style == "irc" else stripped)
        if match:
            nick = (match.groupdict().get("nick") or match.groupdict().get("nick2") or "").strip()
            if nick in ("-->", "<--", "--", "*", "-!-", "***", "=!=", "-"):
                return "event", match, style
            return "message", match, style
    if _EVENT.match(body) or _BARE_EVENT.match(body):
        return "event", None, ""
    action = _ACTION.match(body)
    if action:
        return "message", action, "action"
    if _STAMPED.match(body):
        return "event", None, ""  # a client's status line: names list, notice, mode
    if stripped[0] in " \t":
        return "continuation", None, ""
    if stripped.startswith("> ") or stripped == ">":
        return "self", None, ""
    return "other", None, ""


def looks_like_chat(lines: list[str]) -> bool:
    """Most non-empty lines are chat lines (Zoom continuation lines count as their message)."""
    non_empty = [clean_line(line) for line in lines if line.strip()]
    non_empty = [line for line in non_empty if line.strip()]
    if not non_empty:
        return False
    matched = messages = 0
    nicks: list[str] = []
    in_zoom = False
    styles: set[str] = set()
    for line in non_empty:
        kind, match, style = classify(line)
        if kind == "message" and match is not None:
            messages += 1
            styles.add(style)
            nicks.append(match.groupdict().get("nick") or match.groupdict().get("nick2") or "")
            in_zoom = style == "zoom"
        if kind in ("message", "event", "header", "continuation") or in_zoom:
            matched += 1
    distinct = len(set(nicks))
    # "* word word" alone is a bulleted list, not actions; "**name** text" alone is weak.
    weak = styles <= {"md", "action"}
    if styles <= {"action"}:
        return False
    return (
        messages >= 3
        and matched >= 0.6 * len(non_empty)
        and (distinct >= 2 or messages >= 10)
        and (not weak or messages >= 1.5 * distinct)
    )


def detect(path: Path) -> bool:
    """A .txt/.log/.md file whose lines are mostly chat lines."""
    if not path.is_file() or path.suffix.lower() not in SUFFIXES:
        return False
    try:
        text = _decode(read_bytes(path, 400_000))
    except ReadError:
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
    entries = parse_log(lines, None)
    if not any(e.nick for e in entries):
        raise ReadError("no chat messages found")
    title, stated = companion_title(path)
    file_day = find_date(path.stem) or find_date(path.parent.name)
    day, date_source = date_entries(entries, stated, file_day)
    groups = group_sessions(entries)
    records = [_record(path, channel, group, day, len(groups) > 1, title) for group in groups]
    for record in records:
        record.date_source = date_source if record.created is not None else None
    return ReadResult(records=records)


def parse_log(lines: list[str], file_day: datetime | None) -> list[Line]:
    """Messages of a log, with continuation lines joined, relays resolved and Zoom
    pseudo-messages handled."""
    cleaned = [clean_line(raw) for raw in lines]
    family = _dominant_family(cleaned)
    entries: list[Line] = []
    day = file_day
    days_on = 0
    last_clock: float | None = None
    last: Line | None = None
    preamble: list[tuple[int, str]] = []
    for number, line in enumerate(cleaned, 1):
        kind, match, style = classify(line)
        if kind == "message" and _family(style) != family:
            kind = "continuation" if family == "zoom" else "other"  # a pasted line
        if kind == "header":
            stated = _header_day(line)
            if stated:
                day, days_on, last_clock = stated, 0, None
            last = None
        elif kind == "message" and match is not None:
            last = _entry(number, match, style, day)
            if last.clock is not None:
                if last_clock is not None and last.clock < last_clock - 12 * 3600:
                    days_on += 1  # the clock ran past midnight without a "Day changed"
                last_clock = last.clock
            last.days_on = days_on
            entries.append(last)
        elif kind == "self":
            last = Line(number, "", line.lstrip()[1:].strip(), None, day, "self", days_on=days_on)
            entries.append(last)
        elif kind == "event":
            last = None
        elif kind == "blank":
            if last is not None and last.style == "zoom":
                last.extra.append("")
            elif last is not None and last.style != "preamble":
                last = None
        elif kind == "continuation" and last is not None:
            last.extra.append(line.strip())
        elif kind in ("other", "continuation") and not entries:
            preamble.append((number, line.strip()))
        elif kind == "other" and last is not None:
            last.extra.append(line.strip())
    entries = _finish_zoom(entries)
    if sum(len(text.split()) for _, text in preamble) >= _PREAMBLE_WORDS:
        text = "\n".join(text for _, text in preamble)
        entries.insert(0, Line(preamble[0][0], "", text, None, file_day, "preamble"))
    return resolve_relays(entries)


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
    nick = _bare_nick(groups.get("nick") or groups.get("nick2") or "")
    text = groups.get("text") or ""
    if style == "action":
        text = f"* {nick} {text}"
    if groups.get("date"):
        day = find_date(groups["date"]) or day
    clock = _clock(groups.get("time"), groups.get("ampm"))
    if style == "action":
        stamp = _STAMP_CLOCK.match(match.string)
        clock = _clock(stamp.group(1), stamp.group(2)) if stamp else None
    return Line(number, nick, text, clock, day if style != "zoom" else None, style)


def _bare_nick(nick: str) -> str:
    return nick.strip().lstrip("@+%&~").strip()


def _clock(value: str | None, ampm: str | None = None) -> float | None:
    if not value:
        return None
    parts = [int(p) for p in value.split(":")]
    hours = parts[0]
    if ampm:
        hours = hours % 12 + (12 if ampm.lower() == "p" else 0)
    return hours * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0)


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
        entry.extra = []
        if text:
            kept.append(entry)
    return kept


def _quoted_message(previous: list[Line], quote: str) -> str | None:
    quote = quote.strip()
    for entry in reversed(previous):
        if quote and entry.text.startswith(quote):
            return f"line {entry.number}"
    return None


# ---------------------------------------------------------------- relays


def _relayed(entry: Line) -> tuple[str, str] | None:
    """The (speaker, text) a message carries inside it, if it looks relayed."""
    if entry.style not in ("irc", "action"):
        return None
    text = entry.text
    if entry.style == "action":
        return None
    match = _RELAYED.match(text)
    if match:
        inner = _bare_nick(match.group("nick") or match.group("nick2") or "")
        inner = inner.split("@", 1)[0] if "@" in inner[1:] else inner
        if inner and inner.casefold() != entry.nick.casefold():
            return inner, match.group("text").strip()
        return None
    action = _RELAYED_ACTION.match(text)
    if action and action.group("nick").casefold() != entry.nick.casefold():
        inner = _bare_nick(action.group("nick"))
        return inner, f"* {inner} {action.group('text').strip()}"
    return None


def resolve_relays(entries: list[Line]) -> list[Line]:
    """Messages of relay bots attributed to the speaker inside them.

    A nick is a relay when most of its messages (at least two) carry another speaker
    (``<other> text``, ``[Net/other] text``, ``* other waves``), or when its name says it
    is a relay or bridge and at least one does. Its other lines are marked as a bot's.
    """
    relayed: dict[str, list[tuple[Line, tuple[str, str]]]] = {}
    totals: dict[str, int] = {}
    for entry in entries:
        if not entry.nick:
            continue
        totals[entry.nick] = totals.get(entry.nick, 0) + 1
        inner = _relayed(entry)
        if inner:
            relayed.setdefault(entry.nick, []).append((entry, inner))
    for nick, items in relayed.items():
        share = len(items) / totals[nick]
        if not ((len(items) >= 2 and share >= RELAY_SHARE) or _BOT_NAME.search(nick)):
            continue
        carried = {id(entry) for entry, _ in items}
        for entry in entries:
            if entry.nick == nick and id(entry) not in carried:
                entry.is_bot = True
        for entry, (speaker, text) in items:
            entry.nick, entry.text = speaker, text
    return entries


# ---------------------------------------------------------------- dates


def companion_title(path: Path) -> tuple[str | None, datetime | None]:
    """The title of a file with the same stem next to the log, and the date it states.

    A meeting recap or notes page (``NNN.rst`` next to ``NNN.log``) usually titles the
    meeting with its date; its title is the first heading (reST underline, ``#``
    heading, front matter ``title:`` or HTML ``<title>``). The date is the title's, or
    a ``Date:`` line near the top.
    """
    for suffix in COMPANION_SUFFIXES:
        other = path.with_suffix(suffix)
        if other == path or not other.is_file():
            continue
        try:
            with other.open("rb") as f:
                head = _decode(f.read(8192))
        except OSError:
            continue
        title = _first_title(split_lines(head))
        date = find_date(title) if title else None
        if date is None:
            for line in split_lines(head)[:20]:
                if re.match(r"^\W*(?:date|when)\W*:", line, re.I):
                    date = find_date(line)
                    if date:
                        break
        if title or date:
            return title, date
    return None, None


def _first_title(lines: list[str]) -> str | None:
    if lines and lines[0].strip() == "---":  # front matter
        for line in lines[1:40]:
            if line.strip() in ("---", "..."):
                break
            match = re.match(r"^title\s*:\s*(.+)$", line.strip(), re.I)
            if match:
                return _tidy_title(match.group(1).strip("'\""))
    text = "\n".join(lines[:60])
    match = re.search(r"<title>(.*?)</title>", text, re.I | re.S)
    if match:
        return _tidy_title(html.unescape(match.group(1)))
    content = [(i, line.strip()) for i, line in enumerate(lines[:60]) if line.strip()]
    for position, (index, line) in enumerate(content[:6]):
        heading = re.match(r"^#{1,3}\s+(.+?)\s*#*$", line)
        if heading:
            return _tidy_title(heading.group(1))
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        underline = re.fullmatch(r"([=\-~^*#])\1{2,}", following)
        if underline and not re.fullmatch(r"([=\-~^*#])\1{2,}", line):
            return _tidy_title(line)
        if re.fullmatch(r"([=\-~^*#])\1{2,}", line) and position + 1 < len(content):
            continue  # an overline: the title is the next line
    return None


def _tidy_title(title: str) -> str | None:
    title = " ".join(re.sub(r"[*_`]+", "", title).split())
    return title or None


def date_entries(
    entries: list[Line], stated: datetime | None, file_day: datetime | None
) -> tuple[datetime | None, str | None]:
    """Give every message its day; returns the log's day and where it comes from
    (``header``, ``title`` for a companion's title, ``filename``).

    The log's own days (``Log opened``, ``Day changed``, dated lines) come first, but a
    companion's stated day within :data:`COMPANION_DAY_SLACK` days of them moves every
    message onto it (the log is in the logger's local time, the recap states the meeting's
    day). Messages before any stated day take the log's day.
    """
    own = next((e for e in entries if e.day is not None and e.style != "preamble"), None)
    base: datetime | None
    if own is not None and own.day is not None:
        shift = (
            (stated.date() - (own.day + timedelta(days=own.days_on)).date()).days if stated else 0
        )
        if stated is not None and abs(shift) <= COMPANION_DAY_SLACK:
            for entry in entries:
                if entry.day is not None:
                    entry.day += timedelta(days=shift)
            base, source = stated, "title"
        else:
            base, source = own.day, "header"
    elif stated is not None:
        base, source = stated, "title"
    elif file_day is not None:
        base, source = file_day, "filename"
    else:
        return None, None
    for entry in entries:
        if entry.day is None and entry.style != "zoom":  # Zoom times are meeting offsets
            entry.day = base
    return base, source


# ---------------------------------------------------------------- records


def _absolute(entry: Line) -> float | None:
    """Seconds since a fixed origin (the day's ordinal when known, else the log's start)."""
    if entry.clock is None:
        return None
    origin = entry.day.toordinal() * 86400 if entry.day is not None else 0
    return origin + 86400 * entry.days_on + entry.clock


def group_sessions(entries: list[Line]) -> list[list[Line]]:
    """Split at pauses longer than 45 minutes, or every ``WINDOW_LINES`` lines without times."""
    if all(e.clock is None for e in entries):
        return _windows(entries)
    groups: list[list[Line]] = [[]]
    previous: float | None = None
    for entry in entries:
        moment = _absolute(entry)
        gap = SESSION_GAP.total_seconds()
        if moment is not None and previous is not None and moment - previous > gap:
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
    midnight = entry.day.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=UTC)
    return midnight + timedelta(days=entry.days_on, seconds=entry.clock)


def _record(
    path: Path,
    channel: str,
    group: list[Line],
    day: datetime | None,
    windowed: bool,
    title: str | None = None,
) -> Record:
    first, last = group[0], group[-1]
    times = [t for t in (_time(e) for e in group) if t]
    created = times[0] if times else (first.day or day)
    if title:
        name = title
        if windowed:
            name += created.strftime(" (%H:%M)") if times and created else ""
    else:
        name = channel + (
            created.strftime(" %Y-%m-%d %H:%M" if times else " %Y-%m-%d") if created else ""
        )
    if windowed and not times:
        name += f" (lines {first.number}-{last.number})"
    nicks = list(dict.fromkeys(e.nick for e in group if e.nick and not e.is_bot))
    return Record(
        key=f"chatlog:{path}:{first.number}",
        kind="chat",
        source="chatlog",
        source_path=str(path),
        title=name,
        created=created,
        ended=times[-1] if times else None,
        participants=[Identity(name=nick, handle=nick) for nick in nicks],
        channel=channel,
        access=Access("public"),
        messages=[_message(e) for e in group],
    )


def _message(entry: Line) -> Message:
    return Message(
        author=Identity(name=entry.nick, handle=entry.nick or None),
        text=entry.text,
        time=_time(entry),
        locator=f"line {entry.number}",
        reply_to=entry.reply_to,
        is_bot=entry.is_bot,
    )


def _channel(path: Path, lines: list[str]) -> str:
    """A channel named in the log header, else the file name without dates."""
    for line in lines[:50]:
        match = re.search(r"(?:Session Ident:|Channel:|Log opened .*?)\s*([#&][^\s,]+)", line)
        if match:
            return match.group(1)
    for line in lines[:100]:
        match = _CHANNEL_MENTION.search(line)
        if match:
            return match.group(1)
    stem = re.sub(r"[._-]?\d{4}-?\d{2}-?\d{2}.*$", "", path.stem) or path.stem
    if stem.lower() in GENERIC_STEMS or not re.search(r"[^\W\d_]", stem):
        return path.parent.name  # "chat", "log", "124": the folder says more
    return stem

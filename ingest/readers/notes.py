"""Reader for meeting notes and memos written as Markdown or plain text.

Metadata comes from YAML front matter, else from header lines (``# Title``,
``Date: 2025-03-04``, ``Attendees: A, B``, ``**Moderator**: X``, an ``## Attendees`` list),
else from the file name and mtime. Sections follow the document's headings; each gets the
heading path, its starting line and the people it names.

:func:`looks_like_meeting_notes`, :func:`find_people`, :func:`attendees_from_lines` and
:func:`parse_date` are shared with the office reader.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from ingest.records import Identity, Problem, ReadError, Record, Section
from ingest.sources import ReadResult
from search.store.kinds import Kind

NAME = "notes"
SOURCES: dict[str, str] = {".md": "markdown", ".markdown": "markdown", ".txt": "text"}

HEADER_SCAN_LINES = 40  # metadata fields (date, author, title) are looked for this far down

# ---------------------------------------------------------------------------- decoding


def decode_text(raw: bytes) -> tuple[str, str | None]:
    """Decode bytes as UTF-16 (BOM), UTF-8 (with or without BOM), then cp1252; never fails.

    Returns the text and a warning when characters had to be replaced.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace"), None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding), None
        except UnicodeDecodeError:
            continue
    return raw.decode("cp1252", errors="replace"), "undecodable bytes replaced (read as cp1252)"


# ---------------------------------------------------------------------------- dates

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_YEAR = r"(?P<y>(?:19|20)\d\d)"
_DATE_PATTERNS = (
    re.compile(rf"(?<!\d){_YEAR}[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}})(?!\d)"),
    re.compile(rf"\b{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+{_YEAR}\b", re.I),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.I),
)
_TIME_AFTER_DATE = re.compile(
    r"^\D{0,12}?(?P<h>\d{1,2}):(?P<mi>\d\d)(?::\d\d)?(?:\s*-\s*\d{1,2}:\d\d)?\s*(?:UTC|GMT|Z)\b"
)


def parse_date(text: str) -> datetime | None:
    """The first full date (with a year) in ``text`` as an aware UTC datetime, or None.

    Understands ``2025-03-04``, ``2025/4/25``, ``2024.7.24``, ``Mar 14, 2025``,
    ``March 4th 2025`` and ``26 February 2021``; a following ``HH:MM UTC`` sets the time.
    """
    found: list[tuple[int, re.Match[str]]] = []
    for pattern in _DATE_PATTERNS:
        match = pattern.search(text)
        if match:
            found.append((match.start(), match))
    for _, match in sorted(found, key=lambda item: item[0]):
        parsed = _date_from_match(match, text[match.end() :])
        if parsed:
            return parsed
    return None


def _date_from_match(match: re.Match[str], rest: str) -> datetime | None:
    parts = match.groupdict()
    month = int(parts["m"]) if parts.get("m") else _MONTHS[parts["mon"][:3].lower()]
    hour = minute = 0
    time_match = _TIME_AFTER_DATE.match(rest)
    if time_match:
        hour, minute = int(time_match["h"]), int(time_match["mi"])
    try:
        return datetime(int(parts["y"]), month, int(parts["d"]), hour, minute, tzinfo=UTC)
    except ValueError:
        return None


def as_utc(value: object) -> datetime | None:
    """A YAML/front-matter/core-property date value as an aware UTC datetime, or None."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        return parse_date(value)
    return None


# ---------------------------------------------------------------------------- inline markdown

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_BR = re.compile(r"<br\s*/?>", re.I)
_TAG = re.compile(
    r"</?(?:a|b|i|u|s|em|strong|del|ins|sub|sup|span|div|p|center|font|details|summary|img"
    r"|hr|table|thead|tbody|tr|td|th)\b[^>]*>",
    re.I,
)


def clean_inline(text: str, keep_urls: bool = True) -> str:
    """Markdown inline syntax as readable text: ``[t](u)`` -> ``t (u)``, no ``**``, no tags."""
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(lambda m: _link_text(m[1], m[2], keep_urls), text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _BOLD.sub(r"\2", text)
    text = _BR.sub(" ", text)
    return _TAG.sub("", text)


def _link_text(label: str, url: str, keep_urls: bool) -> str:
    label = label.strip()
    if not keep_urls or not url or url.startswith("#"):
        return label or url
    if not label or label == url:
        return url
    return f"{label} ({url})"


def clean_heading(text: str) -> str:
    """A heading's text without markup, links reduced to their label."""
    text = clean_inline(_COMMENT.sub("", text), keep_urls=False)
    return " ".join(text.replace("`", "").split()).strip(" :")


# ---------------------------------------------------------------------------- people

_STOP_WORDS = frozenset(
    {
        "a", "action", "actions", "agenda", "answer", "attendance", "attendees", "audio", "author",
        "background", "chair", "comment", "comments", "con", "concern", "concerns", "conclusion",
        "cons", "consensus", "context", "current", "date", "decision", "decisions", "deadline",
        "description", "details", "discussion", "duration", "edit", "example", "feedback", "follow",
        "from", "goal", "goals", "host", "impact", "important", "issue", "issues", "link", "links",
        "location", "meeting", "minutes", "moderator", "next", "note", "notes", "option", "options",
        "original", "outcome", "overview", "owner", "participants", "plan", "plans", "present",
        "prev", "previous", "priority", "pro", "problem", "proposal", "pros", "ps", "purpose", "q",
        "question", "questions", "recording", "reference", "references", "result", "results",
        "risk", "risks", "solution", "source", "spec", "specs", "status", "step", "steps",
        "subject", "summary", "takeaway", "takeaways", "team", "teams", "test", "testing",
        "thread", "time", "timeline", "title", "tl;dr", "tldr", "to", "todo", "topic", "update",
        "updates", "use", "video", "warning", "when", "where", "yes", "no",
    }
)  # fmt: skip
_PARTICLES = frozenset({"von", "van", "de", "der", "den", "da", "di", "del", "la", "le", "bin"})
_BOLD_LINE_LABEL = re.compile(
    r"^\s*(?:[-*+•]\s+)?\*\*(?P<name>[^*\n]{1,60}?)\s*(?::\s*\*\*|\*\*\s*:|\*\*\s*$)"
)
_BOLD_LABEL = re.compile(r"^\s*(?:[-*+•]\s+)?\*\*(?P<name>[^*\n]{1,60}?)\s*(?::\s*\*\*|\*\*\s*:)")
_PLAIN_LABEL = re.compile(r"^\s*(?:[-*+•>]\s+)?(?P<name>[^\W\d_][\w .'-]{0,40}?)\s*:\s+\S")
_MENTION = re.compile(
    r"(?:(?<=^)|(?<=[\s(\[,;]))@([A-Za-z0-9][\w.-]{0,38}[A-Za-z0-9_]|[A-Za-z0-9])(?![\w@])"
)


def looks_like_name(text: str) -> bool:
    """True for 1-4 capitalised words without digits that are not a common field label."""
    words = text.split()
    if not 1 <= len(words) <= 4 or words[0].lower() in _STOP_WORDS:
        return False
    if text.lower() in _STOP_WORDS:
        return False
    return all(_name_word(word) for word in words)


def _name_word(word: str) -> bool:
    if word in _PARTICLES:
        return True
    if not re.fullmatch(r"[^\W\d_][^\W\d_.'-]*(?:[.'-][^\W\d_]*)*\.?", word):
        return False
    return word[0].isupper() and not (len(word) > 1 and word.isupper())


def _label_name(raw: str) -> str:
    """``Sudeep | Erigon`` -> ``Sudeep``; ``Tim Beiko (EF)`` -> ``Tim Beiko``."""
    return re.split(r"[|(\[]", raw, maxsplit=1)[0].strip(" .:*_")


def turn_labels(line: str) -> list[tuple[str, bool]]:
    """Speaker/turn labels in one raw line: ``(name, is_bold)`` pairs.

    The line is also split at ``<br>`` and table pipes, so labels inside table cells count.
    """
    found: list[tuple[str, bool]] = []
    whole = _BOLD_LINE_LABEL.match(line)
    if whole:
        found.append((_label_name(whole["name"]), True))
    for k, fragment in enumerate(re.split(r"<br\s*/?>|\|", line, flags=re.I)):
        if k == 0 and whole:
            continue
        if bold := _BOLD_LABEL.match(fragment):
            found.append((_label_name(bold["name"]), True))
        elif plain := _PLAIN_LABEL.match(fragment):
            found.append((_label_name(plain["name"]), False))
    return [(name, bold) for name, bold in found if looks_like_name(name)]


def speaker_labels(lines: Iterable[str], known: Sequence[str] = ()) -> set[str]:
    """Labels that name people: bold ones, known people (or their unique first name), and
    plain ones used at least twice."""
    counts: Counter[str] = Counter()
    accepted: set[str] = set()
    for line in lines:
        for name, bold in turn_labels(line):
            counts[name] += 1
            if bold or _resolve(name, known) in known:
                accepted.add(name)
    return accepted | {name for name, count in counts.items() if count >= 2}


def find_people(text: str, known: Sequence[str], speakers: set[str] | None = None) -> list[str]:
    """People a piece of text names: known names, ``@mentions`` and speaker turn labels.

    ``speakers`` is the set of labels accepted for the whole document (see
    :func:`speaker_labels`); labels that are a known person's first name map to that person.
    """
    speakers = speaker_labels(text.splitlines(), known) if speakers is None else speakers
    found: list[str] = []
    for line in text.splitlines():
        for name, _bold in turn_labels(line):
            if name in speakers:
                found.append(_resolve(name, known))
    found += [name for name in known if _mentions(text, name)]
    found += ["@" + handle for handle in _MENTION.findall(text)]
    return list(dict.fromkeys(found))


def _resolve(label: str, known: Sequence[str]) -> str:
    lowered = label.lower()
    for name in known:
        if name.lower() == lowered:
            return name
    by_first = [name for name in known if name.split()[0].lower() == lowered]
    return by_first[0] if len(by_first) == 1 else label


def _mentions(text: str, name: str) -> bool:
    if len(name) < 3:
        return False
    flags = re.I if " " in name else 0
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, flags) is not None


# ---------------------------------------------------------------------------- header fields

_FIELD = re.compile(
    r"^\s{0,3}(?:[-*+]\s+)?(?:#{1,6}\s+)?(?:\*\*|__)?\s*(?P<key>[A-Za-z][A-Za-z &/.'-]{0,38}?)"
    r"\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(?P<value>.*?)\s*$"
)
_DATE_KEYS = frozenset(
    {"date", "date & time", "date and time", "date/time", "meeting date", "meeting date/time",
     "meeting date & time", "meeting date and time", "when", "held on", "created"}
)  # fmt: skip
_AUTHOR_KEYS = frozenset(
    {"author", "authors", "from", "by", "written by", "prepared by", "notes by", "note taker",
     "notetaker", "note-taker", "minutes by", "scribe", "notes"}
)  # fmt: skip
_ATTENDEE_KEYS = frozenset(
    {"attendees", "attendee", "participants", "present", "attendance", "moderator",
     "moderators", "facilitator", "facilitators", "chair", "host", "hosts"}
)  # fmt: skip
_METADATA_KEYS = (
    _DATE_KEYS | _AUTHOR_KEYS | _ATTENDEE_KEYS | {"duration", "meeting duration", "title"}
)
_ATTENDEE_HEADINGS = re.compile(
    r"^(attendees|attendance|participants|present|who was there)\b", re.I
)
_EDITED_BY = re.compile(r"^(?P<author>[^\n]{1,60}?) edited this page on (?P<date>.+)$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+(?P<item>.+)$")
_BOLD_ONLY = re.compile(r"^\s*\*\*(?P<item>[^*]+)\*\*\s*$")


def field_of(line: str) -> tuple[str, str] | None:
    """A ``Key: value`` header line as ``(key lowercased, value)``, or None."""
    match = _FIELD.match(line)
    if not match or not match["value"]:
        return None
    return " ".join(match["key"].lower().split()), match["value"]


def split_names(value: str) -> list[str]:
    """``A, B & C`` / ``A; B and C`` as a list of clean names (URLs and sentences dropped)."""
    text = clean_inline(value, keep_urls=False)
    names = []
    for part in re.split(r"[,;]|\s+&\s+|\s+and\s+", text):
        name = clean_person(part)
        if name:
            names.append(name)
    return names


def clean_person(text: str) -> str | None:
    """One attendee entry as a name: markup and parentheses removed; None if not a name."""
    name = re.sub(r"\([^)]*\)|<[^>]*>", "", clean_inline(text, keep_urls=False))
    name = " ".join(name.replace("*", "").split()).strip(" .:-[]'\"")
    if not name or len(name) > 60 or len(name.split()) > 6 or "://" in name:
        return None
    if not any(ch.isalpha() for ch in name) or name.lower() in _STOP_WORDS:
        return None
    return name


def _person_names(value: str) -> list[str]:
    return [name for name in split_names(value) if looks_like_name(name)]


def attendees_from_lines(lines: Sequence[str]) -> list[str]:
    """Attendees named by ``Attendees:``/``Participants:``/``Moderator:``... lines."""
    names: list[str] = []
    for line in lines:
        parsed = field_of(line)
        if parsed and parsed[0] in _ATTENDEE_KEYS:
            names += split_names(parsed[1])
    return names


def attendees_from_block(lines: Sequence[str]) -> list[str]:
    """Names listed under an ``Attendees`` heading: list items, bold lines or a name line."""
    for pattern in (_LIST_ITEM, _BOLD_ONLY):
        items = [m["item"] for line in lines if (m := pattern.match(line))]
        if items:
            return [name for item in items if (name := clean_person(item))]
    text = " ".join(line.strip() for line in lines if line.strip())
    return split_names(text) if text and not text.endswith(".") else []


def is_attendee_heading(text: str) -> bool:
    """True for an ``Attendees``/``Attendance``/``Participants``/``Present`` heading."""
    return _ATTENDEE_HEADINGS.match(text) is not None


def _dedupe_names(names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.casefold(), name)
    return list(seen.values())


# ---------------------------------------------------------------------------- meeting heuristic

_MEETING_WORDS = re.compile(
    r"\b(minutes|meeting|sync|standup|stand-up|stand up|weekly|call|retro|retrospective|1:1"
    r"|one-on-one|kickoff|kick-off|all-hands|huddle|breakout)\b",
    re.I,
)
_ATTENDEE_LINE = re.compile(
    r"^\s*(?:#{1,6}\s*(?:attendees|participants|present|attendance)\b"
    r"|(?:[-*]\s+)?\**(?:attendees|participants|present|attendance)\**\s*:)",
    re.I | re.M,
)
_AGENDA_LINE = re.compile(r"^\s*(?:#{1,6}\s*)?[-*]?\s*\**agenda\b", re.I | re.M)
_ACTIONS_LINE = re.compile(
    r"^\s*(?:#{1,6}\s*)?[-*>]?\s*\**(action items?|actions?|next steps|todos?|follow-?ups?)\b",
    re.I | re.M,
)
_DECISIONS_LINE = re.compile(
    r"^\s*(?:#{1,6}\s*)?[-*]?\s*\**(decisions?|decided|resolutions?)\b", re.I | re.M
)


def looks_like_meeting_notes(
    title: str, path: Path | None, text: str, attendees: Sequence[str] = ()
) -> bool:
    """True when a document reads as meeting notes rather than a memo.

    Strong signals (any one): an attendee list, an ``Attendees:``/``Participants:`` line,
    a meeting word (minutes, meeting, sync, standup, weekly, call, ...) in the title or file
    name. Otherwise two weak ones: an agenda, action items, decisions, speaker turns, a
    meeting word in the folder name.
    """
    stem = path.stem.replace("_", " ").replace("-", " ") if path else ""
    if attendees or _ATTENDEE_LINE.search(text) or _meeting_word(f"{title}\n{stem}"):
        return True
    folder = path.parent.name.replace("_", " ").replace("-", " ") if path else ""
    weak = [
        bool(_AGENDA_LINE.search(text)),
        bool(_ACTIONS_LINE.search(text)),
        bool(_DECISIONS_LINE.search(text)),
        len(speaker_labels(text.splitlines())) >= 2,
        _meeting_word(folder),
    ]
    return sum(weak) >= 2


def _meeting_word(text: str) -> bool:
    """A meeting word, ignoring acronyms/opcodes in a mixed-case text (``CALL``, ``SYNC``)."""
    shouting = text.isupper()
    return any(shouting or not m[0].isupper() for m in _MEETING_WORDS.finditer(text))


# ---------------------------------------------------------------------------- document model


@dataclass(slots=True)
class _Heading:
    level: int
    text: str
    line: int
    raw: str = ""  # the heading's source text, links and all


@dataclass(slots=True)
class _Text:
    line: int
    text: str


_Item = _Heading | _Text


@dataclass(slots=True)
class _Meta:
    title: str | None = None
    created: datetime | None = None
    author: str | None = None
    attendees: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- markdown structure

_ATX = re.compile(r"^ {0,3}(?P<hashes>#{1,6})(?:[ \t]+(?P<text>.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(?P<char>=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)+\|?\s*$")


def markdown_items(lines: Sequence[str], first_line: int) -> list[_Item]:
    """Headings (ATX and setext) and text lines; fenced code is text, rules are dropped."""
    items: list[_Item] = []
    in_fence = False
    i = 0
    while i < len(lines):
        line, number = lines[i], first_line + i
        if _FENCE.match(line):
            in_fence = not in_fence
        elif in_fence:
            items.append(_Text(number, line))
        elif (atx := _ATX.match(line)) and atx["text"]:
            text = atx["text"]
            items.append(_Heading(len(atx["hashes"]), clean_heading(text), number, text))
        elif _is_setext(lines, i):
            level = 1 if lines[i + 1].strip().startswith("=") else 2
            items.append(_Heading(level, clean_heading(line), number, line))
            i += 1
        elif not _RULE.match(line):
            items.append(_Text(number, line))
        i += 1
    return items


def _is_setext(lines: Sequence[str], i: int) -> bool:
    if i + 1 >= len(lines) or not _SETEXT.match(lines[i + 1]):
        return False
    line = lines[i]
    if not line.strip() or line.startswith((" " * 4, "\t")) or "|" in line:
        return False
    return not (_LIST_ITEM.match(line) or line.lstrip().startswith(">") or _RULE.match(line))


# ---------------------------------------------------------------------------- plain-text structure

_CAPS_HEADING = re.compile(r"^[^a-z]*[A-Z][^a-z]*[A-Z][^a-z]*$")
_NUMBERED = re.compile(r"^\s{0,3}(?P<num>\d+(?:\.\d+)*)[.)]\s+(?P<text>\S.{0,78})$")


def text_items(lines: Sequence[str], first_line: int) -> list[_Item]:
    """Headings in plain text: ALL CAPS lines, ``Label:`` lines before a list,
    stand-alone numbered agenda items, and setext underlines."""
    items: list[_Item] = []
    i = 0
    while i < len(lines):
        line, number = lines[i], first_line + i
        level = _text_heading_level(lines, i)
        if _is_setext(lines, i):
            items.append(_Heading(1 if lines[i + 1].strip()[0] == "=" else 2, line.strip(), number))
            i += 1
        elif level:
            items.append(_Heading(level, line.strip().rstrip(":").strip(), number))
        else:
            items.append(_Text(number, line))
        i += 1
    return items


def _text_heading_level(lines: Sequence[str], i: int) -> int:
    line = lines[i].strip()
    if not line or len(line) > 60 or len(line.split()) > 8 or field_of(line):
        return 0
    if _LIST_ITEM.match(line) and not _NUMBERED.match(line):
        return 0
    if _CAPS_HEADING.match(line) and sum(ch.isalpha() for ch in line) >= 3:
        return 1
    nxt = _neighbour(lines, i, +1)
    if line.endswith(":") and nxt is not None and _LIST_ITEM.match(nxt):
        return 1
    numbered = _NUMBERED.match(lines[i])
    if numbered and not line.endswith((".", ",", ";")) and nxt is not None:
        prev = lines[i - 1] if i > 0 else ""
        if not _NUMBERED.match(nxt) and not _NUMBERED.match(prev):  # not part of a tight list
            return 2 + numbered["num"].count(".")
    return 0


def _neighbour(lines: Sequence[str], i: int, step: int) -> str | None:
    j = i + step
    while 0 <= j < len(lines):
        if lines[j].strip():
            return lines[j]
        j += step
    return None


# ---------------------------------------------------------------------------- sections


def demote_leaf_headings(items: Sequence[_Item], keep: _Heading | None) -> list[_Item]:
    """Turn headings with no body and no sub-headings into text lines of their parent.

    Notes often put metadata in headings (``### Date: Jan 31, 2023``, ``### [Agenda](url)``):
    they read as lines of the enclosing section, not as empty sections. ``keep`` (the title
    heading) is never demoted.
    """
    out: list[_Item] = []
    for k, item in enumerate(items):
        if isinstance(item, _Heading) and item is not keep:
            nxt = next((x for x in items[k + 1 :] if not _blank(x)), None)
            leaf = nxt is None or (isinstance(nxt, _Heading) and nxt.level <= item.level)
            if leaf or _is_metadata_field(item.raw or item.text):
                out.append(_Text(item.line, item.raw or item.text))
                continue
        out.append(item)
    return out


def _is_metadata_field(text: str) -> bool:
    """``Date: ...``, ``Moderator: ...``, ``Notes: Jane`` written as a heading."""
    parsed = field_of(text)
    return parsed is not None and parsed[0] in _METADATA_KEYS


def _blank(item: _Item) -> bool:
    return isinstance(item, _Text) and not item.text.strip()


@dataclass(slots=True)
class _Draft:
    heading: str
    line: int
    lines: list[str] = field(default_factory=list)


def draft_sections(
    items: Sequence[_Item], title_heading: _Heading | None, title: str
) -> list[_Draft]:
    """Group items under heading paths; the title heading is not part of any path."""
    drafts: list[_Draft] = []
    path: list[_Heading] = []
    first_line = next((x.line for x in items if not _blank(x)), 1)
    current = _Draft(title, title_heading.line if title_heading else first_line)
    for item in items:
        if item is title_heading:
            continue
        if isinstance(item, _Heading):
            drafts.append(current)
            while path and path[-1].level >= item.level:
                path.pop()
            path.append(item)
            current = _Draft(" > ".join(h.text for h in path if h.text), item.line)
        else:
            current.lines.append(item.text)
    drafts.append(current)
    return drafts


def render_markdown(lines: Sequence[str]) -> str:
    """Section lines as readable text: tables as rows of cells, links as ``text (url)``."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        if i + 1 < len(lines) and "|" in lines[i] and _TABLE_SEP.match(lines[i + 1]):
            end = i + 2
            while end < len(lines) and "|" in lines[end] and lines[end].strip():
                end += 1
            out += render_table(lines[i:end])
            i = end
            continue
        line = re.sub(r"^(\s*)>\s?", r"\1", lines[i])
        out.append(_BR.sub("\n", clean_inline(line)).rstrip())
        i += 1
    return tidy("\n".join(out))


def render_table(lines: Sequence[str]) -> list[str]:
    """A pipe table as ``a | b | c`` rows; empty first cells repeat the row above."""
    rows = [_cells(line) for k, line in enumerate(lines) if k != 1]
    out: list[str] = []
    previous_first = ""
    for row in rows:
        if row and not row[0] and previous_first:
            row[0] = previous_first
        previous_first = row[0] if row else previous_first
        out.append(" | ".join(_clean_cell(cell) for cell in row if cell))
    return out


def _clean_cell(cell: str) -> str:
    """A table cell; ``<br>`` line breaks become indented continuation lines."""
    return "\n    ".join(clean_inline(part).strip() for part in _BR.split(cell))


def _cells(line: str) -> list[str]:
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line)]


def tidy(text: str) -> str:
    """Trailing spaces removed, runs of blank lines collapsed, ends trimmed."""
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


# ---------------------------------------------------------------------------- metadata


def front_matter(lines: Sequence[str]) -> tuple[dict[str, object] | None, int, str | None]:
    """YAML front matter: ``(metadata or None, lines it spans, error)``.

    A block that does not parse is still skipped (its lines stay available for the
    header-line fallback) and reported as an error.
    """
    if not lines or lines[0].strip() != "---":
        return None, 0, None
    end = next((k for k in range(1, min(len(lines), 200)) if lines[k].strip() in ("---", "...")), 0)
    if not end:
        return None, 0, None
    import frontmatter  # python-frontmatter's YAML handler (PyYAML safe loader)

    try:
        data = frontmatter.YAMLHandler().load("\n".join(lines[1:end]))
    except Exception as exc:  # any YAML error; the message names line and column
        reason = " ".join(str(exc).split())[:200]
        return None, end + 1, f"malformed front matter: {reason}"
    if not isinstance(data, dict):
        return None, end + 1, "malformed front matter: not a mapping"
    return {str(k).lower(): v for k, v in data.items()}, end + 1, None


def meta_from_front_matter(data: dict[str, object]) -> _Meta:
    """title, date, author, attendees/participants from front-matter fields."""
    meta = _Meta()
    title = data.get("title")
    meta.title = clean_heading(str(title)) if title else None
    meta.created = next((as_utc(data[k]) for k in ("date", "created", "when") if k in data), None)
    author = data.get("author") or data.get("authors")
    meta.author = _names_of(author)[0] if _names_of(author) else None
    for key in ("attendees", "participants", "present"):
        meta.attendees += _names_of(data.get(key))
    return meta


def _names_of(value: object) -> list[str]:
    if isinstance(value, str):
        return split_names(value)
    if isinstance(value, list):
        return [name for v in value if isinstance(v, str | int) and (name := clean_person(str(v)))]
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return _names_of(value["name"])
    return []


def meta_from_lines(lines: Sequence[str], items: Sequence[_Item]) -> _Meta:
    """Metadata from header lines, ``... edited this page on DATE`` and attendee sections."""
    meta = _Meta()
    head = list(lines[:HEADER_SCAN_LINES])
    fields = [parsed for line in head if (parsed := field_of(line))]
    meta.title = next((clean_heading(v) for k, v in fields if k == "title"), None)
    meta.created = next(
        (d for k, v in fields if k in _DATE_KEYS and (d := parse_date(clean_inline(v, False)))),
        None,
    )
    meta.author = next(
        (n[0] for k, v in fields if k in _AUTHOR_KEYS and len(n := _person_names(v)) == 1), None
    )
    edited = next((m for line in head[:3] if (m := _EDITED_BY.match(line.strip()))), None)
    if edited:
        meta.author = meta.author or clean_person(edited["author"])
        meta.created = meta.created or parse_date(edited["date"])
    meta.created = meta.created or _standalone_date(head[:20])
    meta.attendees = attendees_from_lines(lines) + _attendee_sections(items)
    return meta


def _standalone_date(lines: Sequence[str]) -> datetime | None:
    for line in lines:
        text = clean_heading(line)
        if text and len(text.split()) <= 12 and "|" not in line and field_of(line) is None:
            found = parse_date(text)
            if found:
                return found
    return None


def _attendee_sections(items: Sequence[_Item]) -> list[str]:
    names: list[str] = []
    for k, item in enumerate(items):
        if isinstance(item, _Heading) and is_attendee_heading(item.text):
            body: list[str] = []
            for nxt in items[k + 1 :]:
                if isinstance(nxt, _Heading):
                    break
                body.append(nxt.text)
            names += attendees_from_block(body)
    return names


# ---------------------------------------------------------------------------- reader


def detect(path: Path) -> bool:
    """Markdown and plain-text files (chat logs and transcripts are claimed by earlier readers)."""
    return path.suffix.lower() in SOURCES and path.is_file()


def read(path: Path) -> ReadResult:
    """Read one notes/memo file into a single :class:`Record`."""
    path = path.resolve()
    raw = path.read_bytes()
    if not raw.strip():
        raise ReadError("empty file")
    text, decode_problem = decode_text(raw)
    if not text.strip():
        raise ReadError("empty file")
    problems = [Problem(str(path), decode_problem)] if decode_problem else []
    record, parse_problems = build_record(path, text, SOURCES[path.suffix.lower()])
    return ReadResult(records=[record], problems=problems + parse_problems)


def build_record(path: Path, text: str, source: str) -> tuple[Record, list[Problem]]:
    """The record for already-decoded ``text`` read from ``path``."""
    text = _COMMENT.sub(lambda m: "\n" * m[0].count("\n"), text.replace("\r\n", "\n"))
    lines = text.replace("\r", "\n").split("\n")
    data, skip, error = front_matter(lines)
    problems = [Problem(str(path), error, "line 1")] if error else []
    parse = markdown_items if source == "markdown" else text_items
    items = parse(lines[skip:], 1 + skip)
    meta = _merge_meta(
        meta_from_front_matter(data) if data else _Meta(), meta_from_lines(lines, items)
    )
    title_heading = _title_heading(items, source)
    title = meta.title or (title_heading.text if title_heading else None) or _stem_title(path)
    if title_heading and title_heading.text.casefold() != title.casefold():
        title_heading = None  # e.g. front matter names another title: the heading stays
    created = meta.created or parse_date(title) or parse_date(path.stem) or _mtime(path)
    attendees = _dedupe_names(meta.attendees)
    known = _dedupe_names([*attendees, *([meta.author] if meta.author else [])])
    sections = _sections(items, title_heading, title, known, source)
    participants = [Identity(name=name) for name in known]
    meeting = looks_like_meeting_notes(title, path, text, attendees)
    kind: Kind = "meeting_notes" if meeting else "memo"
    record = Record(
        key=f"file:{path}",
        kind=kind,
        source=source,
        source_path=str(path),
        title=title,
        created=created,
        participants=participants,
        sections=sections,
    )
    return record, problems


def _merge_meta(primary: _Meta, fallback: _Meta) -> _Meta:
    return _Meta(
        title=primary.title or fallback.title,
        created=primary.created or fallback.created,
        author=primary.author or fallback.author,
        attendees=primary.attendees + fallback.attendees,
    )


def _title_heading(items: Sequence[_Item], source: str) -> _Heading | None:
    """The heading that opens the document (before any body text other than header fields)."""
    for item in items:
        if isinstance(item, _Heading):
            return item if item.text else None
        if item.text.strip() and not field_of(item.text):
            if source == "text" and _is_text_title(item.text):
                return _Heading(0, item.text.strip(), item.line)
            return None
    return None


def _is_text_title(line: str) -> bool:
    text = line.strip()
    return (
        len(text) <= 100 and not text.endswith((".", ",", ";", ":")) and not _LIST_ITEM.match(text)
    )


def _stem_title(path: Path) -> str:
    return " ".join(path.stem.replace("_", " ").split()) or path.name


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def _sections(
    items: list[_Item], title_heading: _Heading | None, title: str, known: list[str], source: str
) -> list[Section]:
    if title_heading is not None and title_heading not in items:  # a plain-text title line
        items = [
            title_heading if isinstance(x, _Text) and x.line == title_heading.line else x
            for x in items
        ]
    items = demote_leaf_headings(items, title_heading)
    speakers = speaker_labels((x.text for x in items if isinstance(x, _Text)), known)
    sections: list[Section] = []
    for draft in draft_sections(items, title_heading, title):
        raw = "\n".join(draft.lines)
        body = render_markdown(draft.lines) if source == "markdown" else tidy(raw)
        if body:
            people = find_people(raw, known, speakers)
            sections.append(Section(draft.heading or title, body, f"line {draft.line}", people))
    if not sections:
        sections.append(Section(title, title, f"line {title_heading.line if title_heading else 1}"))
    return sections

"""Reader for meeting notes and memos written as Markdown, reStructuredText or plain text.

Metadata comes from what the document says first: YAML front matter; a header at its top
(an RFC 822-style block as in Python PEPs, ``Title:``/``Date:``/``Created:``/``Author:``
lines, a bullet list of ``Key: value`` items, bold labels); a dated first heading
(``# WECG Meetings 2021, Public Notes, July 8``); then the file name, and the file's
modification time only as the last resort. ``Record.date_source`` says which one gave the
date (``front_matter``, ``header``, ``title``, ``heading``, ``filename``, ``mtime``). A generic
first heading ("Abstract", "Summary", …) is the title only when nothing better is stated.

Sections follow the document's headings; each gets the heading path, its starting line and
the people it names. People come from attendance (lists, inline lines, tables, ``Present:``
blocks, see :mod:`ingest.readers.attendance`) and author headers, with the handles, e-mails
and abbreviations written next to them; speaker tags in the minutes (``[rob]``, ``Rob:``,
``SFC:``) resolve to the attendee they name.

reStructuredText is read through :func:`ingest.readers.rst.to_markdown`.
:func:`looks_like_meeting_notes`, :func:`find_people`, :func:`attendees_from_lines` and
:func:`parse_date` are shared with the office reader.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ingest.readers import rst
from ingest.readers.attendance import (
    Roster,
    abbreviation_label,
    bracket_tags,
    entry_person,
    fold,
    inline_people,
    table_people,
)
from ingest.readers.dates import as_utc, find_date, parse_date, parse_heading_date
from ingest.readers.headers import (
    ATTENDEE_KEYS,
    AUTHOR_KEYS,
    AUTHORS_KEYS,
    DATE_KEYS,
    LATER_DATE_KEYS,
    METADATA_KEYS,
    TITLE_KEYS,
    Field,
    field_of,
    header_fields,
    normal_key,
    people_in,
    rfc822_block,
)
from ingest.readers.markup import (
    BR,
    COMMENT,
    clean_heading,
    clean_inline,
    clean_person,
    looks_like_name,
    split_names,
    unescape,
)
from ingest.readers.textutil import decode_mixed, looks_binary, read_bytes
from ingest.records import Identity, Problem, ReadError, Record, Section
from ingest.sources import ReadResult
from search.store.kinds import Kind

__all__ = [  # shared with the office reader and the tests
    "as_utc",
    "attendees_from_block",
    "attendees_from_lines",
    "clean_person",
    "decode_text",
    "field_of",
    "find_people",
    "is_attendee_heading",
    "looks_like_meeting_notes",
    "parse_date",
    "speaker_labels",
]

NAME = "notes"
SOURCES: dict[str, str] = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".rst": "rst",
    ".rest": "rst",
}

#: A notes file is read up to this many bytes (a memo is rarely a hundredth of it).
MAX_FILE_BYTES = 4 * 1024**2
HEADER_SCAN_LINES = 40  # metadata fields (date, author, title) are looked for this far down

# ---------------------------------------------------------------------------- decoding


def decode_text(raw: bytes) -> tuple[str, str | None]:
    """Decode bytes as UTF-16 (BOM) or UTF-8 (with or without BOM), reading each byte that
    is not UTF-8 as cp1252 (a Windows file, or one pasted together from both); never fails.

    Returns the text and a warning saying how many bytes were not UTF-8.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace"), None
    text, replaced = decode_mixed(raw)
    if replaced:
        return text, f"{replaced} bytes that are not UTF-8 read as cp1252"
    return text, None


# ---------------------------------------------------------------------------- people

_BOLD_LINE_LABEL = re.compile(
    r"^\s*(?:[-*+•]\s+)?\*\*(?P<name>[^*\n]{1,60}?)\s*(?::\s*\*\*|\*\*\s*:|\*\*\s*$)"
)
_BOLD_LABEL = re.compile(r"^\s*(?:[-*+•]\s+)?\*\*(?P<name>[^*\n]{1,60}?)\s*(?::\s*\*\*|\*\*\s*:)")
_PLAIN_LABEL = re.compile(r"^\s*(?:[-*+•>]\s+)?(?P<name>[^\W\d_][\w .'-]{0,40}?)\s*:\s+\S")
_MENTION = re.compile(
    r"(?:(?<=^)|(?<=[\s(\[,;]))@([A-Za-z0-9][\w.-]{0,38}[A-Za-z0-9_]|[A-Za-z0-9])(?![\w@])"
)
# "[@author](…)" next to an issue or PR reference, or as its creator: who filed the issue,
# not someone in the meeting.
_LINKED_MENTION = re.compile(r"\[\s*@[^\]]*\]\([^)]*\)")
_ISSUE_REFERENCE = re.compile(
    r"\[\s*(?:issue|pr|pull request|pull|bug|#)\s*#?\d+|/(?:issues|pull|pulls)/\d+"
    r"|^\s*(?:[-*+]\s+)?(?:creator|requester|requestor|reporter|opened by|filed by)\s*:",
    re.I,
)


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


def speaker_labels(
    lines: Iterable[str], known: Sequence[str] | Roster = (), plain: bool = True
) -> set[str]:
    """Labels that name people: bold ones, known people (or their unique first name), and
    plain ones used at least twice. With ``plain`` False only labels that name a known
    person count (in reStructuredText a ``Key: value`` or ``**Key:**`` line is a definition
    far more often than a turn)."""
    roster = _roster(known)
    counts: Counter[str] = Counter()
    accepted: set[str] = set()
    for line in lines:
        for name, bold in turn_labels(line):
            counts[name] += 1
            if (bold and plain) or roster.resolve(name) is not None:
                accepted.add(name)
    if not plain:
        return accepted
    return accepted | {name for name, count in counts.items() if count >= 2}


def find_people(
    text: str,
    known: Sequence[str] | Roster,
    speakers: set[str] | None = None,
    tags: dict[str, str] | None = None,
) -> list[str]:
    """People a piece of text names: speaker tags and turn labels (in line order), known
    names, and ``@mentions`` (not an issue author's ``[@x](…)`` link).

    ``speakers`` is the set of labels accepted for the whole document (see
    :func:`speaker_labels`); a label resolves to the listed person it names (full name,
    unique first name, handle, initials). ``tags`` maps accepted speaker tags
    (``[rob]``, ``SFC:``; folded) to the name they stand for.
    """
    roster = _roster(known)
    speakers = speaker_labels(text.splitlines(), roster) if speakers is None else speakers
    found: list[str] = []
    for line in text.splitlines():
        if tags:
            found += [tags[key] for tag in _line_tags(line) if (key := fold(tag)) in tags]
        for name, _bold in turn_labels(line):
            if name in speakers:
                found.append(_resolve(name, roster))
    found += [name for name in roster.names if _mentions(text, name)]
    found += ["@" + handle for handle in _MENTION.findall(_without_issue_authors(text))]
    return list(dict.fromkeys(found))


def _without_issue_authors(text: str) -> str:
    """``text`` where an ``@`` may mention a person: without ``[@x](…)`` links on lines that
    reference an issue or PR (outside tables, where such a column may name a facilitator),
    without code (fenced blocks, inline code, indented decorator lines ``@property``)."""
    lines = text.split("\n")
    fenced = False
    for k, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
        if fenced or _FENCE.match(line) or _DECORATOR.match(line):
            lines[k] = ""
        elif not line.lstrip().startswith("|") and _ISSUE_REFERENCE.search(line):
            lines[k] = _LINKED_MENTION.sub(" ", line)
    return _CODE_SPAN.sub(" ", "\n".join(lines))


_DECORATOR = re.compile(r"^\s{2,}@[\w.]+(?:\(.*\))?\s*$")  # indented: code, not a mention
_CODE_SPAN = re.compile(r"`[^`\n]*`")


def _roster(known: Sequence[str] | Roster) -> Roster:
    if isinstance(known, Roster):
        return known
    return Roster([Identity(name=name) for name in known])


def _resolve(label: str, roster: Roster) -> str:
    person = roster.resolve(label)
    return person.name if person is not None else label


def _line_tags(line: str) -> list[str]:
    tags = bracket_tags(line)
    if not tags and (abbr := abbreviation_label(line)):
        tags = [abbr]
    return tags


def _mentions(text: str, name: str) -> bool:
    if len(name) < 3:
        return False
    flags = re.I if " " in name else 0
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, flags) is not None


# ---------------------------------------------------------------------------- attendance

_ATTENDEE_HEADINGS = re.compile(
    r"^(attendees|attendance|participants|present|who was there|in attendance)\b", re.I
)
_EDITED_BY = re.compile(r"^(?P<author>[^\n]{1,60}?) edited this page on (?P<date>.+)$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+(?P<item>.+)$")
_BOLD_ONLY = re.compile(r"^\s*\*\*(?P<item>[^*]+)\*\*\s*$")
# "* **Present:**", "*Present:*", "Attendees:" with the names on the lines below.
_EMPTY_LABEL = re.compile(
    r"^\s*(?:[-*+•]\s+)?[*_]{0,2}(?P<key>[A-Za-z][\w &/'-]{0,38}?)[*_]{0,2}\s*:\s*[*_]{0,2}\s*$"
)
# "@robwu (Rob Wu, Mozilla)" or "Rob Wu (@robwu)": a handle declared next to a name.
_DECLARED = re.compile(
    r"`?@(?P<handle>[A-Za-z0-9][\w.-]{0,38})`?\s*\((?P<name>[^(),@]{3,60})[,)]"
    r"|(?P<name2>[A-Z][\w.'-]+(?: [A-Z][\w.'-]+){1,3})\s*\(?`?@(?P<handle2>[A-Za-z0-9][\w.-]{0,38})"
)


def attendees_from_lines(lines: Sequence[str]) -> list[str]:
    """Attendees named by ``Attendees:``/``Participants:``/``Moderator:``... lines."""
    return [p.name for p in attendee_lines(lines)]


def attendee_lines(lines: Sequence[str]) -> list[Identity]:
    """People named by attendee fields: ``Attendees: A, B``, ``* Chair: X``,
    ``Attendees: Apple (Kiara), Google (Devlin, Oliver)``, and labels whose names follow
    on the next lines (``* **Present:**`` then ``a,`` ``b,`` …)."""
    people: list[Identity] = []
    for k, line in enumerate(lines):
        parsed = field_of(line)
        if parsed and normal_key(parsed[0]) in ATTENDEE_KEYS:
            people += inline_people(parsed[1])
        elif (label := _EMPTY_LABEL.match(line)) and normal_key(label["key"]) in ATTENDEE_KEYS:
            people += _people_below(lines, k)
    return people


def _people_below(lines: Sequence[str], k: int) -> list[Identity]:
    """The names on the lines after an empty attendee label, up to the next blank line."""
    body: list[str] = []
    j = k + 1
    while j < len(lines) and not lines[j].strip() and j - k <= 2:
        j += 1
    while j < len(lines) and lines[j].strip():
        line = lines[j]
        if field_of(line) or _EMPTY_LABEL.match(line) or line.lstrip().startswith("#"):
            break
        body.append(line)
        j += 1
    return attendee_block(body)


def attendees_from_block(lines: Sequence[str]) -> list[str]:
    """Names listed under an ``Attendees`` heading: list items, bold lines or a name line."""
    return [p.name for p in attendee_block(lines)]


def attendee_block(lines: Sequence[str]) -> list[Identity]:
    """People listed under an attendee heading or label: a table, list items, bold lines,
    or lines of comma-separated names."""
    table = table_people([line for line in lines if "|" in line], attendance=True)
    if table:
        return table
    for pattern in (_LIST_ITEM, _BOLD_ONLY):
        items = [m["item"] for line in lines if (m := pattern.match(line))]
        if items:
            return [p for item in items if (p := _handle_if_nick(entry_person(item)))]
    filled = [line.strip() for line in lines if line.strip()]
    if not filled or filled[-1].endswith("."):
        return []
    one_per_line = all(len(x.split()) <= 3 or x.endswith((",", ";")) for x in filled)
    text = ", ".join(x.rstrip(",;") for x in filled) if one_per_line else " ".join(filled)
    return [q for p in inline_people(text) if (q := _handle_if_nick(p))]


def _handle_if_nick(person: Identity | None) -> Identity | None:
    """A one-word entry that is not a capitalised name (``eche|on``, ``toad_``, ``zzz``)
    is a nickname: it is also the person's handle."""
    if person is None or person.handle or " " in person.name or looks_like_name(person.name):
        return person
    return Identity(name=person.name, handle=person.name, email=person.email)


def is_attendee_heading(text: str) -> bool:
    """True for an ``Attendees``/``Attendance``/``Participants``/``Present`` heading."""
    return _ATTENDEE_HEADINGS.match(text) is not None


def _declared_handles(lines: Sequence[str], roster: Roster) -> None:
    """Handles written next to a listed person's name (``ping @robwu (Rob Wu)``)."""
    for line in lines:
        for match in _DECLARED.finditer(clean_inline(line, keep_urls=False)):
            handle = match["handle"] or match["handle2"]
            name = (match["name"] or match["name2"] or "").strip()
            person = roster.resolve(name) if len(name.split()) >= 2 else None
            if person is not None and fold(person.name) == fold(name):
                roster.extend([Identity(name=person.name, handle=handle)])


_ENTRY_ALIASES = re.compile(
    r"^\s*(?:[-*+•]|\d+[.)])\s+(?P<name>[^()\n]{2,60}?)\s*\((?P<inner>[^)]*)\)"
)
_ALIAS = re.compile(r"^[a-z][a-z0-9_.-]{1,19}$")


def _entry_aliases(lines: Sequence[str], roster: Roster) -> None:
    """Lower-case words in parentheses after a listed name (``Daniel Glazman (glazou,
    Dashlane)``): possible handles, used only when a speaker tag is one of them."""
    listed = {fold(p.name): p.name for p in roster.people}
    for line in lines:
        if not listed or "(" not in line or not _LIST_ITEM.match(line):
            continue
        match = _ENTRY_ALIASES.match(unescape(clean_inline(line, keep_urls=False)))
        name = listed.get(fold(clean_person(match["name"]) or "")) if match else None
        if match is None or name is None:
            continue
        for part in match["inner"].split(","):
            part = part.strip()
            if _ALIAS.match(part) and fold(part) not in roster.aliases:
                roster.aliases[fold(part)] = name


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
# A heading, or a label ("Action items:", "**Decision** - …"), not a sentence that happens to
# start with the word ("resolution. This helps…", "decided to withdraw…").
_LABEL_END = r"\**\s*(?::|\s[-\u2013]\s|$)"
_ACTIONS_WORDS = r"(?:action items?|actions?|next steps|todos?|follow-?ups?)"
_ACTIONS_LINE = re.compile(
    rf"^\s*(?:#{{1,6}}\s*\**{_ACTIONS_WORDS}\b|[-*>]?\s*\**{_ACTIONS_WORDS}{_LABEL_END})",
    re.I | re.M,
)
_DECISIONS_WORDS = r"(?:decisions?|decided|resolutions?)"
_DECISIONS_LINE = re.compile(
    rf"^\s*(?:#{{1,6}}\s*\**{_DECISIONS_WORDS}\b|[-*]?\s*\**{_DECISIONS_WORDS}{_LABEL_END})",
    re.I | re.M,
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
    """What a document states about itself; ``date_source`` says where ``created`` is from."""

    title: str | None = None
    created: datetime | None = None
    date_source: str | None = None
    updated: datetime | None = None  # a "Last-Modified:" date, used only when nothing else is
    author: str | None = None
    authors: list[Identity] = field(default_factory=list)
    attendees: list[Identity] = field(default_factory=list)


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
    return parsed is not None and normal_key(parsed[0]) in METADATA_KEYS


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
        out.append(BR.sub("\n", clean_inline(line)).rstrip())
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
    return "\n    ".join(clean_inline(part).strip() for part in BR.split(cell))


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
    """title, date, author(s), attendees/participants from front-matter fields."""
    meta = _Meta()
    title = data.get("title")
    meta.title = clean_heading(str(title)) if title else None
    meta.created = next(
        (d for k in ("date", "created", "when", "published") if (d := as_utc(data.get(k)))), None
    )
    meta.date_source = "front_matter" if meta.created else None
    meta.updated = next(
        (d for k in ("updated", "last_modified", "modified") if (d := as_utc(data.get(k)))), None
    )
    author = data.get("author") or data.get("authors")
    authors = _people_of(author)
    meta.author = authors[0].name if authors else None
    meta.authors = authors[1:]
    for key in ("attendees", "participants", "present"):
        meta.attendees += _people_of(data.get(key))
    return meta


def _people_of(value: object) -> list[Identity]:
    if isinstance(value, str):
        return [p for p in people_in(value) if _plausible_author(p)] or [
            Identity(name=name) for name in split_names(value)
        ]
    if isinstance(value, list):
        found: list[Identity] = []
        for v in value:
            if isinstance(v, dict):
                found += _people_of(v)
            elif isinstance(v, str | int) and (name := clean_person(str(v))):
                person = entry_person(str(v))
                found.append(person if person and person.name == name else Identity(name=name))
        return found
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        email = value.get("email")
        return [
            Identity(
                name=p.name, handle=p.handle, email=email if isinstance(email, str) else p.email
            )
            for p in _people_of(value["name"])
        ]
    return []


def _plausible_author(person: Identity) -> bool:
    """A person-shaped author entry: a capitalised name (``Fred L. Drake, Jr.`` too), or any
    name with an e-mail or handle next to it."""
    if person.email or person.handle:
        return True
    name = re.sub(r",?\s+(?:Jr|Sr|II|III|IV)\.?$", "", person.name)
    return looks_like_name(name)


def meta_from_lines(lines: Sequence[str], items: Sequence[_Item], markdown: bool = True) -> _Meta:
    """Metadata from the header (an RFC 822 block or ``Key: value`` lines near the top),
    ``... edited this page on DATE`` and attendee fields, blocks and sections."""
    meta = _Meta()
    head = list(lines[:HEADER_SCAN_LINES])
    fields = header_fields(lines, HEADER_SCAN_LINES)
    meta.title = next((_field_title(f, markdown) for f in fields if f.key in TITLE_KEYS), None)
    meta.created = _field_date(fields, DATE_KEYS)
    meta.updated = _field_date(fields, LATER_DATE_KEYS)
    meta.date_source = "header" if meta.created else None
    for f in fields:
        if f.key in AUTHORS_KEYS and not meta.authors:
            meta.authors = [p for p in people_in(f.value) if _plausible_author(p)]
    if not meta.authors:
        meta.author = next(
            (
                n[0]
                for f in fields
                if f.key in AUTHOR_KEYS and len(n := _person_names(f.value)) == 1
            ),
            None,
        )
    edited = next((m for line in head[:3] if (m := _EDITED_BY.match(line.strip()))), None)
    if edited:
        meta.author = meta.author or clean_person(edited["author"])
        if meta.created is None and (when := parse_date(edited["date"])):
            meta.created, meta.date_source = when, "header"
    meta.attendees = attendee_lines(lines) + _attendee_sections(items) + _people_tables(items)
    return meta


def _field_title(f: Field, markdown: bool) -> str | None:
    """A title field's value; without Markdown (reST), ``__x__`` is not bold."""
    if not markdown:
        return " ".join(unescape(f.value).replace("`", "").split()) or None
    return clean_heading(unescape(f.value)) or None


def _field_date(fields: Sequence[Field], keys: frozenset[str]) -> datetime | None:
    for f in fields:
        if f.key in keys and (found := parse_date(clean_inline(f.value, keep_urls=False))):
            return found
    return None


def _person_names(value: str) -> list[str]:
    return [name for name in split_names(value) if looks_like_name(name)]


def _opening_date(
    lines: Sequence[str], items: Sequence[_Item], title_heading: _Heading | None, first: int
) -> tuple[datetime, str] | None:
    """A date in the title heading, else in a heading or a short line among the first 20
    (``lines[0]`` is line ``first``): ``(date, "title" | "heading" | "header")``. Only the
    first heading may leave its year elsewhere (``Notes 2021, July 8``)."""
    if title_heading is not None and (found := parse_heading_date(title_heading.text)):
        return found, "title"
    headings = {item.line: item for item in items if isinstance(item, _Heading)}
    seen_heading = title_heading is not None
    for offset, line in enumerate(lines[:20]):
        heading = headings.get(first + offset)
        if heading is not None:
            parse = parse_date if seen_heading else parse_heading_date
            seen_heading = True
            if found := parse(heading.text):
                return found, "heading"
            continue
        text = clean_heading(line)
        short = text and len(text.split()) <= 12 and "|" not in line
        if short and field_of(line) is None and (found := parse_date(text)):
            return found, "header"
    return None


def _attendee_sections(items: Sequence[_Item]) -> list[Identity]:
    people: list[Identity] = []
    for k, item in enumerate(items):
        if isinstance(item, _Heading) and is_attendee_heading(item.text):
            body: list[str] = []
            for nxt in items[k + 1 :]:
                if isinstance(nxt, _Heading):
                    break
                body.append(nxt.text)
            people += attendee_block(body)
    return people


def _people_tables(items: Sequence[_Item]) -> list[Identity]:
    """Tables anywhere with a name column and a handle / abbreviation / initials column."""
    people: list[Identity] = []
    block: list[str] = []
    for item in [*items, _Text(0, "")]:
        if isinstance(item, _Text) and "|" in item.text:
            block.append(item.text)
            continue
        if len(block) >= 3 and _TABLE_SEP.match(block[1]):
            people += table_people(block, attendance=False)
        block = []
    return people


# ---------------------------------------------------------------------------- titles

GENERIC_HEADINGS = frozenset(
    {
        "summary", "abstract", "overview", "motivation", "introduction", "intro", "background",
        "table of contents", "contents", "toc", "rationale", "preamble", "context",
        "executive summary", "tl dr", "tldr", "purpose", "scope", "goals", "description",
        "specification", "agenda", "attendees", "notes", "minutes", "meeting notes",
        "quick recap", "recap", "status", "draft", "untitled", "readme", "problem statement",
        "problem", "proposal", "details", "about", "index", "home", "welcome", "front matter",
    }
)  # fmt: skip
_UNINFORMATIVE_NAMES = frozenset(
    {"readme", "index", "notes", "note", "untitled", "document", "doc", "draft", "template",
     "file", "new", "copy", "final", "minutes", "md", "txt", "rst", "main", "page", "home"}
)  # fmt: skip


def is_generic_heading(text: str) -> bool:
    """A heading that names a kind of section, not a document ("Abstract", "1. Summary")."""
    words = re.sub(r"[\W\d_]+", " ", text).strip().casefold()
    return words in GENERIC_HEADINGS


def name_words(path: Path) -> str | None:
    """The words of a file name without its dates and leading number (``0001-``), if they
    say something (not ``README``, ``notes``, ``untitled``)."""
    stem = re.sub(r"(?<!\d)(?:19|20)\d\d[-_./]?\d{1,2}[-_./]?\d{1,2}(?!\d)", " ", path.stem)
    words = [w for w in re.split(r"[\s_.-]+", stem) if w]
    while words and words[0].isdigit():
        words.pop(0)
    telling = [w for w in words if sum(ch.isalpha() for ch in w) > 1]
    if not telling or all(w.casefold() in _UNINFORMATIVE_NAMES for w in telling):
        return None
    return " ".join(words)


# ---------------------------------------------------------------------------- reader


def detect(path: Path) -> bool:
    """Markdown, reStructuredText and plain-text files (chat logs and transcripts are
    claimed by earlier readers)."""
    return path.suffix.lower() in SOURCES and path.is_file()


def read(path: Path) -> ReadResult:
    """Read one notes/memo file into a single :class:`Record`.

    A binary file is refused; of a file over ``MAX_FILE_BYTES`` the first ``MAX_FILE_BYTES``
    (up to the last line break) are read, and that is reported."""
    path = path.resolve()
    raw = read_bytes(path, MAX_FILE_BYTES + 1)
    if looks_binary(raw):
        raise ReadError("binary file, not text")
    problems: list[Problem] = []
    if len(raw) > MAX_FILE_BYTES:
        raw = raw[: raw.rfind(b"\n", 0, MAX_FILE_BYTES) + 1 or MAX_FILE_BYTES]
        problems.append(Problem(str(path), f"only the first {len(raw):,} bytes read (too long)"))
    if not raw.strip():
        raise ReadError("empty file")
    text, decode_problem = decode_text(raw)
    if not text.strip():
        raise ReadError("empty file")
    problems += [Problem(str(path), decode_problem)] if decode_problem else []
    record, parse_problems = build_record(path, text, SOURCES[path.suffix.lower()])
    return ReadResult(records=[record], problems=problems + parse_problems)


def build_record(path: Path, text: str, source: str) -> tuple[Record, list[Problem]]:
    """The record for already-decoded ``text`` read from ``path``."""
    text = COMMENT.sub(lambda m: "\n" * m[0].count("\n"), text.replace("\r\n", "\n"))
    lines = text.replace("\r", "\n").split("\n")
    data, skip, error = front_matter(lines)
    problems = [Problem(str(path), error, "line 1")] if error else []
    if source == "rst":
        lines = lines[:skip] + rst.to_markdown(lines[skip:])
    parse = text_items if source == "text" else markdown_items
    items = parse(lines[skip:], 1 + skip)
    stated = lines[skip:] if data else lines  # a malformed block's lines still count
    meta = _merge_meta(
        meta_from_front_matter(data) if data else _Meta(),
        meta_from_lines(stated, items, source != "rst"),
    )
    title_heading = _title_heading(items, source)
    title = _choose_title(meta, title_heading, path)
    if title_heading and title_heading.text.casefold() != title.casefold():
        title_heading = None  # e.g. a Title header names another title: the heading stays
    created, date_source = _choose_date(
        meta, lines[skip:], items, title_heading, title, path, 1 + skip
    )
    roster = Roster()
    roster.extend(meta.attendees)
    roster.extend([Identity(name=meta.author)] if meta.author else [])
    roster.extend(meta.authors)
    _declared_handles(lines[skip : skip + HEADER_SCAN_LINES], roster)
    _entry_aliases(lines[skip:], roster)
    sections, tag_people = _sections(items, title_heading, title, roster, source)
    attendees = [p.name for p in meta.attendees]
    _, body_start = rfc822_block(lines[skip:])  # a memo's header fields are not its minutes
    body = "\n".join(lines[skip + body_start :])
    meeting = looks_like_meeting_notes(title, path, body, attendees)
    kind: Kind = "meeting_notes" if meeting else "memo"
    record = Record(
        key=f"file:{path}",
        kind=kind,
        source=source,
        source_path=str(path),
        title=title,
        created=created,
        date_source=date_source,
        participants=[*roster.people, *tag_people],
        sections=sections,
    )
    return record, problems


def _merge_meta(primary: _Meta, fallback: _Meta) -> _Meta:
    stated = primary.created is not None
    return _Meta(
        title=primary.title or fallback.title,
        created=primary.created if stated else fallback.created,
        date_source=primary.date_source if stated else fallback.date_source,
        updated=primary.updated or fallback.updated,
        author=primary.author or fallback.author,
        authors=primary.authors + fallback.authors,
        attendees=primary.attendees + fallback.attendees,
    )


def _choose_title(meta: _Meta, heading: _Heading | None, path: Path) -> str:
    """A stated title; else the opening heading unless generic; else the file name's words;
    else a generic heading; else the file name."""
    if meta.title:
        return meta.title
    if heading is not None and not is_generic_heading(heading.text):
        return heading.text
    return name_words(path) or (heading.text if heading else None) or _stem_title(path)


def _choose_date(
    meta: _Meta,
    lines: Sequence[str],
    items: Sequence[_Item],
    title_heading: _Heading | None,
    title: str,
    path: Path,
    first: int,
) -> tuple[datetime, str]:
    """The date the document states (front matter, header, title, a heading or opening
    line, a last-modified header), else the file or folder name's, else the mtime."""
    if meta.created is not None:
        return meta.created, meta.date_source or "header"
    if opening := _opening_date(lines, items, title_heading, first):
        return opening
    if title_heading is None and (found := parse_heading_date(title)) and title != path.stem:
        return found, "title"
    if meta.updated is not None:
        return meta.updated, "header"
    for name in (path.stem, path.parent.name):
        if found := parse_date(name) or find_date(name):
            return found, "filename"
    return _mtime(path), "mtime"


def _title_heading(items: Sequence[_Item], source: str) -> _Heading | None:
    """The heading that opens the document (before any body text other than header fields),
    or, after a short preamble, the document's first top-level heading."""
    for k, item in enumerate(items):
        if isinstance(item, _Heading):
            return item if item.text else None
        if item.text.strip() and not field_of(item.text) and not _continues_field(items, k):
            if source == "text" and _is_text_title(item.text):
                return _Heading(0, item.text.strip(), item.line)
            return _first_top_heading(items, k) if source != "text" else None
    return None


def _continues_field(items: Sequence[_Item], k: int) -> bool:
    """An indented line right below a header field (an RFC 822 continuation line)."""
    text = items[k].text
    if not text[:1].isspace():
        return False
    before = [x for x in items[:k] if isinstance(x, _Text)]
    return (
        bool(before)
        and before[-1].line == items[k].line - 1
        and (field_of(before[-1].text) is not None or _continues_field(items, k - 1))
    )


def _first_top_heading(items: Sequence[_Item], start: int) -> _Heading | None:
    """The first level-1 heading after a short preamble of list items and short lines
    (a note on where the content comes from), not after paragraphs of prose."""
    filled = 0
    for item in items[start:]:
        if isinstance(item, _Heading):
            return item if item.level == 1 and item.text else None
        text = item.text.strip()
        if text:
            filled += 1
            if filled > 8 or (len(text) > 100 and not _LIST_ITEM.match(item.text)):
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
    items: list[_Item], title_heading: _Heading | None, title: str, roster: Roster, source: str
) -> tuple[list[Section], list[Identity]]:
    """Sections with the people each names, and the identities speaker tags add: a tag
    resolved to a listed person gives that person the tag as a handle; an unresolved tag
    used as a speaker is a handle-only identity."""
    if title_heading is not None and title_heading not in items:  # a plain-text title line
        items = [
            title_heading if isinstance(x, _Text) and x.line == title_heading.line else x
            for x in items
        ]
    items = demote_leaf_headings(items, title_heading)
    texts = [x.text for x in items if isinstance(x, _Text)]
    tags, tag_people = _speaker_tags(texts, roster)
    speakers = speaker_labels(texts, roster, plain=source != "rst")
    tag_people += _label_handles(texts, speakers, roster)
    sections: list[Section] = []
    for draft in draft_sections(items, title_heading, title):
        raw = "\n".join(draft.lines)
        body = tidy(raw) if source == "text" else render_markdown(draft.lines)
        if body:
            people = find_people(raw, roster, speakers, tags)
            sections.append(Section(draft.heading or title, body, f"line {draft.line}", people))
    if not sections:
        sections.append(Section(title, title, f"line {title_heading.line if title_heading else 1}"))
    return sections, _dedupe_identities(tag_people, roster)


def _speaker_tags(lines: Sequence[str], roster: Roster) -> tuple[dict[str, str], list[Identity]]:
    """Speaker tags (``[rob]``, ``SFC:``) of a document: folded tag -> the name to show,
    and the identities they add. A tag counts when it resolves to a listed person, is used
    twice, or the document tags its speakers (three tagged turns or more)."""
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    abbreviations: set[str] = set()
    for line in lines:
        tags = bracket_tags(line)
        if not tags and (abbr := abbreviation_label(line)):
            tags = [abbr]
            abbreviations.add(fold(abbr))
        for tag in tags:
            counts[fold(tag)] += 1
            spelling.setdefault(fold(tag), tag)
    tagged_turns = sum(n for key, n in counts.items() if key not in abbreviations)
    names: dict[str, str] = {}
    people: list[Identity] = []
    unresolved: list[str] = []
    for key, n in counts.most_common():
        tag = spelling[key]
        person = roster.resolve(tag)
        if person is not None:
            names[key] = person.name
            if key != fold(person.name) or " " not in person.name.strip():
                people.append(Identity(name=person.name, handle=tag))  # not "[Rob Wu]"
        elif key not in abbreviations and (n >= 2 or " " not in tag):
            unresolved.append(key)
    # Unresolved tags are speakers when the document tags its turns (three or more) and
    # its tags name its listed people (or it lists nobody): "[Bonus]" items in a memo whose
    # authors never speak in tags are not people.
    if tagged_turns >= 3 and (names or not roster.people):
        for key in unresolved:
            names[key] = spelling[key]
            people.append(Identity(name="", handle=spelling[key]))
    return names, people


def _label_handles(lines: Sequence[str], speakers: set[str], roster: Roster) -> list[Identity]:
    """``Name:`` turn labels that resolve to a listed person under another name (``Tim:`` for
    Tim Beiko): the label is a handle of that person."""
    found: list[Identity] = []
    for label in sorted(speakers):
        person = roster.resolve(label)
        if person is not None and fold(person.name) != fold(label):
            found.append(Identity(name=person.name, handle=label))
    return found


def _dedupe_identities(extra: Sequence[Identity], roster: Roster) -> list[Identity]:
    """Tag identities not already known: the first tag of a listed person without a handle
    becomes that person's handle (in the roster); other tags are extra identities."""
    out: list[Identity] = []
    seen = {(fold(p.name), fold(p.handle or "")) for p in roster.people}
    for person in extra:
        key = (fold(person.name), fold(person.handle or ""))
        if key in seen:
            continue
        seen.add(key)
        if person.name:
            k = next(i for i, p in enumerate(roster.people) if fold(p.name) == key[0])
            listed = roster.people[k]
            if not listed.handle:
                roster.people[k] = Identity(
                    name=listed.name, handle=person.handle, email=listed.email, id=listed.id
                )
                continue
            if fold(listed.handle) == key[1]:
                continue
        out.append(person)
    return out

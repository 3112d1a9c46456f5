"""Inline Markdown as plain text, and what a person's name looks like.

Shared by the notes reader (``ingest.readers.notes``), its header and attendance helpers
(``headers``, ``attendance``) and the office reader.
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------------------- inline markdown

COMMENT = re.compile(r"<!--.*?-->", re.S)
BR = re.compile(r"<br\s*/?>", re.I)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
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
    text = BR.sub(" ", text)
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
    text = clean_inline(COMMENT.sub("", text), keep_urls=False)
    return " ".join(text.replace("`", "").split()).strip(" :")


# ---------------------------------------------------------------------------- names

STOP_WORDS = frozenset(
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
        # agenda and minutes labels that are not speakers ("**Resolution**: …", "Lead: X")
        "resolution", "resolutions", "resolved", "announcement", "announcements", "queue",
        "lead", "leads", "abstract", "template", "intro", "introduction", "vote", "votes",
        "criteria", "housekeeping", "creator", "requestor", "meta-discussion", "new",
        "objective", "objectives", "motivation", "rationale", "specification", "scope",
        "recap", "followup", "follow-up", "agreed", "agreement", "conclusions", "avoid",
    }
)  # fmt: skip
_PARTICLES = frozenset({"von", "van", "de", "der", "den", "da", "di", "del", "la", "le", "bin"})
_NAME_WORD = re.compile(r"[^\W\d_][^\W\d_.'-]*(?:[.'-][^\W\d_]*)*\.?")


def looks_like_name(text: str) -> bool:
    """True for 1-4 capitalised words without digits that are not a common field label."""
    words = text.split()
    if not 1 <= len(words) <= 4 or words[0].lower() in STOP_WORDS:
        return False
    if text.lower() in STOP_WORDS:
        return False
    return all(_name_word(word) for word in words)


def _name_word(word: str) -> bool:
    if word in _PARTICLES:
        return True
    if not _NAME_WORD.fullmatch(word):
        return False
    return word[0].isupper() and not (len(word) > 1 and word.isupper())


def split_top(text: str, separators: str = r"[,;]|\s+&\s+|\s+and\s+") -> list[str]:
    """``text`` split at ``separators`` outside parentheses, brackets and angle brackets."""
    parts: list[str] = []
    depth = 0
    start = 0
    pattern = re.compile(separators)
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "([<":
            depth += 1
        elif ch in ")]>" and depth:
            depth -= 1
        elif depth == 0 and (match := pattern.match(text, i)) and match.end() > i:
            parts.append(text[start:i])
            start = i = match.end()
            continue
        i += 1
    parts.append(text[start:])
    return [p for p in (part.strip() for part in parts) if p]


def split_names(value: str) -> list[str]:
    """``A, B & C`` / ``A; B and C`` as a list of clean names (URLs and sentences dropped).

    Commas inside parentheses do not split: ``Jo Bo (Acme, chair), Al Lee`` is two names.
    """
    text = clean_inline(value, keep_urls=False)
    return [name for part in split_top(text) if (name := clean_person(part))]


def unescape(text: str) -> str:
    """Backslash escapes undone: ``toad\\_`` -> ``toad_``."""
    return _ESCAPED.sub(r"\1", text) if "\\" in text else text


_ESCAPED = re.compile(r"\\([^\w\s]|_)")


def clean_person(text: str) -> str | None:
    """One attendee entry as a name: markup and parentheses removed; None if not a name."""
    name = re.sub(r"\([^)]*\)|<[^>]*>", "", clean_inline(unescape(text), keep_urls=False))
    name = " ".join(name.replace("*", "").split()).strip(" .:-[]'\"")
    if not name or len(name) > 60 or len(name.split()) > 6 or "://" in name:
        return None
    if not any(ch.isalpha() for ch in name) or name.lower() in STOP_WORDS:
        return None
    return name

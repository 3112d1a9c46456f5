"""Snippets: the passage of a chunk that best shows why it matched, and its highlights."""

from __future__ import annotations

import html
import re

from search.retrieval.terms import any_term_pattern, term_pattern

_MD_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\s]+\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_CODE = re.compile(r"`([^`\n]+)`")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_MD_LIST = re.compile(r"^(?:[-*+]|\d{1,2}[.)])\s+(?:\[[ xX]\]\s+)?")


def snippet(text: str, terms: list[str], width: int = 280, from_first: bool = False) -> str:
    """The passage of ``text`` (about ``width`` characters) with the most query terms,
    as plain text (markdown emphasis, code ticks, link targets, heading and list marks
    dropped); from its first line when ``from_first`` is set."""
    lines = [plain(line) for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    best = 0
    if terms and not from_first:
        patterns = [term_pattern(t) for t in terms]
        overlap = [sum(1 for p in patterns if p.search(line)) for line in lines]
        best = max(range(len(lines)), key=overlap.__getitem__)
    passage = lines[best]
    after = best + 1
    while len(passage) < width and after < len(lines):
        passage += " " + lines[after]
        after += 1
    if len(passage) > width:
        passage = passage[:width].rsplit(" ", 1)[0] + " …"
    return ("… " if best > 0 else "") + passage


def plain(line: str) -> str:
    """One line of markdown as the text a reader sees."""
    line = _MD_LINK.sub(r"\1", line.strip())
    line = _MD_EMPHASIS.sub(r"\2", line)
    line = _MD_CODE.sub(r"\1", line)
    return _MD_LIST.sub("", _MD_HEADING.sub("", line))


def highlight(text: str, terms: list[str]) -> str:
    """``text`` HTML-escaped, with the words that match a query term in ``<mark>``."""
    pattern = any_term_pattern(terms)
    if pattern is None:
        return html.escape(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        out.append(f"<mark>{html.escape(match.group(0))}</mark>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)

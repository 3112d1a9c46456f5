"""reStructuredText read as the notes reader's Markdown, line for line.

:func:`to_markdown` keeps the number of lines (so that locators point at the right line of the
``.rst`` file) and rewrites what reST spells differently:

- section titles underlined (or over- and underlined) with any adornment character become
  ``#`` headings, levels in order of first appearance; the adornment lines become blank;
- roles (``:pep:`8``` -> ``PEP 8``, ``:func:`len``` -> ``len``), hyperlinks
  (```text <url>`_`` -> ``[text](url)``), named references (``Python_``), footnote
  references (``[1]_``), inline literals (````x```` -> ```x```) and backslash escapes
  (``toad\\_`` -> ``toad_``);
- directives lose their ``.. name::`` line and option lines but keep their content (code,
  notes, list tables), except those without readable content (images, includes, raw, meta);
  comments, link targets and substitution definitions are dropped; footnotes and citations
  keep their text; docinfo fields (``:Author: …``) become ``Author: …`` lines.

An RFC 822-style header block at the top (as in Python PEPs) is left as ``Key: value`` lines
for the header reader.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Adornment: one punctuation character repeated (at least three times).
_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1{2,}\s*$")
_EXPLICIT = re.compile(r"^(?P<indent>[ \t]*)\.\.(?:\s+(?P<rest>.*))?$")
_DIRECTIVE = re.compile(r"^(?P<name>[\w:.+-]+)::(?:\s+(?P<args>.*))?$")
_OPTION = re.compile(r"^\s+:[\w -]+:(?:\s.*)?$")
_DOCINFO = re.compile(r"^:(?P<key>[A-Za-z][\w -]{0,38}):(?:\s+(?P<value>.*))?$")
# Directives whose argument is readable text (a note's first line, a topic's title).
_TEXT_DIRECTIVES = frozenset(
    {"note", "warning", "important", "tip", "hint", "caution", "attention", "danger", "error",
     "admonition", "seealso", "topic", "sidebar", "rubric", "versionadded", "versionchanged",
     "deprecated", "epigraph", "highlights", "pull-quote", "glossary", "centered"}
)  # fmt: skip
# Directives whose content is not prose.
_SKIP_DIRECTIVES = frozenset(
    {"image", "include", "literalinclude", "raw", "meta", "contents", "sectnum",
     "target-notes", "highlight", "default-role", "role", "title", "header", "footer",
     "toctree", "index", "only", "ifconfig", "class", "tabularcolumns", "autosummary"}
)  # fmt: skip


def to_markdown(lines: Sequence[str]) -> list[str]:
    """The lines of a reST document as Markdown-like lines, one for one."""
    out = [line.rstrip("\r") for line in lines]
    _headings(out)
    _explicit_markup(out)
    for k, line in enumerate(out):
        out[k] = inline(line)
    return out


# ---------------------------------------------------------------------------- section titles


def _headings(lines: list[str]) -> None:
    styles: list[tuple[str, bool]] = []
    k = 0
    while k < len(lines):
        title, over, under = _title_at(lines, k)
        if title is None:
            if _is_transition(lines, k):
                lines[k] = ""
            k += 1
            continue
        style = (lines[under][0], over is not None)
        if style not in styles:
            styles.append(style)
        level = min(styles.index(style) + 1, 6)
        if over is not None:
            lines[over] = ""
        lines[title] = "#" * level + " " + lines[title].strip()
        lines[under] = ""
        k = under + 1


def _title_at(lines: Sequence[str], k: int) -> tuple[int | None, int | None, int]:
    """(title line, overline or None, underline) for a section title starting at ``k``."""
    if _ADORNMENT.match(lines[k]) and k + 2 < len(lines):  # overline, title, underline
        title, under = lines[k + 1], lines[k + 2]
        if (
            title.strip()
            and not _ADORNMENT.match(title)
            and under.strip() == lines[k].strip()
            and len(lines[k].strip()) >= len(title.strip())
            and (k == 0 or not lines[k - 1].strip())
        ):
            return k + 1, k, k + 2
    if k + 1 < len(lines) and _ADORNMENT.match(lines[k + 1]):
        title = lines[k]
        if (
            title.strip()
            and not title[0].isspace()
            and not _ADORNMENT.match(title)
            and not _EXPLICIT.match(title)
            and len(lines[k + 1].strip()) >= min(len(title.strip()), 3)
            and (k == 0 or not lines[k - 1].strip())
        ):
            return k, None, k + 1
    return None, None, k


def _is_transition(lines: Sequence[str], k: int) -> bool:
    """A lone adornment line between blank lines (a horizontal rule)."""
    if not _ADORNMENT.match(lines[k]) or len(lines[k].strip()) < 4:
        return False
    before = k == 0 or not lines[k - 1].strip()
    after = k + 1 >= len(lines) or not lines[k + 1].strip()
    return before and after


# ---------------------------------------------------------------------------- explicit markup


def _explicit_markup(lines: list[str]) -> None:
    k = 0
    while k < len(lines):
        match = _EXPLICIT.match(lines[k])
        docinfo = _DOCINFO.match(lines[k])
        if docinfo:
            lines[k] = f"{docinfo['key']}: {docinfo['value'] or ''}".rstrip()
            k += 1
            continue
        if not match:
            k += 1
            continue
        indent = len(match["indent"].expandtabs())
        rest = (match["rest"] or "").strip()
        end = _block_end(lines, k, indent)
        footnote = re.match(r"^\[(?P<label>[^\]]+)\]\s*(?P<text>.*)$", rest)
        directive = _DIRECTIVE.match(rest)
        if footnote:  # ".. [6] text": keep "[6] text" and its continuation lines
            label = _note_label(footnote["label"])
            lines[k] = f"{match['indent']}{label} {footnote['text']}".rstrip()
        elif directive and not rest.startswith("|"):
            name = directive["name"].lower().split(":")[-1]
            args = directive["args"] or ""
            lines[k] = f"{match['indent']}{args}" if name in _TEXT_DIRECTIVES else ""
            j = k + 1
            while j < end and _OPTION.match(lines[j]):
                lines[j] = ""
                j += 1
            if name in _SKIP_DIRECTIVES or name.startswith("canonical"):
                for i in range(j, end):
                    lines[i] = ""
        else:  # a comment, a link target ".. _x: url", a substitution ".. |x| image::"
            for i in range(k, end):
                lines[i] = ""
        k = max(end, k + 1)


def _block_end(lines: Sequence[str], k: int, indent: int) -> int:
    """The index after an explicit markup block: its indented lines (blank lines inside)."""
    j = k + 1
    last = k
    while j < len(lines):
        line = lines[j]
        if line.strip():
            if len(line.expandtabs()) - len(line.expandtabs().lstrip()) <= indent:
                break
            last = j
        j += 1
    return last + 1


# ---------------------------------------------------------------------------- inline markup

_LITERAL = re.compile(r"``(?P<text>.+?)``")
_ROLE = re.compile(r":(?P<role>(?:[\w.+-]+:)*[\w.+-]+):`(?P<text>[^`]+)`")
_LINK = re.compile(r"`(?P<text>[^`<]*?)\s*<(?P<target>[^`>]+)>`__?")
_REFERENCE = re.compile(r"`(?P<text>[^`]+)`__?(?!\w)")
_FOOTNOTE_REF = re.compile(r"\[(?P<label>#?[\w-]*)\]_(?!\w)")
_NAMED_REF = re.compile(r"(?<![\\\w`])(?P<word>[A-Za-z][A-Za-z0-9-]*)__?(?=[\s.,;:!?)'\"]|$)")
_ESCAPE = re.compile(r"\\(.)")
_NUMBERED_ROLES = {"pep": "PEP", "rfc": "RFC"}


def inline(line: str) -> str:
    """One line's reST inline markup as Markdown; inline literals are left alone inside."""
    parts = re.split(r"(``.+?``)", line)
    out = []
    for k, part in enumerate(parts):
        if k % 2:
            out.append("`" + part[2:-2] + "`")
        else:
            out.append(_inline_text(part))
    return "".join(out)


def _inline_text(text: str) -> str:
    text = _ROLE.sub(_role, text)
    text = _LINK.sub(_link, text)
    text = _REFERENCE.sub(lambda m: m["text"], text)
    text = _FOOTNOTE_REF.sub(lambda m: _note_label(m["label"]), text)
    text = _NAMED_REF.sub(lambda m: m["word"], text)
    return _ESCAPE.sub(lambda m: "" if m[1] == " " else m[1], text)


def _note_label(label: str) -> str:
    """``[1]`` for a numbered footnote, ``[^name]`` for a citation (not a speaker tag)."""
    return f"[{label}]" if label.isdigit() or label.startswith("#") else f"[^{label}]"


def _role(match: re.Match[str]) -> str:
    role = match["role"].split(":")[-1].lower()
    text = match["text"].strip()
    target = re.fullmatch(r"(?P<label>.*?)\s*<(?P<target>[^>]+)>", text, re.S)
    if target and target["label"]:
        return target["label"]
    text = text.lstrip("~!")
    if role in _NUMBERED_ROLES:
        number = re.match(r"\d+", text)
        if number:
            anchor = text[number.end() :].lstrip("#")
            return f"{_NUMBERED_ROLES[role]} {int(number[0])}" + (f" {anchor}" if anchor else "")
    return text


def _link(match: re.Match[str]) -> str:
    text, target = match["text"].strip(), match["target"].strip()
    if target.endswith("_") and "://" not in target:  # a reference to another target
        return text or target.rstrip("_")
    if not text:
        return target
    return f"[{text}]({target})"

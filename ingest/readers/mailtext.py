"""Text helpers for mail: charset decoding, RFC 2047 headers, HTML to text, and
removing what a reply repeats (quoted text, attributions, signatures, list footers).

Everything here is pure string work so it can be tested without any mail file.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

# Labels mail clients write that Python's codec registry lacks or that name a subset
# of what the sender really used (GB2312 mail is routinely GBK, Latin-1 is cp1252).
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cn-gb": "gb18030",
    "euc-cn": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-sjis": "shift_jis",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
}


def codec_for(charset: str | None) -> str | None:
    """The Python codec to try for a declared mail charset, or None if unknown."""
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode ``data`` with the declared charset, falling back to UTF-8, cp1252, Latin-1.

    Unknown or wrong charset labels never fail: the last fallback accepts any byte.
    """
    tried: list[str] = []
    for candidate in (codec_for(charset), "utf-8", "cp1252", "latin-1"):
        if candidate is None or candidate in tried:
            continue
        tried.append(candidate)
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1")


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")


def _decode_word(match: re.Match[str]) -> str:
    charset, encoding, payload = match.group(1), match.group(2).lower(), match.group(3)
    charset = charset.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*en
    try:
        if encoding == "b":
            raw = base64.b64decode(payload + "=" * (-len(payload) % 4))
        else:
            raw = quopri.decodestring(payload.replace("_", " ").encode("ascii", "replace"))
    except (binascii.Error, ValueError):
        return match.group(0)
    return decode_bytes(raw, charset)


def raw_header_text(value: object) -> str:
    """A header value unfolded, with raw 8-bit bytes (kept by the parser) decoded."""
    if value is None:
        return ""
    text = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        text = decode_bytes(text.encode("ascii", "surrogateescape"))
    return re.sub(r"\r?\n[ \t]+", " ", text)


def decode_header(value: object) -> str:
    """A header value as readable text: unfolded, RFC 2047 words decoded, raw 8-bit guessed."""
    text = _BETWEEN_WORDS.sub(r"\1\2", raw_header_text(value))
    text = _ENCODED_WORD.sub(_decode_word, text)
    return _repair_double_utf8(text).strip()


def _repair_double_utf8(text: str) -> str:
    """Undo UTF-8 that was decoded as Latin-1 and encoded again ("Ã©" for "é")."""
    if not any("\u0080" <= ch <= "\u00ff" for ch in text) or any(ord(ch) > 0xFF for ch in text):
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return text


_DAY_NAMES = frozenset({"mon", "tue", "wed", "thu", "fri", "sat", "sun"})


def parse_date(value: str | None) -> datetime | None:
    """An RFC 2822 Date header as an aware UTC datetime; None when missing or broken."""
    if not value or not value.strip():
        return None
    first = value.split()[0].rstrip(",")
    if not first.isdigit() and first[:3].lower() not in _DAY_NAMES:
        return None  # e.g. "RANDOM_Wed, 21 Sep 2016": not a date a mailer wrote
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:  # 31 Dec 9999 23:00 -1200 is in year 10000 in UTC
        return None
    if not 1970 <= parsed.year <= datetime.now(UTC).year + 1:
        return None
    return parsed


# ---------------------------------------------------------------- HTML to text

# Tags that end a line, and (a subset) tags that also end a paragraph.
_LINE_TAGS = frozenset(
    {"div", "br", "li", "tr", "dd", "dt", "address", "center", "form", "fieldset",
     "section", "article", "header", "footer"}
)  # fmt: skip
_PARAGRAPH_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote", "pre", "hr"}
)  # fmt: skip
_SKIP_TAGS = frozenset({"style", "script", "head", "title", "noscript", "template", "xml"})


class _HTMLText(HTMLParser):
    """Collects visible text; blockquote lines are marked ``>`` so quote removal sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []
        self.current = ""
        self.quote_depth = 0
        self.skip = 0
        self.pre = 0

    def newline(self, force: bool = False, paragraph: bool = False) -> None:
        """End the current line (if it has text, or ``force``); maybe add a blank line."""
        if self.current.strip() or force:
            self.lines.append((self.quote_depth, self.current.strip()))
        self.current = ""
        if paragraph:
            self.lines.append((self.quote_depth, ""))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag == "br":
            self.newline(force=True)
        elif tag in _LINE_TAGS or tag in _PARAGRAPH_TAGS:
            self.newline(paragraph=tag in _PARAGRAPH_TAGS)
            if tag == "blockquote":
                self.quote_depth += 1
            elif tag == "li":
                self.current = "- "
            elif tag == "pre":
                self.pre += 1
        elif tag in ("td", "th") and self.current.strip():
            self.current += " | "

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _LINE_TAGS or tag in _PARAGRAPH_TAGS:
            self.newline(paragraph=tag in _PARAGRAPH_TAGS)
            if tag == "blockquote":
                self.quote_depth = max(0, self.quote_depth - 1)
            elif tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        data = data.replace("\xa0", " ")
        if self.pre:
            parts = data.split("\n")
            for part in parts[:-1]:
                self.current += part
                self.newline(force=True)
            self.current += parts[-1]
            return
        text = re.sub(r"\s+", " ", data)
        if self.current.endswith((" ", "- ")) or not self.current:
            text = text.lstrip()
        self.current += text


def html_to_text(html: str) -> str:
    """Visible text of an HTML mail body; quoted blocks come out as ``> `` lines."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    parser.newline()
    lines = [("> " * depth + text).rstrip() if text else "" for depth, text in parser.lines]
    return tidy("\n".join(lines))


# ---------------------------------------------------------------- plain text clean-up


def unflow(text: str, delsp: bool = False) -> str:
    """Join the soft line breaks of ``format=flowed`` text (RFC 3676)."""
    out: list[str] = []
    joining = False
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if line.startswith(" ") and not line.startswith(">"):
            line = line[1:]  # space-stuffing
        soft = line.endswith(" ") and line != "-- " and not line.startswith(">")
        if soft and delsp:
            line = line[:-1]
        if joining and out:
            out[-1] += line
        else:
            out.append(line)
        joining = soft
    return "\n".join(out)


def tidy(text: str) -> str:
    """Strip trailing spaces, collapse runs of blank lines, trim blank edges."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


_NEXT_PART = re.compile(r"^-{6,} next part -{6,}\s*$")
_SCRUBBED = re.compile(r"^(A non-text attachment|An HTML attachment|An embedded .*) was scrubbed")
_SIGNATURE_FILES = re.compile(r"^(signature\.asc|smime\.p7s|signature\.sig|attachment\.sig)$", re.I)


def split_pipermail_parts(text: str) -> tuple[str, list[str]]:
    """Cut pipermail's "next part" scrubbing notices; return the text and attachment names."""
    blocks = re.split(r"(?m)^-{6,} next part -{6,}[ \t]*$", text)
    kept, names = [blocks[0]], []
    for block in blocks[1:]:
        body = block.strip("\n")
        if not _SCRUBBED.match(body):
            kept.append(body)
            continue
        name = re.search(r"(?m)^Name: (.+)$", body)
        kind = re.search(r"(?m)^Type: (.+)$", body)
        label = name.group(1).strip() if name else ""
        if label in ("", "not available") and kind:
            label = kind.group(1).strip()
        if label and "signature" not in label and not _SIGNATURE_FILES.match(label):
            names.append(label)
    return "\n\n".join(kept), names


_ATTRIBUTION_VERB = re.compile(
    r"(wrote|writes|said|schrieb|schreef|a écrit|escribió|escreveu|ha scritto|scrisse|"
    r"skrev|kirjoitti|napsal|napisał|píše|írta|писал|написал|yazd\u0131|寫道|写道|のメール)",
    re.I,
)
_DATE_OR_ADDRESS = re.compile(r"(\d{1,2}:\d{2}|\b(19|20)\d{2}\b|@|\bon\b.*\d)", re.I)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*(-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|"
    r"Mensaje original|Oorspronkelijk bericht|Messaggio originale)\s*-{2,}"
    r"|-{3,} On .* wrote -{3,})\s*$",
    re.I,
)
_HEADER_BLOCK_FROM = re.compile(r"^\s*\*?(From|Von|De|Da|Van|Od|Från|Fra)\*?\s*:", re.I)
_HEADER_BLOCK_NEXT = re.compile(
    r"^\s*\*?(Sent|Date|Gesendet|Datum|Envoyé|Enviado|Inviato|Verzonden|Skickat|Sendt)\*?\s*:",
    re.I,
)
_RULE = re.compile(r"^\s*_{5,}\s*$")


_SUPERCITE = re.compile(r"^\s*[A-Z]{1,4}>( |$)")


def _is_quote(line: str) -> bool:
    """A ``>`` quoted line, or supercite style `` LK> quoted``."""
    return line.lstrip().startswith(">") or bool(_SUPERCITE.match(line))


def _is_attribution(lines: list[str]) -> bool:
    text = " ".join(line.strip() for line in lines)
    if not text.endswith(":") or len(text) > 300:
        return False
    return bool(_ATTRIBUTION_VERB.search(text) or _DATE_OR_ADDRESS.search(text))


def drop_quotes(lines: list[str]) -> list[str]:
    """Remove ``>`` quoted lines and the "On ... wrote:" lines that introduce them."""
    out: list[str] = []
    for line in lines:
        if not _is_quote(line):
            out.append(line)
            continue
        if out and not _is_quote(out[-1]):
            _drop_attribution(out)
    return out


def _drop_attribution(out: list[str]) -> None:
    """Pop the attribution (up to three wrapped lines, maybe a blank) ending ``out``."""
    end = len(out)
    while end and not out[end - 1].strip():
        end -= 1
        if len(out) - end > 1:
            return
    for start in range(end - 1, max(-1, end - 4), -1):
        if not out[start].strip():
            break
        if _is_attribution(out[start:end]):
            while start and _continues_attribution(out[start - 1], out[start:end]):
                start -= 1
            del out[start:]
            return


_ATTRIBUTION_START = re.compile(
    r"^\s*(On|Am|Le|El|Il|Em|Op|Den|Dne|W dniu|Quoting|Citando|Zitat von)\b", re.I
)


def _continues_attribution(line: str, below: list[str]) -> bool:
    """Whether ``line`` is the wrapped first part of the attribution ``below``."""
    text = line.strip()
    if not text or text.endswith((".", "!", "?", ":")) or len(text) + len(" ".join(below)) > 300:
        return False
    return bool(_ATTRIBUTION_START.match(text) or _DATE_OR_ADDRESS.search(text))


def cut_forwarded_history(lines: list[str]) -> list[str]:
    """Cut an Outlook-style quoted history ("-----Original Message-----", From:/Sent: block)."""
    for i, line in enumerate(lines):
        if _ORIGINAL_MESSAGE.match(line):
            return lines[:i]
        if _HEADER_BLOCK_FROM.match(line) and _has_content(lines[:i]):
            following = [x for x in lines[i + 1 : i + 4] if x.strip()]
            if following and _HEADER_BLOCK_NEXT.match(following[0]):
                start = i
                while start and not lines[start - 1].strip():
                    start -= 1
                if start and _RULE.match(lines[start - 1]):
                    start -= 1
                return lines[:start]
    return lines


def _has_content(lines: list[str]) -> bool:
    return any(line.strip() and not _RULE.match(line) for line in lines)


def cut_list_footer(lines: list[str]) -> list[str]:
    """Cut the "____ / X mailing list / listinfo URL" footer mailing lists append."""
    for i, line in enumerate(lines):
        if not re.match(r"^\s*_{20,}\s*$", line):
            continue
        following = " ".join(lines[i + 1 : i + 4]).lower()
        if "mailing list" in following or "listinfo" in following or "unsubscribe" in following:
            return lines[:i]
    return lines


def cut_signature(lines: list[str], max_lines: int = 25) -> list[str]:
    """Cut from the first ``-- `` separator when what follows is short enough to be a signature."""
    for i, line in enumerate(lines):
        if line.rstrip("\r") in ("-- ", "--"):
            rest = [x for x in lines[i + 1 :] if x.strip()]
            if len(rest) <= max_lines:
                return lines[:i]
    return lines


def clean_body(text: str) -> tuple[str, list[str]]:
    """The new text of a mail body, and the attachment names pipermail scrubbed from it."""
    text, scrubbed = split_pipermail_parts(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = text.split("\n")
    lines = cut_forwarded_history(lines)
    lines = drop_quotes(lines)
    lines = cut_list_footer(lines)
    lines = cut_signature(lines)
    return tidy("\n".join(lines)), scrubbed


# ---------------------------------------------------------------- subjects

_REPLY_PREFIX = re.compile(
    r"^\s*((re|fwd?|aw|wg|sv|vs|antw|rif|r|tr|odp|enc|res|回复|答复|转发)\s*(\[\d+\]|\(\d+\))?\s*[:\uff1a]\s*)",
    re.I,
)
_LIST_TAG = re.compile(r"^\s*\[([\w.-]+)\]\s*")
_PATCH_TAG = re.compile(r"^(patch|rfc|v\d+|resend|\d+/\d+|\w+-?next)$", re.I)


def list_tag(subject: str) -> str | None:
    """The ``[list-name]`` tag a list manager puts in subjects, if any (not ``[PATCH]``)."""
    rest = subject
    while True:
        prefix = _REPLY_PREFIX.match(rest)
        if not prefix:
            break
        rest = rest[prefix.end() :]
    tag = _LIST_TAG.match(rest)
    if tag and not _PATCH_TAG.match(tag.group(1)):
        return tag.group(1)
    return None


def normalize_subject(subject: str) -> str:
    """A subject without Re:/Fwd: prefixes and list tags, for titles."""
    text = re.sub(r"\s+", " ", subject).strip()
    while True:
        prefix = _REPLY_PREFIX.match(text)
        tag = _LIST_TAG.match(text)
        if prefix:
            text = text[prefix.end() :]
        elif tag and not _PATCH_TAG.match(tag.group(1)):
            text = text[tag.end() :]
        else:
            return text.strip()


def is_reply_subject(subject: str) -> bool:
    """Whether a subject starts (after list tags) with a reply or forward prefix."""
    text = subject.strip()
    while True:
        tag = _LIST_TAG.match(text)
        if not tag:
            break
        text = text[tag.end() :]
    return bool(_REPLY_PREFIX.match(text))


# ---------------------------------------------------------------- calendar


def _ics_value(value: str) -> str:
    return (
        value.replace("\\n", "\n").replace("\\N", "\n").replace("\\,", ",").replace("\\;", ";")
    ).strip()


def _ics_time(params: str, value: str) -> str:
    match = re.match(r"(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2}))?", value)
    if not match:
        return value
    y, mo, d, h, mi = match.groups()
    when = f"{y}-{mo}-{d}" + (f" {h}:{mi}" if h else "")
    tz = re.search(r"TZID=([^;:]+)", params)
    if value.endswith("Z"):
        when += " UTC"
    elif tz:
        when += f" ({tz.group(1)})"
    return when


def calendar_summary(ics: str) -> str:
    """A readable one-paragraph summary of the first event in an iCalendar text."""
    unfolded = re.sub(r"\r?\n[ \t]", "", ics)
    fields: dict[str, tuple[str, str]] = {}
    in_event = False
    for line in unfolded.splitlines():
        if line.upper().startswith("BEGIN:VEVENT"):
            in_event = True
        elif line.upper().startswith("END:VEVENT"):
            break
        elif in_event and ":" in line:
            head, value = line.split(":", 1)
            name, _, params = head.partition(";")
            fields.setdefault(name.upper(), (params, value))
    if not fields:
        return "[calendar]"
    parts = [_ics_value(fields.get("SUMMARY", ("", "event"))[1]) or "event"]
    if "DTSTART" in fields:
        when = _ics_time(*fields["DTSTART"])
        if "DTEND" in fields:
            when += " to " + _ics_time(*fields["DTEND"])
        parts.append(f"when: {when}")
    location = _ics_value(fields.get("LOCATION", ("", ""))[1])
    if location:
        parts.append(f"where: {location}")
    if "ORGANIZER" in fields:
        params, value = fields["ORGANIZER"]
        name = re.search(r"CN=([^;:]+)", params)
        parts.append("organizer: " + (name.group(1) if name else value.replace("mailto:", "")))
    summary = "[calendar: " + "; ".join(parts) + "]"
    description = _ics_value(fields.get("DESCRIPTION", ("", ""))[1])
    return f"{summary}\n{description}" if description else summary

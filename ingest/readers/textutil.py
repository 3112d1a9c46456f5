"""Small helpers shared by the chat readers: time parsing, HTML to text, windows, JSON.

Nothing here knows about a particular source; the readers in ``ingest.readers.slack``,
``ingest.readers.discord``, ``ingest.readers.teams`` and ``ingest.readers.chatfile`` build on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TypeVar

from ingest.records import Identity, ReadError

T = TypeVar("T")

#: A pause longer than this between two messages starts a new conversation window.
CONVERSATION_GAP = timedelta(minutes=45)
#: How much of a file the ``detect`` functions look at.
HEAD_BYTES = 64 * 1024

#: Why a JSON value nested past Python's recursion limit (about 1,000 levels) is refused.
TOO_DEEP = "invalid JSON: nested too deep"
#: A control byte other than tab, newline, form feed or carriage return in this share of
#: a file's head (or any NUL byte) marks it as binary, whatever its extension says.
BINARY_SHARE = 0.05

_EPOCH_MS_THRESHOLD = 1e11  # epoch values above this are milliseconds, not seconds
_FRACTION = re.compile(r"(\.\d{1,6})\d*")
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\f\r\x1b")
_STRAY_BYTE = re.compile("[\udc80-\udcff]")  # a byte that was not UTF-8 (surrogateescape)


# --- time ---------------------------------------------------------------------------------


def parse_time(value: object) -> datetime:
    """An aware UTC datetime from ISO 8601 text or epoch seconds (int, float or numeric text).

    Naive ISO times are taken as UTC. Raises ``ValueError`` for anything else.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, int | float):
        return from_epoch(float(value))
    text = str(value).strip()
    if not text:
        raise ValueError("empty time")
    try:
        return from_epoch(float(text))
    except ValueError:
        pass
    iso = text[:-1] + "+00:00" if text[-1] in "Zz" else text
    iso = _FRACTION.sub(r"\1", iso, count=1)  # fromisoformat takes at most 6 digits
    parsed = datetime.fromisoformat(iso)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError as exc:  # 9999-12-31T23:00-12:00 is in year 10000 in UTC
        raise ValueError(f"time out of range: {text}") from exc


def from_epoch(seconds: float) -> datetime:
    """An aware UTC datetime from epoch seconds (values that only make sense as ms are scaled)."""
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        raise ValueError("not a finite time")
    if abs(seconds) > _EPOCH_MS_THRESHOLD:
        seconds /= 1000.0
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError) as exc:
        raise ValueError(f"time out of range: {seconds}") from exc


def day_label(when: datetime | None) -> str:
    """``YYYY-MM-DD`` in UTC, or an empty string."""
    return when.astimezone(UTC).strftime("%Y-%m-%d") if when else ""


def minute_label(when: datetime | None) -> str:
    """``YYYY-MM-DD HH:MM`` in UTC, or an empty string."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if when else ""


# --- grouping -----------------------------------------------------------------------------


def split_windows(
    items: Sequence[T],
    time_of: Callable[[T], datetime | None],
    day_of: Callable[[T], Hashable] | None = None,
    gap: timedelta = CONVERSATION_GAP,
) -> list[list[T]]:
    """Split time-ordered ``items`` where the day changes or the pause exceeds ``gap``.

    ``day_of`` defaults to the UTC date of ``time_of``; items without a time stay with
    the window before them.
    """
    windows: list[list[T]] = []
    last_time: datetime | None = None
    last_day: Hashable = None
    for item in items:
        when = time_of(item)
        day = day_of(item) if day_of else (when.astimezone(UTC).date() if when else last_day)
        new = not windows or day != last_day
        if when is not None and last_time is not None and when - last_time > gap:
            new = True
        if new:
            windows.append([])
        windows[-1].append(item)
        last_time = when or last_time
        last_day = day
    return windows


def unique_identities(identities: Iterable[Identity]) -> list[Identity]:
    """Identities in first-seen order, one per id (or per name when there is no id)."""
    seen: dict[str, Identity] = {}
    for identity in identities:
        key = f"id:{identity.id}" if identity.id else f"name:{identity.label.casefold()}"
        seen.setdefault(key, identity)
    return list(seen.values())


def snippet(text: str, limit: int = 60) -> str:
    """The first words of ``text`` on one line, at most ``limit`` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    if len(cut) < limit // 2:  # one long word (a URL): cut inside it
        cut = flat[:limit]
    return cut.rstrip(" ,.;:") + "…"


# --- files --------------------------------------------------------------------------------


def read_head(path: Path, size: int = HEAD_BYTES) -> str:
    """The first ``size`` bytes of a file as text (BOM stripped, bad bytes dropped)."""
    try:
        with path.open("rb") as f:
            data = f.read(size)
    except OSError:
        return ""
    return data.decode("utf-8", errors="ignore").lstrip("\ufeff")


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The bytes of ``path`` (the first ``limit`` of them when given), raising ``ReadError``
    with the reason when it cannot be read."""
    try:
        if limit is None:
            return path.read_bytes()
        with path.open("rb") as f:
            return f.read(limit)
    except OSError as exc:
        raise ReadError(f"cannot read file: {exc.strerror or exc}") from exc


def read_utf8(path: Path) -> str:
    """The text of a UTF-8 file (BOM allowed), raising ``ReadError`` when it is not."""
    try:
        return path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReadError(f"cannot read as UTF-8 text: {exc}") from exc


def decode_mixed(data: bytes) -> tuple[str, int]:
    """UTF-8 text (BOM dropped) where each byte that is not UTF-8 is read as cp1252 (else
    latin-1), as files pasted together from several encodings need; and how many bytes
    were read that way."""
    text = data.decode("utf-8", errors="surrogateescape")
    text, replaced = _STRAY_BYTE.subn(_as_cp1252, text)
    return text.lstrip("\ufeff"), replaced


def _as_cp1252(match: re.Match[str]) -> str:
    byte = bytes([ord(match.group()) - 0xDC00])
    try:
        return byte.decode("cp1252")
    except UnicodeDecodeError:
        return byte.decode("latin-1")


def looks_binary(data: bytes) -> bool:
    """Whether a file's head is binary (a NUL byte, or many control bytes), not text.

    UTF-16 text, whose ASCII characters come with a NUL byte, is text."""
    head = data[:HEAD_BYTES]
    if not head or _utf16(head):
        return False
    if b"\0" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > BINARY_SHARE * len(head)


def _utf16(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) / 2
    return max(even, odd) > 0.4 * half and min(even, odd) < 0.05 * half


def split_lines(text: str) -> list[str]:
    """Lines of ``text`` with any line ending (``\\r\\n``, ``\\r`` or ``\\n``)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def load_json(path: Path) -> Any:
    """Parse a JSON file, raising ``ReadError`` with a readable reason when it is not JSON."""
    return loads_json(read_bytes(path))


def loads_json(data: bytes | str) -> Any:
    """Parse JSON bytes or text (UTF-8, BOM allowed), raising ``ReadError`` when invalid."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
        return json.loads(text)
    except UnicodeDecodeError as exc:
        raise ReadError(f"not UTF-8 text: {exc.reason} at byte {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise ReadError(f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from exc
    except RecursionError as exc:
        raise ReadError(TOO_DEEP) from exc


def loads_json_stream(text: str) -> list[Any]:
    """Every JSON value in ``text``: one document, or several written one after another."""
    decoder = json.JSONDecoder()
    values: list[Any] = []
    text = text.lstrip("\ufeff")
    index = _skip_space(text, 0)
    while index < len(text):
        try:
            value, index = decoder.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            raise ReadError(
                f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from exc
        except RecursionError as exc:
            raise ReadError(TOO_DEEP) from exc
        values.append(value)
        index = _skip_space(text, index)
    return values


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n,":
        index += 1
    return index


# --- HTML ---------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
     "pre", "hr", "section", "article", "header", "footer"}
)  # fmt: skip
_SKIP_TAGS = frozenset({"script", "style", "head", "title"})
_QUOTE_OPEN, _QUOTE_CLOSE = "\x02", "\x03"


class _TextParser(HTMLParser):
    """Collects readable text: block tags become line breaks, links keep their target."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._links: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n- " if tag == "li" else "\n")
        elif tag == "blockquote":
            self.parts.append("\n" + _QUOTE_OPEN)
        elif tag in ("img", "emoji", "customemoji"):
            alt = (values.get("alt") or "").strip()
            self.parts.append(alt if tag != "img" else f"[image: {alt}]" if alt else "[image]")
        elif tag == "a":
            self._links.append((values.get("href") or "", len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS and tag != "li":
            self.parts.append("\n")
        elif tag == "blockquote":
            self.parts.append(_QUOTE_CLOSE + "\n")
        elif tag == "a" and self._links:
            href, start = self._links.pop()
            label = "".join(self.parts[start:]).strip()
            if href.startswith(("http://", "https://")) and label and label != href:
                self.parts.append(f" ({href})")
            elif href.startswith(("http://", "https://")) and not label:
                self.parts.append(href)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable plain text from an HTML fragment (entities decoded, quotes marked ``> ``)."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    text = re.sub(
        f"{_QUOTE_OPEN}(.*?){_QUOTE_CLOSE}",
        lambda m: _quote(m.group(1)),
        text,
        flags=re.DOTALL,
    )
    return tidy(text.replace(_QUOTE_OPEN, "").replace(_QUOTE_CLOSE, ""))


def _quote(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "\n".join("> " + line for line in lines) + "\n"


def tidy(text: str) -> str:
    """Trim trailing spaces per line, collapse runs of spaces and of blank lines."""
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

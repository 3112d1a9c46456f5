"""Structure- and conversation-aware chunks sized for the embedding model.

Prose follows the document's sections; a conversation keeps a thread whole when it
fits and otherwise splits into windows of whole messages, at long silences and at the
model's token budget; consecutive windows share their last messages (a quarter of the
budget at most). Every chunk carries a short context header (title, section or channel,
date) in the text that is embedded. A conversation chunk's text names each speaker
(``Name: text``, for reading and keyword search); its embedded text leaves out speakers
known only by a handle (IRC nicks) and back-channel turns ("ok", "lol"), which are noise to
the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ingest.records import Message, Record, Section

TokenCounter = Callable[[str], int]

# The model reads at most this many word pieces, two of which are its special tokens.
DEFAULT_MAX_TOKENS = 256
# A section shorter than this joins the next one, so that no chunk is a lone heading.
MIN_SECTION_TOKENS = 40
# A silence this long inside one conversation starts a new window.
WINDOW_GAP = timedelta(hours=6)
# Consecutive windows of a long conversation share their last messages, up to this share
# of the budget: a question and its answer across a window's edge stay together in one.
OVERLAP_SHARE = 0.25
# Turns shorter than this many words ("ok", "hi zzz") are left out of a window's embedding.
CONTENT_WORDS = 3


@dataclass(slots=True)
class Chunk:
    """A piece of a record small enough to embed whole, with where it came from."""

    doc_id: str
    position: int
    text: str
    embed_text: str
    heading: str
    locator: str
    source_path: str
    people: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None

    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}:{self.position}"


class Chunker:
    """Turns records into chunks whose embedded text fits ``max_tokens`` word pieces."""

    def __init__(self, count_tokens: TokenCounter, max_tokens: int = DEFAULT_MAX_TOKENS) -> None:
        self.count_tokens = count_tokens
        self.budget = max_tokens - 2

    def chunk(self, record: Record) -> list[Chunk]:
        """All chunks of ``record`` in reading order."""
        if record.messages:
            return self._chunk_conversation(record)
        return self._chunk_prose(record)

    # --- prose ----------------------------------------------------------------------------

    def _chunk_prose(self, record: Record) -> list[Chunk]:
        chunks: list[Chunk] = []
        for section in self._merge_small(record.sections):
            header = context_header(record, section.heading)
            room = max(self.budget - self.count_tokens(header), 32)
            for piece in self._split(section.text, room):
                chunks.append(
                    Chunk(
                        doc_id=record.doc_id,
                        position=len(chunks),
                        text=piece,
                        embed_text=f"{header}\n{piece}",
                        heading=section.heading,
                        locator=section.locator,
                        source_path=record.source_path,
                        people=section.people or record.people,
                        start=record.created,
                        end=record.ended or record.created,
                    )
                )
        return chunks

    def _merge_small(self, sections: list[Section]) -> list[Section]:
        """Fold sections too short to stand alone into the section that follows."""
        merged: list[Section] = []
        carry: Section | None = None
        for section in sections:
            if not section.text.strip() and not section.heading:
                continue
            if carry is not None:
                section = Section(
                    heading=carry.heading or section.heading,
                    text=f"{carry.text}\n\n{section.heading}\n{section.text}".strip(),
                    locator=carry.locator or section.locator,
                    people=list(dict.fromkeys(carry.people + section.people)),
                )
                carry = None
            if self.count_tokens(section.text) < MIN_SECTION_TOKENS:
                carry = section
            else:
                merged.append(section)
        if carry is not None:
            if merged and self.count_tokens(merged[-1].text + carry.text) <= self.budget:
                last = merged[-1]
                last.text = f"{last.text}\n\n{carry.heading}\n{carry.text}".strip()
                last.people = list(dict.fromkeys(last.people + carry.people))
            elif carry.text.strip() or carry.heading:
                merged.append(carry)
        return merged

    def _split(self, text: str, room: int) -> list[str]:
        text = text.strip()
        if not text:
            return []
        if self.count_tokens(text) <= room:
            return [text]
        # Imported on first use: llama-index takes over a second to import, and the server
        # imports this module (uploads, syncs) long before anything is chunked.
        from llama_index.core.node_parser import SentenceSplitter

        splitter = SentenceSplitter(
            chunk_size=room,
            chunk_overlap=min(24, room // 8),
            tokenizer=self._token_list,
            paragraph_separator="\n\n",
        )
        return [piece for piece in splitter.split_text(text) if piece.strip()]

    def _token_list(self, text: str) -> list[int]:
        return [0] * self.count_tokens(text)

    # --- conversations ------------------------------------------------------------------------

    def _chunk_conversation(self, record: Record) -> list[Chunk]:
        header = context_header(record, record.channel or "")
        room = max(self.budget - self.count_tokens(header), 32)
        lines = [(m, speaker_line(m)) for m in record.messages if m.text.strip()]
        sizes = [self.count_tokens(line) + 1 for _, line in lines]
        windows: list[list[tuple[Message, str]]] = []
        current: list[tuple[Message, str]] = []
        used = 0
        for (message, line), size in zip(lines, sizes, strict=True):
            if size > room:
                # One message longer than the budget: it is cut, and only it.
                if current:
                    windows.append(current)
                for piece in self._split(line, room):
                    windows.append([(message, piece)])
                current, used = [], 0
                continue
            gap = _gap(current[-1][0], message) if current else None
            silence = gap is not None and gap > WINDOW_GAP
            if current and (used + size > room or silence):
                windows.append(current)
                current = [] if silence else self._overlap(current, room, room - size)
                used = sum(self.count_tokens(text) + 1 for _, text in current)
            current.append((message, line))
            used += size
        if current:
            windows.append(current)
        return [self._window_chunk(record, header, i, w) for i, w in enumerate(windows)]

    def _overlap(
        self, window: list[tuple[Message, str]], target: int, room: int
    ) -> list[tuple[Message, str]]:
        """The last messages of ``window`` that open the next one: up to
        :data:`OVERLAP_SHARE` of a window (or the last message alone when it is at most half
        of one), never more than half of what is left."""
        budget = min(int(target * OVERLAP_SHARE), room // 2)
        kept: list[tuple[Message, str]] = []
        used = 0
        for message, text in reversed(window[1:]):
            size = self.count_tokens(text) + 1
            alone = not kept and size <= min(target, room) // 2
            if used + size > budget and not alone:
                break
            kept.insert(0, (message, text))
            used += size
        return kept

    def _window_chunk(
        self, record: Record, header: str, position: int, window: list[tuple[Message, str]]
    ) -> Chunk:
        text = "\n".join(line for _, line in window)
        times = [m.time for m, _ in window if m.time is not None]
        first = window[0][0]
        speakers = [m.author.label for m, _ in window if _named(m)]
        return Chunk(
            doc_id=record.doc_id,
            position=position,
            text=text,
            embed_text=header + "\n" + _embedded(window),
            heading=record.channel or record.title,
            locator=first.locator,
            source_path=record.source_path,
            people=list(dict.fromkeys(speakers)),
            start=min(times) if times else record.created,
            end=max(times) if times else record.ended or record.created,
        )


def speaker_line(message: Message) -> str:
    """``SPEAKER: text`` with the message's whitespace folded to single lines (just the
    text when nobody is named: a log's preamble, a transcript's summary)."""
    text = " ".join(message.text.split())
    if not _named(message):
        return text
    name = message.author.label + (" (bot)" if message.is_bot else "")
    return f"{name}: {text}"


def _embedded(window: list[tuple[Message, str]]) -> str:
    """The window's lines as they are embedded: what was said (:func:`_said`), without
    back-channel turns ("ok", "hi zzz", "lol") of fewer than :data:`CONTENT_WORDS` words,
    which dilute the rest (all of them when nothing else is left)."""
    said = [_said(m, line) for m, line in window]
    content = [
        line for (m, _), line in zip(window, said, strict=True) if _words(m) >= CONTENT_WORDS
    ]
    return "\n".join(content or said)


def _words(message: Message) -> int:
    return len(message.text.split())


def _said(message: Message, line: str) -> str:
    """``line`` (a message's ``SPEAKER: text`` or a piece of it) as it is embedded: without
    the speaker when the speaker is a handle (one word: ``zzz``, ``str4d``, ``eche|on``),
    whose run down a chat window only pulls every window towards every other; a full
    name stays, as a query may ask what that person said."""
    if not _named(message) or len(message.author.label.split()) > 1:
        return line
    name = message.author.label + (" (bot)" if message.is_bot else "")
    return line.removeprefix(f"{name}: ")


def _named(message: Message) -> bool:
    author = message.author
    return bool(author.name or author.handle or author.email or author.id)


def context_header(record: Record, heading: str) -> str:
    """The line of context embedded with each chunk: title, section or channel, date."""
    parts = [record.title]
    if heading and heading != record.title:
        parts.append(heading)
    if record.created is not None:
        parts.append(record.created.date().isoformat())
    return " | ".join(parts)


def _gap(before: Message, after: Message) -> timedelta | None:
    if before.time is None or after.time is None:
        return None
    return after.time - before.time

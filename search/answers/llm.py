"""Answers written by an LLM behind an OpenAI-compatible endpoint, with verified citations.

When ``WATERCOOLER_LLM_URL`` is set (a local vLLM, llama.cpp server or Ollama), the
passages retrieved for a question are numbered in the prompt and the model answers with
``[n]`` markers. Every cited sentence is then checked against the passage it cites: a
citation whose passage does not contain the claim is dropped and the sentence is marked
"(unsupported)". Any failure of the model (timeout, HTTP error, unreadable or empty
response) falls back to the extractive answer with a notice. A question whose evidence is
too weak for an extractive answer is not sent to the model: the answer abstains. Without
the setting, :class:`Asker` answers extractively.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from search.answers.extractive import (
    SENTENCE_END,
    WORD,
    Answer,
    Answerer,
    Citation,
    Evidence,
    Unit,
    abstain,
    day,
    split_units,
    term_pattern,
)
from search.retrieval.terms import STOPWORDS
from search.store.catalog import ChunkRow
from search.store.filters import Filters
from search.store.settings import Settings
from search.store.store import Store

# Passages put in the prompt, and the share of a claim's words its passage must contain.
PROMPT_PASSAGES = 8
SUPPORT = 0.5
MAX_TOKENS = 400
MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
NUMBER = re.compile(r"\d[\d,.:/-]*\d|\d")
NOTHING = re.compile(
    r"\b(found nothing|no (information|mention|passage)|(do|does) not (say|mention|answer)|"
    r"not (mentioned|stated|found|in the passages)|cannot answer|can't answer)\b",
    re.IGNORECASE,
)
SYSTEM = (
    "You answer questions about an organization using only the numbered passages below, "
    "which are excerpts of its meeting notes, memos, chats, mail and transcripts. "
    "End every sentence that states a fact with the number of the passage that supports "
    "it in square brackets, like [2] or [1][3]. Copy names, dates and numbers exactly as "
    "the passages give them. If the passages do not answer the question, say: "
    "I found nothing about that in the passages. Answer in at most four sentences."
)

UNSUPPORTED = "Some sentences of the model's answer are not supported by the passages."
# Events a stream yields: ("token", text) while the model writes, then ("answer", Answer).
Event = tuple[str, Any]


class LLMFailure(RuntimeError):
    """The model did not produce a usable answer; the message says why, for the notice."""


def build_llm(settings: Settings) -> Any:
    """A llama-index LLM for the OpenAI-compatible endpoint at ``settings.llm_url``."""
    from llama_index.llms.openai_like import OpenAILike

    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "none"
    return OpenAILike(
        model=settings.llm_model,
        api_base=settings.llm_url,
        api_key=key,
        is_chat_model=True,
        is_function_calling_model=False,
        context_window=8192,
        max_tokens=MAX_TOKENS,
        temperature=0.0,
        timeout=settings.llm_timeout,
        max_retries=0,
    )


def messages(question: str, passages: list[ChunkRow]) -> list[Any]:
    """The system instruction and the numbered passages with the question."""
    from llama_index.core.llms import ChatMessage, MessageRole

    blocks = []
    for n, row in enumerate(passages, 1):
        heading = row.heading if row.heading != row.title else ""
        where = " · ".join(p for p in (row.title, heading, day(row.start_ts)) if p)
        blocks.append(f"[{n}] ({where})\n{row.text}")
    user = "Passages:\n\n" + "\n\n".join(blocks) + f"\n\nQuestion: {question}"
    return [
        ChatMessage(role=MessageRole.SYSTEM, content=SYSTEM),
        ChatMessage(role=MessageRole.USER, content=user),
    ]


class Asker:
    """Answers a question: with the LLM when one is configured, else extractively.

    Raises :class:`~search.store.store.EmptyStoreError` when nothing is stored; never
    raises because of the model.
    """

    def __init__(self, store: Store, settings: Settings | None = None) -> None:
        self.store = store
        self.settings = settings or store.settings
        self.answerer = Answerer(store)
        self._llm: Any | None = None

    @property
    def llm(self) -> Any | None:
        if self._llm is None and self.settings.llm_url:
            self._llm = build_llm(self.settings)
        return self._llm

    def ask(self, question: str, filters: Filters | None = None) -> Answer:
        """The verified LLM answer, or the extractive one."""
        answer: Answer | None = None
        for kind, value in self.stream(question, filters, tokens=False):
            if kind == "answer":
                answer = value
        assert answer is not None
        return answer

    def stream(
        self, question: str, filters: Filters | None = None, *, tokens: bool = True
    ) -> Iterator[Event]:
        """("token", text) events as the model writes, then one ("answer", Answer)."""
        evidence = self.answerer.gather(question, filters)
        extractive = self.answerer.compose(evidence)
        if self.llm is None or extractive.abstained:
            yield "answer", extractive
            return
        passages = evidence.passages[:PROMPT_PASSAGES]
        try:
            parts: list[str] = []
            for token in self._generate(question, passages, stream=tokens):
                parts.append(token)
                if tokens:
                    yield "token", token
            answer = self.verify(evidence, passages, "".join(parts))
        except LLMFailure as exc:
            extractive.notice = f"{exc}; this is the extractive answer."
            answer = extractive
        yield "answer", answer

    def _generate(self, question: str, passages: list[ChunkRow], stream: bool) -> Iterator[str]:
        """The model's text, in pieces; every failure becomes :class:`LLMFailure`."""
        prompt = messages(question, passages)
        deadline = time.monotonic() + 4 * self.settings.llm_timeout
        produced = False
        try:
            if not stream:
                text = self.llm.chat(prompt).message.content or ""
                produced = bool(text.strip())
                yield text
            else:
                for chunk in self.llm.stream_chat(prompt):
                    if time.monotonic() > deadline:
                        raise TimeoutError("the stream ran past its deadline")
                    delta = chunk.delta or ""
                    produced = produced or bool(delta.strip())
                    if delta:
                        yield delta
        except Exception as exc:
            raise LLMFailure(describe(exc, self.settings)) from exc
        if not produced:
            raise LLMFailure(f"The language model at {self.settings.llm_url} answered nothing")

    def verify(self, evidence: Evidence, passages: list[ChunkRow], text: str) -> Answer:
        """Keep citations whose passage contains the claim; mark the rest unsupported."""
        checked = check_citations(text, passages)
        citations: list[Citation] = []
        numbers: dict[tuple[str, int, int], int] = {}
        out: list[str] = []
        for claim in checked:
            marks = []
            for unit in claim.support:
                key = (unit.row.chunk_id, unit.start, unit.end)
                if key not in numbers:
                    numbers[key] = len(citations) + 1
                    citations.append(self.answerer.cite(numbers[key], unit))
                marks.append(f"[{numbers[key]}]")
            if marks:
                out.append(f"{claim.text} {''.join(dict.fromkeys(marks))}")
            elif claim.factual:
                out.append(f"{claim.text} (unsupported)")
            else:
                out.append(claim.text)
        if not citations:
            if any(NOTHING.search(c.text) for c in checked):
                answer = abstain(evidence)
                answer.mode = "llm"
                answer.notice = "The language model found no answer in the passages."
                return answer
            raise LLMFailure(
                "The language model's answer could not be checked against the passages"
            )
        factual = [c for c in checked if c.factual or c.support]
        supported = sum(1 for c in factual if c.support) / max(1, len(factual))
        return Answer(
            question=evidence.question,
            answer=" ".join(out),
            citations=citations,
            confidence=round(evidence.confidence * supported, 3),
            mode="llm",
            notice=None if supported == 1 else UNSUPPORTED,
        )


@dataclass(slots=True)
class Claim:
    """A sentence of the model's answer (markers removed) and the units that support it."""

    text: str
    cited: list[int]
    support: list[Unit]
    factual: bool


def check_citations(text: str, passages: list[ChunkRow]) -> list[Claim]:
    """Each sentence of ``text`` with the cited passages' units that really support it."""
    claims = []
    for sentence in split_sentences(text):
        cited = [int(n) for group in MARKER.findall(sentence) for n in group.split(",")]
        claim = re.sub(r"\s+([.,;:!?])", r"\1", MARKER.sub("", sentence)).strip()
        if not claim:
            continue
        support = []
        for n in dict.fromkeys(cited):
            if 1 <= n <= len(passages):
                unit = supporting_unit(claim, passages[n - 1], n - 1)
                if unit is not None:
                    support.append(unit)
        claims.append(Claim(claim, cited, support, is_factual(claim)))
    return claims


def split_sentences(text: str) -> list[str]:
    """Sentences of the model's answer; a marker after the full stop stays with its sentence."""
    text = re.sub(
        r"([.!?])\s*((?:\[\d+(?:\s*,\s*\d+)*\]\s*)+)",
        lambda m: f"{m.group(2).rstrip()}{m.group(1)} ",
        text.strip(),
    )
    pieces = []
    for line in text.splitlines():
        pieces += [p.strip() for p in SENTENCE_END.split(line) if p.strip()]
    return pieces


def supporting_unit(claim: str, passage: ChunkRow, rank: int) -> Unit | None:
    """The unit of ``passage`` that best contains ``claim``, if the passage supports it.

    Supported means: every number in the claim occurs in the passage, and at least half of
    the claim's content words do.
    """
    words = content_words(claim)
    numbers = [n.rstrip(".,") for n in NUMBER.findall(claim)]
    if not words and not numbers:
        return None
    if not all(has_number(n, passage.text) for n in numbers):
        return None
    patterns = [term_pattern(w) for w in words]
    if patterns and overlap(patterns, passage.text) < SUPPORT:
        return None
    best: Unit | None = None
    best_score = -1.0
    for unit in split_units(passage, rank):
        score = overlap(patterns, unit.text) + sum(has_number(n, unit.text) for n in numbers)
        if score > best_score:
            best, best_score = unit, score
    return best


def has_number(number: str, text: str) -> bool:
    """``number`` occurs in ``text`` as a whole number (20 is not found in 2025)."""
    return re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d]|[.,]\d)", text) is not None


def content_words(text: str) -> list[str]:
    words = [w.lower().strip("'-") for w in WORD.findall(text)]
    return list(dict.fromkeys(w for w in words if w and w not in STOPWORDS and not w.isdigit()))


def overlap(patterns: list[re.Pattern[str]], text: str) -> float:
    if not patterns:
        return 1.0
    return sum(1 for p in patterns if p.search(text)) / len(patterns)


def is_factual(claim: str) -> bool:
    """Whether a sentence asserts something (rather than saying nothing was found)."""
    if NOTHING.search(claim):
        return False
    return bool(NUMBER.search(claim)) or len(content_words(claim)) >= 3


def describe(exc: BaseException, settings: Settings) -> str:
    """A one-line reason for a model failure, for the notice."""
    import openai

    where = f"The language model at {settings.llm_url}"
    if isinstance(exc, openai.APITimeoutError | TimeoutError):
        return f"{where} did not answer within {settings.llm_timeout:g} s"
    if isinstance(exc, openai.APIStatusError):
        return f"{where} failed with HTTP {exc.status_code}"
    if isinstance(exc, openai.APIConnectionError):
        return f"{where} could not be reached"
    return f"{where} sent a response that could not be read ({type(exc).__name__})"

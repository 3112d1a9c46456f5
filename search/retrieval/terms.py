"""Query terms: the words that carry meaning, how they match text, and how close they are."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

WORD = re.compile(r"[\w][\w'-]*", re.UNICODE)
STOPWORDS = frozenset(
    """a an and are as at be but by did do does for from had has have how i in is it its of on
    or our so that the their them there they this to was we were what when where which who why
    will with you your about into any can could should would""".split()
)


def query_terms(query: str) -> list[str]:
    """The words of a query that carry meaning, lower-cased, in order, without repeats."""
    words = [w.lower().strip("'-") for w in WORD.findall(query)]
    return list(dict.fromkeys(w for w in words if w and w not in STOPWORDS))


def search_terms(query: str) -> list[str]:
    """:func:`query_terms`, and the number of an identifier joined to a name by a hyphen
    (``eip-7688`` also looks for ``7688``: minutes write ``EIP7688``, ``EIP 7688`` and
    just ``7688``)."""
    terms = query_terms(query)
    extra = [
        part
        for term in terms
        if "-" in term
        for part in term.split("-")
        if part.isdigit() and len(part) >= 2
    ]
    return list(dict.fromkeys(terms + extra))


_WORD_REST = re.compile(r"\w*")


def term_stem(term: str) -> str:
    """How a word that matches ``term`` starts (a crude stem, as the porter index matches)."""
    return term if len(term) <= 4 else term[: max(4, len(term) - 2)]


def term_pattern(term: str) -> re.Pattern[str]:
    """Words that start like ``term`` (:func:`term_stem`)."""
    return re.compile(r"\b" + re.escape(term_stem(term)) + r"\w*", re.IGNORECASE)


def any_term_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    """Words that match any of ``terms`` (:func:`term_pattern`), term N's match in group
    ``tN``. None without terms."""
    return _any_term_pattern(tuple(terms))


@lru_cache(maxsize=256)
def _any_term_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    # A look ahead for a character some term starts with skips most positions at once, and
    # the word boundary is tested once, not in each alternative: the same matches, found
    # several times faster.
    if not terms:
        return None
    stems = [term_stem(t) for t in terms]
    parts = [f"(?P<t{n}>{re.escape(stem)})" for n, stem in enumerate(stems)]
    first = "".join(sorted({re.escape(stem[0]) for stem in stems})) if all(stems) else ""
    ahead = f"(?=[{first}])" if first else ""
    return re.compile(ahead + r"\b(?:" + "|".join(parts) + r")\w*", re.IGNORECASE)


def proximity(text: str, terms: list[str], window: int = 12) -> float:
    """The largest share of query ``terms`` found within ``window`` consecutive words (a
    word counts for a term when it matches :func:`term_pattern`)."""
    if not terms:
        return 0.0
    # Each word is looked up by its prefixes of the stems' lengths, not matched against
    # every term's pattern: the reranker reads thirty chunks per search.
    stems: dict[int, dict[str, list[int]]] = {}
    for n, term in enumerate(terms):
        stem = term_stem(term.lower())
        stems.setdefault(len(stem), {}).setdefault(stem, []).append(n)
    hits = [
        (i, n)
        for i, word in enumerate(WORD.findall(text.lower()))
        for size, table in stems.items()
        if word[:size] in table and _WORD_REST.fullmatch(word, size)
        for n in table[word[:size]]
    ]
    best, start = 0, 0
    for end in range(len(hits)):
        while hits[end][0] - hits[start][0] >= window:
            start += 1
        best = max(best, len({n for _, n in hits[start : end + 1]}))
    return best / len(terms)

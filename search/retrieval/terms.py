"""Query terms: the words that carry meaning, how they match text, and how close they are."""

from __future__ import annotations

import re

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


def term_pattern(term: str) -> re.Pattern[str]:
    """Words that start like ``term`` (a crude stem, as the porter index matches them)."""
    stem = term if len(term) <= 4 else term[: max(4, len(term) - 2)]
    return re.compile(r"\b" + re.escape(stem) + r"\w*", re.IGNORECASE)


def proximity(text: str, patterns: list[re.Pattern[str]], window: int = 12) -> float:
    """The largest share of query terms found within ``window`` consecutive words."""
    if not patterns:
        return 0.0
    words = WORD.findall(text)
    hits = [
        (i, n) for i, word in enumerate(words) for n, p in enumerate(patterns) if p.fullmatch(word)
    ]
    best, start = 0, 0
    for end in range(len(hits)):
        while hits[end][0] - hits[start][0] >= window:
            start += 1
        best = max(best, len({n for _, n in hits[start : end + 1]}))
    return best / len(patterns)

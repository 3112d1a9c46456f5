"""The topics a person talks about most: key phrases of their own words."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from math import log

from search.people.attribution import attribute
from search.people.directory import Directory
from search.people.identities import fold, name_tokens
from search.store.catalog import BaseCatalog

_TOPIC_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be because
    been before being below between both but by can can't cannot could did didn't do does
    doesn't doing don't down during each few for from further get gets got had has have
    having he her here hers herself him himself his how i i'd i'll i'm i've if in into is
    isn't it it's its itself just let's like me more most much must my myself need needs no
    nor not now of off on once one only or other our ours ourselves out over own per same
    she should so some such than that that's the their theirs them themselves then there
    there's these they they'd they'll they're they've this those through to too under until
    up us very via was wasn't we we'd we'll we're we've were weren't what what's when where
    which while who whom why will with won't would you you'd you'll you're you've your
    yours yourself yes yeah ok okay thanks thank please sure great good think know want
    going go see said says say yet still already maybe also well right new next last first
    second week weeks day days today tomorrow yesterday time times thing things lot
    monday tuesday wednesday thursday friday saturday sunday morning afternoon
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec will'd done make made put take
    since half year years month months hour hours minute minutes every around back
    kind sort guess people stuff bit actually basically probably gonna wanna something
    anything everything everyone someone somebody hopefully therefore rather sup welcome
    let lets cool awesome really pretty quite though although also just okay alright
    """.split()
)
_WORD = re.compile(r"[A-Za-zÀ-ÿ][\w'/+-]*[\w+]|[A-Za-zÀ-ÿ]")
_CLAUSE = re.compile('[.,;:!?()\\[\\]{}"\u201c\u201d|\u2014\u2013]+|\\s-\\s|\n')


def key_phrases(texts: Iterable[str], exclude: set[str], limit: int = 200) -> Counter[str]:
    """Counts of candidate phrases (1-3 words, no stopwords, no names) in ``texts``."""
    counts: Counter[str] = Counter()
    for text in texts:
        for clause in _CLAUSE.split(text):
            words = _WORD.findall(clause)
            run: list[str] = []
            for word in [*words, ""]:
                word = word.removesuffix("'s").removesuffix("\u2019s")
                low = fold(word)
                if word and low not in _TOPIC_STOPWORDS and low not in exclude and len(low) > 2:
                    run.append(word)
                    continue
                for size in (1, 2, 3):
                    for start in range(len(run) - size + 1):
                        counts[" ".join(run[start : start + size])] += 1
                run = []
    return Counter(dict(counts.most_common(limit)))


def person_topics(
    catalog: BaseCatalog, directory: Directory, person_id: str, limit: int = 8
) -> tuple[list[str], Counter[str]]:
    """The phrases that set this person's own words apart from the rest of the corpus
    (TF-IDF against chunk frequency), and how much they said or were named per document."""
    chunks = catalog.chunks_of_documents(directory.persons[person_id].documents)
    own: list[str] = []
    weight: Counter[str] = Counter()
    for chunk in chunks:
        part = attribute(chunk, directory)
        said, named = part.said.get(person_id, []), part.named.get(person_id, [])
        own += said + named
        weight[chunk.doc_id] += len(said) + len(named)
    exclude = {t for p in directory.persons.values() for t in name_tokens(p.name)}
    counts = _merge_case(key_phrases(own, exclude))
    if not counts:
        return [], weight
    total = max(catalog.chunk_total(), 1)
    frequency = catalog.phrase_chunk_counts(list(counts))
    scores = {
        phrase: n
        * log((total + 1) / (frequency.get(phrase, 0) + 1))
        * PHRASE_WEIGHT[phrase.count(" ")]
        for phrase, n in counts.items()
        if n >= 2 or " " in phrase
    }
    return _pick(scores, limit), weight


# A phrase of two or three words says more than a single word.
PHRASE_WEIGHT = (0.6, 1.5, 2.0)


def _merge_case(counts: Counter[str]) -> Counter[str]:
    """Phrases that differ only in case counted together, under their commonest spelling."""
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for phrase, n in counts.items():
        groups[fold(phrase)][phrase] += n
    return Counter({c.most_common(1)[0][0]: sum(c.values()) for c in groups.values()})


def _pick(scores: dict[str, float], limit: int) -> list[str]:
    """The best phrases, skipping one that a chosen phrase contains or is contained in."""
    chosen: list[str] = []
    for phrase in sorted(scores, key=lambda p: (-scores[p], p)):
        low = fold(phrase)
        if any(low in fold(c) or fold(c) in low for c in chosen):
            continue
        chosen.append(phrase)
        if len(chosen) == limit:
            break
    return chosen

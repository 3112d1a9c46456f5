"""People a query names, and who speaks each line of a chunk.

"What did Dana say about the cutover", "what did jrandom propose for the router": a word of
the query that names a speaker of the candidate chunks (by full name, a name part or a
handle, with the usual nick variants: ``jrand0m``, ``jrandom_``, ``jrandom2p``, ``eche|on``
for ``echelon``) and is used the way a name is used (after "did", before "say" or
"propose", possessive, capitalised, or handle-shaped) names that person. Their turns then
count for more in ranking and in choosing the line a hit points at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from search.retrieval.terms import STOPWORDS

# A query word that may be a name or a handle: letters, digits and a nick's punctuation.
_TOKEN = re.compile(r"[\w@][\w|.'@^-]*[\w|^]|\w", re.UNICODE)
# Words that say a person is talked about as a speaker: "did X say", "X proposed", "X's".
_BEFORE = frozenset(
    """did does do by from with asked ask told tell per according whom person
    """.split()
)
_SPEECH = re.compile(
    r"^(?:say|said|says|saying|think|thinks|thought|propos\w*|suggest\w*|want\w*|ask\w*|"
    r"mention\w*|argu\w*|claim\w*|announc\w*|report\w*|explain\w*|promis\w*|believ\w*|"
    r"feel|feels|felt|recommend\w*|decid\w*|agree\w*|disagree\w*|object\w*|note\w*|"
    r"answer\w*|repl\w*|describ\w*|prefer\w*|plan\w*|worr\w*|complain\w*|write|wrote|"
    r"writes|tell|tells|told|present\w*|offer\w*|insist\w*|warn\w*|point\w*|push\w*|"
    r"question\w*|conclud\w*|summari\w*|demo\w*|show\w*|reckon\w*|expect\w*|estimat\w*|"
    r"ask|asks|raise\w*|bring|brought|volunteer\w*|object|complain|comment\w*|respond\w*)$"
)
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "|": "l"})
# A line that starts with a speaker: "Name: …" (our conversation chunks, transcripts),
# "[name] …" and "**Name**: …" (meeting minutes).
_LINE_SPEAKER = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\[(?P<tag>[^\]\n]{1,48})\]|\*\*(?P<bold>[^*\n]{1,48})\*\*\s*:|"
    r"(?P<plain>[^\s:\[\]*][^:\n]{0,60}?)(?: \(bot\))?:\s)"
)
# A month next to a number is a date ("Jan 6", "6 May 2024"), not a person called Jan or May.
_MONTHS = frozenset(
    """jan january feb february mar march apr april may jun june jul july aug august sep
    sept september oct october nov november dec december""".split()
)
_NUMBER = re.compile(r"^\d{1,4}(?:st|nd|rd|th)?,?$")
# A query with this share of its words capitalised is title-cased (a pasted title): its
# capitals say nothing about which words are names.
TITLE_CASE_SHARE = 0.75
MIN_SHARED_PREFIX = 4  # "jrandom" names "jrandom2p" and "jrandom_", "zz" names nobody
MAX_SUFFIX = 3


@lru_cache(maxsize=8192)
def fold(name: str) -> str:
    """A name or handle reduced for matching: lower case, nick digits read as letters
    (``jrand0m`` -> ``jrandom``, ``eche|on`` -> ``echelon``), punctuation dropped."""
    return re.sub(r"[\W_]+", "", name.casefold().translate(_LEET))


@lru_cache(maxsize=8192)
def _plain(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.casefold())


@lru_cache(maxsize=4096)
def name_keys(name: str) -> frozenset[str]:
    """Ways a query may name ``name``: the whole name and each of its parts, folded (an
    affiliation in parentheses is not a name: ``Justin Florentine (Besu)``)."""
    name = re.sub(r"\s*\(.*$", "", name) or name
    keys = {fold(name), _plain(name)}
    for part in re.split(r"[\s/,;]+|(?<=\w)@", name):
        if len(_plain(part)) >= 2 and part.casefold() not in STOPWORDS:
            keys |= {fold(part), _plain(part)}
    return frozenset(k for k in keys if len(k) >= 2)


def same_name(word: str, key: str) -> bool:
    """``word`` (a folded query word) names ``key`` (a folded name part): equal, or one is
    the other plus a short suffix (``jrandom`` / ``jrandom2p``, ``meeh`` / ``meeh_``)."""
    if word == key:
        return True
    short, long = sorted((word, key), key=len)
    return (
        len(short) >= MIN_SHARED_PREFIX
        and long.startswith(short)
        and len(long) - len(short) <= MAX_SUFFIX
    )


def _name_shaped(
    word: str, before: str, after: str, position: int, title_case: bool = False
) -> str | None:
    """How ``word`` is used in the query: ``name`` when its use says it names someone
    (after "did", before "say", capitalised inside the query, handle-shaped), ``possessive``
    ("welterde's proposal", but also "the user's connection"), ``initial`` (capitalised as
    the query's first word only), else None. In a ``title_case`` query capitals say
    nothing; a month next to a number is a date."""
    if word.isupper():
        return None  # an acronym: I2P, SSU2, CSP
    if word.casefold() in _MONTHS and (_NUMBER.match(before) or _NUMBER.match(after)):
        return None
    if re.search(r"[\d|_@^]", word) or any(c.isupper() for c in word[1:]):
        return "name"  # a handle: jrand0m, eche|on, str4d, McKay
    capital = word[:1].isupper() and not title_case
    if (position > 0 and capital) or before in _BEFORE or _SPEECH.match(after):
        return "name"
    if after in ("'s", "s"):
        return "possessive"
    return "initial" if capital else None


def _title_cased(words: list[str]) -> bool:
    """Whether nearly every word of a query (three or more, function words aside) starts
    with a capital, as in a title."""
    content = [w for w in words if w[:1].isalpha() and w.casefold() not in STOPWORDS]
    capitals = sum(1 for w in content if w[:1].isupper())
    return len(content) >= 3 and capitals >= TITLE_CASE_SHARE * len(content)


def named_people(query: str, speakers: Iterable[str]) -> list[str]:
    """The ``speakers`` (as written) that ``query`` names, best-matched first.

    A word used as a name matches a speaker's name, a part of it, or a nick variant of
    either; a possessive must be a speaker's whole name; a capitalised first word must be
    a part of a capitalised name ("Justin on the devnet", not "Fox relay" for ``fox``).
    """
    words = [(m.group(0), m.end()) for m in _TOKEN.finditer(query)]
    title_case = _title_cased([w for w, _ in words])
    candidates: list[tuple[str, str, str]] = []
    for index, (word, end) in enumerate(words):
        bare = word.strip("'.-")
        if bare.endswith("'s"):
            bare = bare[:-2]
        if len(_plain(bare)) < 2 or bare.casefold() in STOPWORDS:
            continue
        if not any(c.isalpha() for c in bare):
            continue  # a number, a time or a date: "2004", "13:00"
        before = words[index - 1][0].casefold() if index else ""
        after = words[index + 1][0].casefold() if index + 1 < len(words) else ""
        if word.endswith("'s") or query[end : end + 2] == "'s":
            after = "'s"
        use = _name_shaped(bare, before, after, index, title_case)
        if use:
            candidates.append((fold(bare), _plain(bare), use))
    if not candidates:
        return []
    found: dict[str, int] = {}
    for speaker in dict.fromkeys(speakers):
        strength = max(_strength(speaker, *candidate) for candidate in candidates)
        if strength:
            found[speaker] = max(found.get(speaker, 0), strength)
    return sorted(found, key=lambda s: -found[s])


def _strength(speaker: str, folded: str, plain: str, use: str) -> int:
    """2 when a query word names ``speaker`` whole, 1 by a name part or a nick variant."""
    if use == "initial" and not speaker[:1].isupper():
        return 0
    bare = re.sub(r"\s*\(.*$", "", speaker) or speaker
    if {folded, plain} & {fold(bare), _plain(bare)}:
        return 2
    if use == "possessive":
        return 0
    keys = name_keys(speaker)
    if use == "initial":
        return 1 if {folded, plain} & keys else 0
    return 1 if any(same_name(folded, k) or same_name(plain, k) for k in keys) else 0


def line_speaker(line: str, people: list[str]) -> str | None:
    """Who speaks ``line``: one of ``people`` when the line starts ``Name:``, else the
    speaker tag the line starts with (``[rob]``, ``**Rob**:``, ``Rob:``), else None."""
    for name in sorted(people, key=len, reverse=True):
        if name and (line.startswith(f"{name}: ") or line.startswith(f"{name} (bot): ")):
            return name
    match = _LINE_SPEAKER.match(line)
    if match:
        return (match.group("tag") or match.group("bold") or match.group("plain") or "").strip()
    return None


def speaks(speaker: str | None, named: list[str]) -> bool:
    """Whether a line's speaker is one of the ``named`` people (or a variant of them)."""
    if not speaker or not named:
        return False
    return _speaks(speaker, tuple(named))


@lru_cache(maxsize=16384)
def _speaks(speaker: str, named: tuple[str, ...]) -> bool:
    keys = {fold(speaker), _plain(speaker)}
    for person in named:
        person_keys = name_keys(person)
        if keys & {fold(person), _plain(person)}:
            return True
        if any(same_name(k, p) for k in keys for p in person_keys):
            return True
    return False


def content_terms(terms: list[str], named: list[str]) -> list[str]:
    """``terms`` without the words that say a named person spoke ("say", "propose"): they
    tell no line of theirs apart from another."""
    if not named:
        return terms
    return [t for t in terms if not _SPEECH.match(t)]

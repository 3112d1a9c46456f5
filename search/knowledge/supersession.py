"""Which decision replaces which: a later decision on the same subject (close embeddings
and shared content terms, a later day) supersedes the earlier one."""

from __future__ import annotations

import re

import numpy as np

from search.knowledge.extract import Item

# Cosine similarity two decisions need to be on the same subject…
SIMILARITY = 0.55
# …and how many content terms they must share: numbers and dates count, but at least one
# must be a word, the thing decided ("GA moves to May 20" does not replace "the cutover
# moves to April 26").
SHARED_TERMS = 2
_DATE_WORDS = frozenset(
    """jan january feb february mar march apr april may jun june jul july aug august sep sept
    september oct october nov november dec december mon monday tue tuesday wed wednesday thu
    thursday fri friday sat saturday sun sunday today tomorrow week weeks month months day
    days quarter year effective starting start starts until since first last next new now
    """.split()
)
_STOP = frozenset(
    """the and for with from into that this then than our are was were will would should
    can could has have had not but all any its their them they who what when where which
    while also only just more most some such per via out over under about after before
    decision decided agreed approved resolved consensus going moves move keep stays
    to of on in is it we be by at as or an up so no do if my me us am he go
    """.split()
)


def terms(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9$][a-z0-9$.,-]*[a-z0-9]|[a-z0-9]", text.casefold())
    return {w for w in words if len(w) > 1 and w not in _STOP}


def same_subject(a: Item, b: Item, vectors: dict[str, np.ndarray]) -> float:
    """How close two decisions are when on the same subject, else 0."""
    similarity = float(np.dot(vectors[a.item_id], vectors[b.item_id]))
    shared = terms(a.quote) & terms(b.quote)
    if similarity < SIMILARITY or len(shared) < SHARED_TERMS or not any(map(_is_subject, shared)):
        return 0.0
    return similarity


def _is_subject(term: str) -> bool:
    """Whether a shared term can name what was decided: a word, not a number or a date."""
    return term not in _DATE_WORDS and not any(c.isdigit() for c in term)


def supersessions(decisions: list[Item], vectors: dict[str, np.ndarray]) -> dict[str, str]:
    """item_id -> the item_id of the decision that replaced it: the next later-dated
    decision on the same subject from another document (the closest when several share a
    day), or, for a decision nothing later replaced, what replaced its closest restatement
    of the same day in another document."""
    dated = sorted((d for d in decisions if d.date), key=lambda d: d.ts or 0.0)
    replaced: dict[str, str] = {}
    for i, earlier in enumerate(dated):
        best: tuple[str, float, str] | None = None
        for later in dated[i + 1 :]:
            if later.date == earlier.date or later.doc_id == earlier.doc_id:
                continue
            if best is not None and later.date != best[0]:
                break
            score = same_subject(earlier, later, vectors)
            if score and (best is None or score > best[1]):
                best = (later.date or "", score, later.item_id)
        if best is not None:
            replaced[earlier.item_id] = best[2]
    # A decision restated the same day in another document (announced in chat after the
    # meeting) goes with its restatement: replaced when that one is.
    for item in dated:
        if item.item_id in replaced:
            continue
        twins = [
            (score, other.item_id)
            for other in dated
            if other.date == item.date
            and other.doc_id != item.doc_id
            and other.item_id in replaced
            and (score := same_subject(item, other, vectors))
        ]
        if twins:
            replaced[item.item_id] = replaced[max(twins)[1]]
    return replaced


def chains(decisions: list[Item], vectors: dict[str, np.ndarray]) -> list[list[Item]]:
    """Decisions grouped by subject: each chain the current decision first, then the ones
    it replaced, newest first."""
    replaced = supersessions(decisions, vectors)
    by_id = {d.item_id: d for d in decisions}
    predecessors: dict[str, list[str]] = {}
    for old, new in replaced.items():
        predecessors.setdefault(new, []).append(old)
    found = []
    for current in decisions:
        if current.item_id in replaced:
            continue
        chain, queue = [current], list(predecessors.get(current.item_id, []))
        while queue:
            item = by_id[queue.pop(0)]
            chain.append(item)
            queue += predecessors.get(item.item_id, [])
        found.append([chain[0], *sorted(chain[1:], key=lambda d: -(d.ts or 0.0))])
    return found

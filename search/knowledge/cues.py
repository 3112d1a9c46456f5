"""Cue patterns: the words that mark a decision or an action item, as features for the
classifier, a filter for which sentences are worth classifying, and owner extraction."""

from __future__ import annotations

import re

from search.knowledge.sentences import Sentence

_DECISION_LABEL = re.compile(
    r"^(?:final\s+)?(?:decision|decisions|decided|resolved|resolution|agreed|agreement|consensus|"
    r"outcome|conclusion|verdict)\s*[:\-\u2013\u2014]",
    re.I,
)
_DECISION_PHRASE = re.compile(
    r"\b(?:we|they|everyone|all|the team|group|leadership|it was|it's|it is|was|were|been|has|have)"
    r"\s+(?:\w+\s+)?(?:agreed|decided|approved|resolved|settled)\b|\bdecided\b|"
    r"\bagreed\s+(?:to|that|on|:)|^agreed\b|\bconsensus\s+(?:is|was|to|on|that|reached)\b|"
    r"\b(?:going|go|went)\s+(?:ahead\s+)?with\b|\bapproved\b|\bsettled\s+on\b|"
    r"\bsigned\s+off\b|\bfinal(?:ized)?\s+(?:decision|call)\b|\bis\s+now\s+(?:policy|the rule)\b|"
    r"\b(?:GO|NO-GO|no-go)\s+for\b|\bmoves?\s+(?:from\s+.{1,40}\s+)?to\s+\w+|"
    r"\bwill\s+(?:stay|remain|be|ship|use|move|replace|switch|adopt)\b.*\binstead\b|"
    r"\breplaces?\b|\bwe(?:'ll| will)\s+(?:ship|use|adopt|keep|drop|go|switch|stick)\b",
    re.I,
)
_ACTION_LABEL = re.compile(
    r"^(?:AI|AIs|action(?:\s+item)?s?|TODO|to-?do|follow[- ]?up|next\s+steps?|owner)"
    r"\s*[:\-\u2013\u2014]",
    re.I,
)
_NAME = r"(?:@[\w.-]+|[A-Z][\w'\u2019-]+(?:\s+[A-Z][\w'\u2019-]+)?)"
_ACTION_OWNER = re.compile(
    rf"(?P<owner>{_NAME}|\bI)(?:'ll|\u2019ll|\s+(?:will|is going to|are going to|to|can|"
    r"should|needs? to|has to|owns?|takes?|volunteered to|agreed to))\s+"
    r"(?!be\b|have\b|not\b)(?P<verb>[a-z]\w+)",
)
_ACTION_PHRASE = re.compile(
    r"\bTODO\b|\bby\s+(?:EOD|end of (?:day|week|month)|next\s+\w+|Monday|Tuesday|Wednesday|"
    r"Thursday|Friday|tomorrow|[A-Z][a-z]+ \d{1,2})\b|\bcan you\b|\bplease\s+[a-z]+\b|"
    r"\bI(?:'ll| will)\b|\bwill (?:send|write|draft|share|update|check|follow|fix|publish|"
    r"review|prepare|set up|schedule|file|open|chase|call|post|bring|look)\b",
    re.I,
)
# Broad: any sentence matching none of these (nor a cue above, nor a decisions or actions
# section) is not classified at all.
_CANDIDATE = re.compile(
    r"\b(?:decid|decision|agree|consensus|resolv|approv|going with|go with|let'?s|we should|"
    r"will|'ll|\u2019ll|plan|ship|owner|todo|action|follow|next step|propos|sounds good|lgtm|"
    r"\+1|works for me|settled|final|instead|replace|moves? to|switch|adopt|keep|drop|"
    r"need to|needs to|by (?:eod|monday|tuesday|wednesday|thursday|friday|next))",
    re.I,
)
_PROPOSAL = re.compile(
    r"\b(?:let'?s|we should|i propose|proposal|how about|what if we|suggest|shall we|"
    r"could we|should we|i'd like to|plan is)\b",
    re.I,
)
_ACCEPTANCE = re.compile(
    r"^(?:agreed|\+1|sounds good|lgtm|works for me|ok(?:ay)?,? let'?s do (?:it|that)|"
    r"let'?s do (?:it|that)|yes,? let'?s|approved|ship it|deal|fine by me|good call|"
    r"makes sense,? let'?s)\b",
    re.I,
)
_FUTURE_DATE = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}\b|"
    r"\b\d{4}-\d{2}-\d{2}\b|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday)\b",
)
NOT_OWNERS = frozenset(
    """the this that it we they there he she you i which what who also everyone nobody
    someone team it's this week next then that's also and but so""".split()
)

FEATURES = (
    "decision_label",
    "decision_phrase",
    "decisions_section",
    "action_label",
    "action_owner",
    "action_phrase",
    "actions_section",
    "checkbox",
    "question",
    "accepted",
    "date",
)


def is_question(text: str) -> bool:
    return text.rstrip().endswith("?")


def is_proposal(text: str) -> bool:
    return bool(_PROPOSAL.search(text))


def is_acceptance(text: str) -> bool:
    return bool(_ACCEPTANCE.match(text.strip()))


def features(sentence: Sentence, accepted: bool = False) -> list[float]:
    """The cue features of a sentence, in :data:`FEATURES` order."""
    text = sentence.text
    labelled = (
        f"{sentence.label}: " if sentence.label and not text.startswith(sentence.label) else ""
    )
    full = labelled + text
    return [
        float(bool(_DECISION_LABEL.match(full))),
        float(bool(_DECISION_PHRASE.search(text))),
        float(sentence.in_decisions),
        float(bool(_ACTION_LABEL.match(full))),
        float(bool(sentence.owner_label) or bool(owner_in(text))),
        float(bool(_ACTION_PHRASE.search(text))),
        float(sentence.in_actions),
        float(sentence.checked is not None),
        float(is_question(text)),
        float(accepted),
        float(bool(_FUTURE_DATE.search(text))),
    ]


def is_candidate(sentence: Sentence, accepted: bool = False) -> bool:
    """Whether a sentence is worth classifying: it carries a cue, sits in a decisions or
    actions section, is a checklist line, or was accepted as a proposal."""
    if len(sentence.text) < 8 or len(sentence.text) > 600:
        return False
    return bool(
        accepted
        or sentence.in_decisions
        or sentence.in_actions
        or sentence.checked is not None
        or sentence.owner_label
        or (
            sentence.label
            and (
                _DECISION_LABEL.match(sentence.label + ":")
                or _ACTION_LABEL.match(sentence.label + ":")
            )
        )
        or _CANDIDATE.search(sentence.text)
    )


def owner_in(text: str) -> str | None:
    """Who an action sentence gives the work to: ``Felix will …``, ``@dana to draft …``,
    ``AI: Priya \u2014 …`` (``I`` is the speaker, whom the caller knows)."""
    label = _ACTION_LABEL.match(text)
    if label:
        rest = text[label.end() :].strip()
        named = re.match(rf"({_NAME})\s*(?:[:\-\u2013\u2014,(]|to\b|will\b)", rest)
        if named and named.group(1).casefold().lstrip("@") not in NOT_OWNERS:
            return named.group(1)
    for match in _ACTION_OWNER.finditer(text):
        owner = match.group("owner")
        if owner != "I" and owner.casefold().lstrip("@") in NOT_OWNERS:
            continue
        return owner
    return None

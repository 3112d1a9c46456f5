"""Cue patterns: the words that mark a decision or an action item, as features for the
classifier, a filter for which sentences are worth classifying, and owner extraction."""

from __future__ import annotations

import re

from search.knowledge.sentences import Sentence

_DECISION_LABEL = re.compile(
    r"^(?:final\s+)?(?:decision|decisions|decided|resolved|resolution|agreed|agreement|consensus|"
    r"outcome|conclusion|verdict|tentative\s+decision)\s*[:\-\u2013\u2014]|^RESOLVED\b",
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
    r"\breplaces?\b|\bwe(?:'ll| will)\s+(?:ship|use|adopt|keep|drop|go|switch|stick)\b|"
    # minutes and meeting idioms: no objection, aligned, won't do, close it, shelve it
    r"\b(?:hearing\s+)?no\s+objections?\b|\b(?:are|were|is)\s+(?:all\s+|largely\s+)?"
    r"(?:supportive|aligned|in\s+agreement)\b|\b(?:won't|will\s+not|not\s+going\s+to)\s+"
    r"(?:do|implement|support|ship|fix|add|pursue|include)\b|\bclose\s+(?:it|this|as)\b|"
    r"\b(?:shelve|table|park|pause|defer)\s+(?:this|it|the)\b|\bkeep\s+(?:it|this|the\s+\w+)\s+open\b|"
    r"\b(?:decision|plan|answer)\s+(?:is|was)\s+(?:to|that|final)\b|^(?:\w+,\s*)?[\w.#/-]+"
    r"(?:\s[\w.#/-]+)?\s+it\s+is[.!]?$",
    re.I,
)
# A decision stated as made: who made it and the verb (``we agreed``, ``the leads decided``,
# ``consensus was to``), as opposed to talk about deciding.
_STATED = re.compile(
    r"\b(?:we|everyone|the\s+(?:group|team|leads|board|room)|all(?:\s+of\s+us)?|they)\s+"
    r"(?:all\s+|have\s+|had\s+|'ve\s+|already\s+|just\s+|largely\s+|finally\s+)*"
    r"(?:agreed|decided|settled|resolved|concluded|chose|approved|signed\s+off)\b|"
    r"\b(?:decision|consensus|agreement|resolution|conclusion|outcome)\s+(?:is|was|here\s+is)\s+"
    r"(?:to|that|not)\b|\bwe\s+(?:had|have|reached)\s+(?:general\s+|broad\s+)?"
    r"(?:consensus|agreement)\b",
    re.I,
)
# Agreeing with someone's view, not on an outcome: "I agree with Rob", "+1 to Dana's point",
# "agreed that it would be nice".
_OPINION = re.compile(
    r"\bagree(?:d|s)?\s+with\b|(?:^|\s)(?:\+1|same)\s+(?:to|here|for)\b|\btend\s+to\s+agree\b|"
    r"^(?:(?:yes|yeah|also|I|I\s+also|I\s+do)[,\s]+)*agreed?\s*(?:,|-|that)\s*(?:[\w'-]+\s+){0,5}"
    r"(?:would|could|might|seems?|sounds?|feels?|"
    r"makes?\s+sense|(?:is|are)\s+(?:good|better|nice|useful|desirable|reasonable))\b",
    re.I,
)
_NOT_YET = frozenset("until unless before once if whether what when how why".split())
# A markdown table's header row: short cells only.
_TABLE_HEADER = re.compile(r"^\|(?:\s*[^|\s][^|]{0,30}\|)+\s*$")
# Cues that a sentence only talks around a decision: hedges, conditions, meeting flow and
# reports of work done.
_HEDGE = re.compile(
    r"\b(?:I\s+think|I\s+guess|I\s+believe|maybe|might|perhaps|probably|not\s+sure|"
    r"would\s+be\s+(?:nice|good|great|useful|helpful)|could|I'?d\s+(?:prefer|lean|be\s+in\s+favou?r))\b",
    re.I,
)
_CONDITION = re.compile(r"^(?:\w+,\s*)?(?:if|unless|whether|when|once)\b|,\s*if\b", re.I)
_ASKING = re.compile(
    r"^(?:\w+,\s*)?(?:can|could|should|shall|do|does|did|would|will|is|are|was|were|who|what|"
    r"where|when|why|how|any)\s+(?:we|you|they|there|anyone|everyone|people|it|this|that|the|"
    r"update|thoughts|objections?|concerns?)\b",
    re.I,
)
_MEETING_FLOW = re.compile(
    r"\blet'?s\s+(?:get\s+started|start|begin|move\s+on|jump|go\s+(?:to|on|over)|continue|"
    r"come\s+back|revisit|return|talk|discuss|look|check|see|hear|pick\s+(?:this|it)\s+up|"
    r"take\s+(?:this|it)\s+offline)\b|\bnext\s+(?:topic|item|agenda)\b|\bout\s+of\s+time\b|"
    r"^(?:(?:hi|hello|hey|ok(?:ay)?|alright|so|everyone|all|folks)\W+)*(?:good\s+(?:morning|afternoon|evening)|"
    r"welcome|thanks?\s+(?:you|everyone|all))\b|"
    # the speaker's own turn in the meeting, not a task
    r"\bI(?:'ll|\u2019ll|\s+will)\s+(?:just\s+|quickly\s+|very\s+quickly\s+)?(?:say|mention|"
    r"start|begin|go\s+back|hand\s+(?:it\s+)?over|pass|keep\s+it\s+short|skip|be\s+honest|"
    r"let\s+you\s+know\s+in|see\s+you|attend|be\s+(?:around|there|back|giving|lucky)|tell\s+you|"
    r"concede|leave|use\s+it|list\s+them|believe)\b",
    re.I,
)
_DONE_REPORT = re.compile(
    r"\b(?:I|we|they|he|she|[A-Z][a-z]+)\s+(?:have\s+|has\s+|'ve\s+|already\s+)?"
    r"(?:approved|merged|fixed|landed|released|shipped|posted|published|tested|checked\s+in)\b|"
    r"\b(?:has|have)\s+been\s+(?:resolved|fixed|merged|approved|released)\b",
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
    r"need to|needs to|by (?:eod|monday|tuesday|wednesday|thursday|friday|next)|"
    r"\b(?:close|won't|will not|supportive|aligned|objections?|going to|look into|shelve|"
    r"table|park|pause|defer|I'?d like)\b|\bit is[.!]?$)",
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
    "hedge",
    "condition",
    "asking",
    "meeting_flow",
    "done_report",
    "proposal",
    "stated",
    "opinion",
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
        float(bool(_HEDGE.search(text))),
        float(bool(_CONDITION.search(text))),
        float(bool(_ASKING.match(text))),
        float(bool(_MEETING_FLOW.search(text))),
        float(bool(_DONE_REPORT.search(text))),
        float(is_proposal(text) and not accepted),
        float(is_stated(text)),
        float(bool(_OPINION.search(text))),
    ]


def is_stated(text: str) -> bool:
    """Whether a sentence states a decision as made (not asked, not waited for: ``until we
    have decided`` is talk about deciding)."""
    if is_question(text):
        return False
    for match in _STATED.finditer(text):
        before = text[max(0, match.start() - 12) : match.start()].casefold().split()
        if not before or before[-1] not in _NOT_YET:
            return True
    return False


def is_candidate(sentence: Sentence, accepted: bool = False) -> bool:
    """Whether a sentence is worth classifying: it carries a cue, sits in a decisions or
    actions section, is a checklist line, or was accepted as a proposal."""
    if len(sentence.text) < 8 or len(sentence.text) > 600:
        return False
    if _TABLE_HEADER.match(sentence.text) and all(
        len(cell.split()) <= 3 for cell in sentence.text.strip("|").split("|")
    ):
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

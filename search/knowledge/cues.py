"""Cue patterns: the words that mark a decision or an action item, as features for the
classifier, a filter for which sentences are worth classifying, and owner extraction."""

from __future__ import annotations

import re

from search.knowledge.sentences import Sentence

# ("Agreed - …" with a dash is a reply agreeing with someone, "Agreed:" a label; a hyphen
# joins a compound, "consensus-layer", and only the capitals of minutes make "RESOLVED" a
# label, not "resolved in the last build".)
_DECISION_LABEL = re.compile(
    r"^(?:final\s+)?(?:decision|decisions|decided|resolved|resolution|agreement|consensus|"
    r"outcome|conclusion|verdict|tentative\s+decision)\s*(?::|\s-|[\u2013\u2014])|^agreed\s*:|"
    r"(?-i:^RESOLVED\b)",
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
    r"\breplaces?\b|\bwe(?:'ll| will)\s+(?:also\s+|only\s+|still\s+)?(?:ship|use|adopt|keep|drop|"
    r"go|switch|stick|support|stop|remove|deprecate|require|allow|skip|cancel)\b|"
    # minutes and meeting idioms: no objection, aligned, won't do, close it, shelve it
    r"\b(?:hearing\s+)?no\s+objections?\b|\b(?:are|were|is)\s+(?:all\s+|largely\s+)?"
    r"(?:supportive|aligned|in\s+agreement)\b|\b(?:won't|will\s+not|not\s+going\s+to)\s+"
    r"(?:do|implement|support|ship|fix|add|pursue|include)\b|\bclose\s+(?:it|this|as)\b|"
    r"\b(?:shelve|table|park|pause|defer)\s+(?:this|it|the)\b|\bkeep\s+(?:it|this|the\s+\w+)\s+open\b|"
    r"\b(?:decision|plan|answer)\s+(?:is|was)\s+(?:to|that|final)\b|^(?:\w+,\s*)?[\w.#/-]+"
    r"(?:\s[\w.#/-]+)?\s+it\s+is[.!]?$|"
    # a plan of record, something dropped for good, a meeting cancelled, a choice of option
    r"\b(?:our|the)\s+(?:current\s+)?plans?\s+(?:is|are|was|were)\s+(?:to|for|that|a|an)\b|"
    r"\b(?:will|'ll)\s+no\s+longer\b|\bno\s+longer\s+(?:be\s+)?(?:supported|maintained|offered)\b|"
    r"\b(?:skip|cancel(?:l?ing)?)\s+(?:the\s+|this\s+|next\s+|tomorrow's\s+|this\s+week's\s+)*"
    r"(?:meeting|call|sync|standup|stand-up)\b|\b(?:meeting|call|sync|standup)\s+is\s+"
    r"(?:cancell?ed|off)\b|\b(?:will\s+not|won't)\s+(?:have|hold)\s+(?:a|the|our)\s+"
    r"(?:\w+\s+)?(?:meeting|call|sync)\b|"
    r"\b(?:do|pick|choose|take|go\s+for)\s+option\s+(?:[A-Z0-9]|one|two|three)\b|"
    r"^(?:\w+,\s*)?(?:all|everyone|everybody)\s+(?:(?:is|are|was|were)\s+)?(?:supportive|aligned|"
    r"in\s+favou?r|agree[sd]?)\b|\b(?:our|their|the\s+group's|the\s+team's)\s+decision\b|"
    r"\bthe\s+decision\s+(?:to|was\s+made)\b",
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
    r"(?:consensus|agreement)\b|"
    # passive: "it was agreed", "this was decided upon", "has been settled"
    r"\b(?:was|were|has\s+been|have\s+been)\s+(?:\w+\s+)?(?:agreed|decided|settled|chosen)\b|"
    r"\bthere\s+(?:is|was|'s)\s+(?:general\s+|broad\s+|rough\s+|full\s+)?"
    r"(?:consensus|agreement)\s+(?:to|that|on|for|around)\b",
    re.I,
)
# Agreeing with someone's view, not on an outcome: "I agree with Rob", "+1 to Dana's point",
# "agreed that it would be nice".
_OPINION = re.compile(
    r"\bagree(?:d|s)?\s+with\b|^(?:\w+,\s*)?I\s+(?:also\s+|totally\s+|fully\s+|do\s+)?agree\b|(?:^|\s)(?:\+1|same)\s+(?:to|here|for)\b|\btend\s+to\s+agree\b|"
    r"^(?:(?:yes|yeah|also|I|I\s+also|I\s+do)[,\s]+)*agreed?\s*(?:,|-|that)\s*(?:[\w'.()-]+\s+){0,9}"
    r"(?:would|could|might|seems?|sounds?|feels?|"
    r"makes?\s+sense|(?:is|are)\s+(?:good|better|nice|useful|desirable|reasonable|(?:a|an)\s+"
    r"(?:[\w-]+\s+)?(?:bug|problem|issue|concern|risk|pain)))\b|"
    r"\b(?:(?:I|we)\s+(?:also\s+)?(?:agree|think)\s+)?(?:it|this|that)\s+(?:would|could)\s+be\s+"
    r"(?:nice|good|great|useful|desirable|helpful|valuable)\b",
    re.I,
)
_NOT_YET = frozenset("until unless before once if whether what when how why".split())
# A markdown table's header row: short cells only.
_TABLE_HEADER = re.compile(r"^\|(?:\s*[^|\s][^|]{0,30}\|)+\s*$")
# Cues that a sentence only talks around a decision: hedges, conditions, meeting flow and
# reports of work done.
_HEDGE = re.compile(
    r"\b(?:I\s+think|I\s+guess|I\s+believe|maybe|might|perhaps|probably|not\s+sure|"
    r"(?:don't|do\s+not|doesn't)\s+think|I\s+doubt|unlikely|ideally|in\s+theory|"
    r"would\s+be\s+(?:nice|good|great|useful|helpful)|could|either\s.{1,80}\sor\b|I'?d\s+(?:prefer|lean|be\s+in\s+favou?r))\b",
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
    r"\b(?:put|add|keep|bring)\s+(?:this|it|that)\s+(?:back\s+)?(?:on|to|onto)\s+(?:the\s+|next\s+\w+'s\s+)?"
    r"agenda\b|\b(?:wrap\s+(?:it\s+|this\s+|things\s+)?up|call\s+it\s+a\s+day|adjourn|"
    r"close\s+(?:it|this|things|the\s+meeting)\s+(?:down|out\s+for\s+today))\b|"
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
# Talk about deciding, not a decision: "no decision today", "we need to decide", "until we
# have agreed", "still to be decided".
_PENDING = re.compile(
    r"\bno\s+(?:\w+\s+)?(?:decision|consensus|agreement|resolution)s?\b|"
    r"\b(?:need|needs|have|has|want|wants|got)\s+to\s+(?:make\s+(?:a|the|any)\s+)?"
    r"(?:decide|decision|agree|settle)\b|\b(?:yet|still)\s+to\s+(?:be\s+)?(?:decided|agreed|settled)\b|"
    r"\bnot\s+(?:yet\s+)?(?:been\s+)?(?:decided|agreed|settled)\b|\bto\s+be\s+(?:decided|determined|"
    r"confirmed|agreed)\b|\b(?:TBD|undecided)\b|\b(?:haven't|hasn't|didn't|don't|did\s+not|"
    r"have\s+not|has\s+not)\s+(?:yet\s+|really\s+)?(?:decided|agreed|settled|reached)\b|"
    r"\b(?:until|unless|before|once|if|whether)\s+(?:\w+(?:'ve|\u2019ve)?\s+){0,2}(?:have\s+)?"
    r"(?:decide|decided|agree|agreed|settle|settled|resolved)\b|\bdecide\s+(?:what|whether|how|which|if|later|next|"
    r"that\s+later)\b|\bdecision\s+(?:meeting|call|deadline|date|point)\b|"
    r"\b(?:make|made|making)\s+(?:a|the|any|our)\s+(?:final\s+)?(?:decision|call)\s+"
    r"(?:today|tomorrow|later|next|soon|on|about|by)\b",
    re.I,
)
# An agenda item or an issue title, not a statement: "[20 min] Prioritization (Oliver)",
# "Proposal: …", "#412: …".
_AGENDA = re.compile(
    r"^\s*(?:\[\s*\d{1,3}\s*(?:min|mins|minutes|m)\s*\]|\(\s*\d{1,3}\s*(?:min|mins|minutes|m)\s*\)|"
    r"\d{1,3}\s*(?:min|mins|minutes)\b\s*[:\-\u2013\u2014|]|\d{1,2}:\d{2}\s*[\-\u2013\u2014|])|"
    r"^(?:proposals?|topics?|agenda(?:\s+items?)?|items?|issues?|discussion|rfc|pr|pull\s+request)"
    r"\s*(?:#?\d+)?\s*[:\u2013\u2014]|^(?:issue|pr|#)\s*#?\d+\s*[:\-\u2013\u2014]",
    re.I,
)
# One person's own proposal, not the group's choice: "my proposal is", "I propose", "I'd
# suggest", a sentence opening "we should" ("my plan is to …" is rather that person's own
# task).
_PROPOSING = re.compile(
    r"\b(?:I|I'm|I\s+am|we)(?:\s+would|'d|\u2019d)?\s+(?:now\s+|just\s+|formally\s+)?(?:propose|proposing|"
    r"suggest|suggesting|recommend|recommending)\b|\bmy\s+(?:\w+\s+)?(?:proposal|suggestion|"
    r"recommendation|idea|preference)\b|^(?:\w+,\s*)?(?:I\s+think\s+)?we\s+should\b",
    re.I,
)
# One person's own plan ("my tentative plan is to …"): their task, not a plan of record.
_PERSONAL_PLAN = re.compile(r"\bmy\s+(?:\w+\s+)?plans?\s+(?:is|are|was)\b", re.I)
# A joke or chatter: emoticons, "lol", "haha".
_JOKE = re.compile(
    r"(?:^|\s)[;:]-?[)(DPp](?=\s|$)|\b(?:lol|lmao|rofl|haha\w*|hehe?)\b|[\U0001F600-\U0001F64F]",
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
# The reasons given for a decision ("Reasons: (1) …", "Rationale: …"): why, not what.
_RATIONALE = re.compile(r"^(?:reasons?|rationale|why|background|context|motivation)\s*:", re.I)
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
    "pending",
    "agenda",
    "joke",
    "proposing",
)


def is_question(text: str) -> bool:
    return text.rstrip().endswith("?")


def is_proposal(text: str) -> bool:
    return bool(_PROPOSAL.search(text))


def is_meeting_flow(text: str) -> bool:
    """Whether a sentence runs the meeting (moves on, defers, puts a topic on the agenda)
    rather than deciding anything: accepting it decides nothing either."""
    return bool(_MEETING_FLOW.search(text))


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
        float(bool(_DECISION_PHRASE.search(text)) and not _PERSONAL_PLAN.search(text)),
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
        float(is_meeting_flow(text)),
        float(bool(_DONE_REPORT.search(text))),
        float(is_proposal(text) and not accepted),
        float(is_stated(text)),
        float(bool(_OPINION.search(text))),
        # an action item to decide something is work given to someone, not talk about deciding
        float(bool(_PENDING.search(text)) and not _ACTION_LABEL.match(full)),
        float(bool(_AGENDA.match(full))),
        float(bool(_JOKE.search(text))),
        float(bool(_PROPOSING.search(text)) and not accepted),
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


def is_rationale(sentence: Sentence) -> bool:
    """Whether a sentence gives the reasons for a decision rather than the decision."""
    return bool(_RATIONALE.match(sentence.text) or _RATIONALE.match(f"{sentence.label}:"))


def is_candidate(sentence: Sentence, accepted: bool = False) -> bool:
    """Whether a sentence is worth classifying: it carries a cue, sits in a decisions or
    actions section, is a checklist line, or was accepted as a proposal."""
    if len(sentence.text) < 8 or len(sentence.text) > 600 or is_rationale(sentence):
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

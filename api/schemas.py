"""Response models: the exact shapes the HTTP API returns (and OpenAPI documents)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from search.answers.extractive import Answer
from search.people.directory import Person
from search.people.experts import Expert
from search.store.kinds import KINDS


class Hit(BaseModel):
    doc_id: str = Field(description="The document or conversation the hit belongs to.")
    chunk_id: str
    title: str
    kind: str = Field(description="meeting_notes, memo, chat, email or transcript.")
    source: str = Field(description="The format it came from: markdown, docx, slack, mbox…")
    channel: str | None = None
    source_path: str = Field(description="Absolute path of the file a person would open.")
    heading: str = Field(description="Section heading, or channel for conversations.")
    locator: str = Field(description="Where in the file: line, page, message or cue time.")
    date: str | None = Field(None, description="ISO date of the matching passage.")
    people: list[str]
    snippet: str
    score: float
    highlights: list[str] = Field(
        default_factory=list,
        description="The snippet as HTML-escaped text with matching words in <mark>.",
    )
    date_source: str | None = Field(
        None,
        description="Where the document's date comes from: front_matter, header, title, "
        "heading, filename, or mtime (the file's modification time, the last resort).",
    )


class SearchResults(BaseModel):
    query: str
    k: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="Matching documents per kind, channel, person, year and month.",
    )
    notice: str | None = Field(None, description="Why there are no hits, when it is not the query.")


class Participant(BaseModel):
    name: str
    id: str | None = None
    handle: str | None = None
    email: str | None = None
    messages: int = 0


class Chunk(BaseModel):
    chunk_id: str
    position: int
    heading: str
    locator: str
    source_path: str
    text: str
    people: list[str]
    date: str | None = None


class Access(BaseModel):
    scope: str = Field(description="public, private, dm or mail, as the source tells.")
    members: list[str] = Field(description="The source's own member ids or addresses.")
    visible_to: list[str] = Field(
        [],
        description="Who may see it: user:<e-mail or id:…> and group:<name>; empty: admins.",
    )


class Document(BaseModel):
    doc_id: str
    kind: str
    source: str
    source_path: str
    title: str
    created: str | None
    date_source: str | None = Field(
        None,
        description="Where created comes from: front_matter, header, title, heading, "
        "filename, or mtime (the file's modification time, the last resort); null when the "
        "source does not say (conversations dated by their messages, older catalogs).",
    )
    ended: str | None
    channel: str | None
    thread: str | None
    participants: list[Participant]
    access: Access
    message_count: int
    chunks: list[Chunk]


class Counts(BaseModel):
    documents: int
    messages: int
    chunks: int


class Status(BaseModel):
    sources: int
    documents: int
    conversations: int
    messages: int
    chunks: int
    people: int = Field(description="Persons in the people directory (identities merged).")
    by_kind: dict[str, Counts]
    by_source: dict[str, Counts]
    last_run: dict[str, Any] | None
    store: dict[str, str]
    live_sources: list[dict[str, Any]] = Field(
        default_factory=list, description="Each configured source and its last sync."
    )


class StatusBrief(BaseModel):
    """What ``/status`` tells someone who is not an admin: who they are signed in as."""

    signed_in_as: str
    admin: bool = False
    notice: str = "Counts of what is stored are shown to admins only."


class Health(BaseModel):
    status: str = "ok"


# ---------------------------------------------------------------------------- ask


class AskRequest(BaseModel):
    """A question, with the same filters as ``GET /search``."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=1000, description="What you want to know.")
    kind: list[str] | None = Field(None, description=f"Only these kinds: {', '.join(KINDS)}.")
    source: list[str] | None = Field(None, description="Only these formats.")
    channel: list[str] | None = Field(None, description="Only these channels.")
    person: str | None = Field(None, description="Only passages naming this person.")
    since: date | None = Field(None, description="From this date (YYYY-MM-DD).")
    until: date | None = Field(None, description="Up to this date, inclusive.")


class Citation(BaseModel):
    n: int = Field(description="The number the answer's [n] markers use.")
    doc_id: str
    title: str
    source_path: str = Field(description="Absolute path of the file a person would open.")
    locator: str = Field(description="Where in the file: line, page, message or cue time.")
    quote: str = Field(description="The supporting text, verbatim from the document.")
    date: str | None = Field(None, description="ISO date of the quoted passage.")
    people: list[str] = Field(description="Who said it (conversations) or who was there.")


class Closest(BaseModel):
    doc_id: str
    title: str
    source_path: str
    locator: str
    date: str | None = None


class AskResponse(BaseModel):
    answer: str = Field(description="Sentences stating facts end with [n] citation markers.")
    citations: list[Citation]
    confidence: float = Field(description="0..1; below 0.5 the answer abstains.")
    mode: Literal["extractive", "llm"] = Field(description="What wrote the answer.")
    notice: str | None = Field(None, description="Why the answer is not what was asked for.")
    abstained: bool = Field(False, description="No conversation answers the question.")
    closest: list[Closest] = Field(
        default_factory=list, description="When abstaining: the nearest documents found."
    )


def answer_response(answer: Answer) -> AskResponse:
    """The API's shape of an answer (``POST /ask`` and ``watercooler ask --json``)."""
    data = answer.as_dict()
    data.pop("question")
    return AskResponse(**data)


# ---------------------------------------------------------------------------- people


class PersonSummary(BaseModel):
    person_id: str = Field(description="Stable id: a slug of the canonical name.")
    name: str
    team: str | None = None
    title: str | None = None
    left: bool = Field(False, description="Has left the organization.")
    messages: int = Field(description="Messages written, across every source.")
    documents: int = Field(description="Documents and conversations the person appears in.")


class PeoplePage(BaseModel):
    total: int
    offset: int
    limit: int
    people: list[PersonSummary]


class PersonIdentity(BaseModel):
    name: str
    email: str | None = None
    user_id: str | None = None
    handle: str | None = None
    source: str = Field(description="The format the identity was read from: slack, mbox…")
    merged_by: str = Field(
        description="Why it belongs to this person: self, people.yaml, user id, email, name, "
        "handle, email local part or first name."
    )
    merged_with: str | None = Field(None, description="The identity it was matched with.")


class Conversation(BaseModel):
    doc_id: str
    title: str
    date: str | None = None
    source_path: str


class Contact(BaseModel):
    person_id: str
    name: str
    count: int = Field(description="Conversations and meetings shared.")


class PersonProfile(BaseModel):
    person_id: str
    name: str
    identities: list[PersonIdentity]
    team: str | None = None
    title: str | None = None
    left: bool = False
    left_on: str | None = None
    activity: dict[str, int] = Field(
        description="Per month (YYYY-MM): messages written plus notes and memos appeared in."
    )
    topics: list[str] = Field(description="Key phrases of their own words, most telling first.")
    conversations: list[Conversation]
    talks_with: list[Contact]


class EvidenceItem(BaseModel):
    doc_id: str
    title: str
    source_path: str = Field(description="Absolute path of the file a person would open.")
    locator: str = Field(description="Where in the file: line, page, message or cue time.")
    quote: str = Field(description="What the person said there (or the passage naming them).")
    date: str | None = None


class ExpertItem(BaseModel):
    person_id: str
    name: str
    score: float
    left: bool
    evidence: list[EvidenceItem]


class Experts(BaseModel):
    query: str
    model: str
    experts: list[ExpertItem]
    notice: str | None = Field(
        None,
        description="Why there are no experts, when it is not q, or why they are ranked by "
        "another model than the one asked for.",
    )


def person_summary(person: Person) -> PersonSummary:
    return PersonSummary(
        person_id=person.person_id,
        name=person.name,
        team=person.team,
        title=person.title,
        left=person.left,
        messages=person.messages,
        documents=len(person.documents),
    )


def expert_item(expert: Expert) -> ExpertItem:
    """The API's shape of a ranked expert (``GET /experts`` and ``watercooler experts --json``)."""
    return ExpertItem(
        person_id=expert.person_id,
        name=expert.name,
        score=expert.score,
        left=expert.left,
        evidence=[
            EvidenceItem(
                doc_id=e.doc_id,
                title=e.title,
                source_path=e.source_path,
                locator=e.locator,
                quote=e.quote,
                date=e.date,
            )
            for e in expert.evidence
        ],
    )

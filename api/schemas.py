"""Response models: the exact shapes the HTTP API returns (and OpenAPI documents)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


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
    scope: str
    members: list[str]


class Document(BaseModel):
    doc_id: str
    kind: str
    source: str
    source_path: str
    title: str
    created: str | None
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


class Health(BaseModel):
    status: str = "ok"

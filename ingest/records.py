"""The normalized record every reader yields, whatever the source.

A :class:`Record` is one unit a person would recognise as "a thing that was said":
a memo or a set of meeting notes (made of :class:`Section` s), or a conversation
(a Slack thread, an email thread, a meeting transcript) made of :class:`Message` s.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from search.store.kinds import Kind

Scope = Literal["public", "private", "dm", "mail"]


@dataclass(frozen=True, slots=True)
class Identity:
    """A person as one source names them; a people directory merges identities later."""

    name: str
    id: str | None = None
    handle: str | None = None
    email: str | None = None

    @property
    def label(self) -> str:
        """The most readable name available."""
        return self.name or self.handle or self.email or self.id or "unknown"


@dataclass(frozen=True, slots=True)
class Access:
    """Who may see a record, as its source tells: ``principals`` (e-mail addresses, or a
    source's user ids as ``id:U123``) and ``groups`` (``everyone``, a guild, a mailing list).

    A ``public`` record without grants (notes, memos, transcripts, chat logs) takes its
    folder's access: the nearest ``.watercooler-access.yaml`` or ``WATERCOOLER_DEFAULT_ACCESS``.
    Any other scope without grants cannot be determined and is seen by admins only.
    ``members`` are the source's own member ids (a private channel's, a DM's), as stored.
    """

    scope: Scope = "public"
    members: tuple[str, ...] = ()
    principals: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


@dataclass(slots=True)
class Message:
    """One utterance in a conversation."""

    author: Identity
    text: str
    time: datetime | None = None
    locator: str = ""
    permalink: str | None = None
    is_bot: bool = False
    reply_to: str | None = None


@dataclass(slots=True)
class Section:
    """A part of a prose document under one heading (or agenda item)."""

    heading: str
    text: str
    locator: str = ""
    people: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Record:
    """One normalized source document: prose (``sections``) or a conversation (``messages``)."""

    key: str
    kind: Kind
    source: str
    source_path: str
    title: str
    created: datetime | None = None
    ended: datetime | None = None
    # Where ``created`` comes from: "front_matter", "header", "title", "heading",
    # "properties" (an office document's own metadata), "filename", "mtime" (the file's
    # modification time, the last resort); None when a reader does not say.
    date_source: str | None = None
    participants: list[Identity] = field(default_factory=list)
    channel: str | None = None
    thread: str | None = None
    access: Access = field(default_factory=Access)
    sections: list[Section] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)

    @property
    def doc_id(self) -> str:
        """A stable id derived from the record's key (same source, same id)."""
        return hashlib.sha1(self.key.encode("utf-8")).hexdigest()[:16]

    @property
    def is_conversation(self) -> bool:
        return bool(self.messages)

    @property
    def people(self) -> list[str]:
        """Names of everyone associated with the record, in first-seen order."""
        names = [p.label for p in self.participants]
        names += [m.author.label for m in self.messages]
        for section in self.sections:
            names += section.people
        return list(dict.fromkeys(n for n in names if n))

    def content_hash(self) -> str:
        """A hash of everything that ends up in the index; it changes when the record does.
        Access is not part of it: a change of access rewrites access rows, never vectors."""
        return self._hash(with_access=False)

    def hash_before_access_lists(self) -> str:
        """The content hash as catalogs written before access lists stored it (with scope and
        members), so that those documents are kept rather than embedded again."""
        return self._hash(with_access=True)

    def _hash(self, with_access: bool) -> str:
        h = hashlib.sha256()
        for part in (self.kind, self.title, self.channel or "", str(self.created or "")):
            h.update(part.encode("utf-8") + b"\0")
        if self.date_source:  # only when set, so that other readers' hashes stay as they were
            h.update(self.date_source.encode("utf-8") + b"\0")
        if with_access:
            old = f"Access(scope={self.access.scope!r}, members={self.access.members!r})"
            h.update(old.encode("utf-8"))
        h.update("|".join(self.people).encode("utf-8"))
        for s in self.sections:
            h.update(f"{s.heading}\0{s.locator}\0{s.text}\0".encode())
        for m in self.messages:
            h.update(f"{m.author.label}\0{m.time}\0{m.locator}\0{m.text}\0".encode())
        return h.hexdigest()


@dataclass(frozen=True, slots=True)
class Problem:
    """Something a reader could not read: the file, where in it, and why."""

    path: str
    reason: str
    where: str = ""

    def __str__(self) -> str:
        place = f"{self.path} ({self.where})" if self.where else self.path
        return f"{place}: {self.reason}"


class ReadError(Exception):
    """A whole source could not be read; the message names the reason."""

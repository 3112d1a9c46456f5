"""Merging identities into persons: union-find, strongest evidence first."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from search.people.identities import Identity, fold, handle_words, name_tokens
from search.people.people_file import PeopleConfig, spec_matches


class Merger:
    """Union-find over identities (and people.yaml entries) that respects split rules."""

    def __init__(self, identities: list[Identity], config: PeopleConfig) -> None:
        self.identities = identities
        self.size = len(identities) + len(config.people)
        self.parent = list(range(self.size))
        self.user_ids: list[set[tuple[str, str]]] = [set() for _ in range(self.size)]
        self.sides: list[dict[int, int]] = [{} for _ in range(self.size)]
        self.edges: list[tuple[int, int, str]] = []
        for i, ident in enumerate(identities):
            if ident.user_id:
                self.user_ids[i].add((ident.source, ident.user_id))
            for entry, items in enumerate(config.split):
                side = next((s for s, item in enumerate(items) if spec_matches(item, ident)), None)
                if side is not None:
                    self.sides[i][entry] = side

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int, reason: str, strict: bool = False) -> bool:
        """Join the groups of ``a`` and ``b`` unless a split rule (or, when ``strict``, two
        user ids of one source) says they are different people."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        sa, sb = self.sides[ra], self.sides[rb]
        if any(sa[e] != sb[e] for e in sa.keys() & sb.keys()):
            return False
        if strict and self._user_id_conflict(ra, rb):
            return False
        self.parent[rb] = ra
        self.user_ids[ra] |= self.user_ids[rb]
        self.sides[ra] = {**sb, **sa}
        self.edges.append((a, b, reason))
        return True

    def _user_id_conflict(self, ra: int, rb: int) -> bool:
        sources_a: dict[str, set[str]] = defaultdict(set)
        for source, uid in self.user_ids[ra]:
            sources_a[source].add(uid)
        return any(
            source in sources_a and uid not in sources_a[source]
            for source, uid in self.user_ids[rb]
        )

    def groups(self) -> dict[int, list[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        for i in range(self.size):
            found[self.find(i)].append(i)
        return found


def _full_keys(ident: Identity) -> list[tuple[str, str]]:
    """(key, reason) for the multi-word names this identity carries (a handle or an
    ``@mention`` that spells words, ``priya.raman`` or ``EmiliaPaz``, counts as one; a
    nick, a name that is its handle, is a handle)."""
    keys = []
    nick = ident.mention or (bool(ident.handle) and ident.name.strip() == ident.handle.strip())
    for value, reason in (
        (None if nick else ident.name, "name"),
        (ident.handle or (ident.name if ident.mention else None), "handle"),
        ((ident.email or "").split("@")[0], "email local part"),
    ):
        if not value or (reason == "name" and "@" in value and " " not in value):
            continue
        tokens = handle_words(value) if ident.mention and reason == "handle" else name_tokens(value)
        if len(tokens) >= 2:
            keys.append((" ".join(tokens), reason))
    return keys


def _single_token(ident: Identity) -> str | None:
    """The one word an identity is known by, when it has no multi-word name."""
    if _full_keys(ident):
        return None
    tokens = name_tokens(ident.name or ident.handle or "")
    return tokens[0] if len(tokens) == 1 else None


def _bare_handle(ident: Identity) -> str | None:
    """The handle a name-less identity goes by: an ``@mention``, a speaker tag, an IRC nick,
    or a one-word name; None for an identity with a full name or an account."""
    if ident.email or ident.user_id or _full_keys(ident):
        return None
    value = ident.handle or ident.name
    return fold(value.strip().lstrip("@")) if value and " " not in value.strip() else None


def merge(
    identities: list[Identity],
    identity_docs: dict[int, set[str]],
    config: PeopleConfig,
) -> tuple[Merger, dict[int, int]]:
    """Merge identities; returns the merger and, per group root, its people.yaml entry."""
    merger = Merger(identities, config)
    n = len(identities)
    _merge_configured(merger, identities, config)
    _merge_by_key(
        merger,
        {i: [((x.source, x.user_id), "user id")] for i, x in enumerate(identities) if x.user_id},
    )
    _merge_by_key(
        merger, {i: [(x.email.casefold(), "email")] for i, x in enumerate(identities) if x.email}
    )
    _merge_by_key(merger, {i: _full_keys(x) for i, x in enumerate(identities)}, strict=True)
    _merge_declared_handles(merger, identities, identity_docs)
    _merge_run_together(merger, identities)
    _merge_single_words(merger, identities, config)
    _merge_first_names(merger, identities, identity_docs, config)
    configured = {}
    for j in range(len(config.people)):
        configured[merger.find(n + j)] = j
    return merger, configured


def _merge_configured(merger: Merger, identities: list[Identity], config: PeopleConfig) -> None:
    n = len(identities)
    for j, entry in enumerate(config.people):
        specs = [entry.name, *entry.aliases, *entry.emails]
        for i, ident in enumerate(identities):
            if any(spec_matches(s, ident) for s in specs):
                merger.union(n + j, i, "people.yaml")


def _merge_by_key(
    merger: Merger, keys: dict[int, list[tuple[Any, str]]], strict: bool = False
) -> None:
    first: dict[Any, tuple[int, str]] = {}
    for i in sorted(keys):
        for key, reason in keys[i]:
            if key not in first:
                first[key] = (i, reason)
                continue
            j, other = first[key]
            # "name" only when both sides matched by name; else the handle or e-mail that did
            merger.union(j, i, other if reason == "name" else reason, strict=strict)


def _first_names(identities: list[Identity], config: PeopleConfig) -> set[str]:
    """First names of everyone known by a full name (a handle's first word, ``mihi`` of
    ``mihi_backup``, is no first name)."""
    found = {key.split()[0] for x in identities for key, why in _full_keys(x) if why != "handle"}
    found |= {t[0] for t in (name_tokens(p.name) for p in config.people) if len(t) >= 2}
    return found


def _merge_single_words(merger: Merger, identities: list[Identity], config: PeopleConfig) -> None:
    """Join identities known by the same one word (``Potuz``, ``@potuz``, ``potuz``) unless
    that word is someone's first name (then :func:`_merge_first_names` decides)."""
    firsts = _first_names(identities, config)
    keys = {}
    for i, ident in enumerate(identities):
        token = _single_token(ident)
        if token is not None and token not in firsts:
            keys[i] = [(token, "handle" if ident.handle or ident.mention else "name")]
    _merge_by_key(merger, keys, strict=True)


def _merge_declared_handles(
    merger: Merger, identities: list[Identity], identity_docs: dict[int, set[str]]
) -> None:
    """Join a bare handle (``@zombie``, a ``[rob]`` tag, an IRC nick) to the one person who
    declared it next to their name (an attendee ``Rob Wu @rob``, a tag the minutes resolved
    to ``Rob Wu``): among the people of the same document first, else in the directory."""
    declared: dict[str, set[int]] = defaultdict(set)
    for i, ident in enumerate(identities):
        if ident.handle and not ident.mention and len(name_tokens(ident.name)) >= 2:
            declared[fold(ident.handle.strip().lstrip("@"))].add(i)
    if not declared:
        return
    doc_members = _doc_members(identity_docs)
    for i, ident in enumerate(identities):
        handle = _bare_handle(ident)
        if handle is None or handle not in declared:
            continue
        candidates = {merger.find(c) for c in declared[handle]}
        nearby = _nearby(merger, i, identity_docs, doc_members)
        choice = _only(candidates & nearby)
        if choice is None and not candidates & nearby:
            choice = _only(candidates)
        if choice is not None:
            merger.union(choice, i, "declared handle", strict=True)


def _merge_run_together(merger: Merger, identities: list[Identity]) -> None:
    """Join a bare handle that runs a full name's words together (``@justindrake``,
    ``justin_drake`` is already a full key) to the one person of that full name."""
    full: dict[str, set[int]] = defaultdict(set)
    for i, ident in enumerate(identities):
        for key, reason in _full_keys(ident):
            if reason == "name":
                full[key.replace(" ", "")].add(i)
    for i, ident in enumerate(identities):
        handle = _bare_handle(ident)
        if handle is None:
            continue
        choice = _only({merger.find(c) for c in full.get(re.sub(r"[-_.]", "", handle), ())})
        if choice is not None:
            merger.union(choice, i, "handle", strict=True)


def _doc_members(identity_docs: dict[int, set[str]]) -> dict[str, set[int]]:
    """The identities seen in each document."""
    members: dict[str, set[int]] = defaultdict(set)
    for i, docs in identity_docs.items():
        for doc in docs:
            members[doc].add(i)
    return members


def _nearby(
    merger: Merger, i: int, identity_docs: dict[int, set[str]], doc_members: dict[str, set[int]]
) -> set[int]:
    """The groups of everyone seen in a document where identity ``i`` is seen."""
    return {merger.find(m) for d in identity_docs.get(i, ()) for m in doc_members[d]}


def _merge_first_names(
    merger: Merger,
    identities: list[Identity],
    identity_docs: dict[int, set[str]],
    config: PeopleConfig,
) -> None:
    """Join one-word identities to the only person with that first name nearby."""
    by_first: dict[str, set[int]] = defaultdict(set)
    for i, ident in enumerate(identities):
        for key, _ in _full_keys(ident):
            by_first[key.split()[0]].add(i)
    n = len(identities)
    for j, entry in enumerate(config.people):
        tokens = name_tokens(entry.name)
        if len(tokens) >= 2:
            by_first[tokens[0]].add(n + j)
    team_of = _teams(merger, config)
    members = {root: [m for m in group if m < n] for root, group in merger.groups().items()}
    doc_members = _doc_members(identity_docs)
    for i, ident in enumerate(identities):
        token = _single_token(ident)
        if token is None or token not in by_first:
            continue
        candidates = {merger.find(c) for c in by_first[token]}
        nearby = _nearby(merger, i, identity_docs, doc_members)
        choice = _only(candidates & nearby)
        if choice is None and team_of.get(merger.find(i)):
            team = team_of[merger.find(i)]
            choice = _only({c for c in candidates if team_of.get(c) == team})
        if choice is None and not ident.has_account and not ident.handle:
            same_format = {
                c
                for c in candidates
                if ident.source in {merger.identities[m].source for m in members.get(c, ())}
            }
            choice = _only(same_format)
        if choice is not None:
            merger.union(choice, i, "first name", strict=True)


def _teams(merger: Merger, config: PeopleConfig) -> dict[int, str]:
    n = len(merger.identities)
    return {merger.find(n + j): p.team for j, p in enumerate(config.people) if p.team}


def _only(values: set[int]) -> int | None:
    return next(iter(values)) if len(values) == 1 else None

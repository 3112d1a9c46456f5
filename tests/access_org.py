"""Random organizations for the leak tests, with the truth about who may see what.

:func:`build` writes, from a seed, what a company's exports look like on disk: a Slack
export (public and private channels, DMs, a group DM, a folder no index lists), an mbox
of mail threads (one through a mailing list, one to a personal address people.yaml maps),
and folders of meeting notes with ``.watercooler-access.yaml`` sidecars (nested, one
admins-only). Every document carries its own *canary*: a made-up word found nowhere else;
private channels are named with one too. The :class:`Org` says, from how it generated
them and not from the catalog, which canaries each :class:`Viewer` may see.

The org is ingested through the real pipeline into a real store (SQLite and Chroma, the
real embedding model), and each viewer gets a real API token.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from ingest.access import SIDECAR

DOMAIN = "corp.example"
TOPICS = ("budget", "rollout", "hiring", "pricing", "migration", "security", "launch")
GROUPS = ("g-a", "g-b", f"g-list@{DOMAIN}")
FIRST = ("Ann", "Bob", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hal")
LAST = ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel")
START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
_LETTERS = "bcdfghjkmnpqrstvwxz"


@dataclass(frozen=True, slots=True)
class Grant:
    """Who may see a canary: identities (e-mails, ``id:u…``) and groups, casefolded."""

    users: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Person:
    index: int
    name: str
    email: str
    slack_id: str
    slack_email: bool  # whether users.json gives the e-mail

    @property
    def slack_identities(self) -> frozenset[str]:
        ids = {f"id:{self.slack_id}".casefold()}
        return frozenset(ids | {self.email}) if self.slack_email else frozenset(ids)


@dataclass(frozen=True, slots=True)
class Viewer:
    """A principal with a token, and what it holds according to the generator."""

    name: str
    identities: frozenset[str]
    groups: frozenset[str]
    admin: bool = False
    token_groups: tuple[str, ...] = ()

    def sees(self, grant: Grant) -> bool:
        if self.admin:
            return True
        lists = {g for g in self.groups if "@" in g}  # a mailing list's members hold its address
        return bool((self.identities | lists) & grant.users or self.groups & grant.groups)


@dataclass(slots=True)
class Org:
    root: Path
    people: list[Person]
    people_file: Path
    default_access: list[str]
    canaries: dict[str, Grant] = field(default_factory=dict)
    viewers: list[Viewer] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # topic words, names: shared vocabulary

    def visible(self, viewer: Viewer) -> set[str]:
        return {c for c, grant in self.canaries.items() if viewer.sees(grant)}

    def hidden(self, viewer: Viewer) -> set[str]:
        return set(self.canaries) - self.visible(viewer)


class _Gen:
    def __init__(self, seed: int, root: Path) -> None:
        self.rng = random.Random(seed)
        self.root = root
        self.day = 0
        self.used: set[str] = set()

    def canary(self) -> str:
        while True:
            word = "zq" + "".join(self.rng.choice(_LETTERS) for _ in range(6))
            if word not in self.used:
                self.used.add(word)
                return word

    def when(self) -> datetime:
        self.day += self.rng.randint(1, 4)
        return START + timedelta(days=self.day, minutes=self.rng.randint(0, 400))

    def sentence(self, canary: str) -> str:
        topic = self.rng.choice(TOPICS)
        other = self.rng.choice(TOPICS)
        return f"The {topic} plan and the {other} review: {canary} is what we agreed on."


def build(seed: int, root: Path) -> Org:
    """Write a random organization under ``root`` (see the module docstring)."""
    gen = _Gen(seed, root)
    rng = gen.rng
    people = [
        Person(i, f"{FIRST[i]} {LAST[i]}", f"u{i}@{DOMAIN}", f"U00{i}", i != 7)
        for i in range(len(FIRST))
    ]
    org = Org(
        root=root,
        people=people,
        people_file=root / "people.yaml",
        default_access=rng.choice([["everyone"], [], ["g-b"]]),
        words=[*TOPICS, *(p.name.split()[0] for p in people)],
    )
    _people_file(org)
    _slack(gen, org)
    _mail(gen, org)
    _notes(gen, org)
    org.viewers = _viewers(rng, people)
    return org


def _people_file(org: Org) -> None:
    """people.yaml: u1 has a second address, u7 is known to Slack only by id, u2 is in a team."""
    entries = [
        {"name": org.people[1].name, "emails": [f"u1@{DOMAIN}", "u1.alt@gmail.example"]},
        {"name": org.people[7].name, "emails": [f"u7@{DOMAIN}"], "aliases": ["id:U007"]},
        {"name": org.people[2].name, "emails": [f"u2@{DOMAIN}"], "team": "g-team"},
    ]
    org.root.mkdir(parents=True, exist_ok=True)
    org.people_file.write_text(yaml.safe_dump({"people": entries}), encoding="utf-8")


def _identities(person: Person) -> frozenset[str]:
    extra = {1: {"u1.alt@gmail.example"}, 7: {"id:u007"}}.get(person.index, set())
    return frozenset({person.email, *extra})


def _viewers(rng: random.Random, people: list[Person]) -> list[Viewer]:
    viewers = []
    for person in people:
        groups = tuple(g for g in GROUPS if rng.random() < 0.4)
        team = {"g-team"} if person.index == 2 else set()
        viewers.append(
            Viewer(
                person.email,
                _identities(person),
                frozenset({*groups, *team, "everyone"}),
                token_groups=groups,
            )
        )
    alt = viewers[1]
    viewers.append(
        Viewer("u1.alt@gmail.example", alt.identities, alt.groups, False, alt.token_groups)
    )
    viewers.append(
        Viewer(
            "outsider@else.example", frozenset({"outsider@else.example"}), frozenset({"everyone"})
        )
    )
    viewers.append(Viewer(f"root@{DOMAIN}", frozenset(), frozenset(), admin=True))
    return viewers


# --- Slack --------------------------------------------------------------------------------


def _slack(gen: _Gen, org: Org) -> None:
    rng, people = gen.rng, org.people
    export = org.root / "chat" / "slack"
    users = [
        {
            "id": p.slack_id,
            "team_id": "T1",
            "name": p.email.split("@")[0],
            "profile": {"real_name": p.name, **({"email": p.email} if p.slack_email else {})},
        }
        for p in people
    ]
    channels, groups, dms, mpims = [], [], [], []
    conversations: list[tuple[str, list[Person], Grant]] = []
    everyone = Grant(groups=frozenset({"everyone"}))
    for n in range(rng.randint(1, 2)):
        name = f"general{n}"
        channels.append({"id": f"C{n}", "name": name, "members": [p.slack_id for p in people]})
        conversations.append((name, people, everyone))
    for n in range(rng.randint(1, 3)):
        members = rng.sample(people, rng.randint(1, 4))
        grant = Grant(users=frozenset().union(*(p.slack_identities for p in members)))
        name = f"priv-{gen.canary()}"
        org.canaries[name.removeprefix("priv-")] = grant
        groups.append({"id": f"G{n}", "name": name, "members": [p.slack_id for p in members]})
        conversations.append((name, members, grant))
    for n in range(rng.randint(1, 3)):
        pair = rng.sample(people, 2) if n else [people[7], rng.choice(people[:7])]
        dms.append({"id": f"D{n}", "members": [p.slack_id for p in pair]})
        grant = Grant(users=frozenset().union(*(p.slack_identities for p in pair)))
        conversations.append((f"D{n}", pair, grant))
    trio = rng.sample(people, 3)
    mpim = f"mpdm-{'--'.join(p.email.split('@')[0] for p in trio)}-1"
    mpims.append({"id": "G9", "name": mpim, "members": [p.slack_id for p in trio]})
    conversations.append(
        (mpim, trio, Grant(users=frozenset().union(*(p.slack_identities for p in trio))))
    )
    orphan = f"orphan-{gen.canary()}"  # a folder no index lists: admins only
    org.canaries[orphan.removeprefix("orphan-")] = Grant()
    conversations.append((orphan, people[:2], Grant()))
    for folder, members, grant in conversations:
        for _ in range(rng.randint(1, 3)):
            canary = gen.canary()
            org.canaries[canary] = grant
            when = gen.when()
            author = rng.choice(members)
            message = {
                "type": "message",
                "user": author.slack_id,
                "text": gen.sentence(canary),
                "ts": f"{when.timestamp():.6f}",
            }
            day = export / folder / f"{when.date().isoformat()}.json"
            day.parent.mkdir(parents=True, exist_ok=True)
            day.write_text(json.dumps([message]), encoding="utf-8")
    for name, entries in (
        ("users", users),
        ("channels", channels),
        ("groups", groups),
        ("dms", dms),
        ("mpims", mpims),
    ):
        (export / f"{name}.json").write_text(json.dumps(entries), encoding="utf-8")


# --- mail ---------------------------------------------------------------------------------


def _mail(gen: _Gen, org: Org) -> None:
    rng, people = gen.rng, org.people
    messages = []
    for n in range(rng.randint(2, 4)):
        sender, *recipients = rng.sample(people, rng.randint(2, 4))
        to = [p.email for p in recipients]
        cc: list[str] = []
        extra: list[str] = []
        groups: set[str] = set()
        if n == 0:  # through a mailing list
            extra = [f"List-Post: <mailto:g-list@{DOMAIN}>", f"List-Id: G list <g-list.{DOMAIN}>"]
            groups = {f"g-list@{DOMAIN}"}
        if n == 1:  # to a personal address that people.yaml maps to u1
            cc = ["u1.alt@gmail.example"]
        canary = gen.canary()
        grant = Grant(users=frozenset({sender.email, *to, *cc}), groups=frozenset(groups))
        org.canaries[canary] = grant
        when = gen.when()
        mid = f"<m{n}.{canary}@{DOMAIN}>"
        subject = f"{rng.choice(TOPICS)} {canary}"
        messages.append(
            _message(sender.email, to, cc, subject, when, mid, None, gen.sentence(canary), extra)
        )
        if rng.random() < 0.5:  # a reply from a recipient, same thread
            replier = rng.choice(recipients)
            back = [sender.email]
            messages.append(
                _message(
                    replier.email,
                    back,
                    cc,
                    f"Re: {subject}",
                    when + timedelta(hours=2),
                    f"<r{n}.{canary}@{DOMAIN}>",
                    mid,
                    f"Agreed on {canary}.",
                    extra,
                )
            )
    path = org.root / "mail" / "company.mbox"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(messages), encoding="utf-8")


def _message(
    sender: str,
    to: list[str],
    cc: list[str],
    subject: str,
    when: datetime,
    mid: str,
    parent: str | None,
    body: str,
    extra: list[str],
) -> str:
    date = when.strftime("%a, %d %b %Y %H:%M:%S +0000")
    lines = [
        f"From {sender} {when.strftime('%a %b %d %H:%M:%S %Y')}",
        f"From: {sender}",
        f"To: {', '.join(to)}",
        *([f"Cc: {', '.join(cc)}"] if cc else []),
        f"Subject: {subject}",
        f"Date: {date}",
        f"Message-ID: {mid}",
        *([f"In-Reply-To: {parent}"] if parent else []),
        *extra,
    ]
    return "\n".join(lines) + "\n\n" + body + "\n\n"


# --- notes and sidecars -------------------------------------------------------------------


def _notes(gen: _Gen, org: Org) -> None:
    rng, people = gen.rng, org.people
    default = _grant_of(org.default_access)
    team = rng.sample(people, 2)
    folders: list[tuple[str, dict[str, list[str]] | None]] = [
        ("notes", None),
        ("notes/team", {"principals": [team[0].email, team[1].email], "groups": ["g-a"]}),
        ("notes/team/locked", {}),  # admins only
        ("notes/people-ops", {"groups": ["g-team"]}),
        ("notes/open", {"groups": ["everyone"]}),
    ]
    grants: dict[str, Grant] = {}
    for folder, sidecar in folders:
        where = org.root / folder
        where.mkdir(parents=True, exist_ok=True)
        if sidecar is None:
            parent = folder.rsplit("/", 1)[0] if "/" in folder else ""
            grants[folder] = grants.get(parent, default)
        else:
            (where / SIDECAR).write_text(yaml.safe_dump(sidecar), encoding="utf-8")
            grants[folder] = _grant_of(
                [*sidecar.get("principals", []), *(f"group:{g}" for g in sidecar.get("groups", []))]
            )
        for _ in range(rng.randint(1, 2)):
            canary = gen.canary()
            org.canaries[canary] = grants[folder]
            when = gen.when()
            attendees = ", ".join(p.name for p in rng.sample(people, 2))
            text = (
                f"# {rng.choice(TOPICS).title()} sync\n\nDate: {when.date().isoformat()}\n"
                f"Attendees: {attendees}\n\n{gen.sentence(canary)}\n"
            )
            (where / f"{when.date().isoformat()}-{canary}.md").write_text(text, encoding="utf-8")


def _grant_of(entries: list[str]) -> Grant:
    users, groups = set(), set()
    for entry in entries:
        if entry.startswith("group:"):
            groups.add(entry.removeprefix("group:").casefold())
        elif "@" in entry:
            users.add(entry.casefold())
        else:
            groups.add(entry.casefold())
    return Grant(frozenset(users), frozenset(groups))

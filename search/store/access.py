"""Who may see what: access lists of grantees, and the principal a request is made by.

A document's access list names *grantees*, casefolded: ``user:<e-mail or source id>``
(``user:priya@corp.example``, ``user:id:u05j1p8r4qd``) and ``group:<name>``
(``group:everyone``, ``group:leads``). An empty list means admins only: what cannot be
determined is never shown to everyone. A principal holds its own ``user:`` grantees (every
e-mail address and source id people.yaml maps to it), its groups and ``group:everyone``;
it sees a document when the two share a grantee. Admins see everything.

The catalog keeps the lists and turns a principal's grantees into SQL inside both retrieval
legs (:attr:`search.store.filters.Filters.access`), so a filter never runs after a top-k cut.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from search.store.catalog import BaseCatalog
from search.store.filters import Filters

USER = "user:"
GROUP = "group:"
EVERYONE = "everyone"

Via = Literal["local", "token", "proxy", "anonymous"]


def user(name: str) -> str:
    """The grantee of one person: an e-mail address or a source's user id (``id:U123``)."""
    return USER + name.strip().casefold()


def group(name: str) -> str:
    return GROUP + name.strip().casefold()


def grantee(entry: str) -> str:
    """A grantee from how configuration names it: ``group:NAME``, ``user:NAME``, an e-mail
    address (a user) or a bare word (a group)."""
    entry = entry.strip()
    lowered = entry.casefold()
    if lowered.startswith((USER, GROUP)):
        kind, _, name = entry.partition(":")
        return user(name) if kind.casefold() + ":" == USER else group(name)
    return user(entry) if "@" in entry else group(entry)


def access_list(principals: Iterable[str] = (), groups: Iterable[str] = ()) -> tuple[str, ...]:
    """The sorted, de-duplicated grantees of these principals and groups (empty names
    dropped); ``()`` is admins only."""
    found = {user(p) for p in principals if p and p.strip()}
    found |= {group(g) for g in groups if g and g.strip()}
    return tuple(sorted(found))


def parse_entries(entries: Iterable[str]) -> tuple[str, ...]:
    """Grantees of configuration entries (see :func:`grantee`), sorted and de-duplicated."""
    return tuple(sorted({grantee(e) for e in entries if e and e.strip()}))


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a name (an e-mail address when known), groups, and whether an admin.

    ``identities`` are further e-mail addresses and source ids that are the same person
    (from people.yaml). ``via`` says how they signed in; ``local`` is the single user of a
    loopback server without sign-in (an admin).
    """

    name: str
    groups: tuple[str, ...] = ()
    admin: bool = False
    via: Via = "token"
    identities: tuple[str, ...] = ()

    @classmethod
    def local(cls) -> Principal:
        return cls(name="local", admin=True, via="local")

    @classmethod
    def anonymous(cls) -> Principal:
        """A visitor of a server opened to anyone (``serve --allow-anonymous``): what the
        whole organization may see, nothing more."""
        return cls(name="anonymous", via="anonymous")

    def grantees(self) -> tuple[str, ...]:
        """Every grantee this principal holds: itself, its identities, its groups, everyone.
        A group named by an e-mail address is a mailing list: mail sent to that address
        reached its members, so they hold the address too."""
        names = [self.name, *self.identities] if self.via != "anonymous" else []
        names += [g for g in self.groups if "@" in g]
        return access_list(names, [*self.groups, EVERYONE])

    def access(self) -> tuple[str, ...] | None:
        """The restriction to put in :class:`Filters`: None (everything) for an admin."""
        return None if self.admin else self.grantees()

    def restrict(self, filters: Filters) -> Filters:
        """``filters`` limited to what this principal may see."""
        return replace(filters, access=self.access())


def visible_documents(catalog: BaseCatalog, principal: Principal) -> frozenset[str] | None:
    """The doc ids ``principal`` may see; None when it may see everything (an admin).

    The hook for what reads documents outside the two retrieval legs (the people directory,
    profiles, the expert finder's profile models): count only these. SQL inside the catalog
    can use :func:`search.store.catalog.visible_documents_sql` with ``principal.access()``.
    """
    return catalog.visible_documents(principal.access())

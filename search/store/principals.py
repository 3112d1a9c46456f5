"""Principals: API tokens, and who a signed-in person also is according to people.yaml.

A token is ``wc_`` and 43 URL-safe characters (32 random bytes); the catalog keeps only
its SHA-256. people.yaml maps several e-mail addresses and source ids to one person and
gives teams; a principal named by any of them holds them all (see :func:`expand`)::

    people:
      - name: Priya Raman
        emails: [priya@corp.example, priya.raman@gmail.com]
        aliases: ["id:U05J1P8R4QD"]
        team: Platform                 # a group
        groups: [leads, on-call]       # more groups
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from search.store.access import Principal
from search.store.catalog import BaseCatalog

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "wc_"
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+")


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    catalog: BaseCatalog, principal: str, groups: list[str], admin: bool
) -> tuple[int, str]:
    """A new token for ``principal``: (its id, the secret, to be shown once)."""
    name = principal.strip()
    if not name:
        raise ValueError("a token needs a principal (an e-mail address or user name)")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    clean = sorted({g.strip() for g in groups if g.strip()})
    return catalog.add_token(secret_hash(secret), name, clean, admin), secret


def token_principal(catalog: BaseCatalog, secret: str) -> Principal | None:
    """The principal a token stands for, or None when it is unknown or revoked."""
    token = catalog.token_by_hash(secret_hash(secret.strip()))
    if token is None:
        return None
    return Principal(token.principal, tuple(token.groups), token.admin, via="token")


@dataclass(frozen=True, slots=True)
class _Entry:
    identities: tuple[str, ...]  # e-mail addresses and id:… aliases, casefolded
    names: tuple[str, ...]  # every alias and e-mail, casefolded, to find the entry by
    groups: tuple[str, ...]


_cache: dict[Path, tuple[tuple[int, int], list[_Entry]]] = {}
_lock = threading.Lock()


def expand(principal: Principal, people_file: Path | None) -> Principal:
    """``principal`` with the e-mail addresses, source ids and groups people.yaml gives the
    person it names. A people.yaml that cannot be read adds nothing (and is logged)."""
    if principal.via in ("local", "anonymous") or people_file is None:
        return principal
    name = principal.name.strip().casefold()
    identities: list[str] = list(principal.identities)
    groups: list[str] = list(principal.groups)
    for entry in _entries(people_file):
        if name in entry.names:
            identities += entry.identities
            groups += entry.groups
    return replace(
        principal,
        identities=tuple(dict.fromkeys(i for i in identities if i != name)),
        groups=tuple(dict.fromkeys(groups)),
    )


def _entries(path: Path) -> list[_Entry]:
    try:
        stat = path.stat()
    except OSError:
        return []
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _lock:
        cached = _cache.get(path)
        if cached and cached[0] == stamp:
            return cached[1]
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entries = [_entry(e) for e in (data.get("people") or []) if isinstance(e, dict)]
    except (OSError, yaml.YAMLError, AttributeError, TypeError) as exc:
        logger.warning("%s: people.yaml not read for sign-in (%s)", path, exc)
        entries = []
    with _lock:
        _cache[path] = (stamp, entries)
    return entries


def _entry(data: dict[str, Any]) -> _Entry:
    aliases = [str(a).strip() for a in _as_list(data.get("aliases"))]
    emails = [str(e).strip().casefold() for e in _as_list(data.get("emails"))]
    identities = list(emails)
    for alias in aliases:
        found = _EMAIL.search(alias)
        if alias.startswith("id:"):
            identities.append(alias.casefold())
        elif found:
            identities.append(found.group(0).casefold())
    groups = [str(g).strip() for g in [data.get("team"), *_as_list(data.get("groups"))] if g]
    names = [*identities, *(a.casefold() for a in aliases)]
    return _Entry(tuple(dict.fromkeys(identities)), tuple(dict.fromkeys(names)), tuple(groups))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]

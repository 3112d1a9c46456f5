"""``people.yaml``: what the sources cannot say about people (aliases, teams, who left)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from search.people.identities import Identity, fold, name_key


class PeopleFileError(ValueError):
    """people.yaml cannot be read; the message names the file and the problem."""


@dataclass(slots=True)
class ConfiguredPerson:
    name: str
    aliases: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    team: str | None = None
    title: str | None = None
    left: bool | None = None
    left_on: str | None = None


@dataclass(slots=True)
class PeopleConfig:
    people: list[ConfiguredPerson] = field(default_factory=list)
    split: list[list[str]] = field(default_factory=list)
    not_people: list[str] = field(default_factory=list)


def load_people_config(path: Path | None) -> PeopleConfig:
    """Read people.yaml; a missing file is an empty configuration."""
    if path is None or not path.is_file():
        return PeopleConfig()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PeopleFileError(f"{path}: cannot read people file ({exc})") from exc
    if not isinstance(data, dict):
        raise PeopleFileError(f"{path}: expected a mapping with 'people' and 'split'")
    people = [_configured(path, n, e) for n, e in enumerate(data.get("people") or [], 1)]
    split = data.get("split") or []
    if not isinstance(split, list) or not all(
        isinstance(s, list) and len(s) >= 2 and all(isinstance(i, str) for i in s) for s in split
    ):
        raise PeopleFileError(f"{path}: 'split' must be a list of lists of two or more names")
    not_people = data.get("not_people") or []
    if not isinstance(not_people, list) or not all(isinstance(n, str) for n in not_people):
        raise PeopleFileError(f"{path}: 'not_people' must be a list of names")
    return PeopleConfig(people=people, split=[list(s) for s in split], not_people=not_people)


def _configured(path: Path, number: int, entry: Any) -> ConfiguredPerson:
    if not isinstance(entry, dict) or not str(entry.get("name") or "").strip():
        raise PeopleFileError(f"{path}: people entry {number} needs a 'name'")
    left = entry.get("left")
    left_on = left.isoformat() if isinstance(left, date) else None
    if isinstance(left, str):
        left_on = left
    return ConfiguredPerson(
        name=str(entry["name"]).strip(),
        aliases=[str(a) for a in _as_list(entry.get("aliases"))],
        emails=[str(e).strip().casefold() for e in _as_list(entry.get("emails"))],
        team=str(entry["team"]) if entry.get("team") else None,
        title=str(entry["title"]) if entry.get("title") else None,
        left=None if left is None else bool(left),
        left_on=left_on,
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def spec_matches(spec: str, ident: Identity) -> bool:
    """Whether an alias or split item (``Name``, ``Name <email>``, ``email``, ``@handle``,
    ``id:USERID``) names this identity."""
    spec = spec.strip()
    if spec.startswith("id:"):
        return ident.user_id == spec[3:].strip()
    if spec.startswith("@"):
        handle = ident.handle or (ident.name if ident.mention else "")
        return bool(handle) and fold(handle) == fold(spec[1:])
    match = re.fullmatch(r"(.*?)\s*<([^<>\s]+@[^<>\s]+)>", spec)
    if match:
        name, email = match.groups()
        same_mail = (ident.email or "").casefold() == email.casefold()
        return same_mail and (not name or name_key(name) == name_key(ident.name))
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", spec):
        return (ident.email or "").casefold() == spec.casefold()
    key = name_key(spec)
    return bool(key) and key in (name_key(ident.name), name_key(ident.handle or ""))

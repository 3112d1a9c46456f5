"""Who may see each ingested record: what its source says, else its folder's access.

Slack, Discord, Teams and mail records carry their own grants (channel members, a
workspace or guild group, mail participants and lists). Notes, memos, transcripts, office
files and chat logs do not: they take the access of their folder, from the nearest
``.watercooler-access.yaml`` in the folder or any folder above it, else
``WATERCOOLER_DEFAULT_ACCESS``::

    # .watercooler-access.yaml: applies to every file below this folder
    principals: [dana@corp.example, marcus@corp.example]
    groups: [leads]

Empty lists (or an empty file) mean admins only. A record whose source names a private
place but not its members is seen by admins only, never by everyone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from ingest.records import Record
from search.store.access import access_list, parse_entries

SIDECAR = ".watercooler-access.yaml"
# Bumped when the rules deriving access change: every source is re-read once (not
# re-embedded) and its access rows rewritten.
RULES_VERSION = "1"


class AccessFileError(ValueError):
    """A ``.watercooler-access.yaml`` that cannot be used; the message names the file."""


@dataclass(frozen=True, slots=True)
class FolderAccess:
    """The access a folder gives records without their own: grantees, and where from."""

    grantees: tuple[str, ...]
    origin: str

    @property
    def fingerprint(self) -> str:
        """Changes when the folder's access or the rules do (see :data:`RULES_VERSION`)."""
        text = "\n".join([RULES_VERSION, *self.grantees])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class FolderPolicies:
    """The access of each folder: the nearest sidecar above a path, else the default."""

    def __init__(self, default: list[str]) -> None:
        self.default = FolderAccess(parse_entries(default), "WATERCOOLER_DEFAULT_ACCESS")
        self._folders: dict[Path, FolderAccess] = {}

    def for_source(self, path: Path) -> FolderAccess:
        """The access for a source: a folder source (an export) starts at itself, a file
        at the folder holding it. Raises :class:`AccessFileError` for a broken sidecar."""
        return self._folder(path if path.is_dir() else path.parent)

    def _folder(self, folder: Path) -> FolderAccess:
        if folder not in self._folders:
            sidecar = folder / SIDECAR
            if sidecar.is_file():
                self._folders[folder] = read_sidecar(sidecar)
            elif folder.parent == folder:
                self._folders[folder] = self.default
            else:
                self._folders[folder] = self._folder(folder.parent)
        return self._folders[folder]


def read_sidecar(path: Path) -> FolderAccess:
    """A sidecar's ``principals`` and ``groups``; :class:`AccessFileError` saying why not."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise AccessFileError(f"{path}: cannot read access file ({exc})") from exc
    data = data or {}
    if not isinstance(data, dict):
        raise AccessFileError(f"{path}: expected a mapping with 'principals' and 'groups'")
    unknown = sorted(set(data) - {"principals", "groups"})
    if unknown:
        raise AccessFileError(
            f"{path}: unknown key {', '.join(map(str, unknown))}; use principals and groups"
        )
    lists = {}
    for key in ("principals", "groups"):
        value = data.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise AccessFileError(f"{path}: '{key}' must be a list of names")
        lists[key] = value
    return FolderAccess(access_list(lists["principals"], lists["groups"]), str(path))


def record_grantees(record: Record, folder: FolderAccess) -> tuple[str, ...]:
    """Who may see ``record``: its source's grants; for a ``public`` record without any,
    its folder's; otherwise nobody but admins."""
    access = record.access
    if access.principals or access.groups:
        return access_list(access.principals, access.groups)
    if access.scope == "public":
        return folder.grantees
    return ()

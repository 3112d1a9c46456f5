"""Configured sources: ``WATERCOOLER_HOME/sources.yaml``, never holding a secret.

A secret (an IMAP password) is named by the environment variable or file that holds it
(``password_env``, ``password_file``) and read when a sync needs it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from search.store.files import replace_file

Kind = Literal["folder", "imap", "git", "slack", "matrix"]
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
# Options each kind requires and allows (values are strings, ints or lists of strings).
OPTIONS: dict[str, tuple[set[str], set[str]]] = {
    "folder": ({"paths"}, set()),
    "imap": (
        {"host", "user"},
        {"port", "folders", "password_env", "password_file", "ssl", "lookback_days"},
    ),
    "git": ({"url"}, {"branch"}),
    "slack": (set(), {"token_env", "token_file", "base_url"}),
    "matrix": ({"homeserver", "user"}, {"password_env", "password_file", "rooms"}),
}
DEFAULT_EVERY = 300.0


class SourcesError(ValueError):
    """sources.yaml or a source's options are not what they should be."""


class SourceConfig(BaseModel):
    """One configured source."""

    kind: Kind
    name: str
    every: float = Field(DEFAULT_EVERY, gt=0, description="Seconds between syncs.")
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError(
                "a source name is lower-case letters, digits, '-' and '_' (at most 63)"
            )
        return value

    def check_options(self) -> SourceConfig:
        required, optional = OPTIONS[self.kind]
        missing = sorted(required - self.options.keys())
        unknown = sorted(self.options.keys() - required - optional)
        if missing:
            raise SourcesError(f"{self.kind} source {self.name!r} needs {', '.join(missing)}")
        if unknown:
            raise SourcesError(
                f"{self.kind} source {self.name!r}: unknown option {', '.join(unknown)}"
            )
        return self

    def secret(self, option: str) -> str | None:
        """The secret ``option`` names (``password`` reads ``password_env`` or
        ``password_file``); a named but missing variable or file is an error."""
        variable = self.options.get(f"{option}_env")
        if variable:
            if variable not in os.environ:
                raise SourcesError(f"source {self.name!r}: ${variable} is not set")
            return os.environ[variable]
        path = self.options.get(f"{option}_file")
        if path:
            try:
                return Path(path).expanduser().read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SourcesError(f"source {self.name!r}: cannot read {path}: {exc}") from exc
        return None


def sources_path(home: Path) -> Path:
    return home / "sources.yaml"


def load_sources(home: Path) -> dict[str, SourceConfig]:
    """The configured sources by name ({} when there is no sources.yaml)."""
    path = sources_path(home)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return {}
    except (OSError, yaml.YAMLError) as exc:
        raise SourcesError(f"{path}: {exc}") from exc
    entries = data.get("sources", []) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise SourcesError(f"{path}: expected a list under 'sources'")
    found: dict[str, SourceConfig] = {}
    for index, entry in enumerate(entries):
        try:
            config = SourceConfig.model_validate(entry).check_options()
        except (ValidationError, SourcesError) as exc:
            raise SourcesError(f"{path}: source {index + 1}: {exc}") from exc
        found[config.name] = config
    return found


def save_sources(home: Path, sources: dict[str, SourceConfig]) -> None:
    """Write sources.yaml whole (a temporary file renamed into place)."""
    path = sources_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"sources": [s.model_dump(mode="json") for s in sources.values()]}
    replace_file(path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))

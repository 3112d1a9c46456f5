"""deploy/: the compose file is valid Compose and names only what the app reads.

No Docker engine runs here, so the file is checked, not started: against the Compose
Specification's JSON schema (as vendored by check-jsonschema), for a health check on every
long-running service, and for settings and commands that exist. The same topology (one
PostgreSQL, one Chroma server, API workers) runs as processes in the server-mode tests.
"""

from __future__ import annotations

import importlib.resources
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import typer.main
import yaml

from api.cli import app
from search.store.settings import Settings
from tests.conftest import REPO

DEPLOY = REPO / "deploy"
VARIABLE = re.compile(r"\$\{([A-Z_]+)")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))


def compose_schema() -> dict[str, Any]:
    vendored = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((vendored / "compose-spec.json").read_text(encoding="utf-8"))


def watercooler_settings() -> set[str]:
    prefix = Settings.model_config["env_prefix"]
    return {f"{prefix}{name}".upper() for name in Settings.model_fields}


def test_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(compose_schema())
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(compose)
    ]
    assert errors == []


def test_schema_check_catches_a_misspelled_key(compose: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(compose))
    broken["services"]["api"]["helthcheck"] = broken["services"]["api"].pop("healthcheck")
    validator = jsonschema.Draft202012Validator(compose_schema())
    assert any("helthcheck" in e.message for e in validator.iter_errors(broken))


def test_every_long_running_service_has_a_health_check(compose: dict[str, Any]) -> None:
    services = compose["services"]
    running = [name for name, s in services.items() if not s.get("profiles")]
    assert set(running) == {"postgres", "chroma", "api"}
    assert [name for name in running if "healthcheck" not in services[name]] == []
    api_waits_for = services["api"]["depends_on"]
    assert {name: dep["condition"] for name, dep in api_waits_for.items()} == {
        "postgres": "service_healthy",
        "chroma": "service_healthy",
    }


def test_compose_sets_only_settings_the_app_reads(compose: dict[str, Any]) -> None:
    known = watercooler_settings()
    for name, service in compose["services"].items():
        environment = service.get("environment", {})
        named = {key for key in environment if key.startswith("WATERCOOLER_")}
        assert named <= known, f"{name}: {sorted(named - known)} are not settings"
    api_env = compose["services"]["api"]["environment"]
    assert {"WATERCOOLER_DATABASE_URL", "WATERCOOLER_CHROMA_URL"} <= set(api_env)
    assert api_env["WATERCOOLER_DATABASE_URL"].startswith("postgresql://")
    assert api_env["WATERCOOLER_CHROMA_URL"] == "http://chroma:8000"


def test_interpolated_watercooler_variables_are_settings_or_worker_count() -> None:
    text = (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")
    named = {v for v in VARIABLE.findall(text) if v.startswith("WATERCOOLER_")}
    assert named - watercooler_settings() == {"WATERCOOLER_WORKERS"}


def command_options(name: str) -> set[str]:
    command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    return {opt for param in command.params for opt in getattr(param, "opts", [])}


def test_compose_commands_are_real_cli_commands_and_options(compose: dict[str, Any]) -> None:
    serve = compose["services"]["api"]["command"]
    assert serve[:2] == ["watercooler", "serve"]
    options = {arg for arg in serve[2:] if arg.startswith("--")}
    assert options <= command_options("serve")
    assert compose["services"]["ingest"]["entrypoint"] == ["watercooler", "ingest"]


def test_dockerfile_copies_the_packages_and_installs_cpu_torch_first() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    copied = re.findall(r"^COPY (\S+)", dockerfile, flags=re.MULTILINE)
    assert [path for path in copied if not (REPO / path).exists()] == []
    torch = dockerfile.index("torch==2.13.0")
    assert "whl/cpu" in dockerfile[torch : dockerfile.index("\n", torch)]
    assert torch < dockerfile.index("pip install .")
    assert "HF_HUB_OFFLINE=1" in dockerfile


def test_deploy_readme_names_files_that_exist() -> None:
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    for path in re.findall(r"`(deploy/[\w./-]+)`", readme):
        assert Path(REPO / path).exists(), path

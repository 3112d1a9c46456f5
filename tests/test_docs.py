"""The README documents every command and every setting (it fails when one is added silently)."""

from __future__ import annotations

import pytest
import typer.main

from api.cli import app
from search.store.settings import Settings
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(typer.main.get_command(app).commands))
def test_every_cli_command_is_in_the_readme(command: str) -> None:
    assert f"watercooler {command}" in README


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme(field: str) -> None:
    assert f"WATERCOOLER_{field.upper()}" in README


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (REPO / ".ci" / "run").read_text()
    assert "make test" in README and ci.strip().splitlines()[-1] == "make test"

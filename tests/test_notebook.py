"""The worked example notebook runs top to bottom, offline, in under two minutes."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO

NOTEBOOK = REPO / "notebooks" / "worked_example.ipynb"
KERNEL = "watercooler-test"
BUDGET_SECONDS = 120


def install_kernel(root: Path) -> Path:
    """A kernelspec for this interpreter in a folder of our own (no user-level kernels)."""
    folder = root / "kernels" / KERNEL
    folder.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Watercooler (test)",
        "language": "python",
    }
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return root


def test_worked_example_runs_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_PATH", str(install_kernel(tmp_path / "jupyter")))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("WATERCOOLER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells), "commit it without outputs"
    client = NotebookClient(
        notebook,
        timeout=BUDGET_SECONDS * 2,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    started = time.monotonic()
    client.execute()
    elapsed = time.monotonic() - started
    nbformat.write(notebook, tmp_path / "worked_example.executed.ipynb")

    text = "\n".join(
        out.get("text", "") for cell in notebook.cells for out in cell.get("outputs", [])
    )
    images = [
        out
        for cell in notebook.cells
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    assert "'failed': 0" in text
    assert "Priya Raman" in text and "Tomás Herrera (left)" in text
    assert "no outbound connection was attempted" in text
    assert len(images) == 3  # the activity plot, the experts bar chart, a topic timeline
    assert "topics over" in text and "bus factors of all topics" in text
    assert elapsed < BUDGET_SECONDS, f"the notebook took {elapsed:.0f} s"

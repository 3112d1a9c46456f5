"""Every benchmark script still imports: the names it takes from the project and from the
other benchmarks exist (a renamed helper broke two of them once, silently)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_every_benchmark_script_imports() -> None:
    names = sorted(f"benchmarks.{p.stem}" for p in (REPO / "benchmarks").glob("*.py"))
    program = "import importlib, sys\nfor name in sys.argv[1:]: importlib.import_module(name)"
    done = subprocess.run(
        [sys.executable, "-c", program, *names],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]

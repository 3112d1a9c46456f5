"""The tree shows the architecture: no import circles, and data flows one way.

ingest -> store <- search <- api: ``ingest`` writes through ``search.store`` only, ``search``
never imports ``ingest`` or ``api``, and no module imports another package's private names.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGES = ("api", "ingest", "search")


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py")}


def imports(path: Path, known: dict[str, Path]) -> list[tuple[str, str]]:
    """(module, name) for every import in ``path``, top-level or inside a function; a name is
    "" when a whole module is imported."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.append((submodule, "") if submodule in known else (node.module, alias.name))
    return [(m, n) for m, n in found if m.split(".")[0] in PACKAGES]


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {m for m, _ in imports(path, known)} for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_in_a_circle() -> None:
    assert cycles(graph()) == []


def test_cycle_finder_sees_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_search_never_imports_ingest_or_api() -> None:
    wrong = {
        (name, target)
        for name, targets in graph().items()
        if name.startswith("search")
        for target in targets
        if target.split(".")[0] in ("ingest", "api")
    }
    assert wrong == set()


def test_ingest_reaches_search_only_through_the_store() -> None:
    wrong = {
        (name, target)
        for name, targets in graph().items()
        if name.startswith("ingest")
        for target in targets
        if target.split(".")[0] == "api"
        or (target.startswith("search") and not target.startswith("search.store"))
    }
    assert wrong == set()


def test_no_private_name_is_imported_from_another_module() -> None:
    known = modules()
    private = {
        (name, f"{module}.{imported}")
        for name, path in known.items()
        for module, imported in imports(path, known)
        if imported.startswith("_")
    }
    assert private == set()

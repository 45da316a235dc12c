"""The floors of the house (docs/architecture.md): every layer imports only downward, and no module
imports itself back through others. Walks the imports of every module with ``ast`` (imports inside
functions included), so a new upward import fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# what each room may import of the project (besides itself)
ALLOWED = {
    "core": set(),
    "index": {"core"},
    "qa": {"core", "index"},
    "training": {"core", "index", "qa"},
    "eval": {"core", "index", "qa", "training"},
    "api": {"core", "index", "qa"},
    "bench": {"core", "index", "qa", "api", "eval"},
    "cli": {"core", "index", "qa", "training", "eval", "api"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for room in ALLOWED for p in sorted((REPO / room).rglob("*.py"))}


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules ``path`` imports (``from a.b import c`` counts as ``a.b.c`` if that is a module)."""
    found: set[str] = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        found.update(n for n in names if n.split(".")[0] in ALLOWED)
    return found


MODULES = project_modules()
GRAPH = {name: imports_of(path, MODULES) for name, path in MODULES.items()}


def test_the_walk_sees_the_project():
    assert {"core.types", "index.store", "qa.service", "api.app", "cli.commands", "training.train"} <= set(MODULES)
    assert "core.errors" in GRAPH["index.store"]


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_rooms_import_only_downward(room):
    upward = sorted(f"{mod} imports {imp}" for mod, imps in GRAPH.items() if mod.split(".")[0] == room
                    for imp in imps if imp.split(".")[0] not in ALLOWED[room] | {room})
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_no_import_cycles():
    edges = {m: {i for i in imps if i in GRAPH and i != m} for m, imps in GRAPH.items()}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [node, nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [node])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)

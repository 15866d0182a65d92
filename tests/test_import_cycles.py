"""No circle of imports in ``bot/``, type-only and function-level imports included: a circle
means two modules cannot be understood, or loaded, one without the other."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT


def modules() -> dict[str, Path]:
    found = {}
    for path in (ROOT / "bot").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The ``bot`` modules ``path`` imports anywhere in it: ``from bot.x import y`` is
    ``bot.x.y`` when that is a module (a package's ``__init__`` is not counted for the
    submodules taken from it), else ``bot.x``."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                names.add(submodule if submodule in known else node.module)
    return {name for name in names if name in known}


def reachable(start: str, graph: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += graph[name]
    return seen


def circles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    reach = {name: reachable(name, graph) for name in graph}
    return {
        frozenset({name} | {other for other in reach[name] if name in reach[other]})
        for name in graph
        if name in reach[name]
    }


def test_no_import_circle_in_bot() -> None:
    known = modules()
    graph = {name: imports(path, known) - {name} for name, path in known.items()}
    assert not circles(graph), sorted(sorted(circle) for circle in circles(graph))


def test_services_know_the_data_not_the_conversation() -> None:
    """The host calls' names reach validation from the composition root (``bot/runtime.py``)."""
    known = modules()
    assert not {name for name in imports(known["bot.services"], known) if "conversation" in name}


def test_a_circle_is_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == {frozenset({"a", "b", "c"})}

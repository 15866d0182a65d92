"""One place knows the database: outside ``bot/storage`` no module imports a driver or holds SQL.

A second backend is then a second implementation inside ``bot/storage``, not a hunt through the
tree. The check reads the source with ``ast``: imports by module name, and every string constant
(adjacent literals joined, an f-string with its holes as ``{}``) that reads like a statement.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DRIVERS = {"aiosqlite", "sqlite3", "asyncpg", "psycopg", "psycopg2"}
# A statement keyword first, then a clause keyword (prose rarely shouts both); statements that
# need no clause (PRAGMA, BEGIN …) count alone.
SQL = re.compile(
    r"^\s*(?:(?:SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|DROP|ALTER)\b.*?"
    r"\b(?:FROM|INTO|SET|WHERE|TABLE|INDEX|VIEW|TRIGGER)\b"
    r"|(?:PRAGMA|BEGIN|VACUUM|COMMIT|ROLLBACK)\b)",
    re.DOTALL,
)


def checked_files(root: Path) -> Iterator[Path]:
    """``main.py`` and everything under ``bot/`` except ``bot/storage``."""
    if (root / "main.py").is_file():
        yield root / "main.py"
    storage = root / "bot" / "storage"
    for path in sorted((root / "bot").rglob("*.py")):
        if storage not in path.parents:
            yield path


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else "{}" for part in node.values
        )
    return None


def violations(root: Path) -> list[str]:
    """``file:line: what`` for every driver import and every SQL-looking string outside storage."""
    found = []
    for path in checked_files(root):
        name = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), name)):
            modules: list[str] = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules = [node.module]
            for module in modules:
                if module.split(".")[0] in DRIVERS:
                    found.append(f"{name}:{node.lineno}: imports {module}")
            text = _text(node)
            if text is not None and SQL.match(text):
                found.append(f"{name}:{node.lineno}: SQL {text.strip()[:40]!r}")
    return sorted(set(found))


def test_nothing_outside_storage_imports_a_driver_or_holds_sql() -> None:
    assert violations(ROOT) == []


def test_a_planted_violation_is_named_by_file_and_line(tmp_path: Path) -> None:
    planted = tmp_path / "bot" / "safety" / "planted.py"
    planted.parent.mkdir(parents=True)
    planted.write_text(
        "import sqlite3\n"
        "from aiosqlite import Connection\n"
        "QUERY = (\n"
        '    "SELECT id"\n'
        '    " FROM alerts WHERE status = ?"\n'
        ")\n"
        "def stamp(table):\n"
        '    return f"UPDATE {table} SET at = ?"\n'
        'PROSE = "SELECT a topic from the menu"\n'
        'CHECKPOINT = "PRAGMA wal_checkpoint(TRUNCATE)"\n',
        encoding="utf-8",
    )
    allowed = tmp_path / "bot" / "storage" / "repo.py"
    allowed.parent.mkdir(parents=True)
    allowed.write_text('import aiosqlite\nSQL = "DELETE FROM kv WHERE key = ?"\n', encoding="utf-8")
    (tmp_path / "main.py").write_text("import asyncpg\n", encoding="utf-8")

    assert violations(tmp_path) == [
        "bot/safety/planted.py:10: SQL 'PRAGMA wal_checkpoint(TRUNCATE)'",
        "bot/safety/planted.py:1: imports sqlite3",
        "bot/safety/planted.py:2: imports aiosqlite",
        "bot/safety/planted.py:4: SQL 'SELECT id FROM alerts WHERE status = ?'",
        "bot/safety/planted.py:8: SQL 'UPDATE {} SET at = ?'",
        "main.py:1: imports asyncpg",
    ]

"""Everything stored about one mother, as a JSON document she can download with /export.

The list of tables is the same one erasure walks (``PERSONAL_TABLES``), so a new table with a
``mother_id`` column is exported and erased alike once it is added there.
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime
from typing import Any

from bot.clock import iso
from bot.storage.tx import Tx

# Tables whose rows belong to one mother through a mother_id column.
PERSONAL_TABLES = (
    "sessions",
    "answers",
    "assessments",
    "snippet_views",
    "reminders",
    "deferred_messages",
    "alerts",
    "outbox",
    "messages",
)
# How each table's rows are put in the order they were written (``id`` when there is no entry):
# ``rowid`` is SQLite's alone, and the tables keyed by her have one row or a time.
ORDER = {
    "sessions": "mother_id",
    "deferred_messages": "mother_id",
    "snippet_views": "seen_at, snippet_id",
}
# Columns that hold JSON text; exported as JSON, not as strings with escapes.
JSON_COLUMNS = frozenset({"value", "items", "detail", "payload", "state"})
# Bookkeeping that says nothing about her.
SKIPPED_COLUMNS = frozenset({"mother_id", "ask_seq"})


async def collect(tx: Tx, mother_id: int, now: datetime) -> dict[str, Any]:
    """Her profile row and every row of the personal tables, newest last."""
    data: dict[str, Any] = {"exported_at": iso(now)}
    profile = await _rows(tx, "SELECT * FROM mothers WHERE id = ?", mother_id)
    data["profile"] = profile[0] if profile else {}
    for table in PERSONAL_TABLES:
        data[table] = await _rows(
            tx,
            f"SELECT * FROM {table} WHERE mother_id = ? ORDER BY {ORDER.get(table, 'id')}",
            mother_id,
        )
    return data


def as_file(data: dict[str, Any], day: str) -> tuple[str, bytes]:
    """A readable, UTF-8 JSON file named after the day of the export."""
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
    return f"poruch-my-data-{day}.json", text.encode("utf-8")


async def _rows(tx: Tx, sql: str, mother_id: int) -> list[dict[str, Any]]:
    return [_decode(dict(row)) for row in await tx.fetchall(sql, (mother_id,))]


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if key in SKIPPED_COLUMNS:
            continue
        if key in JSON_COLUMNS and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        out[key] = value
    return out

"""The figures ``main.py status`` shows, read from the database file in one read transaction.

The file is opened directly (the bot may be running or not) and never changed; nothing is
created when it is missing. Keys of ``kv`` that other parts of the bot own (the last Telegram
contact, the groups seen) are asked for by name, so this module needs none of them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.clock import iso
from bot.storage.sqlitefile import UnreadableDatabase, open_existing

NEEDED_TABLES = {"mothers", "outbox", "alerts", "kv"}
STAFF_KINDS = "('staff_alert', 'alert_repeat', 'digest')"


@dataclass
class Health:
    schema: int
    complete: bool = False  # the tables below exist (a database of an older, broken start)
    mothers: dict[str, int] = field(default_factory=dict)
    pending_outbox: int = 0
    open_urgent: int = 0
    stuck_alerts: int = 0
    oldest_stuck: str | None = None
    dead_alerts: int = 0
    kv: dict[str, str] = field(default_factory=dict)  # the keys and prefixes asked for


def _count(conn: sqlite3.Connection, sql: str, params: tuple[object, ...] = ()) -> int:
    return int(conn.execute(sql, params).fetchone()[0])


def _tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {str(row[0]) for row in rows}


def read_health(
    path: Path, stuck_before: datetime, keys: Sequence[str] = (), prefixes: Sequence[str] = ()
) -> Health:
    """Everything in one read transaction, so the numbers agree with each other. A staff
    alert is stuck when it has waited since before ``stuck_before``; ``kv`` holds ``keys`` and
    the keys starting with ``prefixes`` (each prefix's keys in order)."""
    try:
        with open_existing(path) as conn:
            return _read(conn, iso(stuck_before), keys, prefixes)
    except sqlite3.DatabaseError as exc:
        raise UnreadableDatabase(str(exc)) from None


def _read(
    conn: sqlite3.Connection, stuck_before: str, keys: Sequence[str], prefixes: Sequence[str]
) -> Health:
    conn.execute("BEGIN")
    health = Health(schema=int(conn.execute("PRAGMA user_version").fetchone()[0]))
    if not _tables(conn) >= NEEDED_TABLES:
        return health
    health.complete = True
    for state, count in conn.execute("SELECT status, COUNT(*) FROM mothers GROUP BY status"):
        health.mothers[str(state)] = int(count)
    health.pending_outbox = _count(conn, "SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
    health.open_urgent = _count(
        conn, "SELECT COUNT(*) FROM alerts WHERE status = 'open' AND priority = 'urgent'"
    )
    stuck = conn.execute(
        "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status = 'pending'"
        f" AND kind IN {STAFF_KINDS} AND created_at <= ?"
        " AND (json_extract(payload, '$.held') IS NULL OR next_attempt_at <= ?)",
        (stuck_before, stuck_before),  # held for working hours: not stuck
    ).fetchone()
    health.stuck_alerts, health.oldest_stuck = int(stuck[0]), stuck[1]
    health.dead_alerts = _count(
        conn,
        f"SELECT COUNT(*) FROM outbox WHERE status = 'dead' AND kind IN {STAFF_KINDS}"
        " AND json_extract(payload, '$.released') IS NULL",  # its alerts went out one by one
    )
    for key in keys:
        row = conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        if row is not None:
            health.kv[key] = row[0]
    for prefix in prefixes:
        for key, value in conn.execute(
            "SELECT key, value FROM kv WHERE key LIKE ? ORDER BY key", (f"{prefix}%",)
        ):
            health.kv[key] = value
    return health

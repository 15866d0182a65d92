"""The figures of ``main.py status`` read from PostgreSQL: the same :class:`Health` as the
SQLite file gives (``status.py``), in one read-only REPEATABLE READ transaction, so the numbers
agree with each other. One connection of its own, never the bot's pool; nothing is changed or
created, and a database no migration has touched is described, not upgraded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from bot.clock import iso
from bot.storage.pgtools import shown
from bot.storage.postgres import to_postgres
from bot.storage.sqlitefile import UnreadableDatabase
from bot.storage.status import NEEDED_TABLES, STAFF_KINDS, Health

CONNECT_TIMEOUT = 10.0  # seconds: monitoring wants an answer, not a hang


async def read_health(
    url: str, stuck_before: datetime, keys: Sequence[str] = (), prefixes: Sequence[str] = ()
) -> Health:
    """As :func:`bot.storage.status.read_health`, from the database at ``url``."""
    try:
        conn = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        raise UnreadableDatabase(f"cannot connect to {shown(url)}: {exc}") from None
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            return await _read(conn, iso(stuck_before), keys, prefixes)
    except asyncpg.PostgresError as exc:
        raise UnreadableDatabase(str(exc)) from None
    finally:
        await conn.close()


async def _read(
    conn: asyncpg.Connection, stuck_before: str, keys: Sequence[str], prefixes: Sequence[str]
) -> Health:
    tables = {
        str(row[0])
        for row in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    }
    schema = 0
    if "schema_migrations" in tables:
        schema = int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))
    health = Health(schema=schema)
    if not tables >= NEEDED_TABLES:
        return health
    health.complete = True
    for row in await conn.fetch("SELECT status, COUNT(*) FROM mothers GROUP BY status"):
        health.mothers[str(row[0])] = int(row[1])
    health.pending_outbox = int(
        await conn.fetchval("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
    )
    health.open_urgent = int(
        await conn.fetchval(
            "SELECT COUNT(*) FROM alerts WHERE status = 'open' AND priority = 'urgent'"
        )
    )
    stuck = await conn.fetchrow(
        to_postgres(
            "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status = 'pending'"
            f" AND kind IN {STAFF_KINDS} AND created_at <= ?"
            " AND ((payload::jsonb ->> 'held') IS NULL OR next_attempt_at <= ?)"
        ),
        stuck_before,
        stuck_before,
    )
    assert stuck is not None  # an aggregate without GROUP BY is always one row
    health.stuck_alerts, health.oldest_stuck = int(stuck[0]), stuck[1]
    health.dead_alerts = int(
        await conn.fetchval(
            f"SELECT COUNT(*) FROM outbox WHERE status = 'dead' AND kind IN {STAFF_KINDS}"
            " AND (payload::jsonb ->> 'released') IS NULL"
        )
    )
    for key in keys:
        value = await conn.fetchval("SELECT value FROM kv WHERE key = $1", key)
        if value is not None:
            health.kv[key] = str(value)
    for prefix in prefixes:
        for row in await conn.fetch(
            "SELECT key, value FROM kv WHERE key LIKE $1 ORDER BY key", f"{prefix}%"
        ):
            health.kv[str(row[0])] = str(row[1])
    return health

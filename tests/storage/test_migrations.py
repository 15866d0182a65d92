"""Upgrading never loses data: from an empty file and from every earlier schema version, the
migrations reach the latest schema with every row kept and every foreign key intact.

Each schema version gets representative rows in ``SEEDS``: a migration that adds a table must add
a seed for it here (the test says so), so every table is upgraded with data in it at least once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.storage.db import Database, migration_files

T = "2026-11-25T10:00:00.000000Z"
SEEDS: dict[int, list[str]] = {
    1: [
        "INSERT INTO mothers (id, chat_id, pseudonym, language, consent, consent_at, name,"
        " first_name, username, baby_birth_date, checkin_time, timezone, status, ask_seq,"
        f" created_at, updated_at) VALUES (1, 1001, 'm-seed1', 'en', 'given', '{T}', 'Olena',"
        f" 'Olena', 'olena_k', '2026-10-01', '09:00', 'Europe/Kyiv', 'active', 3, '{T}', '{T}')",
        "INSERT INTO mothers (id, chat_id, pseudonym, status, created_at, updated_at)"
        f" VALUES (2, 1002, 'm-seed2', 'paused', '{T}', '{T}')",
        f"INSERT INTO sessions VALUES (1, 'onboarding', '{{\"step\": \"name\"}}', 0, '{T}')",
        f"INSERT INTO answers VALUES (1, 1, 'onboarding', 'name', '\"Olena\"', '{T}')",
        f"INSERT INTO assessments VALUES (1, 1, 'epds', 12, '[1, 2, 3]', '{T}')",
        "INSERT INTO alerts (id, mother_id, pseudonym, priority, rule, category, detail,"
        " dedup_key, status, created_at) VALUES (1, 1, 'm-seed1', 'urgent', 'crisis_text',"
        f" 'suicidal', '{{\"message\": \"seed\"}}', 'crisis_text:1', 'open', '{T}')",
        "INSERT INTO outbox (id, alert_id, kind, priority, payload, next_attempt_at, created_at)"
        f" VALUES (1, 1, 'staff_alert', 0, '{{}}', '{T}', '{T}')",
        "INSERT INTO outbox (id, mother_id, kind, chat_id, priority, payload, status,"
        " next_attempt_at, created_at, sent_at) VALUES (2, 1, 'mother_notice', 1001, 1,"
        f" '{{\"key\": \"clinic.crisis.delivered\"}}', 'sent', '{T}', '{T}', '{T}')",
        f"INSERT INTO audit_log VALUES (1, 'system', 'delivered', 1, 'm-seed1', '{T}')",
        f"INSERT INTO processed_updates VALUES (42, '{T}')",
        f"INSERT INTO snippet_views VALUES (1, 'sleep_basics', '{T}')",
        f"INSERT INTO declined VALUES (555, '{T}')",
        "INSERT INTO kv VALUES ('callback_secret', 'seed-secret')",
        f"INSERT INTO reminders VALUES (1, 1, 'epds_offer', '{T}', 'pending', '{T}')",
        "INSERT INTO deferred_messages VALUES (2, '[]')",
    ],
    2: [
        f"UPDATE mothers SET next_checkin_at = '{T}', epds_step = 1 WHERE id = 1",
        "INSERT INTO sends (id, mother_id, kind, local_date, due_at, status, sent_at)"
        f" VALUES (1, 1, 'checkin', '2026-11-25', '{T}', 'sent', '{T}')",
    ],
    5: [
        "INSERT INTO messages (id, mother_id, kind, text, handled, created_at)"
        f" VALUES (1, 1, 'text', 'seed words', 'ui.no_flow', '{T}')",
    ],
    6: ["INSERT INTO chat_pace (chat_id, next_at) VALUES (111, 1764576000.5)"],
}
SURVIVING_VALUES = {
    "SELECT name, username, baby_birth_date FROM mothers WHERE id = 1": [
        ("Olena", "olena_k", "2026-10-01")
    ],
    "SELECT value FROM answers WHERE id = 1": [('"Olena"',)],
    "SELECT detail, status FROM alerts WHERE id = 1": [('{"message": "seed"}', "open")],
    "SELECT status FROM outbox ORDER BY id": [("pending",), ("sent",)],
}
VERSIONS = [number for number, _ in migration_files()]
LATEST = VERSIONS[-1]


@asynccontextmanager
async def database_at(path: Path, version: int) -> AsyncIterator[Database]:
    """A database migrated only up to ``version``, as an older release would have left it."""
    db = await Database.open(path, target=version)
    try:
        yield db
    finally:
        await db.close()


async def _tables(db: Database) -> list[str]:
    rows = await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return sorted(row[0] for row in rows)


async def _counts(db: Database) -> dict[str, int]:
    counts = {}
    for table in await _tables(db):
        row = await db.fetchone(f"SELECT COUNT(*) FROM {table}")
        counts[table] = int(row[0]) if row else 0
    return counts


async def _schema(db: Database) -> list[tuple[str, str, str]]:
    rows = await db.fetchall("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
    return [(row[0], row[1], row[2]) for row in rows]


def test_migrations_are_numbered_one_by_one() -> None:
    assert list(range(1, len(VERSIONS) + 1)) == VERSIONS


@pytest.mark.parametrize("start", [0, *VERSIONS])
async def test_upgrade_from_each_schema_keeps_every_row(tmp_path: Path, start: int) -> None:
    path = tmp_path / "bot.sqlite3"
    path.touch(mode=0o600)  # version 0 is an empty file
    async with database_at(path, start) as db:
        assert await db.schema_version() == start
        for version in sorted(v for v in SEEDS if v <= start):
            async with db.transaction() as conn:
                for statement in SEEDS[version]:
                    await conn.execute(statement)
        before = await _counts(db)
        empty = [table for table, count in before.items() if count == 0]
        assert not empty, f"add seed rows for {empty} to SEEDS[{start}] in this file"

    db = await Database.open(path)
    try:
        assert await db.schema_version() == LATEST
        after = await _counts(db)
        for table, count in before.items():
            assert after.get(table) == count, f"{table}: {count} rows before, {after.get(table)}"
        if start >= 1:
            for sql, expected in SURVIVING_VALUES.items():
                assert [tuple(row) for row in await db.fetchall(sql)] == expected, sql
        assert [tuple(r) for r in await db.fetchall("PRAGMA integrity_check")] == [("ok",)]
        assert await db.fetchall("PRAGMA foreign_key_check") == []
        upgraded = await _schema(db)
    finally:
        await db.close()

    fresh = await Database.open(tmp_path / "fresh.sqlite3")
    try:
        assert upgraded == await _schema(fresh), "an upgraded database differs from a new one"
    finally:
        await fresh.close()

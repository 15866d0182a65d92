"""The PostgreSQL store against a real server: its migrations build SQLite's schema, once even
when workers start together, and its units of work keep the promises of ``bot/storage/tx.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.storage import db as sqlite_db
from bot.storage import postgres
from bot.storage.db import Database
from bot.storage.postgres import PgStore, PgTx, rowcount, to_postgres
from bot.storage.tx import Store

T = "2026-11-25T10:00:00.000000Z"
LATEST = postgres.migration_files()[-1][0]
NEW_MOTHER = (
    "INSERT INTO mothers (chat_id, pseudonym, status, consent, created_at, updated_at)"
    " VALUES (?, ?, 'active', 'given', ?, ?)"
)
# SQLite's declared column type -> the PostgreSQL types a faithful translation may use.
TYPES = {
    "INTEGER": {"bigint", "integer"},
    "TEXT": {"text"},
    "REAL": {"double precision"},
    "BLOB": {"bytea"},
}
ON_DELETE = {"c": "CASCADE", "n": "SET NULL", "a": "NO ACTION", "r": "RESTRICT", "d": "SET DEFAULT"}


@pytest.fixture
async def pg(pg_url: str) -> AsyncIterator[PgStore]:
    store = await PgStore.open(pg_url)
    yield store
    await store.close()


async def add_mother(store: PgStore, chat_id: int) -> int:
    async with store.transaction() as tx:
        row = await tx.fetchone(NEW_MOTHER + " RETURNING id", (chat_id, f"m-{chat_id}", T, T))
    assert row is not None
    return int(row["id"])


# --- migrations -----------------------------------------------------------------------------


def test_each_sqlite_migration_has_a_postgres_translation_with_its_number() -> None:
    assert [n for n, _ in postgres.migration_files()] == [n for n, _ in sqlite_db.migration_files()]


async def test_migrations_build_a_fresh_database_and_a_second_run_changes_nothing(
    pg_empty_url: str,
) -> None:
    store = await PgStore.open(pg_empty_url, migrate=False)
    try:
        assert await store.schema_version() == 0
        await store.migrate(target=2)
        assert await store.schema_version() == 2
        assert await store.fetchone("SELECT to_regclass('messages') AS t") == (None,)
        await store.migrate()
        applied = await store.fetchall("SELECT version FROM schema_migrations ORDER BY version")
        await store.migrate()
        assert await store.schema_version() == LATEST
        again = await store.fetchall("SELECT version FROM schema_migrations ORDER BY version")
        assert (
            [row[0] for row in again] == [row[0] for row in applied] == list(range(1, LATEST + 1))
        )
    finally:
        await store.close()


async def test_workers_starting_together_apply_each_migration_once(pg_empty_url: str) -> None:
    """Without the advisory lock the second CREATE TABLE mothers fails, or a version is
    recorded twice (its primary key refuses that)."""
    stores = [await PgStore.open(pg_empty_url, migrate=False) for _ in range(3)]
    try:
        await asyncio.gather(*(store.migrate() for store in stores))
        rows = await stores[0].fetchall("SELECT version FROM schema_migrations ORDER BY version")
        assert [row["version"] for row in rows] == list(range(1, LATEST + 1))
    finally:
        for store in stores:
            await store.close()


async def _sqlite_schema(path: Path) -> dict[str, Any]:
    database = await Database.open(path)
    try:
        named = await database.fetchall(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND sql IS NOT NULL"
        )
        relations = [row["name"] for row in named if row["type"] in ("table", "view")]
        columns, keys = {}, set()
        for relation in relations:
            info = await database.fetchall(f"PRAGMA table_info({relation})")
            columns[relation] = [
                (c["name"], c["type"], bool(c["notnull"] or c["pk"])) for c in info
            ]
            for fk in await database.fetchall(f"PRAGMA foreign_key_list({relation})"):
                keys.add((relation, fk["from"], fk["table"], fk["on_delete"]))
        return {
            "columns": columns,
            "views": {row["name"] for row in named if row["type"] == "view"},
            "indexes": {row["name"] for row in named if row["type"] == "index"},
            "triggers": {row["name"] for row in named if row["type"] == "trigger"},
            "foreign_keys": keys,
        }
    finally:
        await database.close()


async def _postgres_schema(store: PgStore) -> dict[str, Any]:
    rows = await store.fetchall(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name <> 'schema_migrations'"
        " ORDER BY table_name, ordinal_position"
    )
    columns: dict[str, list[tuple[str, str, bool]]] = {}
    for row in rows:
        columns.setdefault(row["table_name"], []).append(
            (row["column_name"], row["data_type"], row["is_nullable"] == "NO")
        )
    views = await store.fetchall(
        "SELECT table_name FROM information_schema.views WHERE table_schema = current_schema()"
    )
    indexes = await store.fetchall(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        " AND indexname NOT IN (SELECT conname FROM pg_constraint)"
    )
    triggers = await store.fetchall(
        "SELECT DISTINCT trigger_name FROM information_schema.triggers"
        " WHERE trigger_schema = current_schema()"
    )
    keys = await store.fetchall(
        "SELECT c.conrelid::regclass::text AS source, a.attname AS col,"
        " c.confrelid::regclass::text AS target, c.confdeltype::text AS on_delete"
        " FROM pg_constraint c JOIN pg_attribute a"
        " ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) WHERE c.contype = 'f'"
    )
    return {
        "columns": columns,
        "views": {row[0] for row in views},
        "indexes": {row[0] for row in indexes},
        "triggers": {row[0] for row in triggers},
        "foreign_keys": {
            (k["source"], k["col"], k["target"], ON_DELETE[k["on_delete"]]) for k in keys
        },
    }


async def test_the_postgres_schema_is_the_sqlite_schema(pg: PgStore, tmp_path: Path) -> None:
    """Same relations, columns in the same order, types that correspond, the same NOT NULLs,
    indexes, views, triggers and foreign keys: a translation that drifts fails here."""
    lite = await _sqlite_schema(tmp_path / "bot.sqlite3")
    post = await _postgres_schema(pg)
    for key in ("views", "indexes", "triggers", "foreign_keys"):
        assert post[key] == lite[key], key
    assert post["columns"].keys() == lite["columns"].keys()
    for relation, lite_columns in lite["columns"].items():
        post_columns = post["columns"][relation]
        assert [c[0] for c in post_columns] == [c[0] for c in lite_columns], relation
        if relation in lite["views"]:
            continue
        for (name, declared, lite_required), (_, pg_type, pg_required) in zip(
            lite_columns, post_columns, strict=True
        ):
            assert pg_type in TYPES[declared], f"{relation}.{name}: {declared} -> {pg_type}"
            assert pg_required == lite_required, f"{relation}.{name} NOT NULL"
            if name == "id" or (name.endswith("_id") and declared == "INTEGER"):
                assert pg_type == "bigint", f"{relation}.{name} holds ids: BIGINT"


async def test_a_changed_time_or_status_clears_her_plan_as_sqlites_trigger_does(
    store: Store,
) -> None:
    """0002's trigger, written differently for each backend, must leave the same rows."""
    async with store.transaction() as tx:
        await tx.execute(NEW_MOTHER, (7001, "m-7001", T, T))
        await tx.execute("UPDATE mothers SET next_checkin_at = ?, remind_at = ?", (T, T))
    plan = "SELECT next_checkin_at, remind_at FROM mothers WHERE chat_id = 7001"

    async def update(assignment: str) -> tuple[Any, ...]:
        async with store.transaction() as tx:
            await tx.execute(f"UPDATE mothers SET {assignment} WHERE chat_id = 7001")
        row = await store.fetchone(plan)
        assert row is not None
        return tuple(row)

    assert await update("name = 'Olena', status = 'active'") == (T, T)
    assert await update("status = 'paused'") == (None, None)
    assert await update(f"next_checkin_at = '{T}', remind_at = '{T}'") == (T, T)
    assert await update(f"checkin_time = '09:00', next_checkin_at = '{T}'") == (None, None)


async def test_the_outbox_accepts_withdrawn_only_after_0003(pg_empty_url: str) -> None:
    store = await PgStore.open(pg_empty_url, migrate=False)
    outbox = (
        "INSERT INTO outbox (kind, priority, payload, status, next_attempt_at, created_at)"
        " VALUES ('staff_alert', 0, '{}', 'withdrawn', ?, ?)"
    )
    try:
        await store.migrate(target=2)
        with pytest.raises(asyncpg.CheckViolationError):
            async with store.transaction() as tx:
                await tx.execute(outbox, (T, T))
        await store.migrate()
        async with store.transaction() as tx:
            assert await tx.execute(outbox, (T, T)) == 1
    finally:
        await store.close()


# --- placeholders and results ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"),
        ("SELECT 'why?', ? FROM t", "SELECT 'why?', $1 FROM t"),
        ("SELECT 'it''s ? here', ?", "SELECT 'it''s ? here', $1"),
        ('SELECT "odd?name" FROM t WHERE x = ?', 'SELECT "odd?name" FROM t WHERE x = $1'),
        ("-- what?\nSELECT ? /* and ? */, ?", "-- what?\nSELECT $1 /* and ? */, $2"),
        ("SELECT $$a ? b$$, $q$?$q$, ?", "SELECT $$a ? b$$, $q$?$q$, $1"),
        ("SELECT 1", "SELECT 1"),
    ],
)
def test_placeholders_are_numbered_outside_quotes_and_comments(sql: str, expected: str) -> None:
    assert to_postgres(sql) == expected


def test_a_statement_is_translated_once() -> None:
    sql = "SELECT ? AS cached_once"
    to_postgres(sql)
    hits = to_postgres.cache_info().hits
    assert to_postgres(sql) == "SELECT $1 AS cached_once"
    assert to_postgres.cache_info().hits == hits + 1


@pytest.mark.parametrize(
    ("status", "count"),
    [("UPDATE 3", 3), ("INSERT 0 1", 1), ("DELETE 0", 0), ("SELECT 12", 12), ("CREATE TABLE", 0)],
)
def test_rowcount_is_read_from_the_command_tag(status: str, count: int) -> None:
    assert rowcount(status) == count


async def test_a_question_mark_inside_a_literal_is_not_a_parameter(pg: PgStore) -> None:
    row = await pg.fetchone("SELECT 'why?' AS q, ?::int AS x", (5,))
    assert row is not None and (row["q"], row["x"]) == ("why?", 5)


async def test_execute_returns_the_rows_it_changed(pg: PgStore) -> None:
    async with pg.transaction() as tx:
        await tx.executemany(NEW_MOTHER, [(c, f"m-{c}", T, T) for c in (11, 12, 13)])
        assert await tx.execute("UPDATE mothers SET language = 'en'") == 3
        assert await tx.execute("UPDATE mothers SET name = ? WHERE chat_id = ?", ("A", 12)) == 1
        assert await tx.execute("DELETE FROM mothers WHERE chat_id = ?", (99,)) == 0
        assert await tx.execute("DELETE FROM mothers WHERE chat_id > ?", (11,)) == 2


async def test_insert_returning_gives_the_new_ids(pg: PgStore) -> None:
    first = await add_mother(pg, 21)
    second = await add_mother(pg, 22)
    assert second == first + 1
    row = await pg.fetchone("SELECT chat_id FROM mothers WHERE id = ?", (second,))
    assert row is not None and row[0] == 22


async def test_rows_answer_by_index_and_by_name(pg: PgStore) -> None:
    await add_mother(pg, 31)
    async with pg.reading() as tx:
        rows = await tx.fetchall("SELECT chat_id, pseudonym FROM mothers")
        missing = await tx.fetchone("SELECT chat_id FROM mothers WHERE chat_id = ?", (0,))
    assert missing is None
    assert [(r[0], r["chat_id"], r[1], r["pseudonym"]) for r in rows] == [(31, 31, "m-31", "m-31")]
    assert list(rows[0].keys()) == ["chat_id", "pseudonym"]


async def test_an_exception_rolls_the_transaction_back(pg: PgStore) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with pg.transaction() as tx:
            await tx.execute(NEW_MOTHER, (41, "m-41", T, T))
            raise RuntimeError("boom")
    assert await pg.fetchone("SELECT COUNT(*) FROM mothers") == (0,)
    await add_mother(pg, 41)
    assert await pg.fetchone("SELECT COUNT(*) FROM mothers") == (1,)


# --- the three kinds of unit of work ---------------------------------------------------------


async def test_a_transaction_spans_its_statements_and_reading_opens_none(pg: PgStore) -> None:
    """After a failed statement a transaction refuses everything until it ends; a reading goes
    on, since each of its statements stands alone."""
    async with pg.transaction() as tx:
        assert isinstance(tx, PgTx) and tx.conn.is_in_transaction()
    with pytest.raises(asyncpg.InFailedSQLTransactionError):
        async with pg.transaction() as tx:
            with pytest.raises(asyncpg.DivisionByZeroError):
                await tx.fetchone("SELECT 1 / 0")
            await tx.fetchone("SELECT 1")
    async with pg.reading() as tx:
        assert isinstance(tx, PgTx) and not tx.conn.is_in_transaction()
        with pytest.raises(asyncpg.DivisionByZeroError):
            await tx.fetchone("SELECT 1 / 0")
        assert await tx.fetchone("SELECT 1") == (1,)


async def test_reading_sees_each_commit_as_it_happens(pg: PgStore) -> None:
    async with pg.reading() as tx:
        assert await tx.fetchone("SELECT COUNT(*) FROM mothers") == (0,)
        await add_mother(pg, 51)
        assert await tx.fetchone("SELECT COUNT(*) FROM mothers") == (1,)


async def test_a_snapshot_keeps_one_view_while_writers_commit_and_cannot_write(
    pg: PgStore,
) -> None:
    await add_mother(pg, 61)
    async with pg.snapshot() as snap:
        assert await snap.fetchone("SELECT COUNT(*) FROM mothers") == (1,)
        await add_mother(pg, 62)
        assert await snap.fetchone("SELECT COUNT(*) FROM mothers") == (1,)
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await snap.execute("DELETE FROM mothers")
    assert await pg.fetchone("SELECT COUNT(*) FROM mothers") == (2,)


async def test_both_stores_open_at_the_latest_schema_and_empty(store: Store) -> None:
    """The ``store`` fixture later repository tests build on: the same starting point."""
    versions = {n for n, _ in sqlite_db.migration_files()}
    assert await store.schema_version() == max(versions)  # type: ignore[attr-defined]
    for table in ("mothers", "alerts", "outbox", "messages", "kv"):
        row = await store.fetchone(f"SELECT COUNT(*) FROM {table}")
        assert row is not None and row[0] == 0, table

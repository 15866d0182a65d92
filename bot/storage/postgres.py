"""PostgreSQL through an asyncpg pool: the second implementation of :mod:`bot.storage.tx`.

Where SQLite serialises every writer on one connection, each unit of work here takes its own
pooled connection, so several workers (processes) can share one database. Repositories keep
their ``?`` placeholders; :func:`to_postgres` numbers them the way PostgreSQL expects.

The schema comes from ``migrations/postgres/NNNN_name.sql``, a translation of each SQLite
migration with the same number. Applied versions are rows of ``schema_migrations``; workers that
start together take an advisory lock first, so each migration runs exactly once.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, TypeAlias

import asyncpg

from bot.clock import iso, utcnow
from bot.storage.tx import Dialect, Row

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    Connection: TypeAlias = PoolConnectionProxy[asyncpg.Record]

# Any 64-bit key nothing else in the database locks on; these are the ASCII bytes of "poruchmg".
MIGRATION_LOCK = 0x706F_7275_6368_6D67

VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL
)
"""

# The parts of a statement a ``?`` must not be looked for in, then the placeholder itself.
# Backslash escapes (E'...') are not in the shared subset and are not recognised.
_LEXEMES = re.compile(
    r"""
      '(?:[^']|'')*'                          # string literal, '' inside
    | "(?:[^"]|"")*"                          # quoted identifier
    | --[^\n]*                                # line comment
    | /\*.*?\*/                               # block comment
    | \$(?P<tag>(?:[A-Za-z_]\w*)?)\$.*?\$(?P=tag)\$  # dollar-quoted string
    | (?P<placeholder>\?)
    """,
    re.VERBOSE | re.DOTALL,
)


@lru_cache(maxsize=2048)
def to_postgres(sql: str) -> str:
    """``?`` placeholders as ``$1 … $n``, leaving quoted text and comments alone. Repositories
    send the same few hundred statements over and over: each is translated once."""
    number = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal number
        if match.group("placeholder") is None:
            return match.group(0)
        number += 1
        return f"${number}"

    return _LEXEMES.sub(replace, sql)


def rowcount(status: str) -> int:
    """The row count at the end of asyncpg's command tag ("UPDATE 3", "INSERT 0 1"); commands
    that count nothing ("CREATE TABLE") count 0."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def migration_files() -> list[tuple[int, str]]:
    """Numbered ``NNNN_name.sql`` files shipped in ``bot/storage/migrations/postgres``."""
    folder = resources.files("bot.storage") / "migrations" / "postgres"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(found)


class PgTx:
    """One pooled connection, inside a transaction or not, as the store handed it out."""

    dialect: Dialect = "postgres"

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return rowcount(await self.conn.execute(to_postgres(sql), *params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.conn.executemany(to_postgres(sql), rows)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(await self.conn.fetch(to_postgres(sql), *params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = await self.conn.fetchrow(to_postgres(sql), *params)
        return row


class PgStore:
    """A PostgreSQL database the bot runs on. Transactions run at READ COMMITTED, PostgreSQL's
    default: unlike SQLite's one writer, two units of work may now interleave."""

    dialect: Dialect = "postgres"

    def __init__(self, pool: asyncpg.Pool[asyncpg.Record]) -> None:
        self.pool = pool

    @classmethod
    async def open(
        cls, url: str, *, min_size: int = 1, max_size: int = 10, migrate: bool = True
    ) -> PgStore:
        """A pool on ``url`` (``postgresql://…``), migrated to the latest schema unless told not
        to (the tests look at an empty database)."""
        pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size)
        store = cls(pool)
        if migrate:
            try:
                await store.migrate()
            except BaseException:
                await pool.close()
                raise
        return store

    async def close(self) -> None:
        await self.pool.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgTx]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield PgTx(conn)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[PgTx]:
        """No BEGIN: each statement sees what is committed when it runs."""
        async with self.pool.acquire() as conn:
            yield PgTx(conn)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[PgTx]:
        """REPEATABLE READ: every read sees the database as of the first one, and writers carry
        on meanwhile. READ ONLY makes a report that tries to write fail loudly."""
        async with (
            self.pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            yield PgTx(conn)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(await self.pool.fetch(to_postgres(sql), *params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = await self.pool.fetchrow(to_postgres(sql), *params)
        return row

    async def reclaim(self, tables: Sequence[str]) -> None:
        """VACUUM cannot run inside a transaction: it gets a pooled connection of its own.
        It removes the dead row versions no open transaction can still see; the WAL segments
        and backups that hold them are the operator's (docs/production.md)."""
        if not tables:
            return
        names = ", ".join(_identifier(table) for table in tables)
        async with self.pool.acquire() as conn:
            await conn.execute(f"VACUUM {names}")

    async def schema_version(self) -> int:
        """The highest migration applied; 0 for a database no migration has touched."""
        async with self.pool.acquire() as conn:
            return await _version(conn)

    async def migrate(self, target: int | None = None) -> None:
        """Apply the missing numbered migrations, each in its own transaction, holding the
        advisory lock throughout: a second worker waits, then finds nothing left to do."""
        async with self.pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            try:
                await conn.execute(VERSION_TABLE)
                current = await _version(conn)
                for number, sql in migration_files():
                    if number <= current or (target is not None and number > target):
                        continue
                    async with conn.transaction():
                        await conn.execute(sql)
                        await conn.execute(
                            "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                            number,
                            iso(utcnow()),
                        )
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)


def _identifier(name: str) -> str:
    """A table name quoted for SQL (the names are the repositories' own, never user input)."""
    return '"' + name.replace('"', '""') + '"'


async def _version(conn: Connection) -> int:
    if await conn.fetchval("SELECT to_regclass('schema_migrations')") is None:
        return 0
    return int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))

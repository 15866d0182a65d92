"""One SQLite database through aiosqlite, with serialised write transactions.

One aiosqlite connection is one thread, and a transaction spans several awaits: two coroutines
sharing the connection would interleave their statements into each other's transaction. Every
unit of work therefore holds ``Database.lock`` from BEGIN to COMMIT, and a read that is not
in a transaction (:meth:`Database.reading`) holds it too. The connection and the lock never
leave ``bot/storage``: the rest of the bot is handed a :class:`SqliteTx`.

Every call into aiosqlite is a hop to its thread and back, and on a busy event loop each hop
waits for the loop to come round: reads go through ``execute_fetchall``, one hop each, rather
than ``execute`` + ``fetchone`` + closing the cursor (three).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, cast

import aiosqlite

from bot.storage.tx import Dialect, Row

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA busy_timeout=5000",
    "PRAGMA foreign_keys=ON",
    "PRAGMA secure_delete=ON",
    "PRAGMA synchronous=NORMAL",
)
SNAPSHOT_PRAGMAS = (
    "PRAGMA busy_timeout=5000",
    "PRAGMA cache_size=-65536",
    "PRAGMA temp_store=MEMORY",
)


def migration_files() -> list[tuple[int, str]]:
    """Numbered ``NNNN_name.sql`` files shipped in ``bot/storage/migrations``."""
    folder = resources.files("bot.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def _secure_file(path: Path) -> None:
    """Health data: the directory and the database are readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        path.touch(mode=0o600)
    path.chmod(0o600)


class SqliteTx:
    """The unit of work on one aiosqlite connection: each call is one hop to its thread."""

    dialect: Dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cursor = await self._conn.execute(sql, tuple(params))
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return cast("list[Row]", await _fetchall(self._conn, sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return await _fetchone(self._conn, sql, params)


class Database:
    """The SQLite :class:`~bot.storage.tx.Store`: one connection, writers serialised by ``lock``."""

    dialect: Dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.lock = asyncio.Lock()
        self._tx = SqliteTx(conn)

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        path = Path(path)
        if str(path) != ":memory:":
            _secure_file(path)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = sqlite3.Row
        for pragma in PRAGMAS:
            await conn.execute(pragma)
        db = cls(conn, path)
        await db.migrate()
        return db

    async def close(self) -> None:
        async with self.lock:
            await self.conn.close()

    async def schema_version(self) -> int:
        row = await _fetchone(self.conn, "PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self, target: int | None = None) -> None:
        """Apply the missing numbered migrations, each inside its own transaction."""
        current = await self.schema_version()
        for number, sql in migration_files():
            if number <= current or (target is not None and number > target):
                continue
            async with self.transaction() as tx:
                for statement in _statements(sql):
                    await tx.execute(statement)
                await tx.execute(f"PRAGMA user_version={number:d}")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteTx]:
        async with self.lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._tx
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqliteTx]:
        """Reads between the writers' transactions: the lock keeps another coroutine's
        statements out, no BEGIN (each statement sees the committed database)."""
        async with self.lock:
            yield self._tx

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[SqliteTx]:
        """A second, read-only connection holding one consistent read (WAL lets it run beside
        the bot's writes): long reports never take ``lock``, so replies do not wait for them.
        An in-memory database has no second connection: it is read under the lock instead."""
        if str(self.path) == ":memory:":
            async with self.lock:
                yield self._tx
            return
        conn = await aiosqlite.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            # 64 MB of cache and in-memory sorting: a year of check-ins is read in one pass.
            for pragma in SNAPSHOT_PRAGMAS:
                await conn.execute(pragma)
            await conn.execute("BEGIN")
            yield SqliteTx(conn)
            await conn.execute("COMMIT")
        finally:
            await conn.close()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self.lock:
            return await self._tx.fetchall(sql, params)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        async with self.lock:
            return await self._tx.fetchone(sql, params)

    async def reclaim(self, tables: Sequence[str]) -> None:
        """``secure_delete`` zeroed the freed pages in every table; the WAL still holds the
        older copies until it is checkpointed."""
        await self.checkpoint()

    async def checkpoint(self) -> None:
        """Fold the WAL into the main file and truncate it, so erased pages leave the WAL too."""
        async with self.lock:
            await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def _fetchall(
    conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()
) -> list[sqlite3.Row]:
    """All rows of a query in one hop to aiosqlite's thread (on the caller's transaction)."""
    return list(await conn.execute_fetchall(sql, tuple(params)))


async def _fetchone(
    conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()
) -> sqlite3.Row | None:
    """The first row of a query in one hop. The thread fetches every row, so the query must
    select a few rows at most (a key lookup, an aggregate, or ``LIMIT 1``)."""
    rows = await conn.execute_fetchall(sql, tuple(params))
    return next(iter(rows), None)


def _statements(sql: str) -> list[str]:
    """Split a migration file into statements; sqlite3.complete_statement respects quoting."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in buffer.splitlines()
    ):
        statements.append(buffer.strip())
    return statements

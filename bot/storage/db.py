"""One SQLite database, its statements run on the event loop, with serialised write transactions.

A turn's statements take microseconds each (WAL, ``synchronous=NORMAL``: a commit writes the WAL
without waiting for the disk), while a hop to a driver thread and back costs more than the
statement and makes the loop and the thread fight for the GIL: with aiosqlite the bot spent a
third of its CPU on those hops (docs/performance.md, figure 2). So the one connection is a plain
``sqlite3`` connection used from the loop, and nothing here ever waits for another connection:
only this process writes (``ops/runlock.py``), and WAL readers never block a writer. The one
statement that does wait for readers, the checkpoint that truncates the WAL, runs in a thread,
and so do :meth:`Database.snapshot`'s long reads, on their own connection.

A transaction spans several awaits: two coroutines sharing the connection would interleave their
statements into each other's transaction. Every unit of work therefore holds the lock from BEGIN
to COMMIT, and a read that is not in a transaction (:meth:`Database.reading`) holds it too. The
connection and the lock never leave ``bot/storage``: the rest of the bot is handed a
:class:`SqliteTx`.
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
    """The unit of work on the loop's connection: each call runs its statement at once.

    Every cursor is closed before the call returns: a statement left part-read (``fetchone`` of
    a query with more rows, a ``RETURNING`` or ``PRAGMA`` row nobody read) would make COMMIT
    fail with "SQL statements in progress"."""

    dialect: Dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cursor = self._conn.execute(sql, tuple(params))
        try:
            return cursor.rowcount
        finally:
            cursor.close()

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._conn.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return cast("list[Row]", self._conn.execute(sql, tuple(params)).fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        cursor = self._conn.execute(sql, tuple(params))
        try:
            return cast("Row | None", cursor.fetchone())
        finally:
            cursor.close()


class SnapshotTx:
    """A unit of work on a snapshot's own connection: each call is one hop to aiosqlite's
    thread, so a long report read never holds the loop."""

    dialect: Dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cursor = await self._conn.execute(sql, tuple(params))
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return cast("list[Row]", list(await self._conn.execute_fetchall(sql, tuple(params))))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = await self._conn.execute_fetchall(sql, tuple(params))
        return cast("Row | None", next(iter(rows), None))


class Database:
    """The SQLite :class:`~bot.storage.tx.Store`: one connection, units of work serialised."""

    dialect: Dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._lock = asyncio.Lock()
        self._tx = SqliteTx(conn)

    @classmethod
    async def open(cls, path: Path | str, target: int | None = None) -> Database:
        """Open (creating it owner-only) and migrate, up to ``target`` when given: the schema an
        older release left, for the upgrade tests."""
        path = Path(path)
        if str(path) != ":memory:":
            _secure_file(path)
        # check_same_thread off: the checkpoint runs in a worker thread, under the lock.
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        for pragma in PRAGMAS:
            conn.execute(pragma)
        db = cls(conn, path)
        await db.migrate(target)
        return db

    async def close(self) -> None:
        async with self._lock:
            self._conn.close()

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
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
        """BEGIN … COMMIT (ROLLBACK on any error), then a turn of the loop: statements no longer
        await anything, so a job committing batch after batch (planning, claiming) would
        otherwise hold the loop, and with it every send, until its last batch."""
        async with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._tx
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        await asyncio.sleep(0)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqliteTx]:
        """Reads between the writers' transactions: the lock keeps another coroutine's
        statements out, no BEGIN (each statement sees the committed database)."""
        async with self._lock:
            yield self._tx

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[SqliteTx | SnapshotTx]:
        """A second, read-only connection holding one consistent read (WAL lets it run beside
        the bot's writes): long reports never take ``lock``, so replies do not wait for them.
        An in-memory database has no second connection: it is read under the lock instead."""
        if str(self.path) == ":memory:":
            async with self._lock:
                yield self._tx
            return
        conn = await aiosqlite.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            # 64 MB of cache and in-memory sorting: a year of check-ins is read in one pass.
            for pragma in SNAPSHOT_PRAGMAS:
                await conn.execute(pragma)
            await conn.execute("BEGIN")
            yield SnapshotTx(conn)
            await conn.execute("COMMIT")
        finally:
            await conn.close()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self._lock:
            return await self._tx.fetchall(sql, params)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        async with self._lock:
            return await self._tx.fetchone(sql, params)

    async def reclaim(self, tables: Sequence[str]) -> None:
        """``secure_delete`` zeroed the freed pages in every table; the WAL still holds the
        older copies until it is checkpointed."""
        await self.checkpoint()

    async def checkpoint(self) -> None:
        """Fold the WAL into the main file and truncate it, so erased pages leave the WAL too.
        In a thread: truncating waits (``busy_timeout``) for a snapshot's reader to finish."""
        async with self._lock:
            await asyncio.to_thread(self._truncate_wal)

    def _truncate_wal(self) -> None:
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").close()


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

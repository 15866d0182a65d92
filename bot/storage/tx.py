"""The unit of work: what a repository is handed instead of a driver's connection.

Repositories (the other modules of ``bot/storage``) write their SQL once, with ``?`` placeholders,
in the subset SQLite and PostgreSQL share (``ON CONFLICT … DO UPDATE``, ``RETURNING``); a backend
implements :class:`Tx` for its driver and translates the placeholders. Where the two dialects
must differ, a repository asks ``tx.dialect``. Nothing outside ``bot/storage`` sees a driver.

Rows answer both ``row[0]`` and ``row["name"]`` (``sqlite3.Row`` and ``asyncpg.Record`` both do).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal, Protocol

Dialect = Literal["sqlite", "postgres"]


class Row(Protocol):
    def __getitem__(self, key: int | str, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...

    def keys(self) -> Any: ...


class Tx(Protocol):
    """One transaction (or one read) on one connection. Held by one coroutine at a time."""

    dialect: Dialect

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row: the query must select a few rows at most (a key, an aggregate, LIMIT)."""
        ...


class Store(Protocol):
    """A database the bot runs on: where units of work come from."""

    dialect: Dialect

    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        """A write transaction: everything in it commits together or not at all."""
        ...

    def reading(self) -> AbstractAsyncContextManager[Tx]:
        """A few reads on the live database, serialised with the writers where the backend
        needs it (SQLite's one connection); no transaction is opened."""
        ...

    def snapshot(self) -> AbstractAsyncContextManager[Tx]:
        """One consistent read-only view for long reports, beside the writers."""
        ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    async def reclaim(self, tables: Sequence[str]) -> None:
        """After rows were deleted and committed (``/delete``): make the freed space forget them
        where the backend can. SQLite (``secure_delete`` already zeroed the pages) folds the WAL
        into the file; PostgreSQL VACUUMs ``tables``, so the dead row versions are removed."""
        ...

    async def close(self) -> None: ...

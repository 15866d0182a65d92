"""Small named values the bot keeps across restarts (secrets, the last Telegram contact)."""

from __future__ import annotations

from collections.abc import Callable

from bot.storage.tx import Store


async def get_or_create(db: Store, key: str, make: Callable[[], str]) -> str:
    """The value kept under ``key``, made and kept now if there is none. Several workers
    starting together may all make one: the first kept wins, and every worker returns it."""
    async with db.transaction() as tx:
        row = await tx.fetchone("SELECT value FROM kv WHERE key = ?", (key,))
        if row is not None:
            return str(row[0])
        await tx.execute(
            "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            (key, make()),
        )
    row = await db.fetchone("SELECT value FROM kv WHERE key = ?", (key,))
    assert row is not None
    return str(row[0])


async def get(db: Store, key: str) -> str | None:
    row = await db.fetchone("SELECT value FROM kv WHERE key = ?", (key,))
    return None if row is None else str(row[0])


async def put(db: Store, key: str, value: str) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO kv (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

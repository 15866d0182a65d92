"""Small named values the bot keeps across restarts (the callback-signing secret)."""

from __future__ import annotations

from collections.abc import Callable

from bot.storage.db import Database


async def get_or_create(db: Database, key: str, make: Callable[[], str]) -> str:
    async with db.transaction() as conn:
        async with conn.execute("SELECT value FROM kv WHERE key = ?", (key,)) as cursor:
            row = await cursor.fetchone()
        if row is not None:
            return str(row[0])
        value = make()
        await conn.execute("INSERT INTO kv (key, value) VALUES (?, ?)", (key, value))
        return value

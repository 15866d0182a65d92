"""Which database the bot runs on: PostgreSQL when ``DATABASE_URL`` names one, else SQLite.

SQLite at ``DATABASE_PATH`` stays the default, so a clinic with one bot needs no server; a
``postgresql://`` URL (checked by ``bot.config``) is for several workers sharing one database.
"""

from __future__ import annotations

from pathlib import Path

from bot.storage.db import Database
from bot.storage.postgres import PgStore
from bot.storage.tx import Store


async def open_store(database_url: str | None, database_path: Path) -> Store:
    """The store, opened and migrated to the latest schema."""
    if database_url:
        return await PgStore.open(database_url)
    return await Database.open(database_path)

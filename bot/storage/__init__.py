"""SQLite storage: one database file, numbered migrations, one module per kind of record."""

from bot.storage.db import Database

__all__ = ["Database"]

"""The ``store`` fixture: each repository test runs once on SQLite and once on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage.db import Database
from bot.storage.postgres import PgStore
from bot.storage.tx import Store
from tests.pgserver import fresh_database


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A store at the latest schema with no rows. The PostgreSQL server is asked for only by
    the postgres case, so ``-k sqlite`` runs start none."""
    if request.param == "sqlite":
        database = await Database.open(tmp_path / "bot.sqlite3")
        try:
            yield database
        finally:
            await database.close()
        return
    admin_url: str = request.getfixturevalue("pg_admin_url")
    template: str = request.getfixturevalue("pg_template")
    async with fresh_database(admin_url, template) as url:
        pg = await PgStore.open(url)
        try:
            yield pg
        finally:
            await pg.close()

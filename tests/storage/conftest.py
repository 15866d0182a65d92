"""Each storage test runs once on SQLite and once on PostgreSQL: the ``store`` fixture for the
stores themselves, ``services`` (through ``backend``) for the repositories."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage.db import Database
from bot.storage.postgres import PgStore
from bot.storage.tx import Store
from tests.conftest import BACKENDS
from tests.pgserver import fresh_database


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def store(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Store]:
    """A store at the latest schema with no rows. The PostgreSQL server is asked for only by
    the postgres case, so ``-k sqlite`` runs start none."""
    if backend == "sqlite":
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

"""Choosing the backend: ``DATABASE_URL`` selects PostgreSQL, its absence SQLite at
``DATABASE_PATH``; a URL of another kind stops start-up naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from bot.storage.db import Database
from bot.storage.open import open_store
from bot.storage.postgres import PgStore, migration_files

NO_FILE = Path("/nonexistent/config.yaml")


@pytest.mark.parametrize(
    "url", ["postgresql://poruch:pw@db.internal/poruch", "postgres://localhost/poruch"]
)
def test_a_postgres_url_is_read(url: str) -> None:
    assert load_config({"DATABASE_URL": f" {url} "}, NO_FILE).database_url == url


def test_no_url_means_sqlite() -> None:
    assert load_config({}, NO_FILE).database_url is None
    assert load_config({"DATABASE_URL": "  "}, NO_FILE).database_url is None


@pytest.mark.parametrize(
    "url", ["mysql://root:hunter2@db/poruch", "sqlite:///data/bot.sqlite3", "db.internal/poruch"]
)
def test_another_kind_of_url_names_the_variable_and_hides_the_value(url: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config({"DATABASE_URL": url}, NO_FILE)
    message = str(error.value)
    assert message.startswith("DATABASE_URL") and "postgresql://" in message
    assert url not in message and "hunter2" not in message


async def test_without_a_url_the_store_is_sqlite_at_the_path(tmp_path: Path) -> None:
    store = await open_store(None, tmp_path / "bot.sqlite3")
    try:
        assert isinstance(store, Database)
        assert (tmp_path / "bot.sqlite3").exists()
    finally:
        await store.close()


async def test_with_a_url_the_store_is_postgres_and_migrated(
    pg_empty_url: str, tmp_path: Path
) -> None:
    store = await open_store(pg_empty_url, tmp_path / "bot.sqlite3")
    try:
        assert isinstance(store, PgStore)
        assert await store.schema_version() == migration_files()[-1][0]
        assert not (tmp_path / "bot.sqlite3").exists()
    finally:
        await store.close()

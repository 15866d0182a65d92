"""``main.py status``, ``backup`` and ``restore`` with ``DATABASE_URL``: against the throwaway
PostgreSQL server, with the real ``pg_dump`` and ``pg_restore``.

``collect`` and the commands run their own event loop (``asyncio.run``), as they do from
``main.py``; the tests call them off this test's loop (``asyncio.to_thread``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

import main
from bot.clock import utcnow
from bot.config import Config
from bot.ops.backup import BackupError, backup_postgres, restore_postgres
from bot.ops.status import EXIT_NO_DATABASE, EXIT_OK, EXIT_STUCK, collect, render, run_status
from bot.services import Catalog, Services
from bot.storage import mothers
from bot.storage.pgbackup import check_dump
from bot.storage.pgtools import shown
from bot.storage.postgres import migration_files
from tests.ops.test_status import _seed
from tests.pgserver import fresh_database

LATEST = max(number for number, _ in migration_files())
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def backend() -> str:
    return "postgres"


@pytest.fixture
def cli(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, logging_restored: None
) -> None:
    """``main.main`` reads the environment: the same database as ``config``."""
    assert config.database_url is not None
    monkeypatch.setenv("DATABASE_URL", config.database_url)
    monkeypatch.setenv("DATABASE_PATH", str(config.database_path))
    monkeypatch.setenv("CONFIG_FILE", str(tmp_path / "none.yaml"))


@pytest.fixture
async def other_url(pg_admin_url: str, pg_template: str) -> AsyncIterator[str]:
    async with fresh_database(pg_admin_url, pg_template) as url:
        yield url


async def _chat_ids(url: str) -> list[int]:
    conn = await asyncpg.connect(url)
    try:
        return [row[0] for row in await conn.fetch("SELECT chat_id FROM mothers ORDER BY 1")]
    finally:
        await conn.close()


async def _add_mother(url: str, chat_id: int, catalog: Catalog, config: Config) -> None:
    services = await Services.start(config, catalog)
    try:
        async with services.db.transaction() as tx:
            await mothers.create(tx, chat_id, "en", utcnow())
    finally:
        await services.close()


def test_the_url_is_shown_without_its_password() -> None:
    assert shown("postgresql://bot:s3cret@db:5432/poruch") == "postgresql://bot:***@db:5432/poruch"
    assert shown("postgresql://bot@db/poruch") == "postgresql://bot@db/poruch"


async def test_status_reports_the_counts_from_postgres(services: Services) -> None:
    await _seed(services, timedelta(minutes=1))
    status = await asyncio.to_thread(collect, services.config)
    assert status.schema == status.latest_schema == LATEST
    assert status.mothers == {"active": 2, "paused": 1, "inactive": 1}
    assert (status.pending_outbox, status.open_urgent, status.stuck_alerts) == (1, 1, 0)
    assert status.exit_code == EXIT_OK
    text = "\n".join(render(status))
    assert f"database:                {services.config.database_url}" in text
    assert "(30 s ago)" in text


async def test_status_on_postgres_fails_the_check_for_a_stuck_alert(
    services: Services, cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await asyncio.to_thread(main.main, ["status"]) == EXIT_OK
    assert "outbox pending:          0" in capsys.readouterr().out
    await _seed(services, timedelta(minutes=30))
    assert await asyncio.to_thread(main.main, ["status"]) == EXIT_STUCK
    assert "PROBLEM: 1 staff alert" in capsys.readouterr().out


async def test_status_of_an_unreachable_postgres_names_it_without_the_password(
    config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    assert config.database_url is not None
    missing = config.database_url.replace("/poruch_test_", "/no_such_", 1)
    missing = missing.replace("postgres@", "postgres:hunter2@", 1)
    code = await asyncio.to_thread(run_status, replace(config, database_url=missing))
    out = capsys.readouterr().out
    assert code == EXIT_NO_DATABASE
    assert "cannot read postgresql://postgres:***@" in out and "hunter2" not in out


async def test_status_of_an_empty_postgres_database_describes_it(
    config: Config, pg_empty_url: str
) -> None:
    status = await asyncio.to_thread(collect, replace(config, database_url=pg_empty_url))
    assert status.schema == 0 and status.mothers == {}
    assert "applied at the next start" in "\n".join(render(status))


async def test_a_postgres_backup_is_a_checked_owner_only_dump(
    services: Services, tmp_path: Path
) -> None:
    url = services.config.database_url
    assert url is not None
    async with services.db.transaction() as tx:
        await mothers.create(tx, 11, "en", utcnow())
    folder = tmp_path / "backups"
    folder.mkdir()
    copied = await asyncio.to_thread(backup_postgres, url, folder)
    assert copied.path.parent == folder and copied.path.name.endswith(".dump")
    assert copied.schema == LATEST and copied.size == copied.path.stat().st_size
    assert copied.path.stat().st_mode & 0o777 == 0o600
    assert not list(folder.glob("*.partial"))
    assert await asyncio.to_thread(check_dump, copied.path) == LATEST
    with pytest.raises(BackupError, match="already exists"):
        await asyncio.to_thread(backup_postgres, url, copied.path)


async def test_restore_refuses_while_the_bot_is_connected_then_restores_and_keeps_the_old(
    config: Config, catalog: Catalog, tmp_path: Path
) -> None:
    url = config.database_url
    assert url is not None
    await _add_mother(url, 1, catalog, config)
    saved = (await asyncio.to_thread(backup_postgres, url, tmp_path / "saved.dump")).path
    await _add_mother(url, 2, catalog, config)

    services = await Services.start(config, catalog)
    try:
        with pytest.raises(BackupError, match="bot is stopped"):
            await asyncio.to_thread(restore_postgres, saved, url)
    finally:
        await services.close()
    assert await _chat_ids(url) == [1, 2]

    kept = await asyncio.to_thread(restore_postgres, saved, url, NOW)
    assert await _chat_ids(url) == [1]
    assert kept is not None and kept.parent == tmp_path and ".before-restore-" in kept.name
    assert kept.stat().st_mode & 0o777 == 0o600

    again = await asyncio.to_thread(restore_postgres, kept, url, NOW + timedelta(seconds=1))
    assert again is not None and again != kept  # the replaced contents, back again
    assert await _chat_ids(url) == [1, 2]
    services = await Services.start(config, catalog)  # starts, migrates nothing, works
    try:
        assert [
            row["chat_id"]
            for row in await services.db.fetchall("SELECT chat_id FROM mothers ORDER BY 1")
        ] == [1, 2]
    finally:
        await services.close()


async def test_restore_into_an_empty_postgres_database_keeps_nothing_aside(
    config: Config, catalog: Catalog, tmp_path: Path, pg_empty_url: str
) -> None:
    url = config.database_url
    assert url is not None
    await _add_mother(url, 7, catalog, config)
    saved = (await asyncio.to_thread(backup_postgres, url, tmp_path / "saved.dump")).path
    assert await asyncio.to_thread(restore_postgres, saved, pg_empty_url) is None
    assert await _chat_ids(pg_empty_url) == [7]


async def test_restore_refuses_what_is_not_a_good_postgres_backup(
    config: Config, tmp_path: Path, other_url: str
) -> None:
    url = config.database_url
    assert url is not None
    garbage = tmp_path / "garbage.dump"
    garbage.write_bytes(b"this is not a dump" * 100)
    with pytest.raises(BackupError, match="not a readable PostgreSQL dump"):
        await asyncio.to_thread(restore_postgres, garbage, url)

    conn = await asyncpg.connect(other_url)
    try:
        await conn.execute("INSERT INTO schema_migrations VALUES (999, 'the future')")
    finally:
        await conn.close()
    newer = (await asyncio.to_thread(backup_postgres, other_url, tmp_path / "newer.dump")).path
    with pytest.raises(BackupError, match="newer than this version"):
        await asyncio.to_thread(restore_postgres, newer, url)
    assert await _chat_ids(url) == []


async def test_backup_and_restore_commands_on_postgres(
    config: Config, catalog: Catalog, tmp_path: Path, cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert config.database_url is not None
    await _add_mother(config.database_url, 3, catalog, config)
    dest = tmp_path / "cli.dump"
    assert await asyncio.to_thread(main.main, ["backup", str(dest)]) == 0
    assert f"schema {LATEST}, checked" in capsys.readouterr().out
    assert await asyncio.to_thread(main.main, ["backup", str(dest)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert await asyncio.to_thread(main.main, ["restore", str(dest)]) == 0
    out = capsys.readouterr().out
    assert "the database that was replaced is kept at" in out and "start the bot again" in out
    assert await _chat_ids(config.database_url) == [3]

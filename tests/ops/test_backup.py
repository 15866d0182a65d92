"""Online backups are consistent under load; restore refuses while the bot runs."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

import main
from bot.clock import iso, utcnow
from bot.config import Config
from bot.ops.backup import BackupError, backup, check_backup, restore
from bot.ops.runlock import AlreadyRunning, run_lock
from bot.services import Catalog, Services
from bot.storage import mothers

ROWS_BEFORE = 3000


def _read(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def _mother(services: Services, chat_id: int) -> int:
    async with services.db.transaction() as conn:
        return (await mothers.create(conn, chat_id, "en", utcnow())).id


async def test_a_backup_taken_mid_load_opens_and_passes_integrity_check(
    services: Services, tmp_path: Path
) -> None:
    mother_id = await _mother(services, 1)
    row = (mother_id, "load", "k", json.dumps("x" * 1000), iso(utcnow()))
    async with services.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO answers (mother_id, flow, key, value, created_at) VALUES (?, ?, ?, ?, ?)",
            [row] * ROWS_BEFORE,
        )
    stop, busy = asyncio.Event(), asyncio.Event()
    written = 0

    async def writer() -> None:
        nonlocal written
        while not stop.is_set():
            async with services.db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO answers (mother_id, flow, key, value, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    row,
                )
            written += 1
            if written >= 50:
                busy.set()

    task = asyncio.create_task(writer())
    try:
        await asyncio.wait_for(busy.wait(), 10)
        copies = []
        for number in range(3):
            dest = tmp_path / "backups" / f"copy-{number}.sqlite3"
            before = written
            copies.append(await asyncio.to_thread(backup, services.config.database_path, dest))
            assert written > before, "the writer kept writing while the backup ran"
        during = written
    finally:
        stop.set()
        await task
    assert written >= during > 50
    for copied in copies:
        assert _read(copied.path, "PRAGMA integrity_check") == [("ok",)]
        assert _read(copied.path, "PRAGMA foreign_key_check") == []
        assert _read(copied.path, "PRAGMA journal_mode") == [("delete",)]
        count, top = _read(copied.path, "SELECT COUNT(*), MAX(id) FROM answers")[0]
        assert isinstance(count, int) and ROWS_BEFORE + 50 <= count <= ROWS_BEFORE + written
        assert count == top, "a consistent copy has no holes in the row ids"
        assert copied.path.stat().st_mode & 0o777 == 0o600
        assert not copied.path.with_name(copied.path.name + ".partial").exists()


async def test_backup_refuses_to_overwrite_and_names_files_in_a_directory(
    services: Services, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    copied = backup(services.config.database_path, folder)
    assert copied.path.parent == folder and copied.path.name.startswith("bot-")
    with pytest.raises(BackupError, match="already exists"):
        backup(services.config.database_path, copied.path)


async def test_restore_refuses_while_the_bot_runs_then_restores(
    config: Config, catalog: Catalog, tmp_path: Path
) -> None:
    services = await Services.start(config, catalog)
    await _mother(services, 1)
    saved = backup(config.database_path, tmp_path / "saved.sqlite3").path
    await _mother(services, 2)
    await services.close()

    with run_lock(config.database_path), pytest.raises(BackupError, match="bot is stopped"):
        restore(saved, config.database_path)
    kept = restore(saved, config.database_path)
    assert kept is not None and kept.stat().st_mode & 0o777 == 0o600
    assert _read(kept, "SELECT chat_id FROM mothers ORDER BY chat_id") == [(1,), (2,)]
    assert config.database_path.stat().st_mode & 0o777 == 0o600

    services = await Services.start(config, catalog)
    try:
        rows = await services.db.fetchall("SELECT chat_id FROM mothers")
        assert [row["chat_id"] for row in rows] == [1]
    finally:
        await services.close()


def test_restore_refuses_what_is_not_a_good_backup(config: Config, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(BackupError, match="not a readable SQLite database"):
        check_backup(garbage)
    newer = tmp_path / "newer.sqlite3"
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version=999")
    conn.close()
    with pytest.raises(BackupError, match="newer than this version"):
        restore(newer, config.database_path)
    assert not config.database_path.exists()


def test_the_run_lock_admits_one_process(tmp_path: Path) -> None:
    database = tmp_path / "data" / "bot.sqlite3"
    with run_lock(database):
        with pytest.raises(AlreadyRunning, match="another Poruch process"), run_lock(database):
            pass
        assert database.with_name("bot.sqlite3.lock").stat().st_mode & 0o777 == 0o600
    with run_lock(database):
        pass


async def test_backup_and_restore_commands(
    config: Config,
    catalog: Catalog,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    logging_restored: None,
) -> None:
    services = await Services.start(config, catalog)
    await services.close()
    monkeypatch.setenv("DATABASE_PATH", str(config.database_path))
    monkeypatch.setenv("CONFIG_FILE", str(tmp_path / "none.yaml"))
    dest = tmp_path / "cli.sqlite3"
    assert main.main(["backup", str(dest)]) == 0
    assert "backup written" in capsys.readouterr().out
    assert main.main(["backup", str(dest)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main.main(["restore", str(dest)]) == 0
    assert "start the bot again" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main.main(["restore"])

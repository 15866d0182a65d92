"""Health data stays owner-only: the data directory, the database and its WAL files, backups and
the run lock — even under a permissive umask."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.ops.backup import backup
from bot.ops.runlock import lock_path, run_lock
from bot.storage import Database


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


async def test_database_files_are_owner_only(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "data" / "bot.sqlite3"
    db = await Database.open(path)
    try:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO kv (key, value) VALUES ('k', 'v')")
        assert mode(path.parent) == 0o700
        assert mode(path) == 0o600
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            assert side.exists() and mode(side) == 0o600, suffix
        copied = backup(path, tmp_path / "backups" / "copy.sqlite3")
        assert mode(copied.path) == 0o600
        assert mode(copied.path.parent) == 0o700
    finally:
        await db.close()


async def test_an_existing_database_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    path.touch(mode=0o644)
    path.chmod(0o644)
    db = await Database.open(path)
    await db.close()
    assert mode(path) == 0o600


def test_the_run_lock_is_owner_only(tmp_path: Path, open_umask: None) -> None:
    database = tmp_path / "data" / "bot.sqlite3"
    with run_lock(database):
        assert mode(lock_path(database)) == 0o600
        assert mode(database.parent) == 0o700

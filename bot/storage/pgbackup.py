"""The PostgreSQL side of backups: ``pg_dump`` in its custom format, checked, and ``pg_restore``
into the database ``DATABASE_URL`` names.

``pg_dump`` reads one snapshot, so the copy is the database as of one instant while the bot
keeps writing, as SQLite's backup API gives there. The dump is written owner-only under a
temporary name, read back whole by ``pg_restore`` (every block decompressed: a truncated or
damaged file fails here, not on the day it is needed) and renamed into place only then.

A restore replaces everything: the ``public`` schema is dropped, then the dump is restored in
one ``pg_restore`` transaction. Objects of a newer migration must not survive beside an older
``schema_migrations``, or the next start would trip over tables that already exist; what was
there is dumped aside first (``bot/ops/backup.py``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg

from bot.storage.backup import BackupError, Copied, refuse_newer, written_whole
from bot.storage.pgtools import ToolError, run
from bot.storage.postgres import migration_files

COPY_HEADER = "COPY public.schema_migrations"
SETTLE_CHECKS = 20


def dump(url: str, dest: Path) -> Copied:
    """Dump the database at ``url`` into a new file at ``dest`` (complete, checked, or not at
    all)."""
    with written_whole(dest) as partial:
        run("pg_dump", "--format=custom", f"--file={partial}", url=url)
        schema = _read_back(partial)
    return Copied(dest, dest.stat().st_size, schema)


def check_dump(path: Path) -> int:
    """The schema version of a dump that is safe to restore; raises BackupError otherwise."""
    latest = max((number for number, _ in migration_files()), default=0)
    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    return refuse_newer(path, _read_back(path), latest)


def _read_back(path: Path) -> int:
    """Read the whole archive (into nothing), then the migrations it holds."""
    try:
        run("pg_restore", "--file=/dev/null", str(path))
        script = run(
            "pg_restore", "--data-only", "--table=schema_migrations", "--file=-", str(path)
        )
    except ToolError as exc:
        raise BackupError(f"{path} is not a readable PostgreSQL dump ({exc})") from None
    return _schema_of(script)


def _schema_of(script: str) -> int:
    """The highest version among the ``schema_migrations`` rows of a data-only script (the
    rows of a COPY block: tab-separated, ended by ``\\.``)."""
    versions, inside = [0], False
    for line in script.splitlines():
        if line.startswith(COPY_HEADER):
            inside = True
        elif inside and line == "\\.":
            inside = False
        elif inside and line:
            versions.append(int(line.split("\t", 1)[0]))
    return max(versions)


async def other_sessions(url: str, settle: float = 2.0) -> int:
    """Connections to the database besides this one: the bot's workers, a psql left open.
    A server process leaves the list a moment after its client hung up, so a program that
    has just stopped is given ``settle`` seconds to go."""
    conn = await asyncpg.connect(url)
    count = 0
    try:
        for _ in range(SETTLE_CHECKS):
            count = int(
                await conn.fetchval(
                    "SELECT COUNT(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            if count == 0:
                break
            await asyncio.sleep(settle / SETTLE_CHECKS)
        return count
    finally:
        await conn.close()


async def has_tables(url: str) -> bool:
    conn = await asyncpg.connect(url)
    try:
        found = await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public')"
        )
        return bool(found)
    finally:
        await conn.close()


async def clear(url: str) -> None:
    """Drop every object of the bot's schema, leaving an empty ``public`` schema."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.execute("DROP SCHEMA public CASCADE")
            await conn.execute("CREATE SCHEMA public")
    finally:
        await conn.close()


def load(url: str, path: Path) -> None:
    """Restore a checked dump into an empty database, all or nothing. Owners and grants are
    the old server's: the objects belong to the user of ``url`` instead."""
    try:
        run(
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            str(path),
            url=url,
        )
    except ToolError as exc:
        raise BackupError(f"{path} could not be restored ({exc})") from None

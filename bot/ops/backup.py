"""Online backups with SQLite's backup API, and restoring one while the bot is stopped.

Copying the database file with ``cp`` while the bot runs can produce a torn copy (and misses
what is still in the ``-wal`` file). ``sqlite3.Connection.backup`` copies every page in one
step inside a read transaction: the copy is the database as of one instant, and in WAL mode the
bot keeps writing meanwhile. The copy is switched to a single self-contained file (no WAL),
checked with ``PRAGMA integrity_check``, written under a temporary name, created owner-only
(it holds the same health data as the database) and renamed into place only when complete.

``restore`` refuses while a Poruch process holds the database (see ``runlock``), keeps the
current database beside it as ``<name>.before-restore-<time>``, and puts the backup in its
place; the next start applies any newer migrations to it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.clock import utcnow
from bot.ops.runlock import AlreadyRunning, run_lock
from bot.ops.sqlitefile import OpsError, fsync, open_existing, private_file
from bot.storage.db import migration_files


class BackupError(OpsError):
    """The backup or the restore could not be done."""


@dataclass(frozen=True)
class Copied:
    path: Path
    size: int
    schema: int


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%SZ")


def _copy(source: sqlite3.Connection, dest: Path) -> Copied:
    """Copy an open database into a new file at ``dest`` (complete, checked, or not at all)."""
    partial = dest.with_name(f"{dest.name}.partial")
    private_file(partial)
    try:
        target = sqlite3.connect(partial)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
            check = target.execute("PRAGMA integrity_check").fetchone()[0]
            schema = int(target.execute("PRAGMA user_version").fetchone()[0])
        finally:
            target.close()
        if check != "ok":
            raise BackupError(f"the copy failed its integrity check: {check}")
        fsync(partial)
        partial.replace(dest)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Copied(dest, dest.stat().st_size, schema)


def backup(database: Path, dest: Path, now: datetime | None = None) -> Copied:
    """Copy the live database to ``dest`` (a new file, or a directory to put a dated file in)."""
    if dest.is_dir():
        dest = dest / f"{database.stem}-{_stamp(now or utcnow())}.sqlite3"
    if dest.exists():
        raise BackupError(f"{dest} already exists; give a new file name or a directory")
    with open_existing(database) as source:
        return _copy(source, dest)


def check_backup(path: Path) -> int:
    """The schema version of a backup that is safe to restore; raises BackupError otherwise."""
    latest = max((number for number, _ in migration_files()), default=0)
    try:
        with open_existing(path, "ro") as conn:
            check = conn.execute("PRAGMA integrity_check").fetchone()[0]
            schema = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database ({exc})") from None
    if check != "ok":
        raise BackupError(f"{path} failed its integrity check: {check}")
    if schema > latest:
        raise BackupError(
            f"{path} has schema version {schema}, newer than this version of Poruch ({latest}); "
            "upgrade Poruch first"
        )
    return schema


def _ensure_idle(database: Path) -> None:
    """Belt and braces beside the run lock: no other connection may be writing right now."""
    with open_existing(database) as conn:
        conn.execute("PRAGMA busy_timeout=0")
        try:
            conn.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError:
            raise BackupError(f"{database} is in use; stop the bot first") from None
        conn.execute("ROLLBACK")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def restore(backup_file: Path, database: Path, now: datetime | None = None) -> Path | None:
    """Replace ``database`` with ``backup_file``; returns where the old database was kept."""
    check_backup(backup_file)
    kept = None
    try:
        with run_lock(database):
            if database.exists():
                _ensure_idle(database)
                aside = database.with_name(
                    f"{database.name}.before-restore-{_stamp(now or utcnow())}"
                )
                kept = backup(database, aside).path
            for leftover in ("-wal", "-shm"):
                database.with_name(database.name + leftover).unlink(missing_ok=True)
            with open_existing(backup_file, "ro") as source:
                _copy(source, database)
    except AlreadyRunning as exc:
        raise BackupError(f"{exc}: restore only while the bot is stopped") from None
    return kept

"""``main.py backup`` and ``restore``: where copies go and when a restore is allowed.

The copying itself is the backend's: SQLite's backup API (``bot/storage/backup.py``) or
``pg_dump``'s custom format (``bot/storage/pgbackup.py``); either way a consistent online copy,
checked, written owner-only under a temporary name and renamed into place only when complete.

``restore`` refuses while the bot uses the database (SQLite: a Poruch process holds its run
lock, see ``runlock``; PostgreSQL: any other connection to it), keeps the current contents
aside (SQLite: ``<name>.before-restore-<time>`` beside it; PostgreSQL: a dump
``<database>.before-restore-<time>.dump`` beside the backup), and puts the backup in its place;
the next start applies any newer migrations to it.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from bot.clock import utcnow
from bot.ops.runlock import AlreadyRunning, run_lock
from bot.storage import pgbackup
from bot.storage.backup import (
    BackupError,
    Copied,
    check_backup,
    copy_database,
    ensure_idle,
    remove_journal,
)
from bot.storage.pgtools import database_name, shown


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%SZ")


def backup(database: Path, dest: Path, now: datetime | None = None) -> Copied:
    """Copy the live database to ``dest`` (a new file, or a directory to put a dated file in)."""
    if dest.is_dir():
        dest = dest / f"{database.stem}-{_stamp(now or utcnow())}.sqlite3"
    if dest.exists():
        raise BackupError(f"{dest} already exists; give a new file name or a directory")
    return copy_database(database, dest)


def restore(backup_file: Path, database: Path, now: datetime | None = None) -> Path | None:
    """Replace ``database`` with ``backup_file``; returns where the old database was kept."""
    check_backup(backup_file)
    kept = None
    try:
        with run_lock(database):
            if database.exists():
                ensure_idle(database)
                aside = database.with_name(
                    f"{database.name}.before-restore-{_stamp(now or utcnow())}"
                )
                kept = backup(database, aside).path
            remove_journal(database)
            copy_database(backup_file, database, "ro")
    except AlreadyRunning as exc:
        raise BackupError(f"{exc}: restore only while the bot is stopped") from None
    return kept


def backup_postgres(url: str, dest: Path, now: datetime | None = None) -> Copied:
    """Dump the live database to ``dest`` (a new file, or a directory to put a dated file in)."""
    if dest.is_dir():
        dest = dest / f"{database_name(url)}-{_stamp(now or utcnow())}.dump"
    if dest.exists():
        raise BackupError(f"{dest} already exists; give a new file name or a directory")
    return pgbackup.dump(url, dest)


def restore_postgres(backup_file: Path, url: str, now: datetime | None = None) -> Path | None:
    """Replace the contents of the database at ``url`` with ``backup_file``; returns where its
    old contents were dumped (None when it had no tables)."""
    pgbackup.check_dump(backup_file)
    others = asyncio.run(pgbackup.other_sessions(url))
    if others:
        raise BackupError(
            f"{shown(url)} is in use ({others} other connection(s)): "
            "restore only while the bot is stopped"
        )
    kept = None
    if asyncio.run(pgbackup.has_tables(url)):
        aside = backup_file.parent / (
            f"{database_name(url)}.before-restore-{_stamp(now or utcnow())}.dump"
        )
        kept = backup_postgres(url, aside).path
    asyncio.run(pgbackup.clear(url))
    try:
        pgbackup.load(url, backup_file)
    except BackupError as exc:
        where = f"; its previous contents are in {kept}" if kept else ""
        raise BackupError(f"{exc}{where}") from None
    return kept

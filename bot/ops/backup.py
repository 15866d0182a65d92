"""``main.py backup`` and ``restore``: where copies go and when a restore is allowed.

The copying itself is SQLite's (``bot/storage/backup.py``): a consistent online copy, checked,
written owner-only under a temporary name and renamed into place only when complete.

``restore`` refuses while a Poruch process holds the database (see ``runlock``), keeps the
current database beside it as ``<name>.before-restore-<time>``, and puts the backup in its
place; the next start applies any newer migrations to it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.clock import utcnow
from bot.ops.runlock import AlreadyRunning, run_lock
from bot.storage.backup import (
    BackupError,
    Copied,
    check_backup,
    copy_database,
    ensure_idle,
    remove_journal,
)


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

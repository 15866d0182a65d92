"""The SQLite side of backups: copying a live database with the backup API, checking a copy,
and making sure nobody is writing before a restore.

Copying the database file with ``cp`` while the bot runs can produce a torn copy (and misses
what is still in the ``-wal`` file). ``sqlite3.Connection.backup`` copies every page in one
step inside a read transaction: the copy is the database as of one instant, and in WAL mode the
bot keeps writing meanwhile. The copy is switched to a single self-contained file (no WAL),
checked with ``PRAGMA integrity_check``, written under a temporary name, created owner-only
(it holds the same health data as the database) and renamed into place only when complete.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.storage.db import migration_files
from bot.storage.sqlitefile import OpsError, fsync, open_existing, private_file


class BackupError(OpsError):
    """The backup or the restore could not be done."""


@dataclass(frozen=True)
class Copied:
    path: Path
    size: int
    schema: int


@contextmanager
def written_whole(dest: Path) -> Iterator[Path]:
    """A private temporary file beside ``dest``, renamed into place (synced) only when the block
    finishes: a backup is complete or absent, never torn. Both backends' copies write through it."""
    partial = dest.with_name(f"{dest.name}.partial")
    private_file(partial)
    try:
        yield partial
        fsync(partial)
        partial.replace(dest)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def refuse_newer(path: Path, schema: int, latest: int) -> int:
    """``schema`` if this version of Poruch can run it; a copy made by a newer one is refused."""
    if schema > latest:
        raise BackupError(
            f"{path} has schema version {schema}, newer than this version of Poruch ({latest}); "
            "upgrade Poruch first"
        )
    return schema


def copy_database(source: Path, dest: Path, mode: str = "rw") -> Copied:
    """Copy the database at ``source`` into a new file at ``dest`` (complete, checked, or not
    at all); ``mode`` ``ro`` opens the source read-only."""
    with open_existing(source, mode) as conn:
        return _copy(conn, dest)


def _copy(source: sqlite3.Connection, dest: Path) -> Copied:
    with written_whole(dest) as partial:
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
    return Copied(dest, dest.stat().st_size, schema)


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
    return refuse_newer(path, schema, latest)


def ensure_idle(database: Path) -> None:
    """Belt and braces beside the run lock: no other connection may be writing right now."""
    with open_existing(database) as conn:
        conn.execute("PRAGMA busy_timeout=0")
        try:
            conn.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError:
            raise BackupError(f"{database} is in use; stop the bot first") from None
        conn.execute("ROLLBACK")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def remove_journal(database: Path) -> None:
    """A WAL left beside a database that is being replaced would be replayed into the new one."""
    for leftover in ("-wal", "-shm"):
        database.with_name(database.name + leftover).unlink(missing_ok=True)

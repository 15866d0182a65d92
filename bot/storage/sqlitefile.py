"""Opening the database file from the command-line tools, which must never create one."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path


class OpsError(RuntimeError):
    """One line for the operator saying what went wrong and what to do."""


class NoDatabase(OpsError):
    """There is no database file where the configuration says."""


class UnreadableDatabase(OpsError):
    """The file is there but SQLite cannot read it (not a database, damaged, locked)."""


@contextlib.contextmanager
def open_existing(path: Path, mode: str = "rw") -> Iterator[sqlite3.Connection]:
    """Open an existing database file; ``mode`` is ``rw`` or ``ro`` (read-only)."""
    if not path.is_file():
        raise NoDatabase(f"no database at {path}")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=5.0)
    try:
        yield conn
    finally:
        conn.close()


def private_file(path: Path) -> None:
    """Create ``path`` empty and owner-only before SQLite opens it, whatever the umask."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def fsync(path: Path) -> None:
    """Make a finished backup durable before it is reported as done."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

"""One Poruch process per database, so ``restore`` can tell that the bot is not running.

SQLite's own locks cannot say so: an idle bot holds its connection open without holding a lock.
``run`` and ``chat`` hold an exclusive ``flock`` on ``<database>.lock`` for their whole life; the
kernel releases it when the process ends, however it ends, so a crash never leaves it stuck.
A second ``run`` on the same database is refused too (Telegram would answer both pollers with
"Conflict" errors).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class AlreadyRunning(RuntimeError):
    """Another process holds the database's run lock."""


def lock_path(database: Path) -> Path:
    return database.with_name(f"{database.name}.lock")


@contextlib.contextmanager
def run_lock(database: Path) -> Iterator[None]:
    """Hold the run lock of ``database`` for the duration of the block."""
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            raise AlreadyRunning(
                f"{database} is in use by another Poruch process (pid {holder}); stop it first"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)

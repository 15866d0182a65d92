"""A throwaway PostgreSQL for the benchmark run: the tests' temporary cluster, one database per
figure so no figure inherits another's rows, dead tuples or cache.

The cluster is tuned as the tests' one is (``tests/pgserver.py``: fsync, synchronous_commit and
full_page_writes off, Unix socket only), so commits cost no disk flush. That flatters PostgreSQL
against SQLite (which runs with synchronous=NORMAL in WAL mode), and the notes say so.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from tests.pgserver import PgServer, create_database, with_database


@contextlib.contextmanager
def server() -> Iterator[PgServer]:
    """A running cluster, stopped and removed afterwards whatever happens."""
    running = PgServer.start()
    try:
        yield running
    finally:
        running.stop()


async def new_database(running: PgServer, label: str) -> str:
    """An empty database of its own; returns its URL (left for the cluster's removal)."""
    name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    await create_database(running.url(), name)
    return with_database(running.url(), name)


def postmaster_pid(running: PgServer) -> int:
    """The server's first process, parent of every backend (for the CPU it spends)."""
    return int((running.data_dir / "postmaster.pid").read_text().split()[0])

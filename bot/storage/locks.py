"""PostgreSQL advisory locks: one turn at a time per mother, and one leader among the workers.

Two-key advisory locks (namespace, key) never collide with the migration lock, which uses the
one-key form (PostgreSQL keeps the two key spaces apart). A chat id is 64 bits: folded into 32,
two mothers may share a key now and then, which only makes one wait for the other's turn.

SQLite runs one process whose transactions are serialised already: every lock here is a no-op
there, and the one process is always the leader.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol, TypeAlias

import asyncpg

from bot.storage.postgres import PgStore
from bot.storage.tx import Store, Tx

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    Connection: TypeAlias = PoolConnectionProxy[asyncpg.Record]

MOTHER_NAMESPACE = 0x504F_0001  # "PO" 1: a mother's turn
LEADER_NAMESPACE = 0x504F_0002  # "PO" 2: the leader
LEADER_KEY = 1
DUTY_NAMESPACE = 0x504F_0003  # "PO" 3: a duty run for the whole bot (the keys below)
REPEATS = 1
DIGESTS = 2
SLOTS = 3


def fold(chat_id: int) -> int:
    """A chat id as a signed 32-bit lock key."""
    folded = (chat_id ^ (chat_id >> 32)) & 0xFFFF_FFFF
    return folded - 0x1_0000_0000 if folded >= 0x8000_0000 else folded


async def lock_mother(tx: Tx, chat_id: int) -> None:
    """Wait until no other transaction (on any worker) runs a turn of hers; held until this
    transaction ends. Taken first in the turn, so whatever it reads is what the turn before
    committed: two updates of hers arriving at two workers cannot interleave."""
    if tx.dialect == "postgres":
        await tx.execute("SELECT pg_advisory_xact_lock(?, ?)", (MOTHER_NAMESPACE, fold(chat_id)))


async def lock_duty(tx: Tx, duty: int) -> None:
    """Run a duty for the whole bot in one transaction at a time: the leader's duties stay
    single even in the seconds after a leader lost its lock and before it noticed, and the
    digest sweep, which every worker runs before claiming, is never run twice at once. Taken
    first, so the duty's reads see what the one before it committed."""
    if tx.dialect == "postgres":
        await tx.execute("SELECT pg_advisory_xact_lock(?, ?)", (DUTY_NAMESPACE, duty))


class LeaderLock(Protocol):
    async def try_take(self) -> bool:
        """Take the lock if nobody holds it; True if this worker holds it now."""
        ...

    async def still_held(self) -> bool:
        """Whether the lock is still this worker's (its session alive and holding it)."""
        ...

    async def release(self) -> None: ...


class SoleLock:
    """SQLite: the one process is always the leader."""

    async def try_take(self) -> bool:
        return True

    async def still_held(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class PgLeaderLock:
    """A session advisory lock on a connection of its own, kept while this worker leads. The
    lock lives as long as that session: if the worker dies or its connection drops, PostgreSQL
    lets it go at once and the next worker to try takes it. A worker that is not leading holds
    no connection between tries."""

    def __init__(self, store: PgStore, timeout: float = 5.0) -> None:
        self.store = store
        self.timeout = timeout
        self._conn: Connection | None = None

    @property
    def backend_pid(self) -> int | None:
        """The server process holding the lock (the tests end it to simulate a lost leader)."""
        return None if self._conn is None else self._conn.get_server_pid()

    async def try_take(self) -> bool:
        conn = await self.store.pool.acquire()
        try:
            async with asyncio.timeout(self.timeout):
                taken = bool(
                    await conn.fetchval(
                        "SELECT pg_try_advisory_lock($1, $2)", LEADER_NAMESPACE, LEADER_KEY
                    )
                )
        except BaseException:
            await self._discard(conn)
            raise
        if taken:
            self._conn = conn
        else:
            await self.store.pool.release(conn)
        return taken

    async def still_held(self) -> bool:
        if self._conn is None:
            return False
        try:
            async with asyncio.timeout(self.timeout):
                held = await self._conn.fetchval(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
                    " AND pid = pg_backend_pid() AND granted AND classid::bigint = $1"
                    " AND objid::bigint = $2 AND objsubid = 2)",
                    LEADER_NAMESPACE,
                    LEADER_KEY,
                )
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            held = False
        if not held:
            conn, self._conn = self._conn, None
            await self._discard(conn)
        return bool(held)

    async def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            await conn.execute("SELECT pg_advisory_unlock($1, $2)", LEADER_NAMESPACE, LEADER_KEY)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await self._discard(conn)
            return
        await self.store.pool.release(conn)

    async def _discard(self, conn: Connection) -> None:
        """A connection whose state is unknown is closed, never handed back to the pool with a
        lock it may still hold."""
        conn.terminate()
        try:
            await self.store.pool.release(conn)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return


def leader_lock(store: Store) -> LeaderLock:
    """The leader lock for this store: PostgreSQL's advisory lock, or SQLite's sole leader."""
    if isinstance(store, PgStore):
        return PgLeaderLock(store)
    return SoleLock()

"""Which worker is the leader: the one that runs the duties only one worker may run.

Every worker delivers the outbox and sends scheduled prompts (each row claimed by one of them,
``bot/storage/claims.py``). Some duties must run once for the whole bot, not once per worker:
planning and claiming the day's slots, queueing repeats of unacknowledged alerts, gathering
routine alerts into digests, pruning. The leader holds a PostgreSQL advisory lock on a
connection of its own (``bot/storage/locks.py``); the others try to take it every
``retry_seconds``, and the leader checks as often that it still holds it. When the leader dies
its session ends, the lock is free, and another worker takes over within ``retry_seconds``.
On SQLite the single process is always the leader.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.storage.locks import LeaderLock, SoleLock, leader_lock
from bot.storage.tx import Store

log = logging.getLogger("poruch.leader")

RETRY_SECONDS = 2.0


class Leadership:
    def __init__(
        self, lock: LeaderLock, retry_seconds: float = RETRY_SECONDS, *, leading: bool = False
    ) -> None:
        """``leading``: leader from the start, before the first try (SQLite's sole process,
        whose scheduler may tick before the loop runs)."""
        self.lock = lock
        self.retry_seconds = retry_seconds
        self._leading = leading

    def is_leader(self) -> bool:
        return self._leading

    async def run_forever(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                await self.step()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.retry_seconds)
        finally:
            self._leading = False
            with contextlib.suppress(Exception):
                await self.lock.release()

    async def step(self) -> bool:
        """Take the lock if free, or check it is still ours; whether this worker leads now.
        A database error means not leading: better no leader for a moment than two."""
        try:
            if self._leading:
                leading = await self.lock.still_held()
            else:
                leading = await self.lock.try_take()
        except Exception:
            log.exception("leader_check_failed")
            leading = False
        if leading != self._leading:
            log.info("leader_%s", "taken" if leading else "lost")
        self._leading = leading
        return leading


def leadership_for(store: Store, retry_seconds: float = RETRY_SECONDS) -> Leadership:
    """PostgreSQL: leader once the lock is taken; SQLite: always."""
    lock = leader_lock(store)
    return Leadership(lock, retry_seconds, leading=isinstance(lock, SoleLock))

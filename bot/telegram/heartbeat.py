"""When Telegram last answered the bot, for ``main.py status`` and the monitoring behind it.

The HTTP layer notes every successful answer — ``getUpdates`` included, so an idle bot still
shows that it is connected — and writes the time to the ``kv`` table at most once a minute and
once more at shutdown. ``status`` runs in another process, so the value has to be in the
database; a write per request would be waste. The write runs as its own task, never inside the
request, so a call made while the database lock is held cannot deadlock on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from telegram.request import HTTPXRequest

from bot.clock import iso, utcnow
from bot.storage import kv
from bot.storage.tx import Store

log = logging.getLogger("poruch.telegram")

LAST_OK_KEY = "telegram_last_ok"
WRITE_EVERY = 60.0


class Heartbeat:
    """The time of the last successful Telegram call, in memory and (lazily) in the database."""

    def __init__(self, db: Store, write_every: float = WRITE_EVERY) -> None:
        self.db = db
        self.write_every = write_every
        self.last_ok: str | None = None
        self._written: str | None = None
        self._written_at = float("-inf")
        self._task: asyncio.Task[None] | None = None

    def beat(self) -> None:
        self.last_ok = iso(utcnow())
        due = time.monotonic() - self._written_at >= self.write_every
        if due and (self._task is None or self._task.done()):
            self._written_at = time.monotonic()
            self._task = asyncio.create_task(self._write())

    async def _write(self) -> None:
        stamp = self.last_ok
        if stamp is None or stamp == self._written:
            return
        try:
            await kv.put(self.db, LAST_OK_KEY, stamp)
        except Exception:
            log.warning("heartbeat_not_written", exc_info=True)
            return
        self._written = stamp

    async def flush(self) -> None:
        """Finish a write in progress and store the latest time (at shutdown)."""
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task
        await self._write()

    def request(self, **kwargs: Any) -> HeartbeatRequest:
        return HeartbeatRequest(self, **kwargs)


class HeartbeatRequest(HTTPXRequest):
    """PTB's HTTP client, reporting each 2xx answer to the heartbeat."""

    def __init__(self, heartbeat: Heartbeat, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.heartbeat = heartbeat

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        status, body = await super().do_request(*args, **kwargs)
        if 200 <= status < 300:
            self.heartbeat.beat()
        return status, body

    async def shutdown(self) -> None:
        await self.heartbeat.flush()
        await super().shutdown()

"""Telegram's side of a webhook: POSTing queued updates to the bot until it answers 2xx.

Why the fake pushes rather than only recording ``setWebhook``: a webhook bot is correct only if
an update it did not finish is delivered again, and that depends on what Telegram does with each
answer. This follows Telegram's Bot API server: the update as JSON with the ``secret_token`` in
``X-Telegram-Bot-Api-Secret-Token``; delivered only on a 2xx; after a non-2xx, a refused or
closed connection or a timeout it stays pending (``getWebhookInfo`` shows the count and the last
error) and is sent again after a back-off that doubles (or after the answer's ``Retry-After``);
updates about one chat go one at a time, in order, while different chats share up to
``max_connections`` requests in flight. Delays are small and configurable
(:class:`WebhookTiming`) so tests run in milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_MAX_CONNECTIONS = 40
IDLE_WAIT = 3600.0  # nothing due: sleep until woken by a new update or a finished attempt

Queue = deque[tuple[int, dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class WebhookTiming:
    """Back-off and patience of the fake's deliveries, in seconds.

    Telegram starts near one second and doubles to about a minute; tests want the same shape
    in milliseconds."""

    first_retry: float = 0.05
    max_retry: float = 1.0
    timeout: float = 10.0

    def retry_delay(self, failures: int) -> float:
        """The wait after the ``failures``-th failed attempt of one update (1, 2, …)."""
        return min(self.first_retry * 2.0 ** (failures - 1), self.max_retry)


@dataclass(frozen=True, slots=True)
class WebhookAttempt:
    """One POST of one update, as it ended.

    ``status`` is the HTTP status answered, 0 when no answer came (refused, reset, timeout);
    ``error`` is what ``getWebhookInfo.last_error_message`` then says (``None`` on a 2xx);
    ``time`` is the wall-clock end (``time.time()``)."""

    update_id: int
    url: str
    status: int
    error: str | None
    time: float

    @property
    def ok(self) -> bool:
        """Whether the bot acknowledged the update (a 2xx): it is then never sent again."""
        return 200 <= self.status <= 299


def queue_key(update_id: int, update: dict[str, Any]) -> tuple[str, int]:
    """Updates with the same key are delivered one at a time, in order: Telegram's per-chat
    queue (the chat of a message or a button's message, else the user, else the update)."""
    for key, payload in update.items():
        if key == "update_id" or not isinstance(payload, dict):
            continue
        chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return ("chat", chat["id"])
        person = payload.get("from") or payload.get("user")
        if isinstance(person, dict) and isinstance(person.get("id"), int):
            return ("user", person["id"])
    return ("update", update_id)


class WebhookPusher:
    """Delivers the shared update queue to the webhook while one is set.

    ``queue`` is the server's own pending-update deque (polling and the webhook see one queue,
    as in Telegram); a delivered update is removed from it. ``changed`` is called after every
    attempt, so ``api.wait_for`` predicates about deliveries are re-checked."""

    def __init__(self, queue: Queue, changed: Callable[[], None], timing: WebhookTiming) -> None:
        self.timing = timing
        self.attempts: list[WebhookAttempt] = []
        self.in_flight: set[int] = set()
        self.forward_to: str | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self._queue = queue
        self._changed = changed
        self._url = ""
        self._secret: str | None = None
        self._max_connections = DEFAULT_MAX_CONNECTIONS
        self._failures: dict[int, int] = {}
        self._due: dict[int, float] = {}
        self._wake = asyncio.Event()
        self._closed = False
        self._loop_task: asyncio.Task[None] | None = None
        self._posts: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    def configure(self, url: str, secret: str | None, max_connections: int | None) -> None:
        """Deliver to ``url`` from now on (an empty ``url`` pauses delivery)."""
        self._url = url
        self._secret = secret or None
        self._max_connections = max_connections or DEFAULT_MAX_CONNECTIONS
        if url and self._loop_task is None and not self._closed:
            self._loop_task = asyncio.get_running_loop().create_task(self._run())
        self.wake()

    def wake(self) -> None:
        """Look at the queue again (an update was queued, the settings changed)."""
        self._wake.set()

    def target(self) -> str:
        """Where a POST goes: the webhook URL, or its path on ``forward_to`` (the reverse proxy
        that in production terminates TLS in front of the bot)."""
        if self.forward_to is None:
            return self._url
        parts = urlsplit(self._url)
        query = f"?{parts.query}" if parts.query else ""
        return f"{self.forward_to.rstrip('/')}{parts.path}{query}"

    async def close(self) -> None:
        """Stop at once: attempts in flight are abandoned (their updates stay pending)."""
        self._closed = True
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        posts = list(self._posts)
        for task in posts:
            task.cancel()
        for task in posts:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    # ------------------------------------------------------------------ the loop

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._closed:
            self._wake.clear()
            wait = self._launch_due(loop.time()) if self._url else IDLE_WAIT
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()

    def _launch_due(self, now: float) -> float:
        """Start every update that is at the head of its chat's queue, due and within
        ``max_connections``; return how long until the next one falls due."""
        heads: set[tuple[str, int]] = set()
        next_due = now + IDLE_WAIT
        for update_id, update in self._queue:
            key = queue_key(update_id, update)
            if key in heads:
                continue
            heads.add(key)
            if update_id in self.in_flight:
                continue
            if len(self.in_flight) >= self._max_connections:
                break
            due = self._due.get(update_id, now)
            if due > now:
                next_due = min(next_due, due)
                continue
            self.in_flight.add(update_id)
            task = asyncio.get_running_loop().create_task(self._post(update_id, update))
            self._posts.add(task)
            task.add_done_callback(self._posts.discard)
        return next_due - now

    async def _post(self, update_id: int, update: dict[str, Any]) -> None:
        url = self.target()
        status, error, retry_after = await self._send(url, update)
        self.in_flight.discard(update_id)
        self.attempts.append(WebhookAttempt(update_id, url, status, error, time.time()))
        if error is None:
            self._delivered(update_id)
        else:
            failures = self._failures.get(update_id, 0) + 1
            self._failures[update_id] = failures
            delay = retry_after if retry_after is not None else self.timing.retry_delay(failures)
            self._due[update_id] = asyncio.get_running_loop().time() + delay
            self.last_error_date = int(time.time())
            self.last_error_message = error
        self._changed()
        self.wake()

    async def _send(self, url: str, update: dict[str, Any]) -> tuple[int, str | None, float | None]:
        """POST one update: (status or 0, Telegram's error wording or None, Retry-After)."""
        if self._session is None:
            # The pusher bounds concurrency itself; the connector must not add a second limit.
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        headers = {"Content-Type": "application/json"}
        if self._secret:
            headers[SECRET_HEADER] = self._secret
        body = json.dumps(update, ensure_ascii=False).encode()
        timeout = aiohttp.ClientTimeout(total=self.timing.timeout)
        try:
            async with self._session.post(
                url, data=body, headers=headers, timeout=timeout
            ) as response:
                await response.read()
                if 200 <= response.status <= 299:
                    return response.status, None, None
                wording = f"Wrong response from the webhook: {response.status} {response.reason}"
                return response.status, wording, _retry_after(response.headers.get("Retry-After"))
        except TimeoutError:
            return 0, "Read timeout expired", None
        except aiohttp.ClientConnectorError as exc:
            refused = isinstance(exc.os_error, ConnectionRefusedError)
            return 0, "Connection refused" if refused else "Failed to connect", None
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
            return 0, "Webhook connection closed", None
        except aiohttp.ClientError as exc:
            return 0, f"Webhook connection failed: {type(exc).__name__}", None

    def _delivered(self, update_id: int) -> None:
        self._failures.pop(update_id, None)
        self._due.pop(update_id, None)
        for index, (queued_id, _) in enumerate(self._queue):
            if queued_id == update_id:
                del self._queue[index]
                return


def _retry_after(value: str | None) -> float | None:
    if value is None or not value.strip().isdigit():
        return None
    return float(value)

"""Self-tests of the fake's webhook delivery against a tiny aiohttp receiver.

Why: the bot's webhook server acknowledges an update only after handling it and relies on
Telegram to send again whatever was not acknowledged. These tests pin down that the fake does
what Telegram does with each answer (2xx, 5xx, refused, closed, too slow), so a webhook test
that passes against the fake means the same against Telegram.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot

from tests.fakeapi import FakeBotApi, WebhookTiming
from tests.fakeapi.models import Signal

SECRET = "s3cret-token_for-tests"
HEADER = "X-Telegram-Bot-Api-Secret-Token"

Answer = Callable[[dict[str, Any]], Awaitable[int]]
DROP = 0  # an answer that closes the connection instead of answering


async def _ok(update: dict[str, Any]) -> int:
    return 200


class Receiver:
    """A webhook endpoint that records every request and answers what ``answer`` says
    (``DROP``: close the connection without an answer)."""

    def __init__(self, answer: Answer = _ok, port: int = 0) -> None:
        self.answer = answer
        self.port = port
        self.requests: list[tuple[int, str | None]] = []  # (update_id, secret header)
        self.acknowledged: list[int] = []  # update ids answered 2xx
        self.current = 0
        self._runner: web.AppRunner | None = None
        self._changed = Signal()
        self._handling: set[asyncio.Task[Any]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        if self.port == 0:
            server = site._server
            assert isinstance(server, asyncio.Server)
            self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop, cancelling answers still waiting (a failed test may leave one blocked)."""
        for task in self._handling:
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate()`` holds, re-checked whenever a request arrives."""
        await self._changed.wait_until(predicate, 5, lambda: f"requests: {self.requests}")

    async def _handle(self, request: web.Request) -> web.Response:
        task = asyncio.current_task()
        assert task is not None
        self._handling.add(task)
        try:
            return await self._answer(request)
        finally:
            self._handling.discard(task)

    async def _answer(self, request: web.Request) -> web.Response:
        update = json.loads(await request.read())
        self.requests.append((update["update_id"], request.headers.get(HEADER)))
        self.current += 1
        self._changed.fire()
        try:
            status = await self.answer(update)
        finally:
            self.current -= 1
        if status == DROP:
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=500)  # never reaches the client
        if 200 <= status <= 299:
            self.acknowledged.append(update["update_id"])
        return web.Response(status=status)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    timing = WebhookTiming(first_retry=0.01, max_retry=0.05, timeout=5)
    async with FakeBotApi(webhook_timing=timing) as server:
        yield server
    assert server.internal_errors == []


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url) as client:
        yield client


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    endpoint = Receiver()
    await endpoint.start()
    yield endpoint
    await endpoint.stop()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_updates_are_posted_with_the_secret_and_each_acknowledged_once(
    api: FakeBotApi, bot: Bot, receiver: Receiver
) -> None:
    olena, maria = api.user(1001, "Olena"), api.user(1002, "Maria")
    before = await olena.send("waiting since before the webhook")
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    later = [await olena.send("one"), await maria.send("two"), await olena.send("three")]
    await api.wait_confirmed(timeout=5)

    ids = [before.update_id, *(m.update_id for m in later)]
    assert sorted(receiver.acknowledged) == ids
    assert receiver.requests == [(i, SECRET) for i, _ in receiver.requests]
    assert sorted(a.update_id for a in api.webhook_attempts if a.ok) == ids
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 0 and api.pending_updates == 0
    assert info.last_error_date is None and info.last_error_message is None
    # Her messages arrive in the order she sent them.
    assert [i for i in receiver.acknowledged if i != later[1].update_id] == [
        before.update_id,
        later[0].update_id,
        later[2].update_id,
    ]


async def test_a_500_is_retried_until_acknowledged_and_shown_in_webhook_info(
    api: FakeBotApi, bot: Bot, receiver: Receiver
) -> None:
    healthy = asyncio.Event()

    async def answer(update: dict[str, Any]) -> int:
        return 200 if healthy.is_set() else 500

    receiver.answer = answer
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    sent = await api.user(1001).send("hello")
    await api.wait_for(lambda: sum(not a.ok for a in api.webhook_attempts) >= 3)

    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    assert info.last_error_date is not None
    healthy.set()
    await api.wait_confirmed(timeout=5)

    assert receiver.acknowledged == [sent.update_id]
    statuses = [a.status for a in api.webhook_attempts]
    assert statuses[-1] == 200 and set(statuses[:-1]) == {500}
    assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_a_refused_connection_is_retried_until_the_bot_listens(
    api: FakeBotApi, bot: Bot
) -> None:
    late = Receiver(port=free_port())
    await bot.set_webhook(late.url, secret_token=SECRET)
    sent = await api.user(1001).send("anyone there?")
    await api.wait_for(lambda: len(api.webhook_attempts) >= 2)
    assert {a.error for a in api.webhook_attempts} == {"Connection refused"}
    assert (await bot.get_webhook_info()).last_error_message == "Connection refused"

    await late.start()
    try:
        await api.wait_confirmed(timeout=5)
    finally:
        await late.stop()
    assert late.acknowledged == [sent.update_id]
    assert late.requests == [(sent.update_id, SECRET)]


async def test_a_connection_closed_without_an_answer_is_retried(
    api: FakeBotApi, bot: Bot, receiver: Receiver
) -> None:
    """What Telegram sees when the bot's process is killed in the middle of a request."""
    seen: list[int] = []

    async def answer(update: dict[str, Any]) -> int:
        seen.append(update["update_id"])
        return DROP if len(seen) == 1 else 200

    receiver.answer = answer
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    sent = await api.user(1001).send("hello")
    await api.wait_confirmed(timeout=5)
    assert seen == [sent.update_id, sent.update_id]
    assert receiver.acknowledged == [sent.update_id]
    assert api.webhook_attempts[0].status == 0
    assert api.webhook_attempts[0].error == "Webhook connection closed"


async def test_a_request_answered_too_late_is_sent_again(
    api: FakeBotApi, bot: Bot, receiver: Receiver
) -> None:
    api.webhook_timing = WebhookTiming(first_retry=0.01, max_retry=0.05, timeout=0.5)
    stuck = asyncio.Event()

    async def answer(update: dict[str, Any]) -> int:
        if len(receiver.requests) == 1:
            await stuck.wait()
        return 200

    receiver.answer = answer
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    sent = await api.user(1001).send("hello")
    await api.wait_for(lambda: any(a.ok for a in api.webhook_attempts))
    stuck.set()
    assert [(a.status, a.error) for a in api.webhook_attempts] == [
        (0, "Read timeout expired"),
        (200, None),
    ]
    assert [a.update_id for a in api.webhook_attempts] == [sent.update_id] * 2


async def test_requests_in_flight_stay_within_max_connections_and_one_per_chat(
    api: FakeBotApi, bot: Bot, receiver: Receiver
) -> None:
    gate = asyncio.Event()

    async def answer(update: dict[str, Any]) -> int:
        await gate.wait()
        return 200

    receiver.answer = answer
    users = [api.user(2000 + n) for n in range(4)]
    first = await users[0].send("first")
    second = await users[0].send("second, same chat")
    others = [await user.send("hi") for user in users[1:]]
    await bot.set_webhook(receiver.url, secret_token=SECRET, max_connections=2)
    await receiver.wait_until(lambda: receiver.current == 2)

    # The launch that sent these two stopped at two; the second message of the first chat
    # waits for the first one's answer whatever the limit.
    assert api.webhook_in_flight == {first.update_id, others[0].update_id}
    gate.set()
    await api.wait_confirmed(timeout=5)
    order = receiver.acknowledged
    assert sorted(order) == list(range(1, 6))
    assert order.index(first.update_id) < order.index(second.update_id)
    assert Counter(u for u, _ in receiver.requests) == Counter(range(1, 6))


async def test_deleting_the_webhook_leaves_undelivered_updates_to_get_updates(
    api: FakeBotApi, bot: Bot, receiver: Receiver
) -> None:
    async def answer(update: dict[str, Any]) -> int:
        return 503

    receiver.answer = answer
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    sent = await api.user(1001).send("never acknowledged")
    await api.wait_for(lambda: api.webhook_attempts)
    await bot.delete_webhook()
    await api.wait_for(lambda: not api.webhook_in_flight)
    attempts = len(api.webhook_attempts)

    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [sent.update_id]
    assert len(api.webhook_attempts) == attempts  # no more posts once it is deleted

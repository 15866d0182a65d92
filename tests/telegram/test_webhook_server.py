"""The webhook server acknowledges an update only after handling it, against the fake Bot API
delivering the way Telegram does.

Why these tests: the point of the server is that no update is lost or handled twice when a worker
fails, is stopped or is killed, with several workers sharing one port. Each test makes one of
those happen and counts what the handlers saw and what the fake had to send again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from telegram import Bot, Update

from bot.telegram.webhook_server import SECRET_HEADER, WebhookServer
from tests.fakeapi import FakeBotApi, WebhookTiming
from tests.fakeapi.models import Signal

SECRET = "webhook-secret_0123456789"
ROOT = Path(__file__).resolve().parents[2]


class Recorder:
    """A ``handle`` that records each update it finished, and optionally fails or waits."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.finished: list[int] = []
        self.before: Callable[[Update], Awaitable[None]] | None = None
        self.changed = Signal()

    async def __call__(self, update: Update) -> None:
        self.started.append(update.update_id)
        self.changed.fire()
        if self.before is not None:
            await self.before(update)
        self.finished.append(update.update_id)
        self.changed.fire()

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        await self.changed.wait_until(predicate, 10, lambda: f"finished: {self.finished}")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    timing = WebhookTiming(first_retry=0.01, max_retry=0.1, timeout=10)
    async with FakeBotApi(webhook_timing=timing) as server:
        yield server
    assert server.internal_errors == []


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url) as client:
        yield client


@contextlib.asynccontextmanager
async def serving(
    bot: Bot, handle: Recorder, port: int = 0, concurrency: int = 40
) -> AsyncIterator[WebhookServer]:
    server = WebhookServer(
        bot,
        handle,
        secret_token=SECRET,
        listen="127.0.0.1",
        port=port,
        path="telegram",
        concurrency=concurrency,
    )
    await server.start()
    try:
        yield server
    finally:
        await server.stop(grace=1)


def url(port: int) -> str:
    return f"http://127.0.0.1:{port}/telegram"


async def send_from(api: FakeBotApi, users: int, each: int = 1) -> list[int]:
    """``each`` messages from each of ``users`` mothers; their update ids."""
    ids = []
    for n in range(users):
        mother = api.user(5000 + n, started=True)
        for k in range(each):
            ids.append((await mother.send(f"message {k}")).update_id)
    return ids


async def test_every_update_is_handled_once_and_acknowledged(api: FakeBotApi, bot: Bot) -> None:
    handle = Recorder()
    async with serving(bot, handle) as server:
        await bot.set_webhook(url(server.port), secret_token=SECRET)
        ids = await send_from(api, users=3, each=3)
        await api.wait_confirmed(timeout=10)
    assert Counter(handle.finished) == Counter(ids)
    assert all(attempt.ok for attempt in api.webhook_attempts)
    assert len(api.webhook_attempts) == len(ids)


async def test_a_failed_turn_answers_500_and_is_handled_when_telegram_sends_it_again(
    api: FakeBotApi, bot: Bot
) -> None:
    handle = Recorder()
    failed: list[int] = []

    async def fail_once(update: Update) -> None:
        if not failed:
            failed.append(update.update_id)
            raise RuntimeError("the database went away")

    handle.before = fail_once
    async with serving(bot, handle) as server:
        await bot.set_webhook(url(server.port), secret_token=SECRET)
        ids = await send_from(api, users=1)
        await api.wait_confirmed(timeout=10)
    assert failed == ids
    assert handle.started == ids * 2 and handle.finished == ids
    assert [(a.update_id, a.status) for a in api.webhook_attempts] == [
        (ids[0], 500),
        (ids[0], 200),
    ]


async def test_a_missing_or_wrong_secret_gets_403_and_garbage_400_and_neither_is_handled(
    bot: Bot,
) -> None:
    handle = Recorder()
    chat = {"id": 1, "type": "private"}
    body = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": chat}}
    async with serving(bot, handle) as server, aiohttp.ClientSession() as session:
        for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET[:-1]}):
            async with session.post(url(server.port), json=body, headers=headers) as response:
                assert response.status == 403
        async with session.post(
            url(server.port), json=body, headers={SECRET_HEADER: SECRET}
        ) as response:
            assert response.status == 200
        for garbage in (b"not json", b"[1, 2]", b'{"message": {}}'):
            async with session.post(
                url(server.port), data=garbage, headers={SECRET_HEADER: SECRET}
            ) as response:
                assert response.status == 400
    assert handle.started == [1]


async def test_two_workers_on_one_port_share_the_updates_and_handle_each_once(
    api: FakeBotApi, bot: Bot
) -> None:
    first, second = Recorder(), Recorder()
    async with serving(bot, first) as one, serving(bot, second, port=one.port):
        # Queued before the webhook is set, 30 chats' updates go out at once, each on its
        # own connection, and the kernel spreads the connections over both sockets.
        ids = await send_from(api, users=30)
        await bot.set_webhook(url(one.port), secret_token=SECRET)
        await api.wait_confirmed(timeout=10)
    assert first.finished and second.finished
    assert Counter(first.finished + second.finished) == Counter(ids)
    assert all(attempt.ok for attempt in api.webhook_attempts)


async def test_no_more_turns_run_at_once_than_the_concurrency(api: FakeBotApi, bot: Bot) -> None:
    handle = Recorder()
    gate = asyncio.Event()

    async def wait_for_gate(update: Update) -> None:
        await gate.wait()

    handle.before = wait_for_gate
    async with serving(bot, handle, concurrency=2) as server:
        await bot.set_webhook(url(server.port), secret_token=SECRET)
        ids = await send_from(api, users=5)
        # Nothing signals a request's arrival before its turn starts, so look now and then.
        async with asyncio.timeout(10):
            while server.requests < 5:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        assert len(handle.started) == 2
        gate.set()
        await api.wait_confirmed(timeout=10)
    assert sorted(handle.finished) == ids
    assert all(attempt.ok for attempt in api.webhook_attempts)


async def test_stop_answers_the_turns_in_flight_before_closing(api: FakeBotApi, bot: Bot) -> None:
    handle = Recorder()
    gate = asyncio.Event()

    async def wait_for_gate(update: Update) -> None:
        await gate.wait()

    handle.before = wait_for_gate
    async with serving(bot, handle) as server:
        await bot.set_webhook(url(server.port), secret_token=SECRET)
        ids = await send_from(api, users=2)
        await handle.wait_until(lambda: len(handle.started) == 2)
        stopping = asyncio.create_task(server.stop())
        for _ in range(20):
            await asyncio.sleep(0)
        assert not stopping.done()
        gate.set()
        assert await stopping
    assert sorted(handle.finished) == ids
    assert [a.status for a in api.webhook_attempts] == [200, 200]
    assert api.pending_updates == 0


async def test_a_turn_cut_short_by_stop_is_sent_again_to_the_next_worker(
    api: FakeBotApi, bot: Bot
) -> None:
    stuck, fresh = Recorder(), Recorder()

    async def forever(update: Update) -> None:
        await asyncio.Event().wait()

    stuck.before = forever
    async with serving(bot, stuck) as server:
        await bot.set_webhook(url(server.port), secret_token=SECRET)
        ids = await send_from(api, users=1)
        await stuck.wait_until(lambda: stuck.started == ids)
        assert not await server.stop(grace=0.05)
        port = server.port
    async with serving(bot, fresh, port=port):
        await api.wait_confirmed(timeout=10)
    assert stuck.finished == [] and fresh.finished == ids
    assert api.webhook_attempts[0].status == 503
    assert api.webhook_attempts[-1].ok


@pytest.mark.slow
async def test_a_worker_killed_mid_turn_loses_nothing(api: FakeBotApi, bot: Bot) -> None:
    """``kill -9`` of the worker handling an update: Telegram's connection breaks, and the
    update goes to the worker still listening on the port."""
    probe = WebhookServer(bot, Recorder(), secret_token=SECRET, listen="127.0.0.1")
    await probe.start()
    port = probe.port
    await probe.stop()
    victim = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.telegram.dying_worker",
        str(port),
        SECRET,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert victim.stdout is not None
        async with asyncio.timeout(30):
            assert await victim.stdout.readline() == b"listening\n"
        await bot.set_webhook(url(port), secret_token=SECRET)
        ids = await send_from(api, users=1)
        async with asyncio.timeout(10):
            assert await victim.stdout.readline() == f"handling {ids[0]}\n".encode()

        survivor = Recorder()
        async with serving(bot, survivor, port=port):
            victim.send_signal(signal.SIGKILL)
            await victim.wait()
            await api.wait_confirmed(timeout=10)
    finally:
        if victim.returncode is None:
            victim.kill()
            await victim.wait()
    assert survivor.finished == ids
    assert api.webhook_attempts[0].error == "Webhook connection closed"
    assert [a.update_id for a in api.webhook_attempts if a.ok] == ids

"""One sending pace for all workers, on the real PostgreSQL: however many senders book, no
one-second window gets more than the rate and no chat two scheduled messages within a second;
and Telegram (the fake Bot API, enforcing both limits) never answers 429."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Bot

from bot.conversation.messages import Outgoing
from bot.priority import Lane
from bot.sender import Sender
from bot.shared_pace import DatabasePace
from bot.storage.postgres import PgStore
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.transport import TelegramTransport
from tests.fakeapi import FakeBotApi

RATE = 30


@pytest.fixture
async def stores(pg_url: str) -> AsyncIterator[list[PgStore]]:
    opened = [await PgStore.open(pg_url, migrate=False) for _ in range(2)]
    yield opened
    for store in opened:
        await store.close()


def most_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    return max(
        sum(1 for other in times[i:] if other < start + 1.0) for i, start in enumerate(times)
    )


async def test_bookings_from_two_workers_keep_the_rate_and_a_second_per_chat(
    stores: list[PgStore],
) -> None:
    paces = [DatabasePace(store, RATE) for store in stores]
    grants: list[tuple[float, int, bool]] = []
    chats = itertools.cycle(range(1, 9))  # few chats: they often collide

    async def booker(pace: DatabasePace, per_chat: bool) -> None:
        while len(grants) < 2 * RATE:
            chat = next(chats)
            booking = await pace.book(chat, per_chat=per_chat)
            if booking.granted_at is not None:
                grants.append((booking.granted_at, chat, per_chat))
                await pace.sent(chat)  # Telegram answered at once
            elif booking.global_wait > 0:
                await asyncio.sleep(booking.global_wait)

    await asyncio.gather(
        *(booker(pace, per_chat) for pace in paces for per_chat in (True, True, False))
    )
    assert most_in_one_second([at for at, _, _ in grants]) <= RATE
    for chat in range(1, 9):
        mine = sorted((at, per_chat) for at, c, per_chat in grants if c == chat)
        for (before, _), (after, per_chat) in itertools.pairwise(mine):
            if per_chat:
                assert after - before >= 1.0, f"chat {chat}: {after - before:.3f} s apart"


async def test_two_senders_sharing_the_pace_never_draw_a_429(
    stores: list[PgStore], api: FakeBotApi
) -> None:
    api.enforce_rate(global_per_sec=RATE, per_chat_per_sec=1)
    chats = list(range(8001, 8016))
    for chat in chats:
        api.user(chat, started=True)
    bots = [Bot(api.token, base_url=api.base_url) for _ in stores]
    senders: list[Sender] = []
    outcomes: list[Any] = []

    async def done(outcome: Any) -> None:
        outcomes.append(outcome)

    try:
        for bot, store in zip(bots, stores, strict=True):
            await bot.initialize()
            transport = TelegramTransport(bot, CallbackCodec("secret"))
            senders.append(Sender(transport, RATE, shared=DatabasePace(store, RATE)))
        for round_ in range(2):
            for sender in senders:
                for chat in chats:
                    message = Outgoing(chat, f"prompt {round_} for {chat}")
                    sender.submit(message, lane=Lane.SCHEDULED, done=done)
        for sender in senders:
            assert await sender.drain(60)
        assert [o.status for o in outcomes] == ["sent"] * 60
        assert api.rate_limited_count == 0
        assert all(len(api.sent_to(chat)) == 4 for chat in chats)
    finally:
        for sender in senders:
            await sender.close()
        for bot in bots:
            await bot.shutdown()

"""End-to-end fixtures: the real python-telegram-bot Application, polling a fake Bot API over
HTTP on 127.0.0.1, with the real database and YAML."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from bot.config import Config
from bot.services import Catalog
from tests.fakeapi import FakeBotApi
from tests.harness import InProcessBot


@pytest.fixture
async def running(
    bot_config: Config, catalog: Catalog, api: FakeBotApi
) -> AsyncIterator[InProcessBot]:
    bot = InProcessBot(bot_config, catalog, api)
    await bot.start()
    yield bot
    await bot.stop()


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    """Wait until an async condition holds (a database row the bot writes after a call)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)

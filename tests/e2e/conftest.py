"""End-to-end fixtures: the real python-telegram-bot Application, polling a fake Bot API over
HTTP on 127.0.0.1, with the real database and YAML."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace

import pytest

from bot.config import Config
from bot.services import Catalog, Services
from bot.telegram.app import run_polling
from tests.conftest import STAFF_CHAT
from tests.fakeapi import FakeBotApi


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        fake.group(STAFF_CHAT, "Clinic care team")
        yield fake


@pytest.fixture
def bot_config(config: Config, api: FakeBotApi) -> Config:
    return replace(config, token=api.token, api_base_url=api.base_url)


class RunningBot:
    """Starts and stops the bot in this event loop, as ``main.py run`` would."""

    def __init__(self, config: Config, catalog: Catalog, api: FakeBotApi) -> None:
        self.config = config
        self.catalog = catalog
        self.api = api
        self.services: Services | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> Services:
        self.services = await Services.start(self.config, self.catalog)
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(run_polling(self.services, self._stop))
        await self.api.wait_for(lambda: self.api.poll_waiting, timeout=10)
        return self.services

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
        if self.services is not None:
            await self.services.close()
        self.services = None


@pytest.fixture
async def running(
    bot_config: Config, catalog: Catalog, api: FakeBotApi
) -> AsyncIterator[RunningBot]:
    bot = RunningBot(bot_config, catalog, api)
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

"""Several workers in one process on one real PostgreSQL: each with its own pool (as each
process has), its own runtime, all talking to one fake Bot API. The process level (``--workers``,
the webhook server, kill -9) is tested elsewhere; these prove the mechanisms underneath."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from telegram import Bot

from bot.config import Config
from bot.runtime import Runtime, build_runtime
from bot.safety.staff_chats import StaffChats
from bot.services import Catalog, Services
from bot.storage.postgres import PgStore
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.transport import TelegramTransport
from tests.fakeapi import FakeBotApi

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


async def pg_services(url: str, config: Config, catalog: Catalog) -> Services:
    """The services of one worker: its own pool on the shared database."""
    store = await PgStore.open(url, migrate=False)
    chats = await StaffChats.load(store)  # type: ignore[arg-type]
    return Services(config, store, catalog, catalog.engine, chats)  # type: ignore[arg-type]


@dataclass
class Workers:
    """Workers made on demand, all closed at the end of the test."""

    url: str
    config: Config
    catalog: Catalog
    api: FakeBotApi
    services: list[Services] = field(default_factory=list)
    runtimes: list[Runtime] = field(default_factory=list)
    bots: list[Bot] = field(default_factory=list)

    async def new_services(self) -> Services:
        services = await pg_services(self.url, self.config, self.catalog)
        self.services.append(services)
        return services

    async def new_runtime(self, **options: object) -> Runtime:
        """A worker's whole runtime over HTTP to the fake Bot API (not started)."""
        services = await self.new_services()
        bot = Bot(self.api.token, base_url=self.api.base_url)
        await bot.initialize()
        self.bots.append(bot)
        transport = TelegramTransport(bot, CallbackCodec("shared secret"))
        runtime = build_runtime(services, transport, **options)  # type: ignore[arg-type]
        self.runtimes.append(runtime)
        return runtime

    async def new_outbox_runtime(self, **options: object) -> Runtime:
        """A runtime whose outbox delivers (the digest sweep included, as in production)."""
        return await self.new_runtime(**options)

    async def close(self) -> None:
        for runtime in self.runtimes:
            await runtime.sender.close()
        for bot in self.bots:
            await bot.shutdown()
        for services in self.services:
            await services.close()


@pytest.fixture
async def workers(
    pg_url: str, bot_config: Config, catalog: Catalog, api: FakeBotApi
) -> AsyncIterator[Workers]:
    made = Workers(pg_url, bot_config, catalog, api)
    try:
        yield made
    finally:
        await made.close()


class Clock:
    """The time the outbox and the scheduler read, moved by the test."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def until(check: Callable[[], Awaitable[bool]], within: float = 20.0) -> None:
    """Wait until ``check`` holds: a generous limit, never an assertion about speed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)

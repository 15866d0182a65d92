"""The leader lock on the real PostgreSQL: one leader among the workers, and another one
within the retry interval when it dies (its connection ends) or stops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.leadership import Leadership, leadership_for
from bot.storage.db import Database
from bot.storage.locks import PgLeaderLock
from bot.storage.postgres import PgStore
from tests.workers.conftest import until

RETRY = 0.1


@pytest.fixture
async def three(pg_url: str) -> AsyncIterator[list[PgStore]]:
    stores = [await PgStore.open(pg_url, migrate=False) for _ in range(3)]
    yield stores
    for store in stores:
        await store.close()


class Running:
    """Each worker's leadership loop, stopped one by one or all at the end."""

    def __init__(self, stores: list[PgStore]) -> None:
        self.locks = [PgLeaderLock(store) for store in stores]
        self.leaders = [Leadership(lock, RETRY) for lock in self.locks]
        self.stops = [asyncio.Event() for _ in stores]
        self.tasks = [
            asyncio.create_task(leader.run_forever(stop))
            for leader, stop in zip(self.leaders, self.stops, strict=True)
        ]

    def leading(self) -> list[int]:
        return [i for i, leader in enumerate(self.leaders) if leader.is_leader()]

    async def one_leader(self) -> int:
        async def exactly_one() -> bool:
            return len(self.leading()) == 1

        await until(exactly_one)
        return self.leading()[0]

    async def stop(self, index: int) -> None:
        self.stops[index].set()
        await self.tasks[index]

    async def close(self) -> None:
        for stop in self.stops:
            stop.set()
        await asyncio.gather(*self.tasks)


async def test_one_leader_and_a_new_one_when_its_connection_dies(
    three: list[PgStore], pg_url: str
) -> None:
    running = Running(three)
    try:
        first = await running.one_leader()
        for _ in range(5):  # the others keep trying and keep failing
            await asyncio.sleep(RETRY)
            assert running.leading() == [first]
        pid = running.locks[first].backend_pid
        assert pid is not None
        admin = await asyncpg.connect(pg_url)
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()

        async def taken_over() -> bool:
            leading = running.leading()
            return len(leading) == 1 and leading[0] != first

        await until(taken_over)  # within a few retries; generous limit, no timing asserted
        await asyncio.sleep(3 * RETRY)
        assert len(running.leading()) == 1, "the old leader knows it lost the lock"
    finally:
        await running.close()


async def test_a_leader_that_stops_hands_over_and_leads_no_more(three: list[PgStore]) -> None:
    running = Running(three)
    try:
        first = await running.one_leader()
        await running.stop(first)
        assert not running.leaders[first].is_leader()
        second = await running.one_leader()
        assert second != first
    finally:
        await running.close()


async def test_a_worker_that_is_not_leading_holds_no_connection(three: list[PgStore]) -> None:
    running = Running(three)
    try:
        leader = await running.one_leader()
        await asyncio.sleep(3 * RETRY)
        for index, store in enumerate(three):
            in_use = store.pool.get_size() - store.pool.get_idle_size()
            assert in_use == (1 if index == leader else 0)
    finally:
        await running.close()


async def test_on_sqlite_the_one_process_leads_from_the_start(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        leadership = leadership_for(db)
        assert leadership.is_leader()
        stop = asyncio.Event()
        task = asyncio.create_task(leadership.run_forever(stop))
        await asyncio.sleep(0)
        assert leadership.is_leader()
        stop.set()
        await task
    finally:
        await db.close()

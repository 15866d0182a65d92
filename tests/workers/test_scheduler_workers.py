"""Several schedulers on one PostgreSQL feeding their senders from one wave of due prompts:
every prompt reaches its mother exactly once, whichever worker sends it, and a prompt a dead
worker had queued is sent by another once its lease is out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.clock import iso
from bot.services import Services
from bot.storage import claims, mothers, schedule
from tests.fakeapi import FakeBotApi
from tests.workers.conftest import T0, Clock, Workers

WAVE = range(9201, 9351)  # 150 mothers due at the same minute


async def due_wave(services: Services, api: FakeBotApi, chats: range = WAVE) -> None:
    async with services.db.transaction() as tx:
        rows = []
        for chat in chats:
            api.user(chat, started=True)
            mother = await mothers.create(tx, chat, "en", T0, consent="given", checkin_time="12:00")
            rows.append((mother.id, "checkin", "2026-11-25", iso(T0)))
        await schedule.add_sends(tx, rows)


async def statuses(services: Services) -> dict[str, int]:
    rows = await services.db.fetchall("SELECT status, COUNT(*) FROM sends GROUP BY status")
    return {row[0]: int(row[1]) for row in rows}


async def test_three_schedulers_send_each_prompt_of_a_wave_once(
    workers: Workers, api: FakeBotApi
) -> None:
    clock = Clock()
    runtimes = [await workers.new_runtime(clock=clock) for _ in range(3)]
    await due_wave(runtimes[0].services, api)
    fed = await asyncio.gather(*(runtime.scheduler.feed(60) for runtime in runtimes))
    assert sum(fed) == len(WAVE), "every row fed once: none twice, none left over"
    assert all(fed), "the wave is shared"
    for runtime in runtimes:
        assert await runtime.sender.drain(60)
    await asyncio.sleep(0)
    for chat in WAVE:
        assert len(api.sent_to(chat)) == 1, f"mother {chat}"
    assert await statuses(runtimes[0].services) == {"sent": len(WAVE)}


async def test_a_prompt_queued_by_a_dead_worker_is_sent_once_by_another(
    workers: Workers, api: FakeBotApi
) -> None:
    clock = Clock()
    dead = await workers.new_runtime(clock=clock)
    alive = await workers.new_runtime(clock=clock)
    chats = range(9401, 9406)
    await due_wave(alive.services, api, chats)
    async with dead.services.db.transaction() as tx:  # its feed claimed them, then it died
        taken = await claims.claim_sends(
            tx, dead.scheduler.worker_id, T0, T0 + dead.scheduler.lease, 10
        )
    assert len(taken) == len(chats)
    assert await alive.scheduler.feed(10) == 0, "held by the dead worker's lease"
    clock.now = T0 + dead.scheduler.lease + timedelta(seconds=1)
    assert await alive.scheduler.feed(10) == len(chats)
    assert await alive.sender.drain(30)
    for chat in chats:
        assert len(api.sent_to(chat)) == 1

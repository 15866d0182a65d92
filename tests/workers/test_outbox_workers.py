"""Several outbox workers on one PostgreSQL, delivering over HTTP to the fake Bot API: each
alert reaches the staff chat exactly once, each mother is told once, and the alerts a worker
claimed before it died are delivered by another once its lease is out."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from bot.conversation.messages import Outgoing
from bot.priority import Priority
from bot.safety.alerting import Subject, write_alert
from bot.safety.outbox import OutboxWorker
from bot.services import Services
from bot.storage import alerts, mothers
from tests.conftest import STAFF_CHAT
from tests.fakeapi import FakeBotApi
from tests.workers.conftest import T0, Clock, Workers

MOTHERS = range(9101, 9141)


async def crisis_alerts(services: Services, api: FakeBotApi) -> list[int]:
    """One urgent crisis alert per mother, each with its own words, as a turn would write."""
    made = []
    async with services.db.transaction() as tx:
        for chat in MOTHERS:
            api.user(chat, started=True)
            mother = await mothers.create(tx, chat, "en", T0, consent="given")
            alert_id = await write_alert(
                tx,
                Subject(mother.id, mother.pseudonym),
                Priority.URGENT,
                rule="crisis_message",
                category="self_harm",
                detail={"message": f"words of mother {chat}"},
                dedup_key=f"crisis:{chat}",
                now=T0,
            )
            assert alert_id is not None
            made.append(alert_id)
    return made


def staff_lines(api: FakeBotApi) -> Counter[int]:
    """How many times each mother's alert reached the staff chat."""
    counts: Counter[int] = Counter()
    for message in api.sent_to(STAFF_CHAT):
        for chat in MOTHERS:
            if f"words of mother {chat}" in (message.text or ""):
                counts[chat] += 1
    return counts


async def test_three_workers_deliver_each_alert_exactly_once(
    workers: Workers, api: FakeBotApi
) -> None:
    clock = Clock()
    runtimes = [await workers.new_outbox_runtime(clock=clock) for _ in range(3)]
    await crisis_alerts(runtimes[0].services, api)
    delivered = []
    for _ in range(4):  # alerts, then the notices their delivery queued
        counts = await asyncio.gather(*(runtime.worker.run_once() for runtime in runtimes))
        delivered.append(counts)
    assert staff_lines(api) == Counter(dict.fromkeys(MOTHERS, 1))
    for chat in MOTHERS:
        assert len(api.sent_to(chat)) == 1, "the mother is told once that the team knows"
    assert sum(sum(counts) for counts in delivered) == 2 * len(MOTHERS)
    row = await runtimes[0].services.db.fetchone(
        "SELECT COUNT(*) FROM outbox WHERE status <> 'sent' OR claimed_by IS NOT NULL"
    )
    assert row == (0,)


async def test_a_dead_workers_alerts_are_delivered_by_another_after_its_lease(
    workers: Workers, api: FakeBotApi
) -> None:
    clock = Clock()
    dead = await workers.new_outbox_runtime(clock=clock)
    alive = await workers.new_outbox_runtime(clock=clock)
    await crisis_alerts(alive.services, api)
    claimed = await dead.worker._claim_due(clock.now)  # then it dies: nothing delivered
    assert len(claimed) == len(MOTHERS)
    assert await alive.worker.run_once() == 0, "held by the dead worker's lease"
    assert staff_lines(api) == Counter()
    clock.now = T0 + dead.worker.lease + timedelta(seconds=1)
    assert await alive.worker.run_once() == len(MOTHERS)
    assert staff_lines(api) == Counter(dict.fromkeys(MOTHERS, 1))


async def test_two_workers_that_both_think_they_lead_queue_one_repeat(
    workers: Workers, api: FakeBotApi
) -> None:
    """The seconds after a leader lost its lock and before it noticed: both queue repeats of
    unacknowledged alerts at once, and each alert still gets one repeat."""
    clock = Clock()
    services = [await workers.new_services() for _ in range(2)]
    [first, *_] = await crisis_alerts(services[0], api)
    async with services[0].db.transaction() as tx:
        await alerts.mark_delivered(tx, first, T0 - timedelta(minutes=20), timedelta(minutes=15))
    leaders = [
        OutboxWorker(s, FakeTransport(), clock, worker_id=f"w{i}", is_leader=lambda: True)
        for i, s in enumerate(services)
    ]
    await asyncio.gather(*(worker._queue_repeats(T0) for worker in leaders))
    row = await services[0].db.fetchone(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'alert_repeat' AND alert_id = ?", (first,)
    )
    assert row == (1,)


class FakeTransport:
    async def deliver(self, message: Outgoing) -> int | None:
        raise AssertionError("nothing is delivered here")

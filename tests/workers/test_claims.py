"""Claims on the real PostgreSQL: each due row goes to exactly one of several workers taking
rows at once, a dead worker's rows come back when its lease is out, a finished row is free.
On SQLite (one process) every claim is its own: a claim left by the process before a restart
never holds a row back."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import iso
from bot.storage import alerts, claims, mothers, schedule
from bot.storage.db import Database
from bot.storage.postgres import PgStore
from bot.storage.tx import Store
from tests.workers.conftest import T0

LEASE = timedelta(seconds=60)


@pytest.fixture
async def stores(pg_url: str) -> AsyncIterator[list[PgStore]]:
    """Four workers' pools on one database."""
    opened = [await PgStore.open(pg_url, migrate=False) for _ in range(4)]
    yield opened
    for store in opened:
        await store.close()


async def due_outbox(store: Store, count: int) -> list[int]:
    async with store.transaction() as tx:
        return [
            await alerts.enqueue(tx, "alert_repeat", i % 3, {"n": i}, T0, chat_id=-1001)
            for i in range(count)
        ]


async def pending_sends(store: Store, count: int) -> list[int]:
    async with store.transaction() as tx:
        for chat in range(count):
            await mothers.create(tx, 5000 + chat, "en", T0, consent="given")
        rows = await tx.fetchall("SELECT id FROM mothers ORDER BY id")
        await schedule.add_sends(tx, [(row[0], "checkin", "2026-11-25", iso(T0)) for row in rows])
        return [row[0] for row in await tx.fetchall("SELECT id FROM sends ORDER BY id")]


async def test_workers_taking_due_outbox_rows_at_once_each_get_different_rows(
    stores: list[PgStore],
) -> None:
    ids = await due_outbox(stores[0], 120)

    async def worker(store: PgStore, name: str) -> list[int]:
        """Claim a few, deliver them (mark sent, release), until nothing is left."""
        taken: list[int] = []
        while True:
            async with store.transaction() as tx:
                items = await claims.claim_outbox(tx, name, T0, T0 + LEASE, 7)
                await asyncio.sleep(0)  # hold the row locks while the others try
            if not items:
                return taken
            taken += [item.id for item in items]
            async with store.transaction() as tx:
                for item in items:
                    await alerts.mark_sent(tx, item.id, None, T0)
                    await claims.release_outbox(tx, item.id, name)

    results = await asyncio.gather(*(worker(s, f"w{i}") for i, s in enumerate(stores)))
    counts = Counter(item for taken in results for item in taken)
    assert sorted(counts) == ids
    assert set(counts.values()) == {1}, "a row claimed by two workers"
    assert sum(1 for taken in results if taken) >= 2, "the work was shared"
    left = await stores[0].fetchone("SELECT COUNT(*) FROM outbox WHERE claimed_by IS NOT NULL")
    assert left == (0,), "a finished row keeps no claim"


async def test_urgent_rows_are_claimed_first_and_own_rows_renewed(stores: list[PgStore]) -> None:
    await due_outbox(stores[0], 6)  # priorities 0, 1, 2, 0, 1, 2
    async with stores[0].transaction() as tx:
        first = await claims.claim_outbox(tx, "a", T0, T0 + LEASE, 2)
    assert [item.priority for item in first] == [0, 0]
    later = T0 + timedelta(seconds=30)
    async with stores[1].transaction() as tx:
        again = await claims.claim_outbox(tx, "a", later, later + LEASE, 10)
    assert [item.id for item in again][:2] == [item.id for item in first]
    row = await stores[0].fetchone("SELECT claimed_until FROM outbox WHERE id = ?", (first[0].id,))
    assert row == (iso(later + LEASE),), "claiming its own row again renews the lease"


async def test_a_dead_workers_rows_are_claimable_once_its_lease_is_out(
    stores: list[PgStore],
) -> None:
    ids = await due_outbox(stores[0], 3)
    async with stores[0].transaction() as tx:
        assert len(await claims.claim_outbox(tx, "dead", T0, T0 + LEASE, 10)) == 3
    # The worker "dies": it never delivers, renews or releases.
    almost = T0 + LEASE - timedelta(seconds=1)
    async with stores[1].transaction() as tx:
        assert await claims.claim_outbox(tx, "alive", almost, almost + LEASE, 10) == []
        assert await claims.next_outbox_due(tx, "alive", almost) == iso(T0 + LEASE)
    after = T0 + LEASE
    async with stores[1].transaction() as tx:
        taken = await claims.claim_outbox(tx, "alive", after, after + LEASE, 10)
    assert sorted(item.id for item in taken) == ids


async def test_a_claim_in_an_open_transaction_is_skipped_not_waited_for(
    stores: list[PgStore],
) -> None:
    await due_outbox(stores[0], 4)
    async with stores[0].transaction() as first:
        mine = await claims.claim_outbox(first, "a", T0, T0 + LEASE, 2)
        async with stores[1].transaction() as second:  # would deadlock if it waited
            theirs = await claims.claim_outbox(second, "b", T0, T0 + LEASE, 10)
    assert len(mine) == 2 and len(theirs) == 2
    assert not {item.id for item in mine} & {item.id for item in theirs}


async def test_workers_feeding_sends_at_once_each_take_different_rows(
    stores: list[PgStore],
) -> None:
    ids = await pending_sends(stores[0], 90)

    async def worker(store: PgStore, name: str) -> list[int]:
        taken: list[int] = []
        while True:
            async with store.transaction() as tx:
                rows = await claims.claim_sends(tx, name, T0, T0 + LEASE, 8)
                await asyncio.sleep(0)
            if not rows:
                return taken
            taken += [row.id for row in rows]
            async with store.transaction() as tx:
                for row in rows:
                    assert await claims.hold_send(tx, row.id, name, T0 + LEASE)
                    await schedule.mark_send(tx, row.id, "sent", T0)
                    await claims.release_send(tx, row.id)

    results = await asyncio.gather(*(worker(s, f"w{i}") for i, s in enumerate(stores)))
    counts = Counter(item for taken in results for item in taken)
    assert sorted(counts) == ids
    assert set(counts.values()) == {1}


async def test_a_worker_that_lost_its_send_to_another_does_not_compose_it(
    stores: list[PgStore],
) -> None:
    [send_id] = await pending_sends(stores[0], 1)
    async with stores[0].transaction() as tx:
        [row] = await claims.claim_sends(tx, "slow", T0, T0 + LEASE, 5)
    assert row.id == send_id and row.chat_id == 5000
    late = T0 + LEASE + timedelta(seconds=1)
    async with stores[1].transaction() as tx:
        [taken] = await claims.claim_sends(tx, "fast", late, late + LEASE, 5)
    assert taken.id == send_id
    async with stores[0].transaction() as tx:
        assert not await claims.hold_send(tx, send_id, "slow", late + LEASE)
    async with stores[1].transaction() as tx:
        assert await claims.hold_send(tx, send_id, "fast", late + LEASE)


async def test_on_sqlite_a_claim_from_before_a_restart_holds_nothing_back(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        ids = await due_outbox(db, 2)
        await pending_sends(db, 2)
        async with db.transaction() as tx:
            await claims.claim_outbox(tx, "before-restart", T0, T0 + LEASE, 10)
            await claims.claim_sends(tx, "before-restart", T0, T0 + LEASE, 10)
        async with db.transaction() as tx:
            items = await claims.claim_outbox(tx, "after", T0, T0 + LEASE, 10)
            sends = await claims.claim_sends(tx, "after", T0, T0 + LEASE, 10)
            assert await claims.next_outbox_due(tx, "after", T0) == iso(T0)
        assert [item.id for item in items] == ids
        assert len(sends) == 2
    finally:
        await db.close()

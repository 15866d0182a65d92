"""One turn at a time per mother across workers, and a redelivered update applied once.

Two workers' transactions on the real PostgreSQL: the second turn of the same mother waits for
the first to commit and then sees what it wrote; another mother's turn does not wait at all."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.config import Config
from bot.conversation.messages import Author, Incoming
from bot.conversation.service import Conversation
from bot.services import Catalog
from bot.storage import dialog, locks, mothers
from bot.storage.postgres import PgStore
from tests.workers.conftest import T0, pg_services, until

CHAT = 7_000_000_123  # over 32 bits, as Telegram's ids are now


@pytest.fixture
async def two(pg_url: str) -> AsyncIterator[tuple[PgStore, PgStore]]:
    first = await PgStore.open(pg_url, migrate=False)
    second = await PgStore.open(pg_url, migrate=False)
    yield first, second
    await first.close()
    await second.close()


async def waiting_on_a_lock(store: PgStore) -> int:
    """How many sessions wait for an advisory lock right now."""
    row = await store.fetchone(
        "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    )
    assert row is not None
    return int(row[0])


async def test_a_second_turn_of_hers_waits_and_sees_the_first_ones_commit(
    two: tuple[PgStore, PgStore],
) -> None:
    first, second = two
    release = asyncio.Event()

    async def turn_one() -> None:
        async with first.transaction() as tx:
            await locks.lock_mother(tx, CHAT)
            mother = await mothers.create(tx, CHAT, "en", T0)
            await mothers.update(tx, mother.id, T0, first_name="Olena")
            await release.wait()

    async def turn_two() -> str | None:
        async with second.transaction() as tx:
            await locks.lock_mother(tx, CHAT)
            mother = await mothers.by_chat(tx, CHAT)
            return None if mother is None else mother.first_name

    one = asyncio.create_task(turn_one())
    await until(lambda: _holds(first))
    two_task = asyncio.create_task(turn_two())
    await until(lambda: _waits(first))
    assert not two_task.done()
    release.set()
    await one
    assert await two_task == "Olena"


async def _holds(store: PgStore) -> bool:
    row = await store.fetchone("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'")
    return row is not None and int(row[0]) >= 1


async def _waits(store: PgStore) -> bool:
    return await waiting_on_a_lock(store) == 1


async def test_another_mothers_turn_does_not_wait(two: tuple[PgStore, PgStore]) -> None:
    first, second = two
    async with first.transaction() as tx:
        await locks.lock_mother(tx, CHAT)
        async with second.transaction() as other:
            await asyncio.wait_for(locks.lock_mother(other, CHAT + 1), timeout=10)


async def test_a_redelivered_update_is_claimed_by_one_worker_only(
    two: tuple[PgStore, PgStore],
) -> None:
    """Telegram redelivers update 42 to both workers at once: exactly one turn applies it,
    the other finds it taken once the first commits (and takes it if the first rolled back)."""
    first, second = two
    release = asyncio.Event()

    async def claim(store: PgStore, hold: bool) -> bool:
        async with store.transaction() as tx:
            won = await dialog.claim_update(tx, 42, T0)
            if hold:
                await release.wait()
            return won

    one = asyncio.create_task(claim(first, hold=True))
    await until(lambda: _has_update_insert_open(first))
    other = asyncio.create_task(claim(second, hold=False))
    await asyncio.sleep(0)
    release.set()
    assert sorted([await one, await other]) == [False, True]

    class Abort(Exception):
        pass

    with pytest.raises(Abort):
        async with first.transaction() as tx:
            assert await dialog.claim_update(tx, 43, T0)
            raise Abort
    async with second.transaction() as tx:
        assert await dialog.claim_update(tx, 43, T0), "a rolled-back turn left it unclaimed"


async def _has_update_insert_open(store: PgStore) -> bool:
    row = await store.fetchone(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE state = 'idle in transaction'"
        " AND datname = current_database()"
    )
    return row is not None and int(row[0]) >= 1


def test_chat_ids_fold_into_32_bit_keys() -> None:
    for chat in (1, -1001234567890, 7_000_000_123, 2**63 - 1, -(2**63)):
        assert -(2**31) <= locks.fold(chat) < 2**31
    assert locks.fold(CHAT) != locks.fold(CHAT + 1)


async def test_one_update_delivered_to_two_workers_at_once_is_answered_once(
    pg_url: str, config: Config, catalog: Catalog
) -> None:
    """Two workers' conversations over one database take the same /start at the same time:
    one answers it, the other finds it taken (after waiting for her turn)."""
    both = [await pg_services(pg_url, config, catalog) for _ in range(2)]
    try:
        her = Author(chat_id=CHAT, user_id=CHAT, first_name="Olena", language_code="en")
        start = Incoming(her, "command", text="/start", command="start", update_id=77)
        answers = await asyncio.gather(
            *(Conversation(services).handle(start, T0) for services in both)
        )
        assert sorted(len(replies) > 0 for replies in answers) == [False, True]
        row = await both[0].db.fetchone("SELECT COUNT(*) FROM mothers WHERE chat_id = ?", (CHAT,))
        assert row == (1,)
    finally:
        for services in both:
            await services.close()


async def test_two_updates_of_hers_at_two_workers_at_once_run_one_after_the_other(
    pg_url: str, config: Config, catalog: Catalog
) -> None:
    """Her first two messages reach two workers together: without her lock both turns would
    find no mother and both create her (one failing on the unique chat id)."""
    both = [await pg_services(pg_url, config, catalog) for _ in range(2)]
    try:
        her = Author(chat_id=CHAT, user_id=CHAT, first_name="Olena", language_code="en")
        updates = [
            Incoming(her, "command", text="/start", command="start", update_id=id_)
            for id_ in (81, 82)
        ]
        answers = await asyncio.gather(
            *(
                Conversation(services).handle(update, T0)
                for services, update in zip(both, updates, strict=True)
            )
        )
        assert all(answers), "both turns answered"
        row = await both[0].db.fetchone("SELECT COUNT(*) FROM mothers WHERE chat_id = ?", (CHAT,))
        assert row == (1,)
    finally:
        for services in both:
            await services.close()

"""Small named values: a secret made once is the one every worker uses.

Why: the callback and webhook secrets are made by the first worker that needs them. Two workers
starting together on PostgreSQL both find none; the second must take the first one's value, not
crash on the duplicate key (and not keep a secret of its own, which would make the buttons of
the other worker's messages look forged).
"""

from __future__ import annotations

import asyncio

from bot.storage import kv
from bot.storage.postgres import PgStore
from bot.storage.tx import Store


async def test_a_value_is_made_once_and_then_kept(store: Store) -> None:
    made = await kv.get_or_create(store, "secret", lambda: "first")
    again = await kv.get_or_create(store, "secret", lambda: "second")
    assert (made, again) == ("first", "first")
    assert await kv.get(store, "secret") == "first"


async def waiting_for_a_lock(store: PgStore) -> bool:
    row = await store.fetchone(
        "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    )
    return row is not None and int(row["n"]) > 0


async def test_two_workers_making_the_same_value_at_once_keep_the_first(pg_url: str) -> None:
    first, second, watcher = [await PgStore.open(pg_url) for _ in range(3)]
    try:
        async with first.transaction() as tx:
            await tx.execute("INSERT INTO kv (key, value) VALUES (?, ?)", ("secret", "first"))
            # The second worker finds no row (not committed yet) and waits on the key.
            racing = asyncio.create_task(kv.get_or_create(second, "secret", lambda: "second"))
            deadline = asyncio.get_running_loop().time() + 10
            while not await waiting_for_a_lock(watcher):
                assert asyncio.get_running_loop().time() < deadline, "never reached the insert"
                await asyncio.sleep(0.01)
        assert await racing == "first"
        assert await kv.get(watcher, "secret") == "first"
    finally:
        for store in (first, second, watcher):
            await store.close()

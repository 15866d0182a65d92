"""SQLite statements run on the event loop (bot/storage/db.py): what that must not break."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.storage.db import Database


async def test_a_job_committing_batch_after_batch_lets_other_tasks_run_between(
    tmp_path: Path,
) -> None:
    """Statements no longer await anything, so without the turn of the loop after COMMIT a
    planning job's 500-row batches would hold every send until its last batch."""
    db = await Database.open(tmp_path / "bot.sqlite3")
    seen: list[str] = []

    async def other() -> None:
        while True:
            seen.append("other")
            await asyncio.sleep(0)

    task = asyncio.create_task(other())
    await asyncio.sleep(0)
    seen.clear()
    for n in range(5):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO kv (key, value) VALUES (?, ?)", (f"k{n}", "v"))
        seen.append("batch")
    task.cancel()
    await db.close()
    assert seen == ["other", "batch"] * 5


async def test_a_part_read_query_or_an_unread_returning_row_does_not_block_commit(
    tmp_path: Path,
) -> None:
    """``fetchone`` of a query with more rows and ``execute`` of a statement that returns a
    row leave no statement in progress ("cannot commit transaction")."""
    db = await Database.open(tmp_path / "bot.sqlite3")
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO kv (key, value) VALUES (?, ?)", [(f"k{n}", "v") for n in range(3)]
        )
        assert await tx.fetchone("SELECT key FROM kv ORDER BY key") is not None
        await tx.execute("INSERT INTO kv (key, value) VALUES ('r', 'v') RETURNING key")
    async with db.reading() as tx:
        rows = await tx.fetchall("SELECT key FROM kv ORDER BY key")
    assert [row[0] for row in rows] == ["k0", "k1", "k2", "r"]
    await db.checkpoint()
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM kv WHERE key = 'r'")
    await db.close()

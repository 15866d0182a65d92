"""Which psychoeducation snippets she has read, so the next one is new to her."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.clock import iso
from bot.storage.tx import Tx


async def seen(tx: Tx, mother_id: int) -> set[str]:
    rows = await tx.fetchall(
        "SELECT snippet_id FROM snippet_views WHERE mother_id = ?", (mother_id,)
    )
    return {row[0] for row in rows}


async def mark_seen(tx: Tx, mother_id: int, snippet_id: str, now: datetime) -> None:
    """Read (again): the time of the latest reading is kept."""
    await tx.execute(
        "INSERT INTO snippet_views (mother_id, snippet_id, seen_at) VALUES (?, ?, ?)"
        " ON CONFLICT (mother_id, snippet_id) DO UPDATE SET seen_at = excluded.seen_at",
        (mother_id, snippet_id, iso(now)),
    )


async def forget(tx: Tx, mother_id: int, snippet_ids: Sequence[str]) -> None:
    """She asked to start a topic again: its snippets count as unread."""
    marks = ", ".join("?" for _ in snippet_ids)
    await tx.execute(
        f"DELETE FROM snippet_views WHERE mother_id = ? AND snippet_id IN ({marks})",
        (mother_id, *snippet_ids),
    )

"""Her words: the texts she writes, each with its time and what the bot did with it.

Written only after she consented; erased with her (``erase.py`` walks ``PERSONAL_TABLES``) and
pruned after the retention period (``MESSAGE_RETENTION_DAYS``) by the scheduler's hourly prune.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import iso
from bot.storage.db import fetchall

MAX_STORED_CHARS = 4096  # Telegram's own limit for one message


@dataclass(frozen=True)
class Message:
    id: int
    kind: str
    text: str
    handled: str
    created_at: str


async def add(
    conn: aiosqlite.Connection,
    mother_id: int,
    text: str,
    handled: str,
    now: datetime,
    kind: str = "text",
) -> int:
    cursor = await conn.execute(
        "INSERT INTO messages (mother_id, kind, text, handled, created_at) VALUES (?, ?, ?, ?, ?)",
        (mother_id, kind, text[:MAX_STORED_CHARS], handled, iso(now)),
    )
    return int(cursor.lastrowid or 0)


async def recent(conn: aiosqlite.Connection, mother_id: int, limit: int = 5) -> list[Message]:
    """Her latest messages, oldest first (the order she wrote them in)."""
    rows = await fetchall(
        conn,
        "SELECT id, kind, text, handled, created_at FROM messages WHERE mother_id = ?"
        " ORDER BY id DESC LIMIT ?",
        (mother_id, limit),
    )
    return [
        Message(int(r["id"]), r["kind"], r["text"], r["handled"], r["created_at"])
        for r in reversed(rows)
    ]


async def prune(conn: aiosqlite.Connection, before: datetime) -> int:
    """Delete messages written before ``before`` (the retention period); returns how many.

    Her words also stand, quoted, in the alerts they raised and in her distress records: those
    quotes go at the same time (the alert and the record stay, without her words)."""
    cursor = await conn.execute("DELETE FROM messages WHERE created_at < ?", (iso(before),))
    await conn.execute(
        "UPDATE alerts SET detail = json_remove(detail, '$.message', '$.matched')"
        " WHERE created_at < ? AND json_extract(detail, '$.message') IS NOT NULL",
        (iso(before),),
    )
    await conn.execute(
        "UPDATE answers SET value = json_remove(value, '$.message', '$.matched')"
        " WHERE created_at < ? AND flow = 'distress' AND json_type(value) = 'object'"
        " AND json_extract(value, '$.message') IS NOT NULL",
        (iso(before),),
    )
    return max(0, cursor.rowcount)

"""Her words: the texts she writes, each with its time and what the bot did with it.

Written only after she consented; erased with her (``erase.py`` walks ``PERSONAL_TABLES``) and
pruned after the retention period (``MESSAGE_RETENTION_DAYS``) by the scheduler's hourly prune.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import iso
from bot.storage.tx import Tx

MAX_STORED_CHARS = 4096  # Telegram's own limit for one message


@dataclass(frozen=True)
class Message:
    id: int
    kind: str
    text: str
    handled: str
    created_at: str


async def add(
    tx: Tx,
    mother_id: int,
    text: str,
    handled: str,
    now: datetime,
    kind: str = "text",
) -> int:
    row = await tx.fetchone(
        "INSERT INTO messages (mother_id, kind, text, handled, created_at) VALUES (?, ?, ?, ?, ?)"
        " RETURNING id",
        (mother_id, kind, text[:MAX_STORED_CHARS], handled, iso(now)),
    )
    assert row is not None
    return int(row[0])


async def recent(tx: Tx, mother_id: int, limit: int = 5) -> list[Message]:
    """Her latest messages, oldest first (the order she wrote them in)."""
    rows = await tx.fetchall(
        "SELECT id, kind, text, handled, created_at FROM messages WHERE mother_id = ?"
        " ORDER BY id DESC LIMIT ?",
        (mother_id, limit),
    )
    return [
        Message(int(r["id"]), r["kind"], r["text"], r["handled"], r["created_at"])
        for r in reversed(rows)
    ]


_UNQUOTE_ALERTS = {
    "sqlite": "UPDATE alerts SET detail = json_remove(detail, '$.message', '$.matched')"
    " WHERE created_at < ? AND json_extract(detail, '$.message') IS NOT NULL",
    "postgres": "UPDATE alerts SET detail = (detail::jsonb - 'message' - 'matched')::text"
    " WHERE created_at < ? AND (detail::jsonb ->> 'message') IS NOT NULL",
}
# A distress answer is an object quoting her; the other answers of the flow are plain values.
_UNQUOTE_ANSWERS = {
    "sqlite": "UPDATE answers SET value = json_remove(value, '$.message', '$.matched')"
    " WHERE created_at < ? AND flow = 'distress' AND json_type(value) = 'object'"
    " AND json_extract(value, '$.message') IS NOT NULL",
    "postgres": "UPDATE answers SET value = (value::jsonb - 'message' - 'matched')::text"
    " WHERE created_at < ? AND flow = 'distress' AND jsonb_typeof(value::jsonb) = 'object'"
    " AND (value::jsonb ->> 'message') IS NOT NULL",
}


async def prune(tx: Tx, before: datetime) -> int:
    """Delete messages written before ``before`` (the retention period); returns how many.

    Her words also stand, quoted, in the alerts they raised and in her distress records: those
    quotes go at the same time (the alert and the record stay, without her words)."""
    deleted = await tx.execute("DELETE FROM messages WHERE created_at < ?", (iso(before),))
    await tx.execute(_UNQUOTE_ALERTS[tx.dialect], (iso(before),))
    await tx.execute(_UNQUOTE_ANSWERS[tx.dialect], (iso(before),))
    return max(0, deleted)

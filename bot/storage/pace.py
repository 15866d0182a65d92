"""The sending pace shared by every worker, kept in the database (PostgreSQL only).

One call per message books a slot with ``poruch_book_send`` (migration 0006): a slot is granted
only when it is free now, overall and, for scheduled messages, in her chat, so the waits it
answers are short and each worker's lanes keep choosing what goes next. The database's clock is
the one clock all workers agree on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.tx import Tx


@dataclass(frozen=True)
class Booking:
    """``granted_at`` (database seconds) when a slot was granted; otherwise how long to wait
    overall (``global_wait``) or for this chat (``chat_wait``)."""

    global_wait: float
    chat_wait: float
    granted_at: float | None

    @property
    def granted(self) -> bool:
        return self.granted_at is not None


async def book_send(
    tx: Tx, chat_id: int, *, per_chat: bool, step: float, chat_hold: float, late: float
) -> Booking:
    """A slot now, ``step`` seconds after the last one overall (``late``: how far behind a
    slot may be kept, as the in-memory pacer does); her chat held ``chat_hold`` seconds until
    :func:`sent` says when the message arrived."""
    row = await tx.fetchone(
        "SELECT global_wait, chat_wait, granted_at FROM poruch_book_send(?, ?, ?, ?, ?)",
        (chat_id, per_chat, step, chat_hold, late),
    )
    if row is None:  # a function with OUT parameters always answers one row
        raise RuntimeError("poruch_book_send returned nothing")
    granted = row["granted_at"]
    return Booking(
        float(row["global_wait"]),
        float(row["chat_wait"]),
        None if granted is None else float(granted),
    )


async def sent(tx: Tx, chat_id: int, chat_step: float) -> None:
    """Telegram answered: her chat's next slot is ``chat_step`` seconds from now."""
    await tx.execute(
        "UPDATE chat_pace SET next_at = EXTRACT(EPOCH FROM clock_timestamp()) + ?"
        " WHERE chat_id = ?",
        (chat_step, chat_id),
    )


async def prune_chats(tx: Tx, before: datetime) -> int:
    """Chats with no message for a while need no slot of their own: their row goes."""
    deleted = await tx.execute("DELETE FROM chat_pace WHERE next_at < ?", (before.timestamp(),))
    return max(0, deleted)

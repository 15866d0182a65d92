"""Group chats that Telegram moved to a new id, kept so the move survives a restart.

A group becomes a supergroup when it gets admins or grows; from then on Telegram refuses every
message to the old id with ``migrate_to_chat_id``. The configured ``STAFF_CHAT_ID`` stays the old
id until someone edits it, so the bot keeps the move here and follows it.
"""

from __future__ import annotations

import json
from datetime import datetime

from bot.clock import iso
from bot.storage.tx import Tx

PREFIX = "chat_moved:"


async def load_moves(tx: Tx) -> dict[int, tuple[int, str]]:
    """Every recorded move: old chat id → (new chat id, when it was seen)."""
    rows = await tx.fetchall("SELECT key, value FROM kv WHERE key LIKE ?", (f"{PREFIX}%",))
    return dict(parse_move(key, value) for key, value in rows)


def parse_move(key: str, value: str) -> tuple[int, tuple[int, str]]:
    """One kv row of a move: (old chat id, (new chat id, when it was seen))."""
    record = json.loads(value)
    return int(key[len(PREFIX) :]), (int(record["to"]), str(record["at"]))


async def record_move(tx: Tx, old: int, new: int, now: datetime) -> None:
    """Keep the move and re-address what still waits for the old id, in one transaction."""
    await tx.execute(
        "INSERT INTO kv (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (f"{PREFIX}{old}", json.dumps({"to": new, "at": iso(now)})),
    )
    await tx.execute(
        "UPDATE outbox SET chat_id = ?, next_attempt_at = ?"
        " WHERE chat_id = ? AND status = 'pending'",
        (new, iso(now), old),
    )

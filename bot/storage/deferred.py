"""What a flow would have said after a crisis reply, held back until she continues.

One row per mother; the payload is the conversation's own JSON of the messages, opaque here.
"""

from __future__ import annotations

from bot.storage.tx import Tx


async def hold(tx: Tx, mother_id: int, payload: str) -> None:
    """Keep ``payload``, replacing what was held before."""
    await tx.execute(
        "INSERT INTO deferred_messages (mother_id, payload) VALUES (?, ?)"
        " ON CONFLICT (mother_id) DO UPDATE SET payload = excluded.payload",
        (mother_id, payload),
    )


async def held(tx: Tx, mother_id: int) -> str | None:
    row = await tx.fetchone(
        "SELECT payload FROM deferred_messages WHERE mother_id = ?", (mother_id,)
    )
    return None if row is None else str(row[0])


async def clear(tx: Tx, mother_id: int) -> None:
    await tx.execute("DELETE FROM deferred_messages WHERE mother_id = ?", (mother_id,))

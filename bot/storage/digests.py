"""The outbox rows behind the routine-alert digest (``bot/safety/digest.py``).

A routine alert's row due while the clinic is closed is *held*: ``payload.held`` is set and
``next_attempt_at`` moves to the next opening. When held rows come due, they are *collapsed*:
one ``digest`` row lists their alerts and each held row is withdrawn, naming the digest. Nothing
is deleted, so the audit trail of every alert stays whole.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from bot.clock import iso
from bot.storage.alerts import LANE, ROUTINE, enqueue
from bot.storage.db import fetchall

DIGEST = "digest"
_ROUTINE_DUE = (
    "SELECT o.id, o.alert_id FROM outbox o JOIN alerts a ON a.id = o.alert_id"
    " WHERE o.status = 'pending' AND o.priority = ? AND o.kind = 'staff_alert'"
    " AND a.priority = 'routine' AND o.next_attempt_at <= ?"
)


async def due_unheld(conn: aiosqlite.Connection, now: datetime) -> list[int]:
    """Routine alert rows due now that were not held yet (ids of outbox rows)."""
    rows = await fetchall(
        conn,
        f"{_ROUTINE_DUE} AND json_extract(o.payload, '$.held') IS NULL",
        (LANE[ROUTINE], iso(now)),
    )
    return [int(r[0]) for r in rows]


async def due_held(conn: aiosqlite.Connection, now: datetime) -> list[tuple[int, int]]:
    """Held routine alert rows due now: (outbox row id, alert id), oldest alert first."""
    rows = await fetchall(
        conn,
        f"{_ROUTINE_DUE} AND json_extract(o.payload, '$.held') IS NOT NULL ORDER BY o.alert_id",
        (LANE[ROUTINE], iso(now)),
    )
    return [(int(r[0]), int(r[1])) for r in rows]


async def hold(conn: aiosqlite.Connection, item_ids: Sequence[int], until: datetime) -> None:
    marks = ", ".join("?" * len(item_ids))
    await conn.execute(
        "UPDATE outbox SET next_attempt_at = ?, payload = json_set(payload, '$.held', 1)"
        f" WHERE id IN ({marks})",
        (iso(until), *item_ids),
    )


async def collapse(
    conn: aiosqlite.Connection, held: Sequence[tuple[int, int]], now: datetime
) -> int:
    """One digest row for these held rows' alerts; the held rows are withdrawn into it."""
    alert_ids = [alert_id for _, alert_id in held]
    digest_id = await enqueue(conn, DIGEST, LANE[ROUTINE], {"alerts": alert_ids}, now)
    marks = ", ".join("?" * len(held))
    await conn.execute(
        f"UPDATE outbox SET status = 'withdrawn', last_error = ? WHERE id IN ({marks})",
        (json.dumps({"digest": digest_id}), *(item_id for item_id, _ in held)),
    )
    return digest_id

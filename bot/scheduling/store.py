"""SQL for the schedule: planning slots, claiming due ones, and the ``sends`` ledger.

Every query here reads a range of an index (``mothers_next_checkin``, ``mothers_remind``,
``mothers_unplanned``, ``sends_pending``), so a tick costs the same with 1,000 mothers or
100,000: what is due now, not who exists.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import iso


@dataclass(frozen=True)
class SlotRow:
    """A mother whose daily slot is due, with what deciding today's messages needs."""

    id: int
    chat_id: int
    pseudonym: str
    checkin_time: str | None
    timezone: str | None
    baby_birth_date: str | None
    created_at: str
    due_at: datetime
    epds_step: int
    last_mood: tuple[int, Any, str] | None  # (answer id, value, created_at) of her last mood
    last_epds_at: str | None
    epds_reminder: bool  # a pending ``epds_offer`` reminder is due


@dataclass(frozen=True)
class SendRow:
    id: int
    mother_id: int
    chat_id: int
    kind: str
    local_date: str
    due_at: datetime
    status: str
    pseudonym: str
    composed_at: datetime | None = None  # rendered before, but Telegram never confirmed it


SLOT_QUERY = """
SELECT m.id, m.chat_id, m.pseudonym, m.checkin_time, m.timezone, m.baby_birth_date,
       m.created_at, m.next_checkin_at, m.epds_step,
       (SELECT json_array(a.id, a.value, a.created_at) FROM answers a
         WHERE a.mother_id = m.id AND a.flow = 'checkin' AND a.key = 'mood'
         ORDER BY a.created_at DESC LIMIT 1) AS last_mood,
       (SELECT MAX(s.created_at) FROM assessments s
         WHERE s.mother_id = m.id AND s.kind = 'epds') AS last_epds_at,
       EXISTS (SELECT 1 FROM reminders r WHERE r.mother_id = m.id AND r.status = 'pending'
                AND r.kind = 'epds_offer' AND r.due_at <= :now) AS epds_reminder
  FROM mothers m
 WHERE m.next_checkin_at <= :now
 ORDER BY m.next_checkin_at
 LIMIT :limit
"""


def _slot(row: sqlite3.Row) -> SlotRow:
    mood = json.loads(row["last_mood"]) if row["last_mood"] else None
    return SlotRow(
        id=row["id"],
        chat_id=row["chat_id"],
        pseudonym=row["pseudonym"],
        checkin_time=row["checkin_time"],
        timezone=row["timezone"],
        baby_birth_date=row["baby_birth_date"],
        created_at=row["created_at"],
        due_at=datetime.fromisoformat(row["next_checkin_at"]),
        epds_step=row["epds_step"],
        last_mood=(mood[0], json.loads(mood[1]), mood[2]) if mood else None,
        last_epds_at=row["last_epds_at"],
        epds_reminder=bool(row["epds_reminder"]),
    )


async def due_slots(conn: aiosqlite.Connection, now: datetime, limit: int) -> list[SlotRow]:
    async with conn.execute(SLOT_QUERY, {"now": iso(now), "limit": limit}) as cursor:
        return [_slot(row) for row in await cursor.fetchall()]


async def unplanned(conn: aiosqlite.Connection, limit: int) -> list[sqlite3.Row]:
    """Active, consented mothers without a planned slot (new, or settings changed)."""
    async with conn.execute(
        "SELECT id, checkin_time, timezone, last_prompt_local_date FROM mothers"
        " WHERE next_checkin_at IS NULL AND status = 'active' AND consent = 'given' LIMIT ?",
        (limit,),
    ) as cursor:
        return list(await cursor.fetchall())


async def set_next(conn: aiosqlite.Connection, plans: list[tuple[str, int]]) -> None:
    """``plans``: (next slot as ISO UTC, mother id)."""
    await conn.executemany("UPDATE mothers SET next_checkin_at = ? WHERE id = ?", plans)


async def move_slots(
    conn: aiosqlite.Connection, moves: list[tuple[str, str | None, int, str | None, int]]
) -> None:
    """(next slot, remind at, journey step, local date used or None, mother id): each slot
    was used (that local date) or passed over (None); she moves on to the next one."""
    await conn.executemany(
        "UPDATE mothers SET next_checkin_at = ?, remind_at = ?, epds_step = ?,"
        " last_prompt_local_date = COALESCE(?, last_prompt_local_date) WHERE id = ?",
        moves,
    )


async def due_reminders(
    conn: aiosqlite.Connection, now: datetime, limit: int
) -> list[tuple[int, datetime, str | None, str | None]]:
    """(mother id, remind_at, timezone, last_prompt_local_date) of reminders due now."""
    async with conn.execute(
        "SELECT id, remind_at, timezone, last_prompt_local_date FROM mothers"
        " WHERE remind_at <= ? ORDER BY remind_at LIMIT ?",
        (iso(now), limit),
    ) as cursor:
        rows = await cursor.fetchall()
    return [(r[0], datetime.fromisoformat(r[1]), r[2], r[3]) for r in rows]


async def clear_reminders(conn: aiosqlite.Connection, mother_ids: list[int]) -> None:
    await conn.executemany(
        "UPDATE mothers SET remind_at = NULL WHERE id = ?", [(m,) for m in mother_ids]
    )


async def consume_epds_reminders(conn: aiosqlite.Connection, mother_id: int, now: str) -> None:
    await conn.execute(
        "UPDATE reminders SET status = 'done' WHERE mother_id = ? AND kind = 'epds_offer'"
        " AND status = 'pending' AND due_at <= ?",
        (mother_id, now),
    )


async def add_sends(conn: aiosqlite.Connection, rows: list[tuple[int, str, str, str]]) -> int:
    """Record messages to send, (mother id, kind, local date, due ISO); one per mother, kind
    and day (a row that exists already is left alone). Returns how many are new."""
    if not rows:
        return 0
    cursor = await conn.executemany(
        "INSERT OR IGNORE INTO sends (mother_id, kind, local_date, due_at) VALUES (?, ?, ?, ?)",
        rows,
    )
    return max(0, cursor.rowcount)


SEND_COLUMNS = (
    "s.id, s.mother_id, m.chat_id, s.kind, s.local_date, s.due_at, s.status, m.pseudonym,"
    " s.composed_at"
    " FROM sends s JOIN mothers m ON m.id = s.mother_id"
)


def _send(row: sqlite3.Row) -> SendRow:
    return SendRow(
        id=row[0],
        mother_id=row[1],
        chat_id=row[2],
        kind=row[3],
        local_date=row[4],
        due_at=datetime.fromisoformat(row[5]),
        status=row[6],
        pseudonym=row[7],
        composed_at=datetime.fromisoformat(row[8]) if row[8] else None,
    )


async def pending_sends(conn: aiosqlite.Connection, limit: int) -> list[SendRow]:
    async with conn.execute(
        f"SELECT {SEND_COLUMNS} WHERE s.status = 'pending' ORDER BY s.due_at, s.id LIMIT ?",
        (limit,),
    ) as cursor:
        return [_send(row) for row in await cursor.fetchall()]


async def mark_send(
    conn: aiosqlite.Connection, send_id: int, status: str, now: datetime, reason: str | None = None
) -> None:
    await conn.execute(
        "UPDATE sends SET status = ?, reason = ?, sent_at = ? WHERE id = ?",
        (status, reason, iso(now) if status == "sent" else None, send_id),
    )


async def mark_composed(conn: aiosqlite.Connection, send_id: int, now: datetime) -> None:
    """Rendered, with the session it started, in the same transaction: if Telegram never
    confirms it (a crash mid-send), the next render knows that session is its own."""
    await conn.execute("UPDATE sends SET composed_at = ? WHERE id = ?", (iso(now), send_id))


async def prune_sends(conn: aiosqlite.Connection, before: datetime) -> int:
    """Finished rows older than a few days only ever answered "was this sent?" for that day."""
    cursor = await conn.execute(
        "DELETE FROM sends WHERE due_at < ? AND status != 'pending'", (iso(before),)
    )
    return cursor.rowcount


async def checked_in_since(conn: aiosqlite.Connection, mother_id: int, since: datetime) -> bool:
    async with conn.execute(
        "SELECT 1 FROM answers WHERE mother_id = ? AND flow = 'checkin' AND created_at >= ?"
        " LIMIT 1",
        (mother_id, iso(since)),
    ) as cursor:
        return await cursor.fetchone() is not None


async def session_updated_at(conn: aiosqlite.Connection, mother_id: int) -> datetime | None:
    async with conn.execute(
        "SELECT updated_at FROM sessions WHERE mother_id = ?", (mother_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return datetime.fromisoformat(row[0]) if row else None

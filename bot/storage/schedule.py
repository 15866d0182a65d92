"""The schedule: planning slots, claiming due ones, one-off reminders and the ``sends`` ledger.

Every query here reads a range of an index (``mothers_next_checkin``, ``mothers_remind``,
``mothers_unplanned``, ``sends_pending``), so a tick costs the same with 1,000 mothers or
100,000: what is due now, not who exists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import iso
from bot.storage.tx import Row, Tx


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


# Her last mood as one JSON array [id, value, created_at] (SQLite's json_array, PostgreSQL's
# json_build_array: the same text once parsed).
_SLOT_QUERY = """
SELECT m.id, m.chat_id, m.pseudonym, m.checkin_time, m.timezone, m.baby_birth_date,
       m.created_at, m.next_checkin_at, m.epds_step,
       (SELECT {json_array}(a.id, a.value, a.created_at){as_text} FROM answers a
         WHERE a.mother_id = m.id AND a.flow = 'checkin' AND a.key = 'mood'
         ORDER BY a.created_at DESC LIMIT 1) AS last_mood,
       (SELECT MAX(s.created_at) FROM assessments s
         WHERE s.mother_id = m.id AND s.kind = 'epds') AS last_epds_at,
       EXISTS (SELECT 1 FROM reminders r WHERE r.mother_id = m.id AND r.status = 'pending'
                AND r.kind = 'epds_offer' AND r.due_at <= ?) AS epds_reminder
  FROM mothers m
 WHERE m.next_checkin_at <= ?
 ORDER BY m.next_checkin_at
 LIMIT ?
"""
SLOT_QUERY = {
    "sqlite": _SLOT_QUERY.format(json_array="json_array", as_text=""),
    "postgres": _SLOT_QUERY.format(json_array="json_build_array", as_text="::text"),
}


def _slot(row: Row) -> SlotRow:
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


async def due_slots(tx: Tx, now: datetime, limit: int) -> list[SlotRow]:
    rows = await tx.fetchall(SLOT_QUERY[tx.dialect], (iso(now), iso(now), limit))
    return [_slot(row) for row in rows]


async def unplanned(tx: Tx, limit: int) -> list[Row]:
    """Active, consented mothers without a planned slot (new, or settings changed)."""
    return await tx.fetchall(
        "SELECT id, checkin_time, timezone, last_prompt_local_date FROM mothers"
        " WHERE next_checkin_at IS NULL AND status = 'active' AND consent = 'given' LIMIT ?",
        (limit,),
    )


async def set_next(tx: Tx, plans: list[tuple[str, int]]) -> None:
    """``plans``: (next slot as ISO UTC, mother id)."""
    await tx.executemany("UPDATE mothers SET next_checkin_at = ? WHERE id = ?", plans)


async def move_slots(tx: Tx, moves: list[tuple[str, str | None, int, str | None, int]]) -> None:
    """(next slot, remind at, journey step, local date used or None, mother id): each slot
    was used (that local date) or passed over (None); she moves on to the next one."""
    await tx.executemany(
        "UPDATE mothers SET next_checkin_at = ?, remind_at = ?, epds_step = ?,"
        " last_prompt_local_date = COALESCE(?, last_prompt_local_date) WHERE id = ?",
        moves,
    )


async def due_reminders(
    tx: Tx, now: datetime, limit: int
) -> list[tuple[int, datetime, str | None, str | None]]:
    """(mother id, remind_at, timezone, last_prompt_local_date) of reminders due now."""
    rows = await tx.fetchall(
        "SELECT id, remind_at, timezone, last_prompt_local_date FROM mothers"
        " WHERE remind_at <= ? ORDER BY remind_at LIMIT ?",
        (iso(now), limit),
    )
    return [(r[0], datetime.fromisoformat(r[1]), r[2], r[3]) for r in rows]


async def clear_reminders(tx: Tx, mother_ids: list[int]) -> None:
    await tx.executemany(
        "UPDATE mothers SET remind_at = NULL WHERE id = ?", [(m,) for m in mother_ids]
    )


async def consume_epds_reminders(tx: Tx, mother_id: int, now: str) -> None:
    await tx.execute(
        "UPDATE reminders SET status = 'done' WHERE mother_id = ? AND kind = 'epds_offer'"
        " AND status = 'pending' AND due_at <= ?",
        (mother_id, now),
    )


async def replace_reminder(tx: Tx, mother_id: int, kind: str, due: datetime, now: datetime) -> None:
    """One pending reminder of ``kind`` at a time: a new one cancels the one waiting."""
    await tx.execute(
        "UPDATE reminders SET status = 'cancelled' WHERE mother_id = ? AND kind = ?"
        " AND status = 'pending'",
        (mother_id, kind),
    )
    await tx.execute(
        "INSERT INTO reminders (mother_id, kind, due_at, created_at) VALUES (?, ?, ?, ?)",
        (mother_id, kind, iso(due), iso(now)),
    )


async def add_sends(tx: Tx, rows: list[tuple[int, str, str, str]]) -> int:
    """Record messages to send, (mother id, kind, local date, due ISO); one per mother, kind
    and day (a row that exists already is left alone). Returns how many are new.

    One multi-row INSERT per chunk rather than ``executemany``: the statement's row count is
    how many were new, and a chunk is one hop to the driver."""
    added = 0
    for start in range(0, len(rows), SENDS_PER_INSERT):
        chunk = rows[start : start + SENDS_PER_INSERT]
        values = ", ".join("(?, ?, ?, ?)" for _ in chunk)
        added += await tx.execute(
            f"INSERT INTO sends (mother_id, kind, local_date, due_at) VALUES {values}"
            " ON CONFLICT DO NOTHING",
            [value for row in chunk for value in row],
        )
    return max(0, added)


SENDS_PER_INSERT = 1000  # 4,000 parameters: under SQLite's 32,766 and PostgreSQL's 65,535

SEND_COLUMNS = (
    "s.id, s.mother_id, m.chat_id, s.kind, s.local_date, s.due_at, s.status, m.pseudonym,"
    " s.composed_at"
    " FROM sends s JOIN mothers m ON m.id = s.mother_id"
)


def _send(row: Row) -> SendRow:
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


async def pending_sends(tx: Tx, limit: int) -> list[SendRow]:
    rows = await tx.fetchall(
        f"SELECT {SEND_COLUMNS} WHERE s.status = 'pending' ORDER BY s.due_at, s.id LIMIT ?",
        (limit,),
    )
    return [_send(row) for row in rows]


async def sends_by_id(tx: Tx, ids: list[int]) -> list[SendRow]:
    """These rows (just claimed), in due order."""
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    rows = await tx.fetchall(
        f"SELECT {SEND_COLUMNS} WHERE s.id IN ({marks}) ORDER BY s.due_at, s.id", ids
    )
    return [_send(row) for row in rows]


async def mark_send(
    tx: Tx, send_id: int, status: str, now: datetime, reason: str | None = None
) -> None:
    await tx.execute(
        "UPDATE sends SET status = ?, reason = ?, sent_at = ? WHERE id = ?",
        (status, reason, iso(now) if status == "sent" else None, send_id),
    )


async def mark_composed(tx: Tx, send_id: int, now: datetime) -> None:
    """Rendered, with the session it started, in the same transaction: if Telegram never
    confirms it (a crash mid-send), the next render knows that session is its own."""
    await tx.execute("UPDATE sends SET composed_at = ? WHERE id = ?", (iso(now), send_id))


async def prune_sends(tx: Tx, before: datetime) -> int:
    """Finished rows older than a few days only ever answered "was this sent?" for that day."""
    return await tx.execute(
        "DELETE FROM sends WHERE due_at < ? AND status != 'pending'", (iso(before),)
    )


async def checked_in_since(tx: Tx, mother_id: int, since: datetime) -> bool:
    row = await tx.fetchone(
        "SELECT 1 FROM answers WHERE mother_id = ? AND flow = 'checkin' AND created_at >= ?"
        " LIMIT 1",
        (mother_id, iso(since)),
    )
    return row is not None


async def session_updated_at(tx: Tx, mother_id: int) -> datetime | None:
    row = await tx.fetchone("SELECT updated_at FROM sessions WHERE mother_id = ?", (mother_id,))
    return datetime.fromisoformat(row[0]) if row else None

"""Dialog records: the active session, answers, assessments, snippet views, processed updates."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.clock import iso
from bot.engine import SessionState
from bot.storage.db import fetchall, fetchone
from bot.storage.mothers import Mother


@dataclass
class StoredSession:
    state: SessionState
    paused: bool


async def load_session(conn: aiosqlite.Connection, mother_id: int) -> StoredSession | None:
    row = await fetchone(
        conn, "SELECT state, paused FROM sessions WHERE mother_id = ?", (mother_id,)
    )
    if row is None:
        return None
    return StoredSession(SessionState.from_json(row["state"]), bool(row["paused"]))


async def mother_with_session(
    conn: aiosqlite.Connection, chat_id: int
) -> tuple[Mother | None, StoredSession | None]:
    """Her row and her session in one query: nearly every update needs both, and each query
    is a hop to the database thread."""
    row = await fetchone(
        conn,
        "SELECT m.*, s.state AS session_state, s.paused AS session_paused FROM mothers m"
        " LEFT JOIN sessions s ON s.mother_id = m.id WHERE m.chat_id = ?",
        (chat_id,),
    )
    if row is None:
        return None, None
    raw = row["session_state"]
    session = (
        None
        if raw is None
        else StoredSession(SessionState.from_json(raw), bool(row["session_paused"]))
    )
    return Mother.from_row(row), session


async def save_session(
    conn: aiosqlite.Connection,
    mother_id: int,
    state: SessionState | None,
    now: datetime,
    paused: bool = False,
) -> None:
    if state is None:
        await conn.execute("DELETE FROM sessions WHERE mother_id = ?", (mother_id,))
        return
    await conn.execute(
        "INSERT INTO sessions (mother_id, flow, state, paused, updated_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(mother_id) DO UPDATE SET flow = excluded.flow, state = excluded.state,"
        " paused = excluded.paused, updated_at = excluded.updated_at",
        (mother_id, state.flow, state.to_json(), int(paused), iso(now)),
    )


async def add_answer(
    conn: aiosqlite.Connection, mother_id: int, flow: str, key: str, value: Any, now: datetime
) -> int:
    cursor = await conn.execute(
        "INSERT INTO answers (mother_id, flow, key, value, created_at) VALUES (?, ?, ?, ?, ?)",
        (mother_id, flow, key, json.dumps(value, ensure_ascii=False), iso(now)),
    )
    return int(cursor.lastrowid or 0)


async def recent_answers(
    conn: aiosqlite.Connection,
    mother_id: int,
    limit: int = 10,
    only: Sequence[str] | None = None,
) -> list[tuple[str, str, Any, str]]:
    """Her latest answers as (flow, key, value, created_at), newest first; ``only`` keeps the
    answers named ``flow.key`` (her own answers, not values a flow computed for its texts)."""
    where = ""
    params: tuple[str, ...] = ()
    if only is not None:
        where = f" AND flow || '.' || key IN ({', '.join('?' * len(only)) or 'NULL'})"
        params = tuple(only)
    rows = await fetchall(
        conn,
        f"SELECT flow, key, value, created_at FROM answers WHERE mother_id = ?{where}"
        " ORDER BY id DESC LIMIT ?",
        (mother_id, *params, limit),
    )
    return [(r["flow"], r["key"], json.loads(r["value"]), r["created_at"]) for r in rows]


async def add_assessment(
    conn: aiosqlite.Connection,
    mother_id: int,
    kind: str,
    score: int,
    items: dict[str, Any],
    now: datetime,
) -> int:
    cursor = await conn.execute(
        "INSERT INTO assessments (mother_id, kind, score, items, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (mother_id, kind, score, json.dumps(items), iso(now)),
    )
    return int(cursor.lastrowid or 0)


async def assessments(
    conn: aiosqlite.Connection, mother_id: int, kind: str, limit: int = 10
) -> list[tuple[int, dict[str, Any], str]]:
    """Her latest assessments of ``kind`` as (score, items, created_at), newest first."""
    rows = await fetchall(
        conn,
        "SELECT score, items, created_at FROM assessments WHERE mother_id = ? AND kind = ?"
        " ORDER BY id DESC LIMIT ?",
        (mother_id, kind, limit),
    )
    return [(int(r["score"]), json.loads(r["items"]), r["created_at"]) for r in rows]


async def claim_update(conn: aiosqlite.Connection, update_id: int, now: datetime) -> bool:
    """True the first time an update is seen; long polling redelivers after a crash."""
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO processed_updates (update_id, at) VALUES (?, ?)",
        (update_id, iso(now)),
    )
    return cursor.rowcount == 1


async def prune_updates(conn: aiosqlite.Connection, before: datetime) -> int:
    """Telegram redelivers an update for at most 24 hours, so older ids guard nothing."""
    cursor = await conn.execute("DELETE FROM processed_updates WHERE at < ?", (iso(before),))
    return max(0, cursor.rowcount)

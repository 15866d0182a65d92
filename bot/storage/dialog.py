"""Dialog records: the active session, answers, assessments, processed updates."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import iso
from bot.engine import SessionState
from bot.storage.mothers import Mother
from bot.storage.tx import Tx


@dataclass
class StoredSession:
    state: SessionState
    paused: bool


async def load_session(tx: Tx, mother_id: int) -> StoredSession | None:
    row = await tx.fetchone("SELECT state, paused FROM sessions WHERE mother_id = ?", (mother_id,))
    if row is None:
        return None
    return StoredSession(SessionState.from_json(row["state"]), bool(row["paused"]))


async def mother_with_session(tx: Tx, chat_id: int) -> tuple[Mother | None, StoredSession | None]:
    """Her row and her session in one query: nearly every update needs both, and each query
    is a hop to the database thread."""
    row = await tx.fetchone(
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
    tx: Tx,
    mother_id: int,
    state: SessionState | None,
    now: datetime,
    paused: bool = False,
) -> None:
    if state is None:
        await tx.execute("DELETE FROM sessions WHERE mother_id = ?", (mother_id,))
        return
    await tx.execute(
        "INSERT INTO sessions (mother_id, flow, state, paused, updated_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(mother_id) DO UPDATE SET flow = excluded.flow, state = excluded.state,"
        " paused = excluded.paused, updated_at = excluded.updated_at",
        (mother_id, state.flow, state.to_json(), int(paused), iso(now)),
    )


async def add_answer(tx: Tx, mother_id: int, flow: str, key: str, value: Any, now: datetime) -> int:
    row = await tx.fetchone(
        "INSERT INTO answers (mother_id, flow, key, value, created_at) VALUES (?, ?, ?, ?, ?)"
        " RETURNING id",
        (mother_id, flow, key, json.dumps(value, ensure_ascii=False), iso(now)),
    )
    assert row is not None
    return int(row[0])


async def recent_answers(
    tx: Tx,
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
    rows = await tx.fetchall(
        f"SELECT flow, key, value, created_at FROM answers WHERE mother_id = ?{where}"
        " ORDER BY id DESC LIMIT ?",
        (mother_id, *params, limit),
    )
    return [(r["flow"], r["key"], json.loads(r["value"]), r["created_at"]) for r in rows]


async def recent_values(tx: Tx, mother_id: int, key: str, limit: int) -> list[str]:
    """Her latest answers to ``key`` in any flow, newest first, as stored (JSON text)."""
    rows = await tx.fetchall(
        "SELECT value FROM answers WHERE mother_id = ? AND key = ? ORDER BY id DESC LIMIT ?",
        (mother_id, key, limit),
    )
    return [row[0] for row in rows]


async def answered_since(
    tx: Tx, mother_id: int, since: datetime, questions: Sequence[tuple[str, str]]
) -> bool:
    """Has she answered any of ``questions`` (flow, key) since ``since``?"""
    asked = " OR ".join("(flow = ? AND key = ?)" for _ in questions) or "FALSE"
    row = await tx.fetchone(
        f"SELECT 1 FROM answers WHERE mother_id = ? AND created_at >= ? AND ({asked}) LIMIT 1",
        (mother_id, iso(since), *(part for question in questions for part in question)),
    )
    return row is not None


async def answer_times(tx: Tx, mother_id: int, flow: str, keys: Sequence[str]) -> list[str]:
    """When she gave each answer of ``flow`` named one of ``keys`` (ISO UTC)."""
    marks = ", ".join("?" for _ in keys) or "NULL"
    rows = await tx.fetchall(
        f"SELECT created_at FROM answers WHERE mother_id = ? AND flow = ? AND key IN ({marks})",
        (mother_id, flow, *keys),
    )
    return [row[0] for row in rows]


async def last_answer(tx: Tx, mother_id: int, flow: str, key: str) -> tuple[int, str] | None:
    """Her latest answer ``flow.key`` as (answer id, value as stored)."""
    row = await tx.fetchone(
        "SELECT id, value FROM answers WHERE mother_id = ? AND flow = ? AND key = ?"
        " ORDER BY id DESC LIMIT 1",
        (mother_id, flow, key),
    )
    return None if row is None else (int(row[0]), row[1])


async def values_after(tx: Tx, mother_id: int, flow: str, key: str, after_id: int) -> list[str]:
    """Her answers ``flow.key`` given after the answer ``after_id``, as stored."""
    rows = await tx.fetchall(
        "SELECT value FROM answers WHERE mother_id = ? AND flow = ? AND key = ? AND id > ?",
        (mother_id, flow, key, after_id),
    )
    return [row[0] for row in rows]


async def values_since(
    tx: Tx, mother_id: int, flow: str, key: str, since: str
) -> list[tuple[str, str]]:
    """Her answers ``flow.key`` since ``since`` (ISO UTC) as (value as stored, created_at)."""
    rows = await tx.fetchall(
        "SELECT value, created_at FROM answers WHERE mother_id = ? AND flow = ? AND key = ?"
        " AND created_at >= ?",
        (mother_id, flow, key, since),
    )
    return [(row["value"], row["created_at"]) for row in rows]


async def add_assessment(
    tx: Tx,
    mother_id: int,
    kind: str,
    score: int,
    items: dict[str, Any],
    now: datetime,
) -> int:
    row = await tx.fetchone(
        "INSERT INTO assessments (mother_id, kind, score, items, created_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id",
        (mother_id, kind, score, json.dumps(items), iso(now)),
    )
    assert row is not None
    return int(row[0])


async def assessments(
    tx: Tx, mother_id: int, kind: str, limit: int = 10
) -> list[tuple[int, dict[str, Any], str]]:
    """Her latest assessments of ``kind`` as (score, items, created_at), newest first."""
    rows = await tx.fetchall(
        "SELECT score, items, created_at FROM assessments WHERE mother_id = ? AND kind = ?"
        " ORDER BY id DESC LIMIT ?",
        (mother_id, kind, limit),
    )
    return [(int(r["score"]), json.loads(r["items"]), r["created_at"]) for r in rows]


async def scores_since(tx: Tx, mother_id: int, kind: str, since: str) -> list[tuple[int, str]]:
    """Her assessments of ``kind`` since ``since`` (ISO UTC) as (score, created_at), oldest
    first."""
    rows = await tx.fetchall(
        "SELECT score, created_at FROM assessments WHERE mother_id = ? AND kind = ?"
        " AND created_at >= ? ORDER BY id",
        (mother_id, kind, since),
    )
    return [(int(row["score"]), row["created_at"]) for row in rows]


async def claim_update(tx: Tx, update_id: int, now: datetime) -> bool:
    """True the first time an update is seen; long polling redelivers after a crash."""
    added = await tx.execute(
        "INSERT INTO processed_updates (update_id, at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (update_id, iso(now)),
    )
    return added == 1


async def prune_updates(tx: Tx, before: datetime) -> int:
    """Telegram redelivers an update for at most 24 hours, so older ids guard nothing."""
    deleted = await tx.execute("DELETE FROM processed_updates WHERE at < ?", (iso(before),))
    return max(0, deleted)

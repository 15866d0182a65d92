"""Alerts, the durable outbox that delivers them, and the audit log of staff actions.

An alert and its outbox row are written in the caller's unit of work, the same transaction
as the answer that triggered it: if the process dies after the commit the worker still finds
the row; if it dies before, neither exists and the redelivered update triggers both again.
These functions only store; the escalation service (``bot/safety/alerting.py``) puts the two
together.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.clock import iso
from bot.priority import Priority
from bot.storage.tx import Row, Tx


@dataclass
class Alert:
    id: int
    mother_id: int | None
    pseudonym: str
    priority: Priority
    rule: str
    category: str | None
    detail: dict[str, Any]
    status: str
    created_at: str
    delivered_at: str | None
    acknowledged_at: str | None
    repeats: int

    @classmethod
    def from_row(cls, row: Row) -> Alert:
        return cls(
            id=row["id"],
            mother_id=row["mother_id"],
            pseudonym=row["pseudonym"],
            priority=Priority(row["priority"]),
            rule=row["rule"],
            category=row["category"],
            detail=json.loads(row["detail"]),
            status=row["status"],
            created_at=row["created_at"],
            delivered_at=row["delivered_at"],
            acknowledged_at=row["acknowledged_at"],
            repeats=row["repeats"],
        )


@dataclass
class OutboxItem:
    id: int
    alert_id: int | None
    mother_id: int | None
    kind: str
    chat_id: int | None
    priority: int
    payload: dict[str, Any]
    attempts: int

    @classmethod
    def from_row(cls, row: Row) -> OutboxItem:
        return cls(
            id=row["id"],
            alert_id=row["alert_id"],
            mother_id=row["mother_id"],
            kind=row["kind"],
            chat_id=row["chat_id"],
            priority=row["priority"],
            payload=json.loads(row["payload"]),
            attempts=row["attempts"],
        )


async def create_alert(
    tx: Tx,
    *,
    mother_id: int,
    pseudonym: str,
    priority: Priority,
    rule: str,
    category: str | None,
    detail: dict[str, Any],
    dedup_key: str,
    now: datetime,
) -> int | None:
    """Write the alert; None when this dedup key already has one."""
    row = await tx.fetchone(
        "INSERT INTO alerts (mother_id, pseudonym, priority, rule, category, detail,"
        " dedup_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING RETURNING id",
        (
            mother_id,
            pseudonym,
            priority.value,
            rule,
            category,
            json.dumps(detail, ensure_ascii=False),
            dedup_key,
            iso(now),
        ),
    )
    return None if row is None else int(row[0])


async def enqueue(
    tx: Tx,
    kind: str,
    priority: int,
    payload: dict[str, Any],
    now: datetime,
    *,
    alert_id: int | None = None,
    mother_id: int | None = None,
    chat_id: int | None = None,
    due: datetime | None = None,
) -> int:
    """A pending row, due at ``due`` (now when not given)."""
    row = await tx.fetchone(
        "INSERT INTO outbox (alert_id, mother_id, kind, chat_id, priority, payload,"
        " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            alert_id,
            mother_id,
            kind,
            chat_id,
            priority,
            json.dumps(payload, ensure_ascii=False),
            iso(due or now),
            iso(now),
        ),
    )
    assert row is not None
    return int(row[0])


async def due_items(
    tx: Tx, now: datetime, limit: int = 50, skip: Collection[int] = ()
) -> list[OutboxItem]:
    """Pending rows due now, most urgent first, leaving out ``skip`` (already under way)."""
    rows = await tx.fetchall(
        "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?"
        " ORDER BY priority, id LIMIT ?",
        (iso(now), limit + len(skip)),
    )
    return [OutboxItem.from_row(r) for r in rows if r["id"] not in skip][:limit]


async def next_due_at(tx: Tx, skip: Collection[int] = ()) -> str | None:
    """When the next pending row not in ``skip`` is due (an ISO stamp), None when none is."""
    marks = ", ".join("?" * len(skip))
    where = f" AND id NOT IN ({marks})" if skip else ""
    row = await tx.fetchone(
        f"SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'{where}",
        tuple(skip),
    )
    return row[0] if row else None


async def mark_sent(tx: Tx, item_id: int, message_id: int | None, now: datetime) -> None:
    await tx.execute(
        "UPDATE outbox SET status = 'sent', sent_at = ?, message_id = ?, attempts = attempts + 1"
        " WHERE id = ?",
        (iso(now), message_id, item_id),
    )


async def mark_retry(
    tx: Tx, item_id: int, error: str, retry_at: datetime, *, tried: bool = True
) -> None:
    """Try again at ``retry_at``; ``tried=False`` when nothing was sent (no staff chat yet),
    so waiting does not count as attempts."""
    await tx.execute(
        "UPDATE outbox SET attempts = attempts + ?, last_error = ?, next_attempt_at = ?"
        " WHERE id = ?",
        (int(tried), error[:200], iso(retry_at), item_id),
    )


async def retry_now(tx: Tx, now: datetime) -> None:
    await tx.execute(
        "UPDATE outbox SET next_attempt_at = ? WHERE status = 'pending' AND next_attempt_at > ?",
        (iso(now), iso(now)),
    )


async def mark_dead(tx: Tx, item_id: int, error: str) -> None:
    """For messages that can never be delivered: a mother who erased her data, or a text
    Telegram refused even in its plain version. Kept, counted by ``main.py status``."""
    await tx.execute(
        "UPDATE outbox SET status = 'dead', last_error = ?, attempts = attempts + 1 WHERE id = ?",
        (error[:200], item_id),
    )


async def mark_withdrawn(tx: Tx, item_id: int, reason: str) -> None:
    """No longer wanted (a repeat of an alert staff acknowledged meanwhile, a crisis reply
    another path delivered): never sent. A row marked sent meanwhile stays sent."""
    await tx.execute(
        "UPDATE outbox SET status = 'withdrawn', last_error = ?"
        " WHERE id = ? AND status = 'pending'",
        (reason[:200], item_id),
    )


async def item_status(tx: Tx, item_id: int) -> str | None:
    row = await tx.fetchone("SELECT status FROM outbox WHERE id = ?", (item_id,))
    return None if row is None else str(row[0])


async def bring_forward(tx: Tx, kind: str, created_before: datetime, now: datetime) -> int:
    """Pending ``kind`` rows written before ``created_before`` and due later than ``now``
    become due now; returns how many."""
    return await tx.execute(
        "UPDATE outbox SET next_attempt_at = ? WHERE kind = ? AND status = 'pending'"
        " AND created_at < ? AND next_attempt_at > ?",
        (iso(now), kind, iso(created_before), iso(now)),
    )


async def mark_payload(
    tx: Tx,
    item_id: int,
    error: str,
    payload: dict[str, Any],
    retry_at: datetime,
) -> None:
    """A new way to send it (``plain``, ``bare``) or one more unexplained failure
    (``failures``) is kept in its payload, so a restart goes on from there."""
    await tx.execute(
        "UPDATE outbox SET payload = ?, attempts = attempts + 1, last_error = ?,"
        " next_attempt_at = ? WHERE id = ?",
        (json.dumps(payload, ensure_ascii=False), error[:200], iso(retry_at), item_id),
    )


async def has_copy_for(tx: Tx, alert_id: int, kind: str, chat_id: int) -> bool:
    """Whether this alert already has a ``kind`` row addressed to ``chat_id``."""
    row = await tx.fetchone(
        "SELECT 1 FROM outbox WHERE alert_id = ? AND kind = ? AND chat_id = ? LIMIT 1",
        (alert_id, kind, chat_id),
    )
    return row is not None


async def alert_status(tx: Tx, alert_id: int) -> str | None:
    row = await tx.fetchone("SELECT status FROM alerts WHERE id = ?", (alert_id,))
    return None if row is None else str(row[0])


async def get_alert(tx: Tx, alert_id: int) -> Alert | None:
    row = await tx.fetchone("SELECT * FROM alerts WHERE id = ?", (alert_id,))
    return Alert.from_row(row) if row else None


async def open_alerts(tx: Tx) -> list[Alert]:
    rows = await tx.fetchall(
        "SELECT * FROM alerts WHERE status != 'resolved' ORDER BY priority = 'routine', id"
    )
    return [Alert.from_row(r) for r in rows]


async def alerts_of(tx: Tx, mother_id: int, limit: int = 10) -> list[Alert]:
    rows = await tx.fetchall(
        "SELECT * FROM alerts WHERE mother_id = ? ORDER BY id DESC LIMIT ?",
        (mother_id, limit),
    )
    return [Alert.from_row(r) for r in rows]


async def mark_delivered(
    tx: Tx, alert_id: int, now: datetime, repeat_after: timedelta | None
) -> None:
    await tx.execute(
        "UPDATE alerts SET delivered_at = COALESCE(delivered_at, ?), next_repeat_at = ?"
        " WHERE id = ?",
        (iso(now), iso(now + repeat_after) if repeat_after else None, alert_id),
    )


async def set_status(tx: Tx, alert_id: int, status: str, now: datetime) -> None:
    await tx.execute(
        "UPDATE alerts SET status = ?, next_repeat_at = NULL,"
        " acknowledged_at = COALESCE(acknowledged_at, ?) WHERE id = ?",
        (status, iso(now), alert_id),
    )


async def due_repeats(tx: Tx, now: datetime) -> list[Alert]:
    """Urgent alerts delivered but still unacknowledged past their repeat time."""
    rows = await tx.fetchall(
        "SELECT * FROM alerts WHERE status = 'open' AND priority = 'urgent'"
        " AND next_repeat_at IS NOT NULL AND next_repeat_at <= ?",
        (iso(now),),
    )
    return [Alert.from_row(r) for r in rows]


async def schedule_repeat(tx: Tx, alert_id: int, now: datetime, repeat_after: timedelta) -> None:
    await tx.execute(
        "UPDATE alerts SET repeats = repeats + 1, next_repeat_at = ? WHERE id = ?",
        (iso(now + repeat_after), alert_id),
    )


async def audit(
    tx: Tx,
    actor: str,
    action: str,
    now: datetime,
    alert_id: int | None = None,
    subject: str | None = None,
) -> None:
    await tx.execute(
        "INSERT INTO audit_log (actor, action, alert_id, subject, at) VALUES (?, ?, ?, ?, ?)",
        (actor, action, alert_id, subject, iso(now)),
    )


async def audit_of(tx: Tx, alert_id: int) -> list[tuple[str, str, str]]:
    """What was done to an alert, oldest first: (actor, action, at)."""
    rows = await tx.fetchall(
        "SELECT actor, action, at FROM audit_log WHERE alert_id = ? ORDER BY id", (alert_id,)
    )
    return [(row["actor"], row["action"], row["at"]) for row in rows]

"""Claims: which worker delivers a due outbox row or a pending scheduled send.

Several workers on one PostgreSQL each take due rows with ``UPDATE … WHERE id IN (SELECT …
FOR UPDATE SKIP LOCKED) RETURNING``: a row another worker is claiming right now is skipped, not
waited for, and a row it claimed carries its name until ``claimed_until``. A worker renews its
lease by claiming its own rows again (each sweep looks at them anyway); one that dies stops
renewing, and its rows are anyone's once the lease is out. A finished row clears its claim.

SQLite has one process (``BEGIN IMMEDIATE`` serialises it already): every claim there is its
own, left by this process or by the one before a restart, so leases are not looked at and a
restart never waits for one. The same statements run on both, minus the locking clause.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from bot.clock import iso
from bot.storage import schedule
from bot.storage.alerts import OutboxItem
from bot.storage.schedule import SendRow
from bot.storage.tx import Tx


def _free(tx: Tx) -> str:
    """Rows nobody else holds: unclaimed, lease out, or ours (then claiming renews it)."""
    if tx.dialect == "sqlite":
        return ""
    return " AND (claimed_until IS NULL OR claimed_until <= ? OR claimed_by = ?)"


def _free_params(tx: Tx, now: datetime, worker: str) -> tuple[str, ...]:
    return () if tx.dialect == "sqlite" else (iso(now), worker)


def _skip_locked(tx: Tx) -> str:
    return " FOR UPDATE SKIP LOCKED" if tx.dialect == "postgres" else ""


async def claim_outbox(
    tx: Tx, worker: str, now: datetime, until: datetime, limit: int
) -> list[OutboxItem]:
    """Due pending outbox rows for ``worker`` until ``until``, most urgent first (its own rows
    under way included: their lease is renewed)."""
    rows = await tx.fetchall(
        "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id IN ("
        " SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?"
        f"{_free(tx)} ORDER BY priority, id LIMIT ?{_skip_locked(tx)}) RETURNING *",
        (worker, iso(until), iso(now), *_free_params(tx, now, worker), limit),
    )
    items = [OutboxItem.from_row(row) for row in rows]
    return sorted(items, key=lambda item: (item.priority, item.id))


async def next_outbox_due(
    tx: Tx, worker: str, now: datetime, skip: Collection[int] = ()
) -> str | None:
    """When this worker may next find a pending row to deliver (ISO), leaving out ``skip``
    (its own under way): a row another worker holds counts from when its lease runs out, so
    a worker never spins on rows it cannot take."""
    marks = ", ".join("?" * len(skip))
    where = f" AND id NOT IN ({marks})" if skip else ""
    if tx.dialect == "sqlite":
        due = "next_attempt_at"
        params: tuple[object, ...] = ()
    else:
        due = (
            "CASE WHEN claimed_by <> ? AND claimed_until > ? AND claimed_until > next_attempt_at"
            " THEN claimed_until ELSE next_attempt_at END"
        )
        params = (worker, iso(now))
    row = await tx.fetchone(
        f"SELECT MIN({due}) FROM outbox WHERE status = 'pending'{where}", (*params, *skip)
    )
    return row[0] if row else None


async def release_outbox(tx: Tx, item_id: int, worker: str) -> None:
    """This worker is done with the row for now (sent, or to be tried again later): any worker
    may take it when it is due."""
    await tx.execute(
        "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ?",
        (item_id, worker),
    )


async def claim_sends(
    tx: Tx, worker: str, now: datetime, until: datetime, limit: int
) -> list[SendRow]:
    """Pending scheduled sends for ``worker``, in due order (its own queued ones renewed)."""
    rows = await tx.fetchall(
        "UPDATE sends SET claimed_by = ?, claimed_until = ? WHERE id IN ("
        f" SELECT id FROM sends WHERE status = 'pending'{_free(tx)}"
        f" ORDER BY due_at, id LIMIT ?{_skip_locked(tx)}) RETURNING id",
        (worker, iso(until), *_free_params(tx, now, worker), limit),
    )
    return await schedule.sends_by_id(tx, [int(row[0]) for row in rows])


async def hold_send(tx: Tx, send_id: int, worker: str, until: datetime) -> bool:
    """Right before composing, inside her turn: the row is still pending and still ours, and
    stays ours until ``until``. False when another worker took it over (this one stalled past
    its lease) or it was finished meanwhile: then this worker must not send it."""
    held = await tx.execute(
        "UPDATE sends SET claimed_until = ? WHERE id = ? AND status = 'pending' AND claimed_by = ?",
        (iso(until), send_id, worker),
    )
    return held == 1


async def release_send(tx: Tx, send_id: int) -> None:
    await tx.execute(
        "UPDATE sends SET claimed_by = NULL, claimed_until = NULL WHERE id = ?", (send_id,)
    )

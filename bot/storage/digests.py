"""The outbox rows behind the routine-alert digest (``bot/safety/digest.py``).

A routine alert's row due while the clinic is closed is *held*: ``payload.held`` is set and
``next_attempt_at`` moves to the next opening. When held rows come due, they are *collapsed*:
``digest`` rows of at most :data:`DIGEST_SIZE` alerts each list their alerts and each held row is
withdrawn, naming its digest. A digest that ends ``dead`` is *released*: its withdrawn rows go
back to pending, unheld, so its alerts are sent on their own (or held again while closed): an
alert is never lost in a digest. Nothing is deleted, so the audit trail of every alert stays
whole.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from bot.clock import iso
from bot.priority import Priority, outbox_place
from bot.storage.alerts import enqueue
from bot.storage.tx import Tx

DIGEST = "digest"
DIGEST_SIZE = 25  # alerts (and buttons) per digest message: Telegram allows 100 buttons
ROUTINE_PLACE = outbox_place(Priority.ROUTINE)
# The withdrawn rows of a digest's alerts: their last_error names it ({"digest": id}); any
# other withdrawn row's last_error may be plain text, which a JSON function would refuse.
# PostgreSQL 15 has no json_valid: only the exact text ``json.dumps`` writes is read as JSON.
_WITHDRAWN_INTO = {
    "sqlite": "status = 'withdrawn' AND kind = 'staff_alert'"
    " AND CASE WHEN json_valid(last_error) THEN json_extract(last_error, '$.digest') END = ?",
    "postgres": "status = 'withdrawn' AND kind = 'staff_alert'"
    " AND CASE WHEN last_error ~ '^\\{\"digest\": [0-9]+\\}$'"
    " THEN (last_error::jsonb ->> 'digest')::bigint END = ?",
}
# The payload edits, in each dialect (payload is JSON kept as TEXT).
_IS_HELD = {
    "sqlite": "json_extract(o.payload, '$.held') IS NOT NULL",
    "postgres": "(o.payload::jsonb ->> 'held') IS NOT NULL",
}
_SET_HELD = {
    "sqlite": "json_set(payload, '$.held', 1)",
    "postgres": "jsonb_set(payload::jsonb, '{held}', '1')::text",
}
_SET_ALERTS = {
    "sqlite": "json_set(payload, '$.alerts', json(?))",
    "postgres": "jsonb_set(payload::jsonb, '{alerts}', ?::jsonb)::text",
}
_LISTED = {
    "sqlite": "SELECT value FROM outbox, json_each(outbox.payload, '$.alerts') WHERE outbox.id = ?",
    "postgres": "SELECT e.value FROM outbox, jsonb_array_elements_text(outbox.payload::jsonb"
    " -> 'alerts') WITH ORDINALITY AS e(value, n) WHERE outbox.id = ? ORDER BY e.n",
}
_NOT_RELEASED = {
    "sqlite": "json_extract(payload, '$.released') IS NULL",
    "postgres": "(payload::jsonb ->> 'released') IS NULL",
}
_UNHELD = {
    "sqlite": "json_remove(payload, '$.held')",
    "postgres": "(payload::jsonb - 'held')::text",
}
_SET_RELEASED = {
    "sqlite": "json_set(payload, '$.released', 1)",
    "postgres": "jsonb_set(payload::jsonb, '{released}', '1')::text",
}
_ROUTINE_DUE = (
    "SELECT o.id, o.alert_id FROM outbox o JOIN alerts a ON a.id = o.alert_id"
    " WHERE o.status = 'pending' AND o.priority = ? AND o.kind = 'staff_alert'"
    " AND a.priority = 'routine' AND o.next_attempt_at <= ?"
)


async def due_routine(tx: Tx, now: datetime) -> list[int]:
    """Routine rows due now, held before or not, digests included (ids of outbox rows): while
    the clinic is closed each of them is (re)held until the next opening. A held row can come
    due while closed: the bot was down for the whole opening, a closed day was added, a
    failed send was rescheduled into the night."""
    rows = await tx.fetchall(_ROUTINE_DUE, (ROUTINE_PLACE, iso(now)))
    digests = await tx.fetchall(
        "SELECT id FROM outbox WHERE status = 'pending' AND priority = ? AND kind = ?"
        " AND next_attempt_at <= ?",
        (ROUTINE_PLACE, DIGEST, iso(now)),
    )
    return [int(r[0]) for r in rows] + [int(r[0]) for r in digests]


async def due_held(tx: Tx, now: datetime) -> list[tuple[int, int]]:
    """Held routine alert rows due now: (outbox row id, alert id), oldest alert first."""
    rows = await tx.fetchall(
        f"{_ROUTINE_DUE} AND {_IS_HELD[tx.dialect]} ORDER BY o.alert_id",
        (ROUTINE_PLACE, iso(now)),
    )
    return [(int(r[0]), int(r[1])) for r in rows]


async def hold(tx: Tx, item_ids: Sequence[int], until: datetime) -> None:
    marks = ", ".join("?" * len(item_ids))
    await tx.execute(
        f"UPDATE outbox SET next_attempt_at = ?, payload = {_SET_HELD[tx.dialect]}"
        f" WHERE id IN ({marks})",
        (iso(until), *item_ids),
    )


async def collapse(tx: Tx, held: Sequence[tuple[int, int]], now: datetime) -> list[int]:
    """Digest rows of at most ``DIGEST_SIZE`` of these held rows' alerts each; each held row
    is withdrawn into its digest. Returns the digests' ids."""
    made = []
    for start in range(0, len(held), DIGEST_SIZE):
        part = held[start : start + DIGEST_SIZE]
        made.append(await _withdraw_into_digest(tx, part, now))
    return made


async def split_off(
    tx: Tx,
    digest_id: int,
    kept: Sequence[int],
    rest: Sequence[int],
    now: datetime,
) -> int:
    """The digest lists only ``kept`` from now on; ``rest`` moves to a new digest, sent now.
    The new digest is written first: a crash in between lists an alert twice, never none."""
    new_id = await enqueue(tx, DIGEST, ROUTINE_PLACE, {"alerts": list(rest)}, now)
    marks = ", ".join("?" * len(rest))
    await tx.execute(
        f"UPDATE outbox SET last_error = ? WHERE {_WITHDRAWN_INTO[tx.dialect]}"
        f" AND alert_id IN ({marks})",
        (json.dumps({"digest": new_id}), digest_id, *rest),
    )
    await tx.execute(
        f"UPDATE outbox SET payload = {_SET_ALERTS[tx.dialect]} WHERE id = ?",
        (json.dumps(list(kept)), digest_id),
    )
    return new_id


async def listed(tx: Tx, digest_id: int) -> list[int]:
    """The alerts a digest row lists now (rendering may have split some off)."""
    rows = await tx.fetchall(_LISTED[tx.dialect], (digest_id,))
    return [int(r[0]) for r in rows]


async def dead_unreleased(tx: Tx) -> list[int]:
    """Dead digest rows whose alerts were not put back yet."""
    rows = await tx.fetchall(
        f"SELECT id FROM outbox WHERE status = 'dead' AND kind = ? AND {_NOT_RELEASED[tx.dialect]}",
        (DIGEST,),
    )
    return [int(r[0]) for r in rows]


async def release(tx: Tx, digest_id: int, now: datetime) -> int:
    """A dead digest's alerts go out without it: their withdrawn rows are pending again, due
    now and unheld, so they are sent on their own (or held again while the clinic is closed).
    Returns how many rows went back."""
    released = await tx.execute(
        "UPDATE outbox SET status = 'pending', next_attempt_at = ?,"
        f" payload = {_UNHELD[tx.dialect]}, last_error = ? WHERE {_WITHDRAWN_INTO[tx.dialect]}",
        (iso(now), f"digest {digest_id} dead", digest_id),
    )
    await tx.execute(
        f"UPDATE outbox SET payload = {_SET_RELEASED[tx.dialect]} WHERE id = ?",
        (digest_id,),
    )
    return released


async def _withdraw_into_digest(tx: Tx, held: Sequence[tuple[int, int]], now: datetime) -> int:
    alert_ids = [alert_id for _, alert_id in held]
    digest_id = await enqueue(tx, DIGEST, ROUTINE_PLACE, {"alerts": alert_ids}, now)
    marks = ", ".join("?" * len(held))
    await tx.execute(
        f"UPDATE outbox SET status = 'withdrawn', last_error = ? WHERE id IN ({marks})",
        (json.dumps({"digest": digest_id}), *(item_id for item_id, _ in held)),
    )
    return digest_id

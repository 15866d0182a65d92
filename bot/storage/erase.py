"""Erasing a mother: every row about her, and her words in the staff's alert records.

Alerts stay for the clinic's records (``mother_id`` becomes NULL by the foreign key and the
random pseudonym remains), but their detail — her message, her answers, her scores — is
blanked first. Her alerts' outbox rows are blanked too, keeping only the delivery marks
(:data:`KEPT_MARKS`): a row held for working hours stays held, so it still goes out in the
digest at the next opening and ``main.py status`` does not count it as stuck at night.

Deleted rows leave copies behind in the storage until the backend reclaims them (SQLite's WAL,
PostgreSQL's dead row versions): after COMMIT the caller runs :func:`forget_freed`, which asks
the store to reclaim the tables erasure touched (``Store.reclaim``).
"""

from __future__ import annotations

import json
from datetime import datetime

from bot.storage import alerts
from bot.storage.export import PERSONAL_TABLES
from bot.storage.tx import Store, Tx

# Every table erasure deletes from or rewrites, itself or through a foreign key's cascade
# (``sends`` goes with her ``mothers`` row): where her old row versions may linger.
TOUCHED_TABLES = ("mothers", *PERSONAL_TABLES, "sends")
ERASED_DETAIL = "{}"
# How the outbox delivers the row, nothing about her ("bare": the stage after "plain" in the
# outbox's handling of a refused text, where the outbox has it).
KEPT_MARKS = ("held", "plain", "bare")


async def erase_mother(tx: Tx, mother_id: int, now: datetime) -> None:
    """Delete her rows and blank the personal text of her alerts, in the caller's transaction."""
    row = await tx.fetchone("SELECT pseudonym FROM mothers WHERE id = ?", (mother_id,))
    if row is None:
        return
    rows = await tx.fetchall(
        "SELECT id, payload, last_error FROM outbox"
        " WHERE alert_id IN (SELECT id FROM alerts WHERE mother_id = ?)",
        (mother_id,),
    )
    for item_id, payload, last_error in rows:
        await tx.execute(
            "UPDATE outbox SET payload = ?, last_error = ? WHERE id = ?",
            (_blanked(payload), _digest_link(last_error), item_id),
        )
    await tx.execute("UPDATE alerts SET detail = ? WHERE mother_id = ?", (ERASED_DETAIL, mother_id))
    for table in PERSONAL_TABLES:
        if table != "alerts":
            await tx.execute(f"DELETE FROM {table} WHERE mother_id = ?", (mother_id,))
    await tx.execute("DELETE FROM mothers WHERE id = ?", (mother_id,))
    await alerts.audit(tx, "mother", "erased", now, subject=row[0])


async def forget_freed(store: Store) -> None:
    """Run after the erasing transaction committed: a reclaim inside it would see her rows
    still alive (and PostgreSQL's VACUUM refuses to run in a transaction)."""
    await store.reclaim(TOUCHED_TABLES)


def _blanked(payload: str | None) -> str:
    """The outbox payload with only its delivery marks left."""
    found = _object(payload)
    return json.dumps({mark: found[mark] for mark in KEPT_MARKS if mark in found})


def _digest_link(last_error: str | None) -> str | None:
    """A row withdrawn into a digest keeps naming it (``{"digest": id}``, nothing about her):
    a digest that ends dead puts its rows back by it. Any other error text is blanked."""
    digest = _object(last_error).get("digest")
    return json.dumps({"digest": digest}) if isinstance(digest, int) else None


def _object(text: str | None) -> dict[str, object]:
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}

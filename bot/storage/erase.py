"""Erasing a mother: every row about her, and her words in the staff's alert records.

Alerts stay for the clinic's records (``mother_id`` becomes NULL by the foreign key and the
random pseudonym remains), but their detail — her message, her answers, her scores — is
blanked first. ``secure_delete`` zeroes the freed space in the database file; the caller must
also checkpoint the WAL after COMMIT (:meth:`bot.storage.db.Database.checkpoint`), or older
copies of the pages would survive there.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.storage import alerts
from bot.storage.db import fetchone
from bot.storage.export import PERSONAL_TABLES

ERASED_DETAIL = "{}"


async def erase_mother(conn: aiosqlite.Connection, mother_id: int, now: datetime) -> None:
    """Delete her rows and blank the personal text of her alerts, in the caller's transaction."""
    row = await fetchone(conn, "SELECT pseudonym FROM mothers WHERE id = ?", (mother_id,))
    if row is None:
        return
    await conn.execute(
        "UPDATE outbox SET payload = ?, last_error = NULL"
        " WHERE alert_id IN (SELECT id FROM alerts WHERE mother_id = ?)",
        (ERASED_DETAIL, mother_id),
    )
    await conn.execute(
        "UPDATE alerts SET detail = ? WHERE mother_id = ?", (ERASED_DETAIL, mother_id)
    )
    for table in PERSONAL_TABLES:
        if table != "alerts":
            await conn.execute(f"DELETE FROM {table} WHERE mother_id = ?", (mother_id,))
    await conn.execute("DELETE FROM mothers WHERE id = ?", (mother_id,))
    await alerts.audit(conn, "mother", "erased", now, subject=row[0])

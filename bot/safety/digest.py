"""Routine alerts in working hours: those due while the clinic is closed wait for the next
opening and reach the staff chat as one digest; urgent alerts never wait.

The outbox worker calls :meth:`Digest.sweep` before each sweep, :meth:`Digest.render` for a
``digest`` row and :meth:`Digest.delivered` once Telegram took it; everything else about
delivery (retries, 429s, a moved or unreachable chat) is the outbox's, unchanged.

- Closed (``content/clinic.yaml`` working hours, in ``BOT_TIMEZONE``): a routine alert's row is
  held until the next opening. A clinic with no working hours at all holds nothing.
- Open: held rows that came due are collapsed into one ``digest`` row: one message, one line per
  alert (her name, the reason, when it was raised) and a button per alert that opens it in full
  with its Acknowledge / Contacted / Resolved buttons.
- Delivered: each alert in it is marked delivered then (and audited), as if sent one by one, so
  the report's "time to acknowledge" runs from when the alert was raised, night included.

A routine alert found due while the clinic is open (even one raised at night while the bot was
down) goes out on its own at once: it is already working time.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.content.clinic_hours import WorkingHours, working_hours
from bot.conversation.messages import Button, ButtonRef, Outgoing, one_per_row
from bot.safety.alert_text import OPEN_CASE, AlertRenderer
from bot.services import Services
from bot.storage import alerts, digests, mothers
from bot.storage.alerts import OutboxItem
from bot.storage.digests import DIGEST

__all__ = ["DIGEST", "Digest"]


class Digest:
    def __init__(self, services: Services, renderer: AlertRenderer) -> None:
        self.services = services
        self.renderer = renderer
        self.hours: WorkingHours = working_hours(services.catalog.content)
        self.zone = services.config.zone

    async def sweep(self, now: datetime) -> None:
        """Hold what is due while closed; collapse what was held once open. Reads first: a
        sweep with nothing to do (nearly all of them) takes no write lock."""
        opening = self.hours.next_opening(now, self.zone)
        if opening is None:
            return
        closed = not self.hours.is_open(now, self.zone)
        db = self.services.db
        async with db.lock:
            work = (
                await digests.due_unheld(db.conn, now)
                if closed
                else await digests.due_held(db.conn, now)
            )
        if not work:
            return
        async with db.transaction() as conn:
            if closed:
                found = await digests.due_unheld(conn, now)
                if found:
                    await digests.hold(conn, found, opening)
            else:
                held = await digests.due_held(conn, now)
                if held:
                    await digests.collapse(conn, held, now)

    async def render(self, conn: aiosqlite.Connection, chat: int, item: OutboxItem) -> Outgoing:
        """One line per alert, a button per alert; an alert whose mother erased her data is
        listed by its reason only."""
        found = [await alerts.get_alert(conn, int(i)) for i in item.payload.get("alerts", [])]
        listed = [alert for alert in found if alert is not None]
        lines = [self.renderer.t("digest.header", count=len(listed))]
        buttons = []
        for alert in listed:
            mother = await mothers.by_id(conn, alert.mother_id) if alert.mother_id else None
            name = (mother.name or mother.first_name or alert.pseudonym) if mother else "—"
            status = (
                "" if alert.status == "open" else f" ({self.renderer.t(f'actions.{alert.status}')})"
            )
            lines.append(
                self.renderer.t(
                    "digest.line",
                    id=alert.id,
                    name=name,
                    reason=self.renderer.reason(alert.rule),
                    time=self.renderer.local_time(alert.created_at),
                )
                + status
            )
            label = self.renderer.t("digest.button", id=alert.id, name=name)
            buttons.append(Button(label[:60], ButtonRef("staff", alert.id, OPEN_CASE)))
        return Outgoing(chat, "\n".join(lines), one_per_row(buttons), html=True)

    async def delivered(self, conn: aiosqlite.Connection, item: OutboxItem, now: datetime) -> None:
        for alert_id in item.payload.get("alerts", []):
            alert = await alerts.get_alert(conn, int(alert_id))
            if alert is None or alert.delivered_at is not None:
                continue
            await alerts.mark_delivered(conn, alert.id, now, None)
            await alerts.audit(conn, "system", "delivered", now, alert.id, alert.pseudonym)

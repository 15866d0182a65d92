"""Routine alerts in working hours: those due while the clinic is closed wait for the next
opening and reach the staff chat as one digest; urgent alerts never wait.

The outbox worker calls :meth:`Digest.sweep` before each sweep, :meth:`Digest.render` for a
``digest`` row and :meth:`Digest.delivered` once Telegram took it; everything else about
delivery (retries, 429s, a moved or unreachable chat) is the outbox's, unchanged.

- Closed (``content/clinic.yaml`` working hours, in ``BOT_TIMEZONE``): a routine alert's row is
  held until the next opening. A clinic with no working hours at all holds nothing.
  Every routine row found due while closed is (re)held, one held before included (the bot was
  down for the whole opening, a closed day was added, a failed send was rescheduled): a routine
  alert never goes out alone outside working hours. Urgent alerts are never held.
- Open: held rows that came due are collapsed into ``digest`` rows: one message per at most
  ``DIGEST_SIZE`` alerts, one line per alert (her name, the reason, when it was raised) and a
  button per alert that opens it in full with its Acknowledge / Contacted / Resolved buttons.
  Telegram allows 100 buttons and 4,096 characters: alerts whose lines would not fit in the text
  are split off into another digest when it is rendered, so no message is cut.
- Delivered: each alert listed in it is marked delivered then (and audited), as if sent one by
  one, so the report's "time to acknowledge" runs from when the alert was raised, night
  included.
- Dead (refused even in plain text, or failing many times over): its alerts' rows are put back
  to pending, unheld, at the next sweep, so they go out on their own: never lost.

A routine alert found due while the clinic is open (even one raised at night while the bot was
down) goes out on its own at once: it is already working time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.clock import utcnow
from bot.content.clinic_hours import WorkingHours, working_hours
from bot.conversation.messages import Button, ButtonRef, Outgoing, one_per_row
from bot.delivery import fit
from bot.safety.alert_text import OPEN_CASE, AlertRenderer
from bot.services import Services
from bot.storage import alerts, digests, locks, mothers
from bot.storage.alerts import OutboxItem
from bot.storage.digests import DIGEST
from bot.storage.tx import Tx

__all__ = ["DIGEST", "Digest"]


class Digest:
    def __init__(
        self,
        services: Services,
        renderer: AlertRenderer,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.services = services
        self.renderer = renderer
        self.clock = clock
        self.hours: WorkingHours = working_hours(services.catalog.content)
        self.zone = services.config.zone

    async def sweep(self, now: datetime) -> None:
        """Put back the alerts of a dead digest; hold what is due while closed; collapse what
        was held once open. Reads first: a sweep with nothing to do (nearly all of them) takes
        no write lock."""
        opening = self.hours.next_opening(now, self.zone)
        closed = opening is not None and not self.hours.is_open(now, self.zone)
        db = self.services.db
        async with db.reading() as tx:
            dead = await digests.dead_unreleased(tx)
            work = (
                []
                if opening is None
                else await digests.due_routine(tx, now)
                if closed
                else await digests.due_held(tx, now)
            )
        if not dead and not work:
            return
        async with db.transaction() as tx:
            await locks.lock_duty(tx, locks.DIGESTS)  # several workers sweep: one at a time
            for digest_id in await digests.dead_unreleased(tx):
                await digests.release(tx, digest_id, now)
            if opening is None:
                return
            if closed:
                found = await digests.due_routine(tx, now)
                if found:
                    await digests.hold(tx, found, opening)
            else:
                held = await digests.due_held(tx, now)
                if held:
                    await digests.collapse(tx, held, now)

    async def render(self, tx: Tx, chat: int, item: OutboxItem) -> Outgoing:
        """One line per alert, a button per alert; an alert whose mother erased her data is
        listed by its reason only. Alerts whose lines would take the text over Telegram's limit
        are split off into a digest of their own, sent next: this one lists only the rest."""
        ids = [int(i) for i in item.payload.get("alerts", [])]
        found = [await alerts.get_alert(tx, i) for i in ids]
        lines: list[str] = []
        buttons: list[Button] = []
        kept: list[int] = []
        rest: list[int] = []
        for alert in found:
            if alert is None:
                continue
            if rest:
                rest.append(alert.id)
                continue
            line, button = await self._line(tx, alert)
            if kept and self._header(len(kept) + 1, [*lines, line]) is None:
                rest.append(alert.id)
                continue
            lines.append(line)
            buttons.append(button)
            kept.append(alert.id)
        if rest:
            await digests.split_off(tx, item.id, kept, rest, self.clock())
            item.payload["alerts"] = kept  # a plain retry keeps the narrowed list
        text = self._header(len(kept), lines) or "\n".join(
            [self.renderer.t("digest.header", count=len(kept)), *lines]
        )
        return Outgoing(chat, text, one_per_row(buttons), html=True)

    def _header(self, count: int, lines: list[str]) -> str | None:
        """The message's text, or None when it is over Telegram's limit (UTF-16 units)."""
        text = "\n".join([self.renderer.t("digest.header", count=count), *lines])
        return text if fit(text) == text else None

    async def _line(self, tx: Tx, alert: alerts.Alert) -> tuple[str, Button]:
        mother = await mothers.by_id(tx, alert.mother_id) if alert.mother_id else None
        name = (mother.name or mother.first_name or alert.pseudonym) if mother else "—"
        status = (
            "" if alert.status == "open" else f" ({self.renderer.t(f'actions.{alert.status}')})"
        )
        line = (
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
        return line, Button(label[:60], ButtonRef.staff(alert.id, OPEN_CASE))

    async def delivered(self, tx: Tx, item: OutboxItem, now: datetime) -> None:
        """Marks delivered the alerts this digest lists now, as stored: those split off when it
        was rendered are another digest's."""
        for alert_id in await digests.listed(tx, item.id):
            alert = await alerts.get_alert(tx, alert_id)
            if alert is None or alert.delivered_at is not None:
                continue
            await alerts.mark_delivered(tx, alert.id, now, None)
            await alerts.audit(tx, "system", "delivered", now, alert.id, alert.pseudonym)

"""The delivery worker: sends what the outbox holds, retries, and repeats unacknowledged alerts.

Nothing here is lost on a crash: an item leaves the ``pending`` state only after Telegram accepted
it. 429s honour ``retry_after``; 5xx and network errors back off; a staff chat that is unset or
unreachable keeps alerts pending with a warning every few minutes until it works again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import aiosqlite

from bot.clock import iso, utcnow
from bot.content import clinic_variables
from bot.conversation.messages import Outgoing, one_per_row
from bot.delivery import RetryLater, Transport, Unreachable
from bot.safety.alert_text import AlertRenderer
from bot.services import Services
from bot.storage import alerts, mothers
from bot.storage.alerts import NOTICE_LANE, URGENT, OutboxItem

log = logging.getLogger("poruch.outbox")

MAX_BACKOFF = 60.0
UNREACHABLE_RETRY = 60.0
WARNING_EVERY = timedelta(minutes=5)


def backoff(attempts: int) -> float:
    return min(MAX_BACKOFF, 0.5 * 2**attempts)


class OutboxWorker:
    def __init__(
        self, services: Services, transport: Transport, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.services = services
        self.transport = transport
        self.clock = clock
        config = services.config
        self.renderer = AlertRenderer(
            services.catalog.content,
            services.catalog.escalation,
            config.staff_language,
            config.zone,
        )
        self.repeat_after = timedelta(minutes=config.alert_repeat_minutes)
        self._wake = asyncio.Event()
        self._pass = asyncio.Lock()
        self._last_warning: datetime | None = None

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("outbox_cycle_failed")
            delay = await self._seconds_to_next()
            self._wake.clear()
            waiters = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())]
            await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    async def _seconds_to_next(self) -> float:
        async with self.services.db.lock:
            due = await alerts.next_due_at(self.services.db.conn)
        if due is None:
            return 5.0
        now = iso(self.clock())
        return 0.0 if due <= now else 1.0

    async def run_once(self) -> int:
        """Deliver everything due now, urgent first; return how many items were sent.

        One pass at a time: two overlapping passes would read the same pending rows and
        deliver them twice.
        """
        async with self._pass:
            now = self.clock()
            await self._queue_repeats(now)
            async with self.services.db.lock:
                items = await alerts.due_items(self.services.db.conn, now)
            sent = 0
            for item in items:
                sent += await self._deliver(item)
            return sent

    async def _queue_repeats(self, now: datetime) -> None:
        """Queue the repeats of unacknowledged urgent alerts. A sweep with none due (nearly
        every one) only reads: a write transaction would hold up the replies waiting for the
        lock. The transaction reads them again, since staff may acknowledge in between."""
        async with self.services.db.lock:
            if not await alerts.due_repeats(self.services.db.conn, now):
                return
        async with self.services.db.transaction() as conn:
            for alert in await alerts.due_repeats(conn, now):
                await alerts.schedule_repeat(conn, alert.id, now, self.repeat_after)
                chats = [
                    self.services.config.staff_chat_id,
                    self.services.config.staff_backup_chat_id,
                ]
                for chat in {c for c in chats if c is not None}:
                    await alerts.enqueue(
                        conn,
                        "alert_repeat",
                        0,
                        {"count": alert.repeats + 1},
                        now,
                        alert_id=alert.id,
                        chat_id=chat,
                    )

    async def _deliver(self, item: OutboxItem) -> int:
        async with self.services.db.lock:
            message = await self._message_for(self.services.db.conn, item)
        if message is None:
            return 0
        now = self.clock()
        try:
            message_id = await self.transport.deliver(message)
        except RetryLater as exc:
            delay = exc.retry_after if exc.retry_after is not None else backoff(item.attempts)
            await self._retry(item, f"retry: {exc}", now + timedelta(seconds=delay))
            return 0
        except Unreachable as exc:
            await self._unreachable(item, str(exc), now)
            return 0
        await self._delivered(item, message_id, now)
        return 1

    async def _message_for(self, conn: aiosqlite.Connection, item: OutboxItem) -> Outgoing | None:
        if item.kind == "mother_notice":
            return await self._mother_notice(conn, item)
        chat = item.chat_id or self.services.config.staff_chat_id
        if chat is None:
            self._warn("staff_chat_not_configured", pending_item=item.id)
            await alerts.mark_retry(
                conn, item.id, "no staff chat", self.clock() + timedelta(seconds=UNREACHABLE_RETRY)
            )
            return None
        alert = await alerts.get_alert(conn, item.alert_id or 0)
        if alert is None:
            await alerts.mark_dead(conn, item.id, "alert gone")
            return None
        text = await self.renderer.render(conn, alert)
        if item.kind == "alert_repeat":
            text = self._with_repeat_line(text, item.payload.get("count", 1))
        return Outgoing(
            chat,
            text,
            one_per_row(self.renderer.buttons(alert)),
            urgent=alert.priority == URGENT,
            html=True,
        )

    def _with_repeat_line(self, text: str, count: int) -> str:
        """The repeat note goes under the priority line, which stays first for scanning; it
        mentions the STAFF_USER_IDS when set, so their phones ring."""
        mention = self.renderer.t("repeat_mention")
        staff = sorted(self.services.config.staff_user_ids)
        links = " ".join(f'<a href="tg://user?id={user}">👤</a>' for user in staff)
        repeat = self.renderer.t(
            "repeat",
            minutes=f"{self.services.config.alert_repeat_minutes:g}",
            count=count,
            mention="\x00",
        ).replace("\x00", f"{mention} {links}".strip())
        header, _, rest = text.partition("\n")
        return f"{header}\n{repeat}\n{rest}"

    async def _mother_notice(self, conn: aiosqlite.Connection, item: OutboxItem) -> Outgoing | None:
        mother = await mothers.by_id(conn, item.mother_id or 0)
        if mother is None:
            await alerts.mark_dead(conn, item.id, "mother erased")
            return None
        content = self.services.catalog.content
        text = content.text(
            str(item.payload["key"]), mother.language, clinic_variables(content, mother.language)
        )
        return Outgoing(mother.chat_id, text, urgent=True)

    async def _retry(self, item: OutboxItem, error: str, at: datetime) -> None:
        async with self.services.db.transaction() as conn:
            await alerts.mark_retry(conn, item.id, error, at)

    async def _unreachable(self, item: OutboxItem, error: str, now: datetime) -> None:
        if item.kind == "mother_notice":
            async with self.services.db.transaction() as conn:
                await alerts.mark_dead(conn, item.id, error)
            return
        self._warn("staff_chat_unreachable", pending_item=item.id)
        await self._retry(item, error, now + timedelta(seconds=UNREACHABLE_RETRY))

    async def _delivered(self, item: OutboxItem, message_id: int | None, now: datetime) -> None:
        async with self.services.db.transaction() as conn:
            await alerts.mark_sent(conn, item.id, message_id, now)
            if item.kind != "staff_alert" or item.alert_id is None:
                return
            alert = await alerts.get_alert(conn, item.alert_id)
            if alert is None or alert.delivered_at is not None:
                return  # the mother is told once, on the first delivery
            urgent = alert.priority == URGENT
            await alerts.mark_delivered(conn, alert.id, now, self.repeat_after if urgent else None)
            await alerts.audit(conn, "system", "delivered", now, alert.id, alert.pseudonym)
            rule = next(
                (r for r in self.services.catalog.escalation.rules if r.id == alert.rule), None
            )
            if rule is not None and rule.crisis_reply and alert.mother_id is not None:
                await alerts.enqueue(
                    conn,
                    "mother_notice",
                    NOTICE_LANE,
                    {"key": "clinic.crisis.delivered"},
                    now,
                    mother_id=alert.mother_id,
                )
        self.wake()

    def _warn(self, event: str, **fields: object) -> None:
        now = self.clock()
        if self._last_warning is None or now - self._last_warning >= WARNING_EVERY:
            self._last_warning = now
            log.warning("%s %s", event, " ".join(f"{k}={v}" for k, v in fields.items()))

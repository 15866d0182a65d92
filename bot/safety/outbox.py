"""The delivery worker: sends what the outbox holds, retries, and repeats unacknowledged alerts.

Nothing here is lost on a crash: an item leaves the ``pending`` state only after Telegram accepted
it, or when it can never be delivered (then it is ``dead``, kept and counted by ``main.py
status``), or when it is no longer wanted (``withdrawn``: a repeat of an acknowledged alert).

Each due item is delivered in a task of its own with its own back-off, so an item that Telegram
holds back (a 429 on the staff chat) or keeps refusing never delays the items behind it, and no
exception from a delivery leaves the worker loop. The reaction to each outcome of
``bot/delivery.py``:

- retry later: after ``retry_after`` when Telegram said, else an exponential back-off (capped);
- chat moved: the staff group was upgraded; follow it (``StaffChats.follow``) and send now;
- unreachable: keep it, back off up to a cap, warn every few minutes; an urgent alert also goes
  to ``STAFF_BACKUP_CHAT_ID`` when that is set;
- refused: send the plain version (no markup, cut to Telegram's limit, buttons kept); refused
  again, or an unexplained failure many times over: dead.

Besides staff alerts it delivers what goes to a mother: the notice that the team has her alert,
and the durable copy of her crisis reply when the fast path did not confirm it in time
(``bot/safety/crisis_reply.py``). That copy takes the first place in the outbox; when it and
the alert of its turn are due in one sweep (after a restart), the alert's delivery waits until
her reply was handed to the sender, so the help lines never go after the alert.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

from bot.clock import parse_iso, utcnow
from bot.content.promises import clinic_variables_at, situation_of
from bot.conversation.messages import Outgoing, StillWanted, one_per_row
from bot.delivery import (
    ChatMoved,
    DeliveryError,
    Refused,
    RetryLater,
    Transport,
    Unreachable,
    Withdrawn,
    check_wanted,
    plain_version,
)
from bot.priority import NOTICE_OUTBOX_PLACE, Priority, outbox_place
from bot.safety import crisis_reply
from bot.safety.alert_text import AlertRenderer
from bot.safety.digest import DIGEST, Digest
from bot.services import Services
from bot.storage import alerts, claims, locks, mothers
from bot.storage.alerts import OutboxItem
from bot.storage.tx import Tx

log = logging.getLogger("poruch.outbox")

MAX_BACKOFF = 60.0
UNREACHABLE_BACKOFF = 5.0
UNREACHABLE_CAP = 600.0
NO_STAFF_CHAT_RETRY = 60.0  # STAFF_CHAT_ID unset: alerts wait, looked at once a minute
UNEXPECTED_LIMIT = 8  # unexplained failures in a row before an item is dead
WARNING_EVERY = timedelta(minutes=5)
IDLE_SWEEP = 5.0
SHUTDOWN_WAIT = 10.0
STAFF_KINDS = ("staff_alert", "alert_repeat")
MOTHER_KINDS = ("mother_notice", crisis_reply.CRISIS_REPLY)  # to her private chat
CLAIM_LIMIT = 50  # rows taken per sweep, besides this worker's own under way
CLAIM_LEASE = timedelta(seconds=60)  # a dead worker's rows wait this long; renewed every sweep


def backoff(attempts: int) -> float:
    return float(min(MAX_BACKOFF, 0.5 * 2 ** min(attempts, 10)))


def unreachable_backoff(attempts: int) -> float:
    return float(min(UNREACHABLE_CAP, UNREACHABLE_BACKOFF * 2 ** min(attempts, 10)))


class OutboxWorker:
    def __init__(
        self,
        services: Services,
        transport: Transport,
        clock: Callable[[], datetime] = utcnow,
        *,
        worker_id: str = "worker",
        is_leader: Callable[[], bool] = lambda: True,
        lease: timedelta = CLAIM_LEASE,
    ) -> None:
        """``worker_id`` names this worker's claims; ``is_leader`` says whether it also runs
        the duties one worker runs for all (repeats, digests): ``bot/leadership.py``."""
        self.services = services
        self.worker_id = worker_id
        self.is_leader = is_leader
        self.lease = lease
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
        self.digest = Digest(services, self.renderer, clock)  # routine alerts wait for clinic hours
        self._wake = asyncio.Event()
        self._pass = asyncio.Lock()
        self._in_flight: dict[int, asyncio.Task[int]] = {}
        self._last_warning: dict[str, datetime] = {}

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self, stop: asyncio.Event) -> None:
        started = self.clock()
        try:
            await crisis_reply.take_over(self.services.db, started, started)
        except Exception:
            log.exception("crisis_reply_take_over_failed")  # they still go at their grace's end
        try:
            while not stop.is_set():
                try:
                    await self._start_due()
                    delay = await self._seconds_to_next()
                except Exception:
                    log.exception("outbox_cycle_failed")
                    delay = IDLE_SWEEP
                self._wake.clear()
                waiters = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())]
                await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
                for waiter in waiters:
                    waiter.cancel()
        finally:
            await self._settle(SHUTDOWN_WAIT)

    async def run_once(self) -> int:
        """Deliver everything due now, urgent first; return how many items were sent."""
        tasks = await self._start_due()
        return sum(await asyncio.gather(*tasks))

    async def _settle(self, within: float) -> None:
        """At shutdown: let deliveries under way finish; cancel what is still waiting (its row
        stays pending and is sent after the restart)."""
        tasks = list(self._in_flight.values())
        if not tasks:
            return
        _, waiting = await asyncio.wait(tasks, timeout=within)
        for task in waiting:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*waiting, return_exceptions=True)

    async def _seconds_to_next(self) -> float:
        async with self.services.db.reading() as tx:
            due = await claims.next_outbox_due(
                tx, self.worker_id, self.clock(), self._in_flight.keys()
            )
        if due is None:
            return IDLE_SWEEP
        seconds = (parse_iso(due) - self.clock()).total_seconds()
        return max(0.0, min(IDLE_SWEEP, seconds))

    async def _start_due(self) -> list[asyncio.Task[int]]:
        """Start a delivery task for each due item not already under way. One sweep at a time:
        two overlapping sweeps would start the same rows twice."""
        async with self._pass:
            now = self.clock()
            if self.is_leader():
                await self._queue_repeats(now)
            await self.digest.sweep(now)  # every worker: hold what is due before claiming it
            items = await self._claim_due(now)
            handed, waits = await self._replies_first(items)
            started = []
            for item in items:
                task = asyncio.create_task(
                    self._deliver_safely(item, handed.get(item.id), waits.get(item.id))
                )
                self._in_flight[item.id] = task
                task.add_done_callback(partial(self._finished, item.id))
                started.append(task)
            return started

    async def _claim_due(self, now: datetime) -> list[OutboxItem]:
        """Due rows this worker may deliver, claimed for it (``bot/storage/claims.py``); its
        own under way are claimed again, renewing their lease, but not started twice. A sweep
        with none due (nearly every one) only reads."""
        async with self.services.db.reading() as tx:
            if not await alerts.due_items(tx, now, limit=1, skip=self._in_flight.keys()):
                return []
        limit = CLAIM_LIMIT + len(self._in_flight)
        async with self.services.db.transaction() as tx:
            items = await claims.claim_outbox(tx, self.worker_id, now, now + self.lease, limit)
        return [item for item in items if item.id not in self._in_flight][:CLAIM_LIMIT]

    async def _replies_first(
        self, items: list[OutboxItem]
    ) -> tuple[dict[int, asyncio.Event], dict[int, asyncio.Event]]:
        """For a mother whose crisis reply is in this sweep: an event per reply, set once it
        was handed to the transport, and the same event for each of her other rows (her
        alerts, her notices) to wait for. Each delivery is a task that reads before it sends,
        so the order of the places alone would not decide which reaches the sender first."""
        first: dict[int, OutboxItem] = {}
        for item in items:
            if item.kind == crisis_reply.CRISIS_REPLY and item.mother_id is not None:
                first.setdefault(item.mother_id, item)
        if not first:
            return {}, {}
        handed = {item.id: asyncio.Event() for item in first.values()}
        waits: dict[int, asyncio.Event] = {}
        async with self.services.db.reading() as tx:
            for item in items:
                if item.kind == crisis_reply.CRISIS_REPLY:
                    continue
                mother = item.mother_id
                if mother is None and item.alert_id is not None:
                    alert = await alerts.get_alert(tx, item.alert_id)
                    mother = None if alert is None else alert.mother_id
                if mother in first:
                    waits[item.id] = handed[first[mother].id]
        return handed, waits

    async def _release(self, item: OutboxItem) -> None:
        """Done with the row for now: whatever it needs next, any worker may do it."""
        async with self.services.db.transaction() as tx:
            await claims.release_outbox(tx, item.id, self.worker_id)

    def _finished(self, item_id: int, _task: object = None) -> None:
        self._in_flight.pop(item_id, None)
        self.wake()

    async def _queue_repeats(self, now: datetime) -> None:
        """Queue the repeats of unacknowledged urgent alerts. A sweep with none due (nearly
        every one) only reads: a write transaction would hold up the replies waiting for the
        lock. The transaction reads them again, since staff may acknowledge in between."""
        async with self.services.db.reading() as tx:
            if not await alerts.due_repeats(tx, now):
                return
        chats = {self.services.staff_chat_id, self.services.staff_backup_chat_id}
        async with self.services.db.transaction() as tx:
            await locks.lock_duty(tx, locks.REPEATS)
            for alert in await alerts.due_repeats(tx, now):
                await alerts.schedule_repeat(tx, alert.id, now, self.repeat_after)
                for chat in chats - {None}:
                    await alerts.enqueue(
                        tx,
                        "alert_repeat",
                        outbox_place(Priority.URGENT),
                        {"count": alert.repeats + 1},
                        now,
                        alert_id=alert.id,
                        chat_id=chat,
                    )

    async def _deliver_safely(
        self,
        item: OutboxItem,
        handed: asyncio.Event | None = None,
        after: asyncio.Event | None = None,
    ) -> int:
        """No exception from one delivery may stop the others or the loop: a bug or a database
        error counts as an unexplained failure of this item, with its own back-off. ``after``:
        wait until her crisis reply was handed over; ``handed``: this is that reply."""
        try:
            if after is not None:
                await after.wait()
            return await self._deliver(item, handed)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("outbox_item_failed item=%s error=%s", item.id, type(exc).__name__)
            with contextlib.suppress(Exception):
                await self._unexplained(item, type(exc).__name__)
            return 0
        finally:
            if handed is not None:
                handed.set()  # whatever happened to her reply, her alert must not wait forever
            with contextlib.suppress(Exception):
                await self._release(item)

    async def _deliver(self, item: OutboxItem, handed: asyncio.Event | None = None) -> int:
        async with self.services.db.reading() as tx:
            message = await self._message_for(tx, item)
        if message is None:
            return 0
        now = self.clock()
        try:
            await check_wanted(message)
            if handed is not None:
                # Set with no await before the transport queues it: the waiting alert runs
                # only once this task yields, after its message is in the sender's lane.
                handed.set()
            message_id = await self.transport.deliver(message)
        except RetryLater as exc:
            delay = exc.retry_after if exc.retry_after is not None else backoff(item.attempts)
            await self._retry(item, f"retry: {exc}", now + timedelta(seconds=delay))
            return 0
        except ChatMoved as exc:
            await self._follow(item, message.chat_id, exc.new_chat_id, now)
            return 0
        except Unreachable as exc:
            await self._unreachable(item, str(exc), now)
            return 0
        except Refused as exc:
            await self._refused(item, str(exc))
            return 0
        except Withdrawn as exc:
            async with self.services.db.transaction() as tx:
                await alerts.mark_withdrawn(tx, item.id, str(exc))
            return 0
        except DeliveryError as exc:
            await self._unexplained(item, str(exc) or type(exc).__name__)
            return 0
        await self._delivered(item, message_id, now)
        return 1

    async def _message_for(self, tx: Tx, item: OutboxItem) -> Outgoing | None:
        message = await self._render(tx, item)
        if message is None or not item.payload.get("plain"):
            return message
        plain = plain_version(message)
        return replace(plain, buttons=()) if item.payload.get("bare") else plain

    async def _render(self, tx: Tx, item: OutboxItem) -> Outgoing | None:
        if item.kind == "mother_notice":
            return await self._mother_notice(tx, item)
        if item.kind == crisis_reply.CRISIS_REPLY:
            return await self._crisis_reply(tx, item)
        chat = self.services.staff_chats.resolve(item.chat_id) or self.services.staff_chat_id
        if chat is None:
            self._warn("staff_chat_not_configured", pending_item=item.id)
            later = self.clock() + timedelta(seconds=NO_STAFF_CHAT_RETRY)
            await alerts.mark_retry(tx, item.id, "no staff chat", later, tried=False)
            return None
        if item.kind == DIGEST:
            return await self.digest.render(tx, chat, item)
        alert = await alerts.get_alert(tx, item.alert_id or 0)
        if alert is None:
            await alerts.mark_dead(tx, item.id, "alert gone")
            return None
        text = await self.renderer.render(tx, alert)
        still_wanted = None
        if item.kind == "alert_repeat":
            if alert.status != "open":
                await alerts.mark_withdrawn(tx, item.id, f"alert {alert.status}")
                return None
            text = self._with_repeat_line(text, item.payload.get("count", 1))
            still_wanted = self._still_open(alert.id)
        return Outgoing(
            chat,
            text,
            one_per_row(self.renderer.buttons(alert)),
            priority=alert.priority,
            html=True,
            still_wanted=still_wanted,
        )

    def _still_open(self, alert_id: int) -> StillWanted:
        """A repeat is sent only while its alert is open, asked right before each attempt: a
        repeat held back by a 429 must not land under "Acknowledged by …"."""

        async def still_open() -> bool:
            async with self.services.db.reading() as tx:
                return await alerts.alert_status(tx, alert_id) == "open"

        return still_open

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

    async def _mother_notice(self, tx: Tx, item: OutboxItem) -> Outgoing | None:
        mother = await mothers.by_id(tx, item.mother_id or 0)
        if mother is None:
            await alerts.mark_dead(tx, item.id, "mother erased")
            return None
        content = self.services.catalog.content
        situation = situation_of(self.services.config, self.clock())  # contact time: now
        text = content.text(
            str(item.payload["key"]),
            mother.language,
            clinic_variables_at(content, mother.language, situation),
        )
        return Outgoing(mother.chat_id, text, priority=Priority.URGENT)

    async def _crisis_reply(self, tx: Tx, item: OutboxItem) -> Outgoing | None:
        """Her crisis reply, which the fast path did not confirm in time. Asked again before
        each attempt: a fast path that gets through meanwhile marks it sent, and then this
        copy is withdrawn rather than sent twice."""
        if await mothers.by_id(tx, item.mother_id or 0) is None:
            await alerts.mark_dead(tx, item.id, "mother erased")
            return None
        message = crisis_reply.message_of(item)

        async def still_pending() -> bool:
            async with self.services.db.reading() as reading:
                return await alerts.item_status(reading, item.id) == "pending"

        return replace(message, still_wanted=still_pending)

    async def _retry(self, item: OutboxItem, error: str, at: datetime) -> None:
        async with self.services.db.transaction() as tx:
            await alerts.mark_retry(tx, item.id, error, at)

    async def _follow(self, item: OutboxItem, old: int, new: int, now: datetime) -> None:
        """The group became a supergroup: everything for the old id goes to the new one now.
        Only staff chats are followed; a mother's chat is private and never moves."""
        if item.kind in MOTHER_KINDS:
            await self._unexplained(item, f"private chat moved to {new}")
            return
        followed = await self.services.staff_chats.follow(self.services.db, old, new, now)
        if item.chat_id is None or not followed:
            # A row addressed to the old id was re-addressed by the move itself; a move known
            # already (Telegram says it again) waits a back-off: never a hot loop.
            at = now if followed else now + timedelta(seconds=backoff(item.attempts))
            async with self.services.db.transaction() as tx:
                await alerts.mark_retry(tx, item.id, f"chat moved to {new}", at)
        self.wake()

    async def _unreachable(self, item: OutboxItem, error: str, now: datetime) -> None:
        if item.kind in MOTHER_KINDS:  # she blocked the bot: nothing reaches her until /start
            async with self.services.db.transaction() as tx:
                await alerts.mark_dead(tx, item.id, error)
            return
        self._warn("staff_chat_unreachable", pending_item=item.id)
        delay = timedelta(seconds=unreachable_backoff(item.attempts))
        async with self.services.db.transaction() as tx:
            await alerts.mark_retry(tx, item.id, error, now + delay)
            await self._copy_to_backup(tx, item, now)

    async def _copy_to_backup(self, tx: Tx, item: OutboxItem, now: datetime) -> None:
        """An urgent alert the staff chat cannot receive also goes to the backup chat, once."""
        backup = self.services.staff_backup_chat_id
        if item.kind != "staff_alert" or item.alert_id is None or backup is None:
            return
        if (item.chat_id or self.services.staff_chat_id) == backup:
            return
        alert = await alerts.get_alert(tx, item.alert_id)
        if alert is None or alert.priority != Priority.URGENT:
            return
        if await alerts.has_copy_for(tx, alert.id, "staff_alert", backup):
            return
        await alerts.enqueue(
            tx,
            "staff_alert",
            outbox_place(Priority.URGENT),
            {},
            now,
            alert_id=alert.id,
            chat_id=backup,
        )
        self.wake()

    async def _refused(self, item: OutboxItem, error: str) -> None:
        """Telegram refused the text: once more as plain text, then as bare text without the
        buttons (a refused keyboard), then never again."""
        now = self.clock()
        async with self.services.db.transaction() as tx:
            if item.payload.get("bare"):
                await self._dead(tx, item, f"refused: {error}", now)
            else:
                stage = "bare" if item.payload.get("plain") else "plain"
                payload = {**item.payload, "plain": True, stage: True}
                await alerts.mark_payload(tx, item.id, f"refused: {error}", payload, now)
        self.wake()

    async def _unexplained(self, item: OutboxItem, error: str) -> None:
        """A failure no outcome explains (a bug, a database error): back off, and after
        ``UNEXPECTED_LIMIT`` of them the item is dead — kept and counted, never dropped
        silently. Retries of known outcomes (429s, an unreachable chat) do not count."""
        now = self.clock()
        failures = int(item.payload.get("failures", 0)) + 1
        async with self.services.db.transaction() as tx:
            if failures >= UNEXPECTED_LIMIT:
                await self._dead(tx, item, f"failed: {error}", now)
                return
            at = now + timedelta(seconds=backoff(failures))
            payload = {**item.payload, "failures": failures}
            await alerts.mark_payload(tx, item.id, f"failed: {error}", payload, at)

    async def _dead(self, tx: Tx, item: OutboxItem, error: str, now: datetime) -> None:
        """Nothing worked: kept as dead and counted by ``status``; an urgent alert still goes
        to the backup chat when there is one."""
        await alerts.mark_dead(tx, item.id, error)
        log.error("outbox_dead item=%s kind=%s reason=%s", item.id, item.kind, error[:40])
        await self._copy_to_backup(tx, item, now)

    async def _delivered(self, item: OutboxItem, message_id: int | None, now: datetime) -> None:
        async with self.services.db.transaction() as tx:
            await alerts.mark_sent(tx, item.id, message_id, now)
            if item.kind == DIGEST:
                await self.digest.delivered(tx, item, now)
            if item.kind != "staff_alert" or item.alert_id is None:
                return
            alert = await alerts.get_alert(tx, item.alert_id)
            if alert is None or alert.delivered_at is not None:
                return  # the mother is told once, on the first delivery
            urgent = alert.priority == Priority.URGENT
            await alerts.mark_delivered(tx, alert.id, now, self.repeat_after if urgent else None)
            await alerts.audit(tx, "system", "delivered", now, alert.id, alert.pseudonym)
            rule = next(
                (r for r in self.services.catalog.escalation.rules if r.id == alert.rule), None
            )
            if rule is not None and rule.crisis_reply and alert.mother_id is not None:
                await alerts.enqueue(
                    tx,
                    "mother_notice",
                    NOTICE_OUTBOX_PLACE,
                    {"key": "clinic.crisis.delivered"},
                    now,
                    mother_id=alert.mother_id,
                )
        self.wake()

    def _warn(self, event: str, **fields: object) -> None:
        """A warning at most every few minutes per kind: a chat down for an hour must not
        flood the log, yet must stay visible in it."""
        now = self.clock()
        last = self._last_warning.get(event)
        if last is None or now - last >= WARNING_EVERY:
            self._last_warning[event] = now
            log.warning("%s %s", event, " ".join(f"{k}={v}" for k, v in fields.items()))

"""The tick: every few seconds, plan new slots, claim what is due, feed the sender.

A plain asyncio loop over indexed columns, not one APScheduler job per mother: the benchmark
(``docs/performance.md``) measured both, and 100,000 jobs cost far more memory and start-up
time while still needing the database to survive a restart. Here a tick reads only what is due
now, and the schedule is the database: a restart loses nothing and repeats nothing.

The tick claims no more than the sender can send before the next tick (``window``), so a
09:00 wave of 40,000 prompts is claimed progressively, in due order, in small transactions
that never hold the database for long: her reply and a crisis alert are never stuck behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from bot.clock import utcnow
from bot.conversation.messages import Outgoing
from bot.conversation.service import Conversation
from bot.conversation.turn import Turn
from bot.priority import Lane
from bot.scheduling.cadence import load_cadence
from bot.scheduling.claim import ClaimCount, Policy, claim_reminders, claim_slots
from bot.scheduling.planner import plan_unplanned
from bot.scheduling.prompts import Prompts
from bot.sender import Sender, SendResult
from bot.services import Services
from bot.storage import claims, dialog, locks, messages, mothers, pace, schedule
from bot.storage.schedule import SendRow

log = logging.getLogger("poruch.schedule")

TICK_SECONDS = 15.0
CLAIM_BATCH = 50  # ~8 ms of the event loop per batch: a stall delays sends and bunches them
KEEP_SENDS = timedelta(days=3)
KEEP_UPDATE_IDS = timedelta(days=2)
PRUNE_EVERY = timedelta(hours=1)
CLAIM_LEASE = timedelta(seconds=60)  # renewed every tick (15 s) while queued here


@dataclass
class TickReport:
    planned: int = 0
    claimed: ClaimCount = field(default_factory=ClaimCount)
    reminders: int = 0
    fed: int = 0


class Scheduler:
    def __init__(
        self,
        services: Services,
        conversation: Conversation,
        sender: Sender,
        clock: Callable[[], datetime] = utcnow,
        tick_seconds: float = TICK_SECONDS,
        on_alert: Callable[[], None] | None = None,
        *,
        worker_id: str = "worker",
        is_leader: Callable[[], bool] = lambda: True,
        lease: timedelta = CLAIM_LEASE,
    ) -> None:
        """``worker_id`` names this worker's claims on ``sends`` rows; ``is_leader`` says
        whether it also plans, claims the due slots and prunes for all (``bot/leadership.py``):
        every worker feeds its sender from the rows the leader wrote."""
        self.services = services
        self.worker_id = worker_id
        self.is_leader = is_leader
        self.lease = lease
        self.sender = sender
        self.clock = clock
        self.tick_seconds = tick_seconds
        self.on_alert = on_alert
        catalog = services.catalog
        self.policy = Policy(services.config, load_cadence(catalog.content), catalog.escalation)
        self.prompts = Prompts(self.policy, conversation.start_flow)
        self.conversation = conversation
        self.window = int(services.config.send_rate_per_second * (tick_seconds + 10))
        self.sent = 0
        self._queued: set[int] = set()
        self._pruned_at: datetime | None = None

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:
                log.exception("schedule_tick_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.tick_seconds)

    async def tick(self, now: datetime | None = None) -> TickReport:
        now = now or self.clock()
        report = TickReport()
        room = max(0, self.window - self.sender.pending(Lane.SCHEDULED))
        leading = self.is_leader()
        if leading:
            report.planned = await plan_unplanned(self.services.db, self.policy.config, now)
            await self._claim(now, room, report)
        report.fed = await self.feed(room, now)
        if report.claimed.alerts and self.on_alert is not None:
            self.on_alert()
        if leading:
            await self._prune(now)
        return report

    async def _claim(self, now: datetime, room: int, report: TickReport) -> None:
        while report.claimed.slots < room:
            batch = min(CLAIM_BATCH, room - report.claimed.slots)
            async with self.services.db.transaction() as tx:
                await locks.lock_duty(tx, locks.SLOTS)
                count = await claim_slots(tx, self.policy, now, batch)
                report.reminders += await claim_reminders(tx, self.policy, now, batch)
            for name in ("slots", "passed_over", "sends", "alerts"):
                setattr(report.claimed, name, getattr(report.claimed, name) + getattr(count, name))
            if count.slots < batch and not count.passed_over:
                return

    async def feed(self, limit: int, now: datetime | None = None) -> int:
        """Hand pending ``sends`` rows (new, or left from before a restart or by a worker that
        died) to the sender, each claimed for this worker; the ones already queued here are
        claimed again, which renews their lease."""
        if limit <= 0:
            return 0
        now = now or self.clock()
        async with self.services.db.transaction() as tx:
            rows = await claims.claim_sends(
                tx, self.worker_id, now, now + self.lease, limit + len(self._queued)
            )
        fed = 0
        for row in rows:
            if row.id in self._queued or fed >= limit:
                continue
            self._queued.add(row.id)
            self.sender.submit_lazy(
                row.chat_id, partial(self._render, row), partial(self._done, row)
            )
            fed += 1
        return fed

    async def _render(self, send: SendRow) -> list[Outgoing]:
        """Compose the row as it stands now, if it is still pending and still this worker's
        (in her turn, so under her lock): a worker that stalled past its lease finds another
        took it over and sends nothing. ``_queued`` keeps a row from being fed twice here."""
        return await self.conversation.scheduled_turn(
            send.chat_id, self.clock(), partial(self._compose_if_ours, send)
        )

    async def _compose_if_ours(self, send: SendRow, turn: Turn) -> None:
        if await claims.hold_send(turn.tx, send.id, self.worker_id, turn.now + self.lease):
            await self.prompts.render(turn, send=send)

    async def _done(self, item: SendRow, outcome: SendResult) -> None:
        self._queued.discard(item.id)
        if outcome.status == "skipped":
            return
        now = self.clock()
        async with self.services.db.transaction() as tx:
            await claims.release_send(tx, item.id)
            if outcome.status == "sent":
                self.sent += 1
                await schedule.mark_send(tx, item.id, "sent", now)
                return
            reason = "blocked" if outcome.status == "unreachable" else str(outcome.error)[:100]
            await schedule.mark_send(tx, item.id, "failed", now, reason)
            if outcome.status == "unreachable":
                await mothers.update(tx, item.mother_id, now, status="inactive")
                log.info("mother_inactive mother=%s reason=blocked", item.pseudonym)

    async def _prune(self, now: datetime) -> None:
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        async with self.services.db.transaction() as tx:
            await schedule.prune_sends(tx, now - KEEP_SENDS)
            await dialog.prune_updates(tx, now - KEEP_UPDATE_IDS)
            retention = timedelta(days=self.services.config.message_retention_days)
            await messages.prune(tx, now - retention)
            await pace.prune_chats(tx, now - PRUNE_EVERY)

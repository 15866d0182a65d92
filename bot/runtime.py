"""The composition root: the whole bot, built once from the services and a transport.

Every way of running the bot starts here: long polling and the webhook (``bot/telegram/app.py``),
the terminal chat (``bot/terminal/chat.py``), the benchmarks and the end-to-end tests. So they
all run the same parts wired the same way, the scheduler included, and an adapter only converts:
what arrives into an ``Incoming`` for the conversation, what the bot says into its own medium
through the ``Transport`` it hands in. The parts never build each other; the one place that
chooses and connects them is :func:`build_runtime`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from bot.clock import utcnow
from bot.config import Config
from bot.conversation.host_calls import HOST_CALL_NAMES
from bot.conversation.messages import Outgoing
from bot.conversation.service import Conversation
from bot.delivery import DeliveryError, Transport
from bot.leadership import RETRY_SECONDS, Leadership, leadership_for
from bot.pacing import Clock
from bot.priority import Lane
from bot.safety import crisis_reply
from bot.safety.outbox import OutboxWorker
from bot.scheduling.scheduler import TICK_SECONDS, Scheduler
from bot.sender import Sender, SenderTransport, SendResult
from bot.services import Catalog, Services, validate_all
from bot.shared_pace import shared_pace_for
from bot.workers import new_worker_id
from bot.yamlsrc import Problem, ValidationFailed

log = logging.getLogger("poruch.runtime")

SHUTDOWN_DRAIN_SECONDS = 10.0  # replies and alerts under way; scheduled rows wait in the db


def validate(dialogs_dir: Path, content_dir: Path) -> tuple[Catalog | None, list[Problem]]:
    """``main.py check``: every problem in the YAML, a flow's ``call:`` checked against the
    actions the conversation really has."""
    return validate_all(dialogs_dir, content_dir, HOST_CALL_NAMES)


def load_catalog(config: Config) -> Catalog:
    """The validated catalog, or :class:`ValidationFailed` with exactly what ``check`` reports."""
    catalog, problems = validate(config.dialogs_dir, config.content_dir)
    if catalog is None:
        raise ValidationFailed(problems)
    return catalog


@dataclass
class Runtime:
    """The running bot's parts. One sender for everything it says (replies, scheduled prompts
    and, through the outbox worker, staff alerts), so the pace and the lanes hold whatever the
    adapter; the conversation and the scheduler wake the worker when they write an alert."""

    services: Services
    sender: Sender
    worker: OutboxWorker
    conversation: Conversation
    scheduler: Scheduler
    leadership: Leadership
    _stop: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list, init=False, repr=False)

    def start(self) -> None:
        """The leader election, the outbox worker and the scheduler, in the background until
        :meth:`close`."""
        self._tasks = [
            asyncio.create_task(self.leadership.run_forever(self._stop)),
            asyncio.create_task(self.worker.run_forever(self._stop)),
            asyncio.create_task(self.scheduler.run_forever(self._stop)),
        ]

    async def close(self) -> None:
        """Stop in order, after the adapter stopped taking updates: the outbox worker finishes
        the attempt it is making, the scheduler its tick; scheduled prompts still queued are
        forgotten (their rows stay pending and go after a restart); replies and alerts under
        way are given a few seconds to leave. The caller then closes the database."""
        self._stop.set()
        for task in self._tasks:
            await task
        self._tasks = []
        self.sender.discard(Lane.SCHEDULED)
        if not await self.sender.drain(SHUTDOWN_DRAIN_SECONDS):
            log.warning("sender_not_drained")
        await self.sender.close()

    async def run_forever(self, stop: asyncio.Event) -> None:
        """:meth:`start`, then :meth:`close` once ``stop`` is set."""
        self.start()
        try:
            await stop.wait()
        finally:
            await self.close()

    def submit(self, replies: Iterable[Outgoing]) -> None:
        """Queue replies and return at once, so the next update is handled meanwhile; the
        sender keeps them in order per chat, retries 429s and reports how each ended."""
        for reply in replies:
            if reply.text or reply.photo is not None or reply.document is not None:
                self.sender.submit(reply, done=partial(self._after_reply, reply))

    async def send(self, reply: Outgoing) -> None:
        """Send one reply and wait until Telegram took it (the terminal chat, one line at a
        time); raises as :meth:`Sender.send` does."""
        try:
            message_id = await self.sender.send(reply)
        except DeliveryError as exc:
            await self._settle_copy(reply, SendResult("failed", error=exc))
            raise
        await self._settle_copy(reply, SendResult("sent", (message_id,)))

    async def _after_reply(self, reply: Outgoing, outcome: SendResult) -> None:
        await self._settle_copy(reply, outcome)
        if outcome.status == "unreachable":
            await self.conversation.mark_blocked(reply.chat_id, utcnow())
        elif outcome.status == "failed":
            log.warning("reply_not_delivered")

    async def _settle_copy(self, reply: Outgoing, outcome: SendResult) -> None:
        """A reply with a durable copy (her crisis reply): delivered, the copy is marked sent;
        not, the outbox worker takes it over now (``bot/safety/crisis_reply.py``)."""
        if reply.outbox_id is None:
            return
        now = self.worker.clock()
        if outcome.status == "sent":
            message_id = outcome.message_ids[0] if outcome.message_ids else None
            await crisis_reply.confirm(self.services.db, reply.outbox_id, message_id, now)
            return
        error = outcome.error or DeliveryError(outcome.status)
        await crisis_reply.hand_to_outbox(self.services.db, reply.outbox_id, str(error), now)
        self.worker.wake()


def build_runtime(
    services: Services,
    transport: Transport,
    *,
    clock: Callable[[], datetime] = utcnow,
    pace: Clock | None = None,
    tick_seconds: float = TICK_SECONDS,
    worker_id: str | None = None,
    leader_retry_seconds: float = RETRY_SECONDS,
) -> Runtime:
    """The bot over ``transport`` (Telegram's, the terminal's printer, a test's recorder).

    ``clock`` is the time the outbox and the scheduler read, ``pace`` the sender's (a virtual
    one lets a benchmark send a day's prompts in seconds), ``tick_seconds`` how often the
    scheduler looks for due prompts.

    Several workers may share one PostgreSQL database (``docs/architecture.md``, "Several
    workers"): each names its claims ``worker_id``, asks the shared pace before each request,
    and runs the leader's duties only while it holds the leader lock (tried every
    ``leader_retry_seconds``). On SQLite the one process is the leader and paces alone."""
    worker_id = worker_id or new_worker_id()
    rate = services.config.send_rate_per_second
    leadership = leadership_for(services.db, leader_retry_seconds)
    shared = shared_pace_for(services.db, rate)
    sender = Sender(transport, rate, clock=pace, shared=shared)
    worker = OutboxWorker(
        services,
        SenderTransport(sender),
        clock,
        worker_id=worker_id,
        is_leader=leadership.is_leader,
    )
    conversation = Conversation(services, on_alert=worker.wake)
    scheduler = Scheduler(
        services,
        conversation,
        sender,
        clock=clock,
        tick_seconds=tick_seconds,
        on_alert=worker.wake,
        worker_id=worker_id,
        is_leader=leadership.is_leader,
    )
    return Runtime(services, sender, worker, conversation, scheduler, leadership)

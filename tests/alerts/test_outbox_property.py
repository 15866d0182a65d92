"""The outbox over random sequences of faults, acknowledgements, time and restarts.

Whatever Telegram answers and whenever staff press Acknowledge or the bot restarts: no alert is
lost (each reaches the staff chat once the faults stop), none is delivered twice, and no repeat
is sent after its alert was acknowledged.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.config import Config
from bot.conversation.messages import Author, Incoming, Outgoing
from bot.conversation.service import Conversation
from bot.delivery import ChatMoved, DeliveryError, Refused, RetryLater, Unreachable
from bot.safety.outbox import OutboxWorker
from bot.services import Catalog, Services
from bot.storage import alerts, mothers
from tests.alerts.test_outbox import T0, Clock
from tests.conftest import ROOT, STAFF_CHAT

MOVED_CHAT = -1007007
FAULTS: dict[str, DeliveryError | None] = {
    "ok": None,
    "429": RetryLater("429", 120.0),
    "500": RetryLater("500"),
    "timeout": RetryLater("TimedOut"),
    "kicked": Unreachable("bot was kicked"),
    "chat not found": Unreachable("chat not found"),
    "too long": Refused("message is too long"),
    "migrated": ChatMoved(MOVED_CHAT),
}

Step = tuple[str, int]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("crisis"), st.integers(0, 2)),
        st.tuples(st.just("fault"), st.integers(0, len(FAULTS) - 1)),
        st.tuples(st.just("wait"), st.sampled_from([1, 10, 60, 400, 1000])),
        st.tuples(st.just("ack"), st.integers(0, 5)),
        st.tuples(st.just("restart"), st.just(0)),
    ),
    min_size=1,
    max_size=25,
)


@dataclass
class Telegram:
    """Answers each staff-chat attempt with the next scripted fault; mothers' chats work.
    Once a chat moved, the old id keeps answering "moved", as Telegram does."""

    script: list[DeliveryError | None] = field(default_factory=list)
    moved: bool = False
    log: list[tuple[datetime, Outgoing]] = field(default_factory=list)
    clock: Clock | None = None

    async def deliver(self, message: Outgoing) -> int | None:
        if message.chat_id == STAFF_CHAT and self.moved:
            raise ChatMoved(MOVED_CHAT)
        if message.chat_id in (STAFF_CHAT, MOVED_CHAT) and self.script:
            fault = self.script.pop(0)
            if isinstance(fault, ChatMoved):
                self.moved = True
                raise fault
            if fault is not None and not (isinstance(fault, Refused) and not message.html):
                raise fault
        assert self.clock is not None
        self.log.append((self.clock.now, message))
        return len(self.log)

    def staff(self) -> list[tuple[datetime, Outgoing]]:
        return [(t, m) for t, m in self.log if m.chat_id in (STAFF_CHAT, MOVED_CHAT)]


async def scenario(catalog: Catalog, plan: list[Step], folder: Path) -> None:
    config = Config(
        database_path=folder / "bot.sqlite3",
        staff_chat_id=STAFF_CHAT,
        dialogs_dir=ROOT / "dialogs",
        content_dir=ROOT / "content",
        quiet_hours=None,
        alert_repeat_minutes=5,
    )
    services = await Services.start(config, catalog)
    clock, telegram = Clock(T0), Telegram()
    telegram.clock = clock
    worker = OutboxWorker(services, telegram, clock)
    acks: dict[int, datetime] = {}
    update = 0
    try:
        for kind, value in plan:
            if kind == "crisis":
                update += 1
                await crisis(services, 600 + update, update, clock.now)
            elif kind == "fault":
                telegram.script.append(list(FAULTS.values())[value])
            elif kind == "wait":
                await run_for(worker, clock, timedelta(seconds=value))
            elif kind == "ack":
                await acknowledge(services, value + 1, clock.now, acks)
            else:  # a restart: the services and the worker are built again from the database
                await services.close()
                services = await Services.start(config, catalog)
                worker = OutboxWorker(services, telegram, clock)
        telegram.script.clear()
        await run_for(worker, clock, timedelta(hours=2))
        await check(services, telegram, acks)
    finally:
        await services.close()


async def crisis(services: Services, chat_id: int, update: int, now: datetime) -> None:
    sender = Author(chat_id=chat_id, user_id=chat_id, first_name="M", language_code="en")
    async with services.db.transaction() as conn:
        if await mothers.by_chat(conn, chat_id) is None:
            mother = await mothers.create(conn, chat_id, "en", now)
            await mothers.update(conn, mother.id, now, consent="given", name="M")
    incoming = Incoming(sender, "text", text="I want to kill myself", update_id=update)
    await Conversation(services).handle(incoming, now)


async def run_for(worker: OutboxWorker, clock: Clock, span: timedelta) -> None:
    """Sweeps every simulated second for ``span`` (longer spans in coarser steps)."""
    step = timedelta(seconds=1 if span <= timedelta(minutes=1) else 30)
    end = clock.now + span
    while clock.now < end:
        await worker.run_once()
        clock.now += step


async def acknowledge(
    services: Services, alert_id: int, now: datetime, acks: dict[int, datetime]
) -> None:
    async with services.db.transaction() as conn:
        alert = await alerts.get_alert(conn, alert_id)
        if alert is None or alert.status != "open":
            return
        await alerts.set_status(conn, alert_id, "acknowledged", now)
    acks[alert_id] = now


async def check(services: Services, telegram: Telegram, acks: dict[int, datetime]) -> None:
    rows = await services.db.fetchall("SELECT id FROM alerts ORDER BY id")
    first_copies: dict[int, int] = {}
    for at, message in telegram.staff():
        alert_id = int(message.text.split("Alert #", 1)[1].split("\n", 1)[0])
        if "Still not acknowledged" in message.text:
            assert alert_id not in acks or at < acks[alert_id], "repeat after acknowledgement"
        else:
            first_copies[alert_id] = first_copies.get(alert_id, 0) + 1
    assert first_copies == {row["id"]: 1 for row in rows}, "lost or duplicated alert"


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=steps)
@example(  # a repeat held back by a 429, acknowledged while it waits
    plan=[("crisis", 0), ("wait", 10), ("fault", 1), ("wait", 400), ("ack", 0), ("wait", 400)]
)
@example(  # the group upgraded, then a restart: the move is remembered
    plan=[("fault", 7), ("crisis", 0), ("wait", 10), ("restart", 0), ("crisis", 1)]
)
def test_no_alert_lost_none_twice_no_repeat_after_acknowledgement(
    catalog: Catalog, plan: list[Step]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(scenario(catalog, plan, Path(folder)))


def test_the_property_sees_a_lost_alert(catalog: Catalog) -> None:
    """The check can fail: an alert with no delivery is reported."""
    telegram = Telegram(clock=Clock(T0))

    async def run() -> None:
        with tempfile.TemporaryDirectory() as folder:
            config = Config(
                database_path=Path(folder) / "bot.sqlite3",
                staff_chat_id=STAFF_CHAT,
                dialogs_dir=ROOT / "dialogs",
                content_dir=ROOT / "content",
            )
            services = await Services.start(config, catalog)
            try:
                await crisis(services, 601, 1, T0)
                await check(services, telegram, {})
            finally:
                await services.close()

    try:
        asyncio.run(run())
    except AssertionError as exc:
        assert "lost or duplicated" in str(exc)
    else:
        raise AssertionError("the property did not notice an undelivered alert")

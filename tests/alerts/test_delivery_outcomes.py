"""Each delivery outcome and its one reaction, on a clock the test controls.

The end-to-end matrix (tests/e2e/test_fault_matrix.py) shows the same paths over HTTP; here the
clock is ours, so ten minutes of a fault cost no waiting and attempts can be counted exactly.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.clock import iso
from bot.conversation.messages import Author, Button, ButtonRef, Incoming, Outgoing
from bot.conversation.service import Conversation
from bot.delivery import (
    ChatMoved,
    DeliveryError,
    Refused,
    RetryLater,
    Unreachable,
    fit,
    plain_version,
)
from bot.ops.status import EXIT_STUCK, collect
from bot.priority import NOTICE_OUTBOX_PLACE
from bot.safety.outbox import OutboxWorker
from bot.safety.staff_chats import StaffChats
from bot.sender import Sender as PacedSender
from bot.sender import SenderTransport
from bot.services import Services
from bot.storage import alerts, mothers
from bot.telegram.transport import classify
from tests.alerts.test_outbox import MOTHER, T0, Clock, FakeTransport, consented_mother, crisis
from tests.conftest import STAFF_CHAT, with_config


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (ChatMigrated(-1009), ChatMoved),
        (RetryAfter(3), RetryLater),
        (Forbidden("Forbidden: bot was kicked from the supergroup chat"), Unreachable),
        (Forbidden("Forbidden: bot was blocked by the user"), Unreachable),
        (BadRequest("Bad Request: chat not found"), Unreachable),
        (BadRequest("Bad Request: message is too long"), Refused),
        (BadRequest("Bad Request: can't parse entities: unclosed tag"), Refused),
        (InvalidToken("Unauthorized"), RetryLater),
        (InvalidToken("Not Found"), RetryLater),
        (Conflict("Conflict: terminated by other getUpdates request"), RetryLater),
        (NetworkError("Bad Gateway"), RetryLater),
        (NetworkError("Internal Server Error (500)"), RetryLater),
        (TimedOut(), RetryLater),
        (NetworkError("httpx.RemoteProtocolError: Server disconnected"), RetryLater),
    ],
)
def test_every_telegram_error_is_one_outcome(
    error: TelegramError, outcome: type[DeliveryError]
) -> None:
    classified = classify(error)
    assert type(classified) is outcome
    if isinstance(error, RetryAfter):
        assert isinstance(classified, RetryLater) and classified.retry_after == 3.0
    if isinstance(error, ChatMigrated):
        assert isinstance(classified, ChatMoved) and classified.new_chat_id == -1009


def test_fit_counts_utf16_units_and_cuts_at_a_line() -> None:
    assert fit("short") == "short"
    text = "\n".join(["🚨 URGENT", "Who: Olena"] + ["😔 " + "x" * 97] * 100)
    cut = fit(text)
    assert len(cut.encode("utf-16-le")) // 2 <= 4096
    assert cut.startswith("🚨 URGENT\nWho: Olena\n") and cut.endswith("\n…")
    assert fit("y" * 5000).startswith("y" * 4000)


def test_the_plain_version_keeps_the_buttons_and_drops_the_markup() -> None:
    button = Button("Acknowledge", ButtonRef.staff(1, 0))
    message = Outgoing(1, "<b>URGENT</b>\nWho: A &amp; B", ((button,),), html=True)
    plain = plain_version(message)
    assert plain.text == "URGENT\nWho: A & B" and not plain.html
    assert plain.buttons == message.buttons


@dataclass
class AlwaysFailing:
    """A staff chat that fails the same way on every attempt until ``healed`` (or ``times``
    attempts); other chats work."""

    error: DeliveryError
    healed: bool = False
    times: int | None = None
    attempts: int = 0
    delivered: list[Outgoing] = field(default_factory=list)

    async def deliver(self, message: Outgoing) -> int | None:
        failing = self.times is None or self.attempts < self.times
        if message.chat_id == STAFF_CHAT and not self.healed and failing:
            self.attempts += 1
            raise self.error
        self.delivered.append(message)
        return len(self.delivered)


@pytest.mark.parametrize(
    ("error", "bound"),
    [
        (RetryLater("500"), 16),  # 0.5 s doubling to a minute: 15 in ten minutes
        (RetryLater("429", retry_after=30), 21),  # Telegram's own wait: 20 in ten minutes
        (Unreachable("bot was kicked"), 9),  # 5 s doubling to ten minutes
    ],
)
async def test_ten_minutes_of_a_permanent_fault_cost_a_bounded_number_of_attempts(
    services: Services, error: DeliveryError, bound: int
) -> None:
    await consented_mother(services)
    await crisis(services)
    transport, clock = AlwaysFailing(error), Clock(T0)
    worker = OutboxWorker(services, transport, clock)
    for second in range(0, 600, 1):
        clock.now = T0 + timedelta(seconds=second)
        await worker.run_once()
    assert 4 <= transport.attempts <= bound
    transport.healed = True
    clock.now = T0 + timedelta(minutes=25)
    await worker.run_once()
    assert [m.chat_id for m in transport.delivered] == [STAFF_CHAT]


async def test_a_refused_text_is_sent_plain_then_bare_then_dead_and_counted(
    services: Services,
) -> None:
    await consented_mother(services)
    await crisis(services)
    transport = AlwaysFailing(Refused("message is too long"))
    worker = OutboxWorker(services, transport, Clock(T0))
    for _ in range(5):
        await worker.run_once()
    assert transport.attempts == 3  # the HTML version, the plain one, then without buttons
    row = await services.db.fetchone(
        "SELECT status, payload FROM outbox WHERE kind = 'staff_alert'"
    )
    assert row is not None and row["status"] == "dead" and '"bare": true' in row["payload"]
    status = await asyncio.to_thread(collect, services.config, T0)
    assert status.dead_alerts == 1 and status.exit_code == EXIT_STUCK


@dataclass
class Broken:
    """A transport with a bug for the staff chat: not a delivery outcome at all."""

    delivered: list[Outgoing] = field(default_factory=list)

    async def deliver(self, message: Outgoing) -> int | None:
        if message.chat_id == STAFF_CHAT:
            raise KeyError("a bug")
        self.delivered.append(message)
        return 1


async def test_an_unexpected_exception_never_leaves_the_loop_and_ends_dead(
    services: Services,
) -> None:
    await consented_mother(services)
    await crisis(services)
    clock = Clock(T0)
    worker = OutboxWorker(services, Broken(), clock)
    for minute in range(30):
        clock.now = T0 + timedelta(minutes=minute)
        assert await worker.run_once() == 0
    row = await services.db.fetchone(
        "SELECT status, attempts, last_error FROM outbox WHERE kind = 'staff_alert'"
    )
    assert row is not None and row["status"] == "dead" and row["attempts"] == 8
    assert row["last_error"] == "failed: KeyError"


@dataclass
class StuckStaffChat:
    """The staff chat's request hangs (a 429 held by the sender, a slow proxy)."""

    release: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    delivered: list[Outgoing] = field(default_factory=list)

    async def deliver(self, message: Outgoing) -> int | None:
        if message.chat_id == STAFF_CHAT:
            await self.release.wait()
        self.delivered.append(message)
        self.arrived.set()
        return len(self.delivered)


async def test_an_item_held_up_never_delays_the_items_behind_it(services: Services) -> None:
    await consented_mother(services)
    await crisis(services)  # the staff alert: its request hangs
    other = Author(chat_id=502, user_id=502, first_name="Iryna", language_code="en")
    await consented_mother(services, other)
    async with services.db.transaction() as conn:
        mother = await mothers.by_chat(conn, other.chat_id)
        assert mother is not None
        await alerts.enqueue(
            conn,
            "mother_notice",
            NOTICE_OUTBOX_PLACE,
            {"key": "clinic.crisis.delivered"},
            T0,
            mother_id=mother.id,
        )
    transport = StuckStaffChat()
    worker = OutboxWorker(services, transport)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run_forever(stop))
    async with asyncio.timeout(5):
        await transport.arrived.wait()  # the notice behind the hanging alert went meanwhile
        assert [m.chat_id for m in transport.delivered] == [other.chat_id]
        transport.arrived.clear()
        transport.release.set()
        await transport.arrived.wait()
        assert [m.chat_id for m in transport.delivered] == [other.chat_id, STAFF_CHAT]
    stop.set()
    await running


async def test_a_migrated_staff_group_is_followed_and_remembered(services: Services) -> None:
    await consented_mother(services)
    await crisis(services)
    moved = -1005001

    @dataclass
    class Upgraded:
        delivered: list[Outgoing] = field(default_factory=list)

        async def deliver(self, message: Outgoing) -> int | None:
            if message.chat_id == STAFF_CHAT:
                raise ChatMoved(moved)
            self.delivered.append(message)
            return 1

    transport = Upgraded()
    worker = OutboxWorker(services, transport, Clock(T0))
    await worker.run_once()
    await worker.run_once()
    assert [m.chat_id for m in transport.delivered] == [moved]
    assert services.staff_chat_id == moved
    reloaded = await StaffChats.load(services.db)
    assert reloaded.primary(services.config) == moved
    status = await asyncio.to_thread(collect, services.config, T0)
    assert status.moves == {STAFF_CHAT: (moved, iso(T0))}


async def test_an_unreachable_urgent_alert_also_goes_to_the_backup_chat(
    services: Services,
) -> None:
    backup = -3003
    services = with_config(services, staff_backup_chat_id=backup)
    await consented_mother(services)
    await crisis(services)
    transport = AlwaysFailing(Unreachable("bot was kicked"))
    worker = OutboxWorker(services, transport, Clock(T0))
    for _ in range(3):
        await worker.run_once()
    assert [m.chat_id for m in transport.delivered] == [backup, MOTHER.chat_id]
    assert "care team has your message" in transport.delivered[1].text


async def test_a_repeat_held_by_a_429_is_withdrawn_once_acknowledged(
    services: Services,
) -> None:
    services = with_config(services, alert_repeat_minutes=1)
    await consented_mother(services)
    await crisis(services)
    transport, clock = AlwaysFailing(RetryLater("429", 30.0), healed=True, times=1), Clock(T0)
    worker = OutboxWorker(services, transport, clock)
    await worker.run_once()
    transport.healed = False
    clock.now = T0 + timedelta(minutes=1, seconds=1)
    await worker.run_once()  # the repeat is held back by the 429
    assert transport.attempts == 1
    nurse = Author(chat_id=STAFF_CHAT, user_id=9, first_name="Nurse", chat_type="supergroup")
    staff = [m for m in transport.delivered if m.chat_id == STAFF_CHAT]
    ref = staff[0].buttons[0][0].ref
    await Conversation(services).handle(Incoming(nurse, "button", button=ref), clock.now)
    clock.now = T0 + timedelta(minutes=2)
    await worker.run_once()
    staff = [m for m in transport.delivered if m.chat_id == STAFF_CHAT]
    assert [m.text.count("Still not acknowledged") for m in staff] == [0]
    row = await services.db.fetchone("SELECT status FROM outbox WHERE kind = 'alert_repeat'")
    assert row is not None and row["status"] == "withdrawn"


class ManualClock:
    """The sender's clock, moved only by the test: a 429's wait ends when the test says."""

    def __init__(self) -> None:
        self.current = 0.0
        self.moved = asyncio.Event()

    def now(self) -> float:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += seconds
        self.moved.set()

    async def sleep(self, seconds: float) -> None:
        target = self.current + seconds
        while self.current < target:
            self.moved.clear()
            await self.moved.wait()

    async def wait(self, event: asyncio.Event, within: float | None) -> None:
        target = None if within is None else self.current + within
        while not event.is_set() and (target is None or self.current < target):
            self.moved.clear()
            waiters = [
                asyncio.ensure_future(event.wait()),
                asyncio.ensure_future(self.moved.wait()),
            ]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()


@dataclass
class RateLimitedOnce:
    """Telegram answers the first send with a 429; the ack lands while the sender waits."""

    on_hold: asyncio.Event = field(default_factory=asyncio.Event)
    delivered: list[Outgoing] = field(default_factory=list)
    limited: bool = False

    async def deliver(self, message: Outgoing) -> int | None:
        if not self.limited:
            self.limited = True
            self.on_hold.set()
            raise RetryLater("429", 5.0)
        self.delivered.append(message)
        return 1


async def test_the_sender_asks_before_each_attempt_whether_a_repeat_is_still_wanted(
    services: Services,
) -> None:
    services = with_config(services, alert_repeat_minutes=1)
    await consented_mother(services)
    await crisis(services)
    first = FakeTransport()
    clock = Clock(T0)
    before = OutboxWorker(services, first, clock)
    await before.run_once()  # the alert
    await before.run_once()  # her notice that the team has it
    transport = RateLimitedOnce()
    pace = ManualClock()
    sender = PacedSender(transport, clock=pace)
    worker = OutboxWorker(services, SenderTransport(sender), clock)
    clock.now = T0 + timedelta(minutes=1, seconds=1)
    delivering = asyncio.create_task(worker.run_once())
    await transport.on_hold.wait()
    nurse = Author(chat_id=STAFF_CHAT, user_id=9, first_name="Nurse", chat_type="supergroup")
    ref = first.to(STAFF_CHAT)[0].buttons[0][0].ref
    await Conversation(services).handle(Incoming(nurse, "button", button=ref), clock.now)
    pace.advance(5.0)  # Telegram's retry_after is over: the sender asks again, and drops it
    assert await delivering == 0
    assert transport.delivered == []
    await sender.close()


async def test_hours_of_retries_never_kill_an_alert(services: Services) -> None:
    """Retries of known outcomes do not count toward dead, and the back-off never overflows."""
    await consented_mother(services)
    await crisis(services)
    await services.db.fetchall("UPDATE outbox SET attempts = 2000 RETURNING id")
    clock = Clock(T0)
    worker = OutboxWorker(services, AlwaysFailing(RetryLater("500")), clock)
    await worker.run_once()
    transport = FakeTransport([RetryLater("429", 1.0)] * 7 + [DeliveryError("a bug")])
    worker = OutboxWorker(services, transport, clock)
    for minute in range(1, 12):
        clock.now = T0 + timedelta(minutes=minute)
        await worker.run_once()
    row = await services.db.fetchone("SELECT status FROM outbox WHERE kind = 'staff_alert'")
    assert row is not None and row["status"] == "sent"


async def test_a_dead_urgent_alert_still_goes_to_the_backup_chat(services: Services) -> None:
    backup = -3004
    services = with_config(services, staff_backup_chat_id=backup)
    await consented_mother(services)
    await crisis(services)
    transport = AlwaysFailing(Refused("Bad Request: TOPIC_CLOSED"))
    worker = OutboxWorker(services, transport, Clock(T0))
    for _ in range(5):
        await worker.run_once()
    assert transport.attempts == 3
    assert [m.chat_id for m in transport.delivered][:1] == [backup]

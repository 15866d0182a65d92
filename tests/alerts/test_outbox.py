"""The durable outbox: alerts are delivered, retried, repeated, and never lost or duplicated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import iso
from bot.conversation.messages import Author, Incoming, Outgoing
from bot.conversation.service import Conversation
from bot.delivery import DeliveryError, RetryLater, Unreachable
from bot.priority import Priority
from bot.safety import crisis_reply
from bot.safety.alert_text import AlertRenderer
from bot.safety.outbox import OutboxWorker
from bot.services import Services
from bot.storage import mothers
from bot.storage.alerts import Alert
from tests.conftest import STAFF_CHAT, with_config

T0 = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
MOTHER = Author(chat_id=501, user_id=501, first_name="Olena", language_code="en")
CRISIS = "I want to kill myself"


@dataclass
class FakeTransport:
    """Records deliveries; raises the scripted errors first, one per attempt."""

    failures: list[DeliveryError] = field(default_factory=list)
    delivered: list[Outgoing] = field(default_factory=list)
    attempts: int = 0

    async def deliver(self, message: Outgoing) -> int | None:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append(message)
        return len(self.delivered)

    def to(self, chat_id: int) -> list[Outgoing]:
        return [m for m in self.delivered if m.chat_id == chat_id]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def consented_mother(services: Services, sender: Author = MOTHER) -> None:
    async with services.db.transaction() as conn:
        mother = await mothers.create(conn, sender.chat_id, "en", T0)
        await mothers.update(conn, mother.id, T0, consent="given", first_name=sender.first_name)


async def crisis(services: Services, update_id: int | None = 1) -> list[Outgoing]:
    """Her crisis message, its crisis reply delivered by the fast path as the runtime does
    (``tests/alerts/test_crisis_reply.py`` covers the copy when it is not)."""
    incoming = Incoming(MOTHER, "text", text=CRISIS, update_id=update_id)
    replies = await Conversation(services).handle(incoming, T0)
    await fast_path_delivered(services, replies)
    return replies


async def fast_path_delivered(services: Services, replies: list[Outgoing]) -> None:
    for reply in replies:
        if reply.outbox_id is not None:
            await crisis_reply.confirm(services.db, reply.outbox_id, None, T0)


async def test_crisis_reply_first_then_alert_then_confirmation(services: Services) -> None:
    await consented_mother(services)
    replies = await crisis(services)
    assert (
        replies[0].priority is Priority.URGENT
        and "7333" in replies[0].text
        and "112" in replies[0].text
    )
    assert "letting the clinic's care team know" in replies[0].text
    transport, clock = FakeTransport(), Clock(T0)
    worker = OutboxWorker(services, transport, clock)
    assert await worker.run_once() == 1
    staff = transport.to(STAFF_CHAT)
    assert staff[0].text.startswith("<b>🚨 URGENT")
    assert CRISIS in staff[0].text and "tg://user?id=501" in staff[0].text
    assert [b.label for row in staff[0].buttons for b in row] == [
        "Acknowledge",
        "Contacted",
        "Resolved",
    ]
    assert await worker.run_once() == 1  # the mother's confirmation, after real delivery
    assert "care team has your message" in transport.to(MOTHER.chat_id)[0].text


async def test_redelivered_update_creates_no_second_alert(services: Services) -> None:
    await consented_mother(services)
    await crisis(services, update_id=7)
    assert await crisis(services, update_id=7) == []
    rows = await services.db.fetchall("SELECT id FROM alerts")
    assert len(rows) == 1


async def test_429_honours_retry_after_and_500s_back_off(services: Services) -> None:
    await consented_mother(services)
    await crisis(services)
    transport = FakeTransport([RetryLater("429", 3.0), RetryLater("500"), RetryLater("500")])
    clock = Clock(T0)
    worker = OutboxWorker(services, transport, clock)
    assert await worker.run_once() == 0
    clock.now = T0 + timedelta(seconds=2)
    assert await worker.run_once() == 0 and transport.attempts == 1  # retry_after not yet over
    for seconds in (3, 4, 6):
        clock.now = T0 + timedelta(seconds=seconds)
        await worker.run_once()
    assert len(transport.to(STAFF_CHAT)) == 1
    assert transport.attempts == 4


async def test_unreachable_staff_chat_keeps_alert_pending_until_it_works(
    services: Services,
) -> None:
    await consented_mother(services)
    await crisis(services)
    transport = FakeTransport([Unreachable("bot was kicked")])
    clock = Clock(T0)
    worker = OutboxWorker(services, transport, clock)
    await worker.run_once()
    row = await services.db.fetchone("SELECT status FROM outbox WHERE kind = 'staff_alert'")
    assert row is not None and row["status"] == "pending"
    clock.now = T0 + timedelta(minutes=2)
    assert await worker.run_once() == 1
    assert len(transport.to(STAFF_CHAT)) == 1


async def test_no_staff_chat_no_claim_and_alert_waits(services: Services) -> None:
    unconfigured = with_config(services, staff_chat_id=None)
    await consented_mother(unconfigured)
    replies = await Conversation(unconfigured).handle(Incoming(MOTHER, "text", text=CRISIS), T0)
    assert "care team know" not in replies[0].text
    await fast_path_delivered(unconfigured, replies)
    transport = FakeTransport()
    worker = OutboxWorker(unconfigured, transport, Clock(T0))
    assert await worker.run_once() == 0 and transport.delivered == []
    configured = with_config(services, staff_chat_id=STAFF_CHAT)
    later = OutboxWorker(configured, transport, Clock(T0 + timedelta(minutes=5)))
    assert await later.run_once() == 1
    assert len(transport.to(STAFF_CHAT)) == 1


async def test_unacknowledged_urgent_alert_repeats_to_backup_until_acknowledged(
    services: Services,
) -> None:
    backup = -2002
    services = with_config(services, staff_backup_chat_id=backup, alert_repeat_minutes=0.5)
    await consented_mother(services)
    await crisis(services)
    transport, clock = FakeTransport(), Clock(T0)
    worker = OutboxWorker(services, transport, clock)
    await worker.run_once()
    clock.now = T0 + timedelta(seconds=31)
    await worker.run_once()
    assert len(transport.to(STAFF_CHAT)) == 2 and len(transport.to(backup)) == 1
    assert "Still not acknowledged" in transport.to(backup)[0].text
    clock.now = T0 + timedelta(seconds=62)
    await worker.run_once()
    assert len(transport.to(backup)) == 2
    staff = Author(chat_id=STAFF_CHAT, user_id=9, first_name="Nurse", chat_type="supergroup")
    alert_button = transport.to(STAFF_CHAT)[0].buttons[0][0].ref
    press = Incoming(staff, "button", button=alert_button, message_id=1)
    await Conversation(services).handle(press, clock.now)
    clock.now = T0 + timedelta(minutes=10)
    await worker.run_once()
    assert len(transport.to(backup)) == 2


async def test_a_repeat_keeps_the_priority_first_and_mentions_staff_user_ids(
    services: Services,
) -> None:
    services = with_config(services, alert_repeat_minutes=1, staff_user_ids=frozenset({77, 78}))
    await consented_mother(services)
    await crisis(services)
    transport, clock = FakeTransport(), Clock(T0)
    worker = OutboxWorker(services, transport, clock)
    await worker.run_once()
    clock.now = T0 + timedelta(minutes=1, seconds=1)
    await worker.run_once()
    first, repeat = transport.to(STAFF_CHAT)
    header, note, *_ = repeat.text.split("\n")
    # T0 is 20:00 in Kyiv, after the clinic's hours: the promise is the next working day.
    assert (
        header == first.text.split("\n")[0] == "<b>🚨 URGENT — contact on the next working day</b>"
    )
    assert "Still not acknowledged" in note
    assert 'href="tg://user?id=77"' in note and 'href="tg://user?id=78"' in note
    assert "Reason: Crisis language in a message [crisis_message]" in first.text


async def test_an_epds_alert_names_every_rule_it_met_and_the_item_scores(
    services: Services,
) -> None:
    detail = {
        "kind": "epds",
        "score": 28,
        "epds_3a": 9,
        "items": {f"q{n}": 3 for n in range(1, 10)} | {"q10": 1},
        "also": ["epds_probable"],
    }
    stamp = iso(T0)
    alert = Alert(
        1, None, "p-1", "urgent", "epds_item10", None, detail, "open", stamp, None, None, 0
    )
    renderer = AlertRenderer(
        services.catalog.content, services.catalog.escalation, "en", services.config.zone
    )
    async with services.db.reading() as tx:
        text = await renderer.render(tx, alert)
    assert text.split("\n")[0] == "<b>🚨 URGENT — contact on the next working day</b>"
    assert "[epds_item10]" in text
    assert (
        "Also: EPDS total at or above the cut-off for probable depression [epds_probable]" in text
    )
    assert "Item scores: q1=3 q2=3" in text and "q10=1" in text
    assert "Score: 28 (epds)" in text and "EPDS-3A" in text


async def test_the_crisis_reply_gives_the_clinic_number_once_it_is_set(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    await consented_mother(services)
    [reply, *_] = await crisis(services, update_id=1)
    assert "call the clinic" not in reply.text  # phone: null (TO ADD by the clinic)
    clinic = services.catalog.content.files["clinic"]["clinic"]
    monkeypatch.setitem(clinic, "phone", "+380 44 000 00 00")
    [reply, *_] = await crisis(services, update_id=2)
    assert "You can also call the clinic: +380 44 000 00 00" in reply.text
    assert reply.text.index("7333") < reply.text.index("+380 44")


@pytest.mark.parametrize(
    ("delivered_at", "when"),
    [
        (datetime(2026, 11, 25, 21, 30, tzinfo=UTC), "on the next working day"),  # 23:30 Kyiv
        (datetime(2026, 11, 28, 10, 0, tzinfo=UTC), "on the next working day"),  # Saturday
        (datetime(2026, 11, 26, 8, 0, tzinfo=UTC), "today"),  # Thursday 10:00, open
    ],
)
async def test_the_confirmation_promises_today_only_in_working_hours(
    services: Services, delivered_at: datetime, when: str
) -> None:
    await consented_mother(services)
    await crisis(services)
    transport = FakeTransport()
    worker = OutboxWorker(services, transport, Clock(delivered_at))
    assert await worker.run_once() == 1
    assert await worker.run_once() == 1
    [notice] = transport.to(MOTHER.chat_id)
    assert notice.text.endswith(f"will contact you {when}.")


@pytest.mark.parametrize(
    ("kyiv_time", "priority", "lang", "header"),
    [
        ("2026-12-02 10:00", "urgent", "en", "🚨 URGENT — contact today"),
        ("2026-12-02 17:45", "urgent", "en", "🚨 URGENT — contact on the next working day"),
        (
            "2026-12-02 07:00",
            "urgent",
            "en",
            "🚨 URGENT — contact today, after the clinic opens at 09:00 Kyiv time",
        ),
        ("2026-12-05 12:00", "urgent", "en", "🚨 URGENT — contact on the next working day"),
        ("2026-12-25 12:00", "urgent", "uk", "🚨 ТЕРМІНОВО — зв'язатися наступного робочого дня"),
        ("2026-12-02 10:00", "routine", "en", "ROUTINE — contact within one working day"),
        ("2026-12-02 23:30", "routine", "uk", "ПЛАНОВО — зв'язатися наступного робочого дня"),
    ],
)
async def test_the_priority_line_promises_what_the_mother_was_told_when_it_was_raised(
    services: Services, kyiv_time: str, priority: str, lang: str, header: str
) -> None:
    """Wednesday 2 December, Saturday 5 December and Christmas (a closed day): "today" only
    while the clinic is open for a while yet, and a repeat hours later keeps the same words."""
    created = datetime.fromisoformat(kyiv_time).replace(tzinfo=ZoneInfo("Europe/Kyiv"))
    alert = Alert(
        1, None, "p-1", priority, "crisis_message", None, {}, "open", iso(created), None, None, 0
    )
    renderer = AlertRenderer(
        services.catalog.content, services.catalog.escalation, lang, services.config.zone
    )
    assert renderer.header(alert) == header
    async with services.db.reading() as tx:
        assert (await renderer.render(tx, alert)).split("\n")[0] == f"<b>{header}</b>"

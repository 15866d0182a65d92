"""Routine alerts wait for working hours and arrive as one digest; urgent ones never wait.

The clinic's hours are content/clinic.yaml's (Mon-Fri 09:00-18:00 Kyiv, closed 25 December).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.clock import iso
from bot.conversation.messages import Incoming, Sender
from bot.conversation.service import Conversation
from bot.ops.status import collect
from bot.safety.alert_text import OPEN_CASE
from bot.safety.outbox import OutboxWorker
from bot.services import Services
from bot.storage import alerts, mothers
from tests.alerts.test_outbox import Clock, FakeTransport
from tests.conftest import STAFF_CHAT

KYIV = ZoneInfo("Europe/Kyiv")
NURSE = Sender(chat_id=STAFF_CHAT, user_id=77, first_name="Nurse Iryna", chat_type="supergroup")


def kyiv(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=KYIV).astimezone(UTC)


async def raise_alert(
    services: Services, chat_id: int, name: str, priority: str, rule: str, at: datetime
) -> int:
    async with services.db.transaction() as conn:
        mother = await mothers.by_chat(conn, chat_id) or await mothers.create(
            conn, chat_id, "en", at
        )
        await mothers.update(conn, mother.id, at, consent="given", name=name)
        alert_id = await alerts.create_alert(
            conn,
            mother_id=mother.id,
            pseudonym=mother.pseudonym,
            priority=priority,
            rule=rule,
            category=None,
            detail={},
            dedup_key=f"{rule}:{chat_id}:{iso(at)}",
            now=at,
        )
    assert alert_id is not None
    return alert_id


async def test_routine_alerts_at_night_arrive_in_the_09_00_digest_and_not_before(
    services: Services,
) -> None:
    first = await raise_alert(services, 601, "Olena", "routine", "epds_probable", kyiv(7, 23))
    second = await raise_alert(services, 602, "Marta", "routine", "low_mood_streak", kyiv(8, 2))
    transport, clock = FakeTransport(), Clock(kyiv(7, 23))
    worker = OutboxWorker(services, transport, clock)
    for moment in (kyiv(7, 23), kyiv(8, 2), kyiv(8, 8, 59)):
        clock.now = moment
        assert await worker.run_once() == 0
    assert transport.to(STAFF_CHAT) == []
    assert collect(services.config, kyiv(8, 8, 59)).stuck_alerts == 0  # held is not stuck
    clock.now = kyiv(8, 9)
    await worker.run_once()
    [digest] = transport.to(STAFF_CHAT)
    assert "2 alert(s) from outside working hours" in digest.text
    assert f"#{first} Olena: EPDS total at or above" in digest.text
    assert f"#{second} Marta: Three low-mood check-ins" in digest.text
    assert [(b.ref.a, b.ref.b) for row in digest.buttons for b in row] == [
        (first, OPEN_CASE),
        (second, OPEN_CASE),
    ]
    rows = await services.db.fetchall("SELECT delivered_at FROM alerts ORDER BY id")
    assert [r["delivered_at"] for r in rows] == [iso(kyiv(8, 9))] * 2
    withdrawn = await services.db.fetchall(
        "SELECT last_error FROM outbox WHERE kind = 'staff_alert' AND status = 'withdrawn'"
    )
    assert len(withdrawn) == 2 and "digest" in json.loads(withdrawn[0]["last_error"])
    assert await worker.run_once() == 0 and len(transport.to(STAFF_CHAT)) == 1  # once only


async def test_an_urgent_alert_at_night_goes_at_once(services: Services) -> None:
    await raise_alert(services, 603, "Sofia", "urgent", "crisis_message", kyiv(7, 23))
    transport = FakeTransport()
    assert await OutboxWorker(services, transport, Clock(kyiv(7, 23))).run_once() == 1
    [alert] = transport.to(STAFF_CHAT)
    assert alert.text.startswith("<b>🚨 URGENT")


async def test_a_routine_alert_in_working_hours_goes_on_its_own(services: Services) -> None:
    await raise_alert(services, 604, "Iryna", "routine", "epds_probable", kyiv(8, 10))
    transport = FakeTransport()
    assert await OutboxWorker(services, transport, Clock(kyiv(8, 10))).run_once() == 1
    [alert] = transport.to(STAFF_CHAT)
    assert alert.text.startswith("<b>ROUTINE")


async def test_a_closed_day_moves_the_digest_to_the_next_working_morning(
    services: Services,
) -> None:
    """Thursday 24 December evening; Friday 25th is closed; the digest comes Monday 09:00."""
    await raise_alert(services, 605, "Daryna", "routine", "epds_probable", kyiv(24, 19))
    transport, clock = FakeTransport(), Clock(kyiv(24, 19))
    worker = OutboxWorker(services, transport, clock)
    for moment in (kyiv(24, 19), kyiv(25, 10), kyiv(28, 8, 59)):
        clock.now = moment
        await worker.run_once()
    assert transport.to(STAFF_CHAT) == []
    clock.now = kyiv(28, 9)
    await worker.run_once()
    assert "Daryna" in transport.to(STAFF_CHAT)[0].text


async def test_a_digest_button_opens_the_alert_in_full(services: Services) -> None:
    alert_id = await raise_alert(services, 606, "Kateryna", "routine", "epds_probable", kyiv(7, 23))
    transport, clock = FakeTransport(), Clock(kyiv(7, 23))
    worker = OutboxWorker(services, transport, clock)
    await worker.run_once()
    clock.now = kyiv(8, 9)
    await worker.run_once()
    [[button]] = transport.to(STAFF_CHAT)[0].buttons
    press = Incoming(NURSE, "button", button=button.ref, message_id=10)
    [full, *_] = await Conversation(services).handle(press, kyiv(8, 9, 5))
    assert f"Alert #{alert_id}" in full.text and full.text.startswith("<b>ROUTINE")
    assert [b.label for row in full.buttons for b in row] == [
        "Acknowledge",
        "Contacted",
        "Resolved",
    ]

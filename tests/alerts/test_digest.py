"""Routine alerts wait for working hours and arrive as one digest; urgent ones never wait.

The clinic's hours are content/clinic.yaml's (Mon-Fri 09:00-18:00 Kyiv, closed 25 December).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.clock import iso
from bot.conversation.messages import Author, Incoming, Outgoing
from bot.conversation.service import Conversation
from bot.delivery import TEXT_LIMIT, Refused, RetryLater, fit
from bot.ops.status import collect
from bot.priority import Priority
from bot.safety.alert_text import OPEN_CASE
from bot.safety.alerting import Subject, write_alert
from bot.safety.outbox import OutboxWorker
from bot.services import Services
from bot.storage import erase, mothers
from tests.alerts.test_outbox import Clock, FakeTransport
from tests.conftest import STAFF_CHAT

KYIV = ZoneInfo("Europe/Kyiv")
NURSE = Author(chat_id=STAFF_CHAT, user_id=77, first_name="Nurse Iryna", chat_type="supergroup")


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
        alert_id = await write_alert(
            conn,
            Subject(mother.id, mother.pseudonym),
            Priority(priority),
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
    held = await asyncio.to_thread(collect, services.config, kyiv(8, 8, 59))
    assert held.stuck_alerts == 0  # held is not stuck
    clock.now = kyiv(8, 9)
    await worker.run_once()
    [digest] = transport.to(STAFF_CHAT)
    assert "2 alert(s) from outside working hours" in digest.text
    assert f"#{first} Olena: EPDS total at or above" in digest.text
    assert f"#{second} Marta: Three low-mood check-ins" in digest.text
    assert [(b.ref.alert_id, b.ref.action_index) for row in digest.buttons for b in row] == [
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


# A weekend's digest over Telegram's limits: 100 inline buttons and 4,096 UTF-16 units.


class LimitedTransport:
    """Telegram's limits as the Bot API applies them: more than 100 inline buttons is "reply
    markup is too long", more than 4,096 UTF-16 units "message is too long". ``refuse`` makes
    every message it matches refused, as a text Telegram can never take."""

    def __init__(self, refuse: Callable[[Outgoing], bool] = lambda _: False) -> None:
        self.refuse = refuse
        self.delivered: list[Outgoing] = []
        self.refusals: list[str] = []

    async def deliver(self, message: Outgoing) -> int | None:
        reason = None
        if sum(len(row) for row in message.buttons) > 100:
            reason = "reply markup is too long"
        elif len(message.text.encode("utf-16-le")) // 2 > TEXT_LIMIT:
            reason = "message is too long"
        elif self.refuse(message):
            reason = "can't parse entities"
        if reason is not None:
            self.refusals.append(reason)
            raise Refused(f"Bad Request: {reason}")
        self.delivered.append(message)
        return len(self.delivered)


def is_digest(message: Outgoing) -> bool:
    return "from outside working hours" in message.text


def refused_until_dead(transport: LimitedTransport) -> bool:
    """The digest was refused, and so was each plainer version the outbox tried after it."""
    return len(transport.refusals) >= 2 and set(transport.refusals) == {"can't parse entities"}


async def run_until_dead(worker: OutboxWorker, services: Services) -> None:
    for _ in range(5):
        await worker.run_once()
        if await services.db.fetchall("SELECT id FROM outbox WHERE status = 'dead'"):
            return
    raise AssertionError("the digest never ended dead")


async def weekend(services: Services, count: int, name: Callable[[int], str]) -> list[int]:
    """``count`` routine alerts from Friday 4 December 19:00 to 23:40 Kyiv."""
    return [
        await raise_alert(
            services,
            1000 + i,
            name(i),
            "routine",
            "epds_probable",
            kyiv(4, 19 + (i // 3) % 5, (i % 3) * 20),
        )
        for i in range(count)
    ]


async def monday_morning(services: Services, transport: LimitedTransport) -> None:
    """Hold the alerts on Saturday night, then run the outbox a few times on Monday at 09:00."""
    clock = Clock(kyiv(5, 3))
    worker = OutboxWorker(services, transport, clock)
    await worker.run_once()
    assert transport.delivered == []
    clock.now = kyiv(7, 9)
    for _ in range(8):  # refusals and their plainer retries, putting a dead digest's alerts back
        await worker.run_once()


async def assert_each_alert_delivered_once(
    services: Services, transport: LimitedTransport, alert_ids: list[int]
) -> list[Outgoing]:
    """Every alert is listed in exactly one delivered digest, with its button, and marked
    delivered at 09:00; every digest is within Telegram's limits; nothing is dead or pending."""
    digests = [m for m in transport.delivered if is_digest(m)]
    listed = [b.ref.alert_id for m in digests for row in m.buttons for b in row]
    assert sorted(listed) == alert_ids
    for message in digests:
        in_buttons = [b.ref.alert_id for row in message.buttons for b in row]
        assert 1 <= len(in_buttons) <= 25
        assert fit(message.text) == message.text  # within 4,096 UTF-16 units, never cut
        assert f"{len(in_buttons)} alert(s) from outside working hours" in message.text
        assert all(f"#{alert_id} " in message.text for alert_id in in_buttons)
    rows = await services.db.fetchall("SELECT id, delivered_at FROM alerts ORDER BY id")
    assert [(r["id"], r["delivered_at"]) for r in rows] == [(i, iso(kyiv(7, 9))) for i in alert_ids]
    left = await services.db.fetchall("SELECT id FROM outbox WHERE status IN ('pending', 'dead')")
    assert left == []
    return digests


@pytest.mark.parametrize("count", [26, 37, 90, 120])
async def test_a_weekend_of_many_routine_alerts_arrives_in_digests_of_25(
    services: Services, count: int
) -> None:
    alert_ids = await weekend(services, count, lambda i: f"Mother{i}")
    transport = LimitedTransport()
    await monday_morning(services, transport)
    digests = await assert_each_alert_delivered_once(services, transport, alert_ids)
    assert transport.refusals == []
    assert len(digests) == len(transport.delivered) == -(-count // 25)


async def test_a_digest_whose_lines_are_over_the_text_limit_is_split_not_cut(
    services: Services,
) -> None:
    """25 long names with emoji (two UTF-16 units each) are far over 4,096 units: the alerts
    that do not fit go in another digest, and each one is marked delivered with its own."""
    alert_ids = await weekend(services, 25, lambda i: f"Олександра {i} " + "🌸" * 100)
    transport = LimitedTransport()
    await monday_morning(services, transport)
    digests = await assert_each_alert_delivered_once(services, transport, alert_ids)
    assert transport.refusals == []
    assert len(digests) > 1


async def test_a_dead_digest_puts_its_alerts_back_and_they_go_out_one_by_one(
    services: Services,
) -> None:
    """Telegram refuses the digest, and its plain version too: it is dead, yet every alert in
    it still reaches the staff chat, on its own, and is marked delivered."""
    alert_ids = await weekend(services, 3, lambda i: f"Mother{i}")
    transport = LimitedTransport(refuse=is_digest)
    await monday_morning(services, transport)
    assert refused_until_dead(transport)
    singles = [m for m in transport.delivered if not is_digest(m)]
    assert len(singles) == 3 and all(m.text.startswith("<b>ROUTINE") for m in singles)
    assert all(any(f"Alert #{i}" in m.text for m in singles) for i in alert_ids)
    rows = await services.db.fetchall("SELECT delivered_at FROM alerts ORDER BY id")
    assert [r["delivered_at"] for r in rows] == [iso(kyiv(7, 9))] * 3
    [dead] = await services.db.fetchall("SELECT kind FROM outbox WHERE status = 'dead'")
    assert dead["kind"] == "digest"  # kept and counted by `main.py status`


async def test_a_digest_dead_at_closing_holds_its_alerts_for_the_next_digest(
    services: Services,
) -> None:
    """A digest that dies just before closing must not let its alerts go out alone after it:
    put back at 18:00, they are held again and come in Tuesday's digest."""
    alert_ids = await weekend(services, 2, lambda i: f"Mother{i}")
    refusing = True
    transport = LimitedTransport(refuse=lambda m: refusing and is_digest(m))
    clock = Clock(kyiv(5, 3))
    worker = OutboxWorker(services, transport, clock)
    await worker.run_once()
    clock.now = kyiv(7, 17, 59)  # the bot was down all Monday: back at 17:59
    await run_until_dead(worker, services)  # refused, and refused in plain text: dead
    assert refused_until_dead(transport)
    clock.now = kyiv(7, 18)
    assert await worker.run_once() == 0
    assert transport.delivered == []
    rows = await services.db.fetchall(
        "SELECT next_attempt_at FROM outbox WHERE kind = 'staff_alert' AND status = 'pending'"
    )
    assert [r["next_attempt_at"] for r in rows] == [iso(kyiv(8, 9))] * 2
    refusing = False
    clock.now = kyiv(8, 9)
    await worker.run_once()
    [digest] = transport.delivered
    assert sorted(b.ref.alert_id for row in digest.buttons for b in row) == alert_ids


# Held rows that come due while the clinic is closed are held again, never sent alone.


async def test_a_held_alert_found_after_hours_waits_for_the_next_opening(
    services: Services,
) -> None:
    """Held on Friday night until Monday 09:00; the bot was down all Monday and is back at
    20:00: the alert waits for Tuesday's digest instead of going out alone at night."""
    alert_id = await raise_alert(services, 601, "Olena", "routine", "epds_probable", kyiv(4, 23))
    transport, clock = FakeTransport(), Clock(kyiv(4, 23))
    worker = OutboxWorker(services, transport, clock)
    await worker.run_once()
    clock.now = kyiv(7, 20)
    assert await worker.run_once() == 0
    assert transport.to(STAFF_CHAT) == []
    [row] = await services.db.fetchall("SELECT next_attempt_at FROM outbox")
    assert row["next_attempt_at"] == iso(kyiv(8, 9))
    assert (await asyncio.to_thread(collect, services.config, kyiv(8, 2))).stuck_alerts == 0
    clock.now = kyiv(8, 9)
    await worker.run_once()
    [digest] = transport.to(STAFF_CHAT)
    assert f"#{alert_id} Olena" in digest.text


async def test_a_routine_alert_retried_after_closing_waits_for_the_digest(
    services: Services,
) -> None:
    """Raised at 17:59 on Monday, refused for a while by a 429: its retry comes due at 18:01,
    after closing, and it goes in Tuesday's digest; an urgent alert's retry is never held."""
    routine = await raise_alert(services, 601, "Olena", "routine", "epds_probable", kyiv(7, 17, 59))
    await raise_alert(services, 602, "Marta", "urgent", "crisis_message", kyiv(7, 17, 59))
    transport = FakeTransport(failures=[RetryLater("429", 120), RetryLater("429", 120)])
    clock = Clock(kyiv(7, 17, 59))
    worker = OutboxWorker(services, transport, clock)
    assert await worker.run_once() == 0
    clock.now = kyiv(7, 18, 1)
    await worker.run_once()
    await worker.run_once()
    [urgent] = transport.to(STAFF_CHAT)
    assert urgent.text.startswith("<b>🚨 URGENT")
    row = await services.db.fetchone(
        "SELECT next_attempt_at FROM outbox WHERE alert_id = ?", (routine,)
    )
    assert row is not None and row["next_attempt_at"] == iso(kyiv(8, 9))
    clock.now = kyiv(8, 9)
    await worker.run_once()
    [digest] = [m for m in transport.to(STAFF_CHAT) if is_digest(m)]
    assert f"#{routine} Olena" in digest.text


# /delete keeps the held mark: the erased mother's alert still goes in the digest.


async def test_erasing_a_mother_keeps_her_held_alert_in_the_digest(services: Services) -> None:
    erased = await raise_alert(services, 601, "Olena", "routine", "epds_probable", kyiv(4, 23))
    kept = await raise_alert(services, 602, "Marta", "routine", "epds_probable", kyiv(4, 23, 5))
    transport, clock = FakeTransport(), Clock(kyiv(4, 23, 10))
    worker = OutboxWorker(services, transport, clock)
    await worker.run_once()
    async with services.db.transaction() as conn:
        mother = await mothers.by_chat(conn, 601)
        assert mother is not None
        await erase.erase_mother(conn, mother.id, kyiv(4, 23, 20))
    row = await services.db.fetchone("SELECT payload FROM outbox WHERE alert_id = ?", (erased,))
    assert row is not None and json.loads(row["payload"]) == {"held": 1}
    assert (await asyncio.to_thread(collect, services.config, kyiv(5, 2))).stuck_alerts == 0
    clock.now = kyiv(7, 9)
    await worker.run_once()
    [digest] = transport.to(STAFF_CHAT)
    assert "2 alert(s) from outside working hours" in digest.text
    assert f"#{erased} —: EPDS" in digest.text and f"#{kept} Marta" in digest.text
    rows = await services.db.fetchall("SELECT delivered_at FROM alerts ORDER BY id")
    assert [r["delivered_at"] for r in rows] == [iso(kyiv(7, 9))] * 2


async def test_an_erased_mothers_alert_in_a_dead_digest_is_still_put_back(
    services: Services,
) -> None:
    """/delete between the digest's refusal and its death keeps the row's link to the digest:
    both alerts still go out, on their own."""
    await weekend(services, 2, lambda i: f"Mother{i}")
    transport = LimitedTransport(refuse=is_digest)
    clock = Clock(kyiv(5, 3))
    worker = OutboxWorker(services, transport, clock)
    await worker.run_once()
    clock.now = kyiv(7, 9)
    await worker.run_once()  # refused once
    async with services.db.transaction() as conn:
        mother = await mothers.by_chat(conn, 1000)
        assert mother is not None
        await erase.erase_mother(conn, mother.id, kyiv(7, 9))
    await run_until_dead(worker, services)  # refused in plain text too: dead
    await worker.run_once()  # put back and sent one by one
    assert refused_until_dead(transport)
    assert len([m for m in transport.delivered if not is_digest(m)]) == 2
    rows = await services.db.fetchall("SELECT delivered_at FROM alerts ORDER BY id")
    assert [r["delivered_at"] for r in rows] == [iso(kyiv(7, 9))] * 2

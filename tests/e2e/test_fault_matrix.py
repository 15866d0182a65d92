"""Every failure Telegram can answer a staff alert with, through the real Application.

Two mothers are in crisis while a third checks in, and the staff chat fails one way or another:
each alert reaches staff exactly once when the fault clears (in the new chat after the group's
upgrade), the third mother is answered meanwhile, a permanent fault costs a bounded number of
attempts, and ``main.py status`` reports what is stuck with a non-zero exit.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.ops.status import EXIT_OK, EXIT_STUCK, collect
from bot.services import Services
from bot.storage import mothers
from tests.conftest import STAFF_CHAT
from tests.e2e.conftest import eventually
from tests.fakeapi import Call, FakeBotApi, FakeUser, SentMessage
from tests.harness import InProcessBot

CRISIS = "I can't go on, I want to die"
NEW_STAFF_CHAT = -1009001


@dataclass(frozen=True)
class Fault:
    """How to break the staff chat, and whether the bot should end up somewhere else."""

    inject: Callable[[FakeBotApi], object]
    chat_after: int = STAFF_CHAT


def error(status: int, description: str, times: int = 2) -> Fault:
    return Fault(
        lambda api: api.inject_error(
            "sendMessage", status, times=times, chat_id=STAFF_CHAT, description=description
        )
    )


FAULTS: dict[str, Fault] = {
    "400 migrate_to_chat_id": Fault(
        lambda api: api.migrate_group(STAFF_CHAT, NEW_STAFF_CHAT), chat_after=NEW_STAFF_CHAT
    ),
    "400 chat not found": error(400, "Bad Request: chat not found", times=1),
    "400 message is too long": error(400, "Bad Request: message is too long", times=1),
    "400 can't parse entities": error(
        400, "Bad Request: can't parse entities: Unsupported start tag at byte offset 3", times=1
    ),
    "401": error(401, "Unauthorized"),
    "403 kicked": error(403, "Forbidden: bot was kicked from the supergroup chat", times=1),
    "404": error(404, "Not Found"),
    "409": error(409, "Conflict: terminated by other getUpdates request"),
    "429 retry_after": Fault(
        lambda api: api.inject_429("sendMessage", retry_after=1, times=2, chat_id=STAFF_CHAT)
    ),
    "500": error(500, "Internal Server Error"),
    "502": error(502, "Bad Gateway"),
    "read timeout": Fault(
        lambda api: api.delay("sendMessage", seconds=7, times=1, chat_id=STAFF_CHAT)
    ),
    "reset connection": Fault(
        lambda api: api.inject_reset("sendMessage", times=2, chat_id=STAFF_CHAT)
    ),
}


async def seed_mother(services: Services, chat_id: int, name: str) -> None:
    """A mother who joined and agreed earlier (onboarding has tests of its own)."""
    now = datetime.now(UTC)
    async with services.db.transaction() as conn:
        mother = await mothers.create(conn, chat_id, "en", now)
        await mothers.update(
            conn,
            mother.id,
            now,
            consent="given",
            consent_at=now.isoformat(),
            name=name,
            baby_birth_date="2026-11-01",
        )


def alerts_for(api: FakeBotApi, chat_id: int, name: str) -> list[SentMessage]:
    return [
        m
        for m in api.sent_to(chat_id)
        if "URGENT" in (m.text or "") and name in (m.text or "") and not m.edited
    ]


async def two_in_crisis_one_checking_in(
    api: FakeBotApi, services: Services
) -> tuple[FakeUser, FakeUser]:
    names = {7101: "Oksana", 7102: "Daryna", 7103: "Kateryna"}
    for chat_id, name in names.items():
        await seed_mother(services, chat_id, name)
    first, second = api.user(7101, "Oksana", language_code="en"), api.user(7102, "Daryna")
    third = api.user(7103, "Kateryna", language_code="en")
    await first.send(CRISIS)
    await second.send(CRISIS)
    for mother in (first, second):
        reply = await mother.wait_for_text("7333")
        assert "112" in (reply.text or "")
    await third.send("/checkin")
    await third.wait_for_text("How are you feeling today?")
    await third.press("🙂 Fairly good")
    await third.wait_for_text("How did you sleep")  # answered while the staff chat fails
    return first, second


@pytest.mark.parametrize("name", list(FAULTS))
async def test_each_fault_every_alert_arrives_exactly_once(
    running: InProcessBot, api: FakeBotApi, name: str
) -> None:
    fault = FAULTS[name]
    api.group(STAFF_CHAT).member(9001, "Iryna")
    fault.inject(api)
    assert running.services is not None
    first, second = await two_in_crisis_one_checking_in(api, running.services)
    for mother in ("Oksana", "Daryna"):
        await api.wait_for(lambda m=mother: alerts_for(api, fault.chat_after, m), timeout=20)
    await first.wait_for_text("care team has your message", timeout=10)
    await second.wait_for_text("care team has your message", timeout=10)
    for mother in ("Oksana", "Daryna"):
        assert len(alerts_for(api, fault.chat_after, mother)) == 1
        assert alerts_for(api, fault.chat_after, mother)[0].button_texts == [
            "Acknowledge",
            "Contacted",
            "Resolved",
        ]
    if fault.chat_after != STAFF_CHAT:
        assert running.services.staff_chat_id == NEW_STAFF_CHAT
        status = collect(running.config)
        assert status.moves[STAFF_CHAT][0] == NEW_STAFF_CHAT
        staff = api.group(NEW_STAFF_CHAT).member(9001, "Iryna")
        await staff.press("Acknowledge")
        await api.wait_for(lambda: next((m for m in api.sent_to(NEW_STAFF_CHAT) if m.edited), None))
    rows = await running.services.db.fetchall(
        "SELECT status FROM outbox WHERE kind = 'staff_alert'"
    )
    assert [r["status"] for r in rows] == ["sent", "sent"]


async def test_refused_text_goes_as_plain_text_with_priority_reason_name_and_buttons(
    running: InProcessBot, api: FakeBotApi
) -> None:
    api.inject_error(
        "sendMessage",
        400,
        times=1,
        chat_id=STAFF_CHAT,
        description="Bad Request: message is too long",
    )
    assert running.services is not None
    await seed_mother(running.services, 7201, "Solomiia")
    mother = api.user(7201, "Solomiia", language_code="en")
    await mother.send(CRISIS + " " + "so tired " * 2500)  # 22,000 characters
    alert = await api.wait_for(lambda: next(iter(alerts_for(api, STAFF_CHAT, "Solomiia")), None))
    refused, plain = [c for c in api.calls_of("sendMessage") if c.params["chat_id"] == STAFF_CHAT]
    assert refused.params.get("parse_mode") == "HTML" and refused.status == 400
    assert plain.params.get("parse_mode") is None and plain.status == 200
    text = alert.text or ""
    assert text.startswith("🚨 URGENT") and "Solomiia" in text and "<b>" not in text
    assert len(text.encode("utf-16-le")) // 2 <= 4096
    assert alert.button_texts == ["Acknowledge", "Contacted", "Resolved"]


PERMANENT: dict[str, Callable[[FakeBotApi], object]] = {
    "500": lambda api: api.inject_error("sendMessage", 500, times=None, chat_id=STAFF_CHAT),
    "401": lambda api: api.inject_error(
        "sendMessage", 401, times=None, chat_id=STAFF_CHAT, description="Unauthorized"
    ),
    "chat not found": lambda api: api.inject_error(
        "sendMessage",
        400,
        times=None,
        chat_id=STAFF_CHAT,
        description="Bad Request: chat not found",
    ),
    "429": lambda api: api.inject_429("sendMessage", retry_after=1, times=None, chat_id=STAFF_CHAT),
}


@pytest.mark.parametrize("name", list(PERMANENT))
async def test_a_permanent_fault_is_retried_with_back_off_not_in_a_hot_loop(
    running: InProcessBot, api: FakeBotApi, name: str
) -> None:
    """The gaps between attempts are the bot's back-off (the fake answers at once); how many
    attempts ten minutes of a fault cost is measured on a controlled clock in
    tests/alerts/test_delivery_outcomes.py."""
    PERMANENT[name](api)
    assert running.services is not None
    await seed_mother(running.services, 7401, "Oksana")
    mother = api.user(7401, "Oksana", language_code="en")
    await mother.send(CRISIS)
    await mother.wait_for_text("7333")
    watch = 2 if name == "chat not found" else 3  # unreachable: 5 s, then 10 s
    calls = await api.wait_for(
        lambda: staff_calls(api)[:watch] if len(staff_calls(api)) >= watch else None, timeout=20
    )
    gaps = [later.time - earlier.time for earlier, later in itertools.pairwise(calls)]
    assert all(gap >= 0.4 for gap in gaps), gaps
    api.clear_faults()
    api.readd_to(STAFF_CHAT)  # what fixes "chat not found" in life: the bot added back
    await api.wait_for(lambda: alerts_for(api, STAFF_CHAT, "Oksana"), timeout=20)
    assert len(alerts_for(api, STAFF_CHAT, "Oksana")) == 1


def staff_calls(api: FakeBotApi) -> list[Call]:
    return [c for c in api.calls_of("sendMessage") if c.params.get("chat_id") == STAFF_CHAT]


async def test_status_reports_a_dead_alert_with_a_non_zero_exit(
    running: InProcessBot, api: FakeBotApi
) -> None:
    api.inject_error(
        "sendMessage",
        400,
        times=None,
        chat_id=STAFF_CHAT,
        description="Bad Request: can't parse entities: Unsupported start tag at byte offset 3",
    )
    assert running.services is not None
    await seed_mother(running.services, 7301, "Halyna")
    mother = api.user(7301, "Halyna", language_code="en")
    assert collect(running.config).exit_code == EXIT_OK
    await mother.send(CRISIS)
    await mother.wait_for_text("7333")

    async def dead() -> bool:
        assert running.services is not None
        row = await running.services.db.fetchone(
            "SELECT status FROM outbox WHERE kind = 'staff_alert'"
        )
        return row is not None and row["status"] == "dead"

    await eventually(dead, within=10)
    status = collect(running.config)
    assert status.dead_alerts == 1 and status.exit_code == EXIT_STUCK
    assert len(staff_calls(api)) == 3  # HTML, plain, plain without buttons: no loop


async def test_the_upgrade_notice_alone_moves_the_staff_chat(
    running: InProcessBot, api: FakeBotApi
) -> None:
    """Telegram's service message in the old group is enough: the next alert goes straight to
    the new chat, without a refused send first, and a restart keeps it."""
    assert running.services is not None
    api.group(STAFF_CHAT).member(9001, "Iryna")
    api.migrate_group(STAFF_CHAT, NEW_STAFF_CHAT)

    async def followed() -> bool:
        assert running.services is not None
        return running.services.staff_chat_id == NEW_STAFF_CHAT

    await eventually(followed)
    await running.stop()
    await running.start()
    await seed_mother(running.services, 7501, "Marta")
    mother = api.user(7501, "Marta", language_code="en")
    await mother.send(CRISIS)
    await api.wait_for(lambda: alerts_for(api, NEW_STAFF_CHAT, "Marta"))
    assert staff_calls(api) == []  # nothing was tried at the old id
    assert collect(running.config).moves[STAFF_CHAT][0] == NEW_STAFF_CHAT

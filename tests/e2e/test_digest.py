"""Working hours through the real Application and the fake Bot API, on a clock the test moves
(time-machine): at 23:00 an urgent alert reaches the staff chat at once, a routine one waits;
at 08:59 it is still waiting; at 09:00 it arrives in the one digest."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from bot.services import Catalog
from tests.conftest import STAFF_CHAT
from tests.e2e.conftest import eventually
from tests.e2e.test_alerts import CRISIS, wait_alert
from tests.e2e.test_hostile_input import onboarded
from tests.e2e.test_triggers import ready_mother, screening
from tests.fakeapi import FakeBotApi, SentMessage
from tests.harness import InProcessBot

KYIV = ZoneInfo("Europe/Kyiv")
MONDAY_23 = datetime(2026, 12, 7, 23, 0, tzinfo=KYIV)
TUESDAY_0859 = datetime(2026, 12, 8, 8, 59, tzinfo=KYIV)
TUESDAY_09 = datetime(2026, 12, 8, 9, 0, tzinfo=KYIV)
PROBABLE = [3, 3, 3, 3, 1, 0, 0, 0, 0, 0]  # EPDS 13: a routine alert


def staff_texts(api: FakeBotApi) -> list[str]:
    return [m.text or "" for m in api.sent_to(STAFF_CHAT) if not m.edited]


def digest_of(api: FakeBotApi) -> SentMessage | None:
    found = [m for m in api.sent_to(STAFF_CHAT) if "from outside working hours" in (m.text or "")]
    return found[0] if found else None


async def test_routine_at_23_waits_for_the_09_digest_urgent_goes_at_once(
    running: InProcessBot, api: FakeBotApi, catalog: Catalog
) -> None:
    assert running.services is not None
    services = running.services

    async def routine_held() -> bool:
        row = await services.db.fetchone(
            "SELECT next_attempt_at, json_extract(payload, '$.held') AS held FROM outbox"
            " WHERE kind = 'staff_alert' AND alert_id IN"
            " (SELECT id FROM alerts WHERE priority = 'routine')"
        )
        return row is not None and row["held"] == 1

    with time_machine.travel(MONDAY_23, tick=True) as clock:
        urgent_mother = await onboarded(api, 7701)
        await urgent_mother.send(CRISIS)
        urgent = await wait_alert(api)
        assert CRISIS in (urgent.text or "")

        routine_mother = await ready_mother(api, 7702)
        await screening(routine_mother, catalog, PROBABLE)
        await eventually(routine_held)
        assert not any("ROUTINE" in text for text in staff_texts(api))

        nurse = api.group(STAFF_CHAT, "Clinic care team").member(9001, "Iryna")
        clock.move_to(TUESDAY_0859)
        await nurse.send("good morning")  # any staff-chat update wakes the outbox worker
        await eventually(routine_held)
        assert digest_of(api) is None and not any("ROUTINE" in t for t in staff_texts(api))

        clock.move_to(TUESDAY_09)
        await nurse.send("nine o'clock")
        digest = await api.wait_for(lambda: digest_of(api), timeout=10)
    assert "1 alert(s) from outside working hours" in (digest.text or "")
    assert "Marta: EPDS total at or above" in (digest.text or "")
    assert len(digest.button_texts) == 1 and digest.button_texts[0].startswith("Open #")
    await nurse.press(digest.button_texts[0])
    full = await api.wait_for(
        lambda: next(
            (m for m in api.sent_to(STAFF_CHAT) if (m.text or "").startswith("ROUTINE")), None
        ),
        timeout=10,
    )
    assert full.button_texts == ["Acknowledge", "Contacted", "Resolved"]

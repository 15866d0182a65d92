"""Every kind of trigger produces exactly one alert with the right priority, end to end."""

from __future__ import annotations

import pytest

from bot.services import Catalog
from tests.conftest import STAFF_CHAT
from tests.e2e.conftest import eventually
from tests.e2e.test_hostile_input import onboarded
from tests.fakeapi import FakeBotApi, FakeUser
from tests.harness import InProcessBot

# Option scores for one EPDS run per item, q1..q10.
ZERO = [0] * 10


async def finish_onboarding(user: FakeUser) -> None:
    await user.press("Skip")
    await user.wait_for_text("When was your baby born?")
    await user.press("Skip")
    await user.wait_for_text("When suits you best?")
    await user.press("Morning")
    await user.wait_for_text("All set")


async def ready_mother(api: FakeBotApi, user_id: int) -> FakeUser:
    user = await onboarded(api, user_id)
    await finish_onboarding(user)
    return user


def option_label(catalog: Catalog, item: int, score: int) -> str:
    options = catalog.content.lookup(f"epds.items.q{item}.options")
    return next(o["text"]["en"] for o in options if o["score"] == score)


async def screening(user: FakeUser, catalog: Catalog, scores: list[int]) -> None:
    await user.send("/screening")
    for item, score in enumerate(scores, start=1):
        await user.wait_for_text(f"Question {item} of 10")
        await user.press(option_label(catalog, item, score))
    if scores[9] > 0:  # the crisis reply comes first; the result waits behind "Continue"
        await user.wait_for_text("7333")
        await user.press("Continue where we left off")
    await user.wait_for_text("screening, not a diagnosis")


async def alerts(running: InProcessBot) -> list[tuple[str, str]]:
    assert running.services is not None
    rows = await running.services.db.fetchall("SELECT rule, priority FROM alerts ORDER BY id")
    return [(r["rule"], r["priority"]) for r in rows]


async def has_alerts(running: InProcessBot, count: int) -> None:
    async def check() -> bool:
        return len(await alerts(running)) >= count

    await eventually(check)


async def checkin(user: FakeUser, mood: str, safety: str | None = None) -> None:
    await user.send("/checkin")
    await user.wait_for_text("How are you feeling today?")
    await user.press(mood)
    if safety is not None:
        await user.wait_for_text("better off dead")
        await user.press(safety)


async def test_checkin_safety_yes_is_urgent_with_crisis_reply_first(
    running: InProcessBot, api: FakeBotApi
) -> None:
    user = await ready_mother(api, 6001)
    await checkin(user, "😞 Very low", safety="Yes")
    first = await user.wait_reply()
    assert "7333" in (first.text or "")
    await has_alerts(running, 1)
    assert await alerts(running) == [("checkin_safety", "urgent")]
    alert = await api.wait_for(lambda: next(iter(api.sent_to(STAFF_CHAT)), None), timeout=10)
    assert (alert.text or "").startswith("🚨 URGENT")


async def test_three_low_checkins_in_a_row_is_one_routine_alert(
    running: InProcessBot, api: FakeBotApi
) -> None:
    user = await ready_mother(api, 6002)
    for _ in range(4):
        await checkin(user, "😔 Low", safety="No")
        await user.send("/cancel")
        await user.wait_for_text("stopped here")
    await has_alerts(running, 1)
    assert await alerts(running) == [("low_mood_streak", "routine")]


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        (ZERO, []),
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 1], [("epds_item10", "urgent")]),
        ([3, 3, 3, 3, 1, 0, 0, 0, 0, 0], [("epds_probable", "routine")]),
        ([3, 3, 3, 1, 0, 0, 0, 0, 0, 0], []),
    ],
    ids=["0 no alert", "item 10 urgent", "13 routine", "10 no alert"],
)
async def test_epds_triggers(
    running: InProcessBot,
    api: FakeBotApi,
    catalog: Catalog,
    scores: list[int],
    expected: list[tuple[str, str]],
) -> None:
    user = await ready_mother(api, 6100 + sum(scores))
    await screening(user, catalog, scores)
    if expected:
        await has_alerts(running, len(expected))
    assert await alerts(running) == expected


async def test_second_epds_of_ten_or_more_in_a_row_is_routine(
    running: InProcessBot, api: FakeBotApi, catalog: Catalog
) -> None:
    user = await ready_mother(api, 6200)
    ten = [3, 3, 3, 1, 0, 0, 0, 0, 0, 0]
    await screening(user, catalog, ten)
    assert await alerts(running) == []
    assert running.services is not None
    reminder = await running.services.db.fetchone(
        "SELECT kind FROM reminders WHERE status = 'pending'"
    )
    assert reminder is not None and reminder["kind"] == "epds_offer"
    await screening(user, catalog, ten)
    await has_alerts(running, 1)
    assert await alerts(running) == [("epds_possible_twice", "routine")]

"""Her own words through the real Telegram stack (issue 11): distress → the direct safety
question → "Yes" → crisis reply and urgent alert, or "No" → options; an everyday topic → a
reviewed read; nothing known → the honest reply."""

from __future__ import annotations

from tests.conftest import STAFF_CHAT
from tests.e2e.test_triggers import alerts, has_alerts, ready_mother
from tests.fakeapi import FakeBotApi
from tests.harness import InProcessBot

QUESTION = "have you had thoughts that you would be better off dead"


async def test_distress_question_yes_is_urgent_with_crisis_reply(
    running: InProcessBot, api: FakeBotApi
) -> None:
    user = await ready_mother(api, 6501)
    await user.send("I'm not coping. I just can't anymore")
    asked = await user.wait_for_text(QUESTION)
    assert "Thank you for telling me" in (asked.text or "")
    await user.press("Yes")
    await user.wait_for_text("7333")
    await has_alerts(running, 1)
    assert await alerts(running) == [("distress_safety", "urgent")]
    alert = await api.wait_for(lambda: next(iter(api.sent_to(STAFF_CHAT)), None), timeout=10)
    assert (alert.text or "").startswith("🚨 URGENT")
    assert "I'm not coping" in (alert.text or "")  # staff see her words and what matched
    assert "Words that matched" in (alert.text or "")


async def test_distress_question_no_offers_options(running: InProcessBot, api: FakeBotApi) -> None:
    user = await ready_mother(api, 6502)
    await user.send("Я не відчуваю любові до дитини")  # she writes Ukrainian; her bot is English
    await user.wait_for_text(QUESTION)
    await user.press("No")
    await user.wait_for_text("What would help now?")
    await user.press("Ask the clinic to contact me")
    await user.wait_for_text("I've passed your request")
    await has_alerts(running, 1)
    assert await alerts(running) == [("contact_request", "routine")]


async def test_topic_gets_a_read_and_unmatched_the_honest_reply(
    running: InProcessBot, api: FakeBotApi
) -> None:
    user = await ready_mother(api, 6503)
    await user.send("he cries every evening from 6 to 9 and won't settle")
    await user.wait_for_text("Long crying is exhausting")
    await user.send("what's the weather in Lviv tomorrow")
    reply = await user.wait_for_text("No one reads this chat live")
    assert "kept for the clinic's care team" in (reply.text or "")
    await user.press("Urgent help")
    await user.wait_for_text("call 112 or 103 now")
    assert await alerts(running) == []

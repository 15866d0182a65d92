"""Her words kept, through the real Application and the fake Bot API: what she writes is in
the alert it triggered, in /case, in her /export, and gone after /delete."""

from __future__ import annotations

import json

from tests.conftest import STAFF_CHAT
from tests.e2e.test_alerts import CRISIS, wait_alert
from tests.e2e.test_hostile_input import onboarded
from tests.fakeapi import FakeBotApi
from tests.harness import InProcessBot

WORRY = "Blue giraffe & <tea> on the balcony 4471"


async def test_her_messages_in_alert_case_export_and_gone_after_delete(
    running: InProcessBot, api: FakeBotApi
) -> None:
    mother = await onboarded(api, 5101)
    await mother.send("Marta")  # her answer to the name question, typed
    await mother.wait_for_text("When was your baby born?")
    await mother.send("/cancel")
    await mother.wait_for_text("stopped here")
    await mother.send(WORRY)  # nothing in progress and nothing it knows: the honest reply
    await mother.wait_for_text("Thank you for writing")
    await mother.send(CRISIS)
    await mother.wait_for_text("7333")

    alert = await wait_alert(api)
    assert CRISIS in (alert.text or "")
    assert "Her recent messages" in (alert.text or "")
    assert WORRY in (alert.text or "")  # escaped for HTML: Telegram shows it as she wrote it
    assert (alert.text or "").count(CRISIS) == 1  # not repeated under her recent messages

    nurse = api.group(STAFF_CHAT, "Clinic care team").member(9001, "Iryna")
    await nurse.send("/case 1")
    case = await api.wait_for(
        lambda: next(
            (m for m in api.sent_to(STAFF_CHAT) if "Alert #1" in (m.text or "") and m is not alert),
            None,
        )
    )
    text = case.text or ""
    assert "«Marta»" in text and "→ her answer (onboarding.name)" in text
    assert "on the balcony 4471" in text and "→ no answer fitted" in text
    assert text.count(CRISIS) == 1  # the message of this alert, shown once above

    await mother.send("/export")
    exported = await api.wait_for(
        lambda: next((m for m in mother.messages if m.document is not None), None)
    )
    data = json.loads(exported.document or b"{}")
    assert [(m["text"], m["handled"]) for m in data["messages"]] == [
        ("Marta", "answer:onboarding.name"),
        (WORRY, "unmatched"),
        (CRISIS, "crisis_reply"),
    ]

    await mother.send("/delete")
    await mother.wait_for_text("Erase everything?")
    await mother.press("Yes, erase everything")
    await mother.wait_for_text("Done.")
    assert running.services is not None
    rows = await running.services.db.fetchall("SELECT text FROM messages")
    assert rows == []
    await nurse.send("/case 1")
    await api.wait_for(
        lambda: any("No such case" in (m.text or "") for m in api.sent_to(STAFF_CHAT))
    )


async def test_nothing_she_writes_is_kept_before_consent(
    running: InProcessBot, api: FakeBotApi
) -> None:
    mother = api.user(5102, "Marta", language_code="en")
    await mother.send("hello, is anyone there?")
    await mother.wait_for_text("/start")
    await mother.send("/start")
    await mother.wait_for_text("Which language", timeout=10)
    await mother.send("some words before agreeing")
    await mother.wait_reply()
    assert running.services is not None
    assert await running.services.db.fetchall("SELECT * FROM messages") == []

"""Crisis to staff alert through the real Application: first the mother, then staff, through
429s, 5xx, timeouts and a staff chat the bot was removed from."""

from __future__ import annotations

import pytest

from tests.conftest import STAFF_CHAT
from tests.e2e.test_hostile_input import onboarded
from tests.fakeapi import FakeBotApi, SentMessage
from tests.harness import InProcessBot

CRISIS = "I can't do this anymore, I want to die"


def urgent_alerts(api: FakeBotApi) -> list[SentMessage]:
    return [m for m in api.sent_to(STAFF_CHAT) if "URGENT" in (m.text or "") and not m.edited]


async def wait_alert(api: FakeBotApi, within: float = 10) -> SentMessage:
    return await api.wait_for(lambda: next(iter(urgent_alerts(api)), None), timeout=within)


async def test_crisis_reply_first_then_alert_then_confirmation(
    running: InProcessBot, api: FakeBotApi
) -> None:
    mother = await onboarded(api, 5001)
    await mother.send(CRISIS)
    first = await mother.wait_reply()
    assert "7333" in (first.text or "") and "112" in (first.text or "")
    assert "letting the clinic's care team know" in (first.text or "")
    alert = await wait_alert(api)
    assert CRISIS in (alert.text or "")
    assert alert.button_texts == ["Acknowledge", "Contacted", "Resolved"]
    await mother.wait_for_text("care team has your message")
    nurse = api.group(STAFF_CHAT, "Clinic care team").member(9001, "Iryna")
    await nurse.press("Acknowledge")
    edited = await api.wait_for(
        lambda: next((m for m in api.sent_to(STAFF_CHAT) if m.edited), None)
    )
    assert "Acknowledged by Iryna" in (edited.text or "")
    assert running.services is not None
    row = await running.services.db.fetchone("SELECT status FROM alerts")
    assert row is not None and row["status"] == "acknowledged"


async def test_crisis_while_in_a_flow_pauses_it_and_continue_resumes(
    running: InProcessBot, api: FakeBotApi
) -> None:
    mother = await onboarded(api, 5002)
    await mother.send(CRISIS)
    reply = await mother.wait_for_text("7333")
    assert "Continue where we left off" in reply.button_texts
    await mother.send("I will wait for the call")
    await mother.wait_for_text("I'm here with you")
    await mother.press("Continue where we left off")
    await mother.wait_for_text("What would you like me to call you?")


@pytest.mark.parametrize(
    "fault",
    ["429", "500x3", "timeout"],
)
async def test_alert_survives_telegram_faults(
    running: InProcessBot, api: FakeBotApi, fault: str
) -> None:
    if fault == "429":
        api.inject_429("sendMessage", retry_after=1, times=1, chat_id=STAFF_CHAT)
    elif fault == "500x3":
        api.inject_error("sendMessage", status=500, times=3, chat_id=STAFF_CHAT)
    else:
        api.delay("sendMessage", 8, times=1, chat_id=STAFF_CHAT)
    mother = await onboarded(api, 5003)
    await mother.send(CRISIS)
    await mother.wait_for_text("7333")
    await wait_alert(api, within=20)
    await mother.wait_for_text("care team has your message", timeout=10)
    assert len(urgent_alerts(api)) == 1
    failed = [c for c in api.calls_of("sendMessage") if c.chat_id == STAFF_CHAT and not c.ok]
    assert failed or fault == "timeout"


async def test_alert_waits_while_bot_is_out_of_staff_chat(
    running: InProcessBot, api: FakeBotApi
) -> None:
    api.kick_from(STAFF_CHAT)
    mother = await onboarded(api, 5004)
    await mother.send(CRISIS)
    await mother.wait_for_text("7333")
    await api.wait_for(
        lambda: any(c.status == 403 for c in api.calls_of("sendMessage") if c.chat_id == STAFF_CHAT)
    )
    assert urgent_alerts(api) == []
    api.readd_to(STAFF_CHAT)
    await wait_alert(api)
    assert len(urgent_alerts(api)) == 1


async def test_forged_staff_button_from_a_mother_changes_nothing(
    running: InProcessBot, api: FakeBotApi
) -> None:
    mother = await onboarded(api, 5005)
    await mother.send(CRISIS)
    alert = await wait_alert(api)
    data = alert.callback_data("Resolved")
    pressed = await mother.press_data(alert.message_id, data or "")
    answer = await api.wait_callback_answer(pressed.query_id)
    assert "only for the clinic's care team" in str(answer.get("text"))
    outsider = api.group(-100999, "Other group").member(9002, "Stranger")
    await outsider.press_data(alert.message_id, data or "")
    assert running.services is not None
    row = await running.services.db.fetchone("SELECT status FROM alerts")
    assert row is not None and row["status"] == "open"
    audit = await running.services.db.fetchall(
        "SELECT action FROM audit_log WHERE action != 'delivered'"
    )
    assert audit == []


async def test_held_button_answers_never_hold_the_connections_an_alert_needs(
    running: InProcessBot, api: FakeBotApi
) -> None:
    """Telegram slow to answer sixteen button presses (a burst of stale presses) fills the
    answers' connections; the crisis reply and the staff alert go through the sender's own
    pool meanwhile, not after the answers come back."""
    mother = await onboarded(api, 5010)
    presser = await onboarded(api, 5011)
    shown = presser.last_message
    assert shown is not None
    message_id = shown.message_id
    before = len(api.calls_of("answerCallbackQuery"))
    api.delay("answerCallbackQuery", 8, times=16)
    for _ in range(16):
        await presser.press_data(message_id, "stale")
    await api.wait_for(lambda: len(api.calls_of("answerCallbackQuery")) >= before + 8)
    await mother.send(CRISIS)
    await mother.wait_for_text("7333", timeout=5)
    await wait_alert(api, within=5)
    held = api.calls_of("answerCallbackQuery")[before:]
    assert held and all(call.status == 0 for call in held)  # not one answered yet

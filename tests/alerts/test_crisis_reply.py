"""The crisis reply's durable copy (bot/safety/crisis_reply.py), on a clock the test controls.

The fast path is the runtime's sender; without it (``Conversation.handle`` alone) nothing
confirms the reply, as after a crash right after COMMIT, and the outbox worker must send it.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.clock import iso
from bot.conversation import service
from bot.conversation.messages import Incoming, Outgoing
from bot.conversation.service import Conversation
from bot.delivery import DeliveryError, Refused, RetryLater, Unreachable
from bot.ops.status import EXIT_OK, collect
from bot.priority import CRISIS_REPLY_OUTBOX_PLACE
from bot.runtime import build_runtime
from bot.safety import crisis_reply
from bot.safety.outbox import OutboxWorker
from bot.services import Services
from bot.storage import mothers
from tests.alerts.test_outbox import (
    CRISIS,
    MOTHER,
    T0,
    Clock,
    FakeTransport,
    consented_mother,
)
from tests.conftest import STAFF_CHAT

HER = MOTHER.chat_id
AFTER_GRACE = T0 + crisis_reply.GRACE + timedelta(seconds=1)


@dataclass
class HerChatFails:
    """Her chat fails with the scripted errors, one per attempt; other chats work. Every
    delivery is recorded in order, with the chat it went to."""

    failures: list[DeliveryError] = field(default_factory=list)
    delivered: list[Outgoing] = field(default_factory=list)
    attempts: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def deliver(self, message: Outgoing) -> int | None:
        if message.chat_id == HER:
            self.attempts += 1
            if self.failures:
                raise self.failures.pop(0)
        self.delivered.append(message)
        self.changed.set()
        return len(self.delivered)

    def to(self, chat_id: int) -> list[Outgoing]:
        return [m for m in self.delivered if m.chat_id == chat_id]


async def her_crisis(services: Services, update_id: int = 1) -> list[Outgoing]:
    incoming = Incoming(MOTHER, "text", text=CRISIS, update_id=update_id)
    return await Conversation(services).handle(incoming, T0)


async def copies(services: Services) -> list[dict[str, object]]:
    rows = await services.db.fetchall(
        "SELECT * FROM outbox WHERE kind = ? ORDER BY id", (crisis_reply.CRISIS_REPLY,)
    )
    return [dict(row) for row in rows]


async def test_the_copy_is_written_with_the_turn_due_after_the_grace(services: Services) -> None:
    await consented_mother(services)
    replies = await her_crisis(services)
    [row] = await copies(services)
    assert replies[0].outbox_id == row["id"]
    assert (row["chat_id"], row["priority"], row["status"]) == (
        HER,
        CRISIS_REPLY_OUTBOX_PLACE,
        "pending",
    )
    assert row["next_attempt_at"] == iso(T0 + crisis_reply.GRACE)
    payload = json.loads(str(row["payload"]))
    assert payload["text"] == replies[0].text and "7333" in payload["text"]
    assert await her_crisis(services) == []  # a redelivered update writes no second copy
    assert len(await copies(services)) == 1


async def test_the_copy_commits_with_the_turn_or_not_at_all(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    await consented_mother(services)

    async def broken(*_: object) -> None:
        raise RuntimeError("the turn fails after the crisis reply was composed")

    monkeypatch.setattr(service, "record_message", broken)
    with pytest.raises(RuntimeError):
        await her_crisis(services)
    assert await copies(services) == []
    assert await services.db.fetchall("SELECT id FROM alerts") == []


async def test_before_consent_nothing_is_stored(services: Services) -> None:
    stranger = await Conversation(services).handle(Incoming(MOTHER, "text", text=CRISIS), T0)
    assert "7333" in stranger[0].text and stranger[0].outbox_id is None
    async with services.db.transaction() as tx:  # mid-/start: her row, no consent yet
        await mothers.create(tx, HER, "en", T0)
    onboarding = await Conversation(services).handle(Incoming(MOTHER, "text", text=CRISIS), T0)
    assert "7333" in onboarding[0].text and onboarding[0].outbox_id is None
    assert await services.db.fetchall("SELECT id FROM outbox") == []


async def test_the_fast_path_marks_it_sent_and_the_worker_never_sends_it(
    services: Services,
) -> None:
    await consented_mother(services)
    replies = await her_crisis(services)
    transport, clock = FakeTransport(), Clock(T0)
    runtime = build_runtime(services, transport, clock=clock)
    runtime.submit(replies)
    assert await runtime.sender.drain(5)
    [row] = await copies(services)
    assert row["status"] == "sent" and row["message_id"] == 1
    clock.now = AFTER_GRACE
    await runtime.worker.run_once()  # the alert, then (at its delivery) the notice
    await runtime.worker.run_once()
    await runtime.sender.close()
    to_her = [m.text for m in transport.to(HER)]
    assert sum("7333" in text for text in to_her) == 1
    assert any("care team has your message" in text for text in to_her)


async def test_the_worker_sends_it_when_the_fast_path_did_not_confirm_in_time(
    services: Services,
) -> None:
    await consented_mother(services)
    replies = await her_crisis(services)
    transport, clock = FakeTransport(), Clock(T0)
    worker = OutboxWorker(services, transport, clock)
    assert await worker.run_once() == 1  # the staff alert; the reply's grace is still running
    clock.now = T0 + crisis_reply.GRACE - timedelta(seconds=1)
    await worker.run_once()  # the notice that the team has it
    assert not any("7333" in m.text for m in transport.to(HER))
    clock.now = AFTER_GRACE
    assert await worker.run_once() == 1
    sent = [m for m in transport.to(HER) if "7333" in m.text]
    assert [(m.text, m.buttons) for m in sent] == [(replies[0].text, replies[0].buttons)]
    [row] = await copies(services)
    assert row["status"] == "sent"
    clock.now = AFTER_GRACE + timedelta(minutes=5)
    await worker.run_once()
    assert len([m for m in transport.to(HER) if "7333" in m.text]) == 1


async def test_the_worker_retries_it_after_429_and_5xx(services: Services) -> None:
    await consented_mother(services)
    await her_crisis(services)
    transport, clock = HerChatFails(), Clock(T0)
    worker = OutboxWorker(services, transport, clock)
    await worker.run_once()  # the alert
    await worker.run_once()  # the notice
    transport.failures = [RetryLater("429", 3.0), RetryLater("500")]
    attempts_before = transport.attempts
    clock.now = AFTER_GRACE
    assert await worker.run_once() == 0  # 429: again in 3 s
    clock.now = AFTER_GRACE + timedelta(seconds=2)
    assert await worker.run_once() == 0 and transport.attempts == attempts_before + 1
    clock.now = AFTER_GRACE + timedelta(seconds=3)
    assert await worker.run_once() == 0  # 500: a back-off
    clock.now = AFTER_GRACE + timedelta(seconds=5)
    assert await worker.run_once() == 1
    assert transport.attempts == attempts_before + 3
    assert len([m for m in transport.to(HER) if "7333" in m.text]) == 1


async def test_a_failed_fast_path_hands_it_to_the_worker_at_once(
    services: Services,
) -> None:
    await consented_mother(services)
    replies = await her_crisis(services)
    transport, clock = HerChatFails([Refused("can't parse entities")]), Clock(T0)
    runtime = build_runtime(services, transport, clock=clock)
    runtime.submit(replies[:1])
    assert await runtime.sender.drain(5)
    [row] = await copies(services)
    assert row["status"] == "pending" and row["next_attempt_at"] == iso(T0)
    await runtime.worker.run_once()  # still T0: no grace to wait out
    await runtime.sender.close()
    assert [m.text for m in transport.to(HER)] == [replies[0].text]
    [row] = await copies(services)
    assert row["status"] == "sent"


async def test_she_blocked_the_bot_the_copy_ends_dead_and_status_stays_calm(
    services: Services,
) -> None:
    await consented_mother(services)
    await her_crisis(services)
    transport, clock = HerChatFails(), Clock(T0)
    worker = OutboxWorker(services, transport, clock)
    await worker.run_once()  # the alert
    transport.failures = [Unreachable("bot was blocked by the user")] * 2
    await worker.run_once()  # the notice: dead
    clock.now = AFTER_GRACE
    await worker.run_once()
    [row] = await copies(services)
    assert row["status"] == "dead"
    status = await asyncio.to_thread(collect, services.config, T0 + timedelta(hours=1))
    assert (status.stuck_alerts, status.dead_alerts, status.exit_code) == (0, 0, EXIT_OK)


async def test_after_a_restart_her_reply_goes_before_the_alert_of_its_turn(
    services: Services,
) -> None:
    """Killed after COMMIT: neither went out. The new worker takes the copy over at once (it
    has no fast path for it) and hands it to the transport before the alert."""
    await consented_mother(services)
    await her_crisis(services)
    transport = HerChatFails()
    restarted = T0 + timedelta(seconds=5)  # well within the grace
    worker = OutboxWorker(services, transport, Clock(restarted))
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run_forever(stop))
    try:
        async with asyncio.timeout(10):
            while len(transport.delivered) < 2:
                await transport.changed.wait()
                transport.changed.clear()
    finally:
        stop.set()
        await running
    first, second = transport.delivered[:2]
    assert first.chat_id == HER and "7333" in first.text
    assert second.chat_id == STAFF_CHAT and CRISIS in second.text


async def test_delete_erases_the_pending_copy(services: Services) -> None:
    await consented_mother(services)
    await her_crisis(services)
    conversation = Conversation(services)
    asked = await conversation.handle(Incoming(MOTHER, "command", command="delete"), T0)
    erase = asked[-1].buttons[0][0].ref
    done = await conversation.handle(Incoming(MOTHER, "button", button=erase), T0)
    assert "Done" in done[-1].text
    assert await copies(services) == []
    transport = FakeTransport()
    await OutboxWorker(services, transport, Clock(AFTER_GRACE)).run_once()
    assert transport.to(HER) == []

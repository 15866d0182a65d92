"""``kill -9`` mid-flow and mid-alert: the real ``main.py run`` process restarts where it was."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import iso, utcnow
from bot.storage import mothers
from bot.storage.db import Database
from tests.conftest import STAFF_CHAT
from tests.fakeapi import FakeBotApi
from tests.harness import BotProcess, at_name, process_env

pytestmark = pytest.mark.slow


class Restartable:
    """``main.py run`` that can be killed with SIGKILL and started again on the same data."""

    def __init__(self, api: FakeBotApi, database: Path) -> None:
        self.api = api
        self.env = process_env(api, database)
        self.current: BotProcess | None = None

    async def start(self) -> None:
        self.current = await BotProcess(self.env).start()
        await self.current.wait_for_line("bot_started")
        await self.api.wait_for(lambda: self.api.poll_waiting, timeout=10)

    async def kill_9(self) -> None:
        assert self.current is not None and self.current.proc is not None
        self.current.proc.kill()
        await self.current.wait()

    async def close(self) -> None:
        if self.current is not None:
            await self.current.kill()


@pytest.fixture
async def bot(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Restartable]:
    process = Restartable(api, tmp_path / "data" / "bot.sqlite3")
    yield process
    await process.close()


async def test_kill_9_mid_flow_resumes_with_answers_intact(
    api: FakeBotApi, bot: Restartable, tmp_path: Path
) -> None:
    await bot.start()
    user = api.user(4001, "Marta", language_code="en")
    await at_name(user)
    await user.send("Marta")
    await user.wait_for_text("When was your baby born?")
    await bot.kill_9()

    await bot.start()
    await user.send("01.11.2026")
    await user.wait_for_text("When suits you best?", timeout=10)
    await user.press("Evening")
    await user.wait_for_text("All set, Marta!")
    with sqlite3.connect(tmp_path / "data" / "bot.sqlite3") as db:
        answers = dict(db.execute("SELECT key, value FROM answers WHERE flow = 'onboarding'"))
    assert answers["name"] == '"Marta"'
    assert answers["baby_birth_date"] == '"2026-11-01"'
    assert answers["checkin_time"] == '"20:00"'


async def test_kill_9_between_answer_and_alert_loses_nothing(
    api: FakeBotApi, bot: Restartable
) -> None:
    await bot.start()
    user = api.user(4002, "Marta", language_code="en")
    await at_name(user)
    api.delay("sendMessage", 60, times=1, chat_id=STAFF_CHAT)
    await user.send("I want to end my life")
    await user.wait_for_text("7333")
    await bot.kill_9()
    api.clear_faults()

    await bot.start()
    alert = await api.wait_for(
        lambda: next((m for m in api.sent_to(STAFF_CHAT) if "URGENT" in (m.text or "")), None),
        timeout=15,
    )
    assert "I want to end my life" in (alert.text or "")
    await user.wait_for_text("care team has your message", timeout=10)
    urgent = [m for m in api.sent_to(STAFF_CHAT) if "URGENT" in (m.text or "") and not m.edited]
    assert len(urgent) == 1


async def test_kill_9_during_a_scheduled_send_then_the_prompt_arrives_once(
    api: FakeBotApi, bot: Restartable, tmp_path: Path
) -> None:
    """The render committed her new check-in session; Telegram never took the message."""
    database = await Database.open(tmp_path / "data" / "bot.sqlite3")
    now = utcnow()
    async with database.transaction() as conn:
        await mothers.create(
            conn, 4101, "en", now, consent="given", checkin_time="09:00", name="Marta"
        )
        await conn.execute(
            "UPDATE mothers SET next_checkin_at = ?", (iso(now - timedelta(seconds=5)),)
        )
    await database.close()
    her = api.user(4101, "Marta", language_code="en", started=True)
    api.delay("sendMessage", 60, times=None, chat_id=4101)  # every send to her hangs

    def in_flight() -> bool:
        return any(c.status == 0 for c in api.calls_of("sendMessage"))

    await bot.start()
    await api.wait_for(in_flight, timeout=20)
    await bot.kill_9()
    api.clear_faults()
    assert her.messages == []

    await bot.start()
    prompt = await her.wait_for_text("How are you feeling today?", timeout=20)
    assert prompt.buttons
    await bot.kill_9()  # no time for a second copy to slip out after this one
    prompts = [m for m in her.messages if "How are you feeling today?" in (m.text or "")]
    assert len(prompts) == 1


@pytest.mark.parametrize("fault", ["held", "429"])
async def test_kill_9_before_telegram_took_the_crisis_reply_then_she_still_gets_it(
    api: FakeBotApi, bot: Restartable, fault: str
) -> None:
    """The turn committed (the update counts as processed, never handled again), but her
    crisis reply had not reached her: held in flight at Telegram, or held back by a long 429
    in the sender's queue. After the restart the outbox sends its durable copy."""
    await bot.start()
    her = 4003
    user = api.user(her, "Marta", language_code="en")
    await at_name(user)
    if fault == "held":
        api.delay("sendMessage", 60, times=None, chat_id=her)
    else:
        api.inject_429("sendMessage", retry_after=60, times=None, chat_id=her)

    def reply_stuck() -> bool:
        calls = [c for c in api.calls_of("sendMessage") if c.chat_id == her]
        return any(c.pending if fault == "held" else c.status == 429 for c in calls)

    await user.send("I want to end my life")
    await api.wait_for(reply_stuck, timeout=10)
    await bot.kill_9()
    api.clear_faults()
    assert not [m for m in user.messages if "7333" in (m.text or "")]

    restarted = len(api.calls_of("sendMessage"))
    await bot.start()
    await user.wait_for_text("7333", timeout=15)
    alert = await api.wait_for(
        lambda: next((m for m in api.sent_to(STAFF_CHAT) if "URGENT" in (m.text or "")), None),
        timeout=15,
    )
    assert "I want to end my life" in (alert.text or "")
    await user.wait_for_text("care team has your message", timeout=10)
    await user.press("Continue")
    await user.wait_for_text("call you", timeout=10)  # the paused question, as before
    await bot.kill_9()  # no time for anything more to slip out
    replies = [m for m in user.messages if "7333" in (m.text or "") and not m.edited]
    assert 1 <= len(replies) <= 2
    urgent = [m for m in api.sent_to(STAFF_CHAT) if "URGENT" in (m.text or "") and not m.edited]
    assert 1 <= len(urgent) <= 2
    alert_sent = _accepted_call(api, STAFF_CHAT, "URGENT")
    if alert_sent >= restarted:  # both waited for the restart: her reply went first
        assert _accepted_call(api, her, "7333") < alert_sent


def _accepted_call(api: FakeBotApi, chat_id: int, text: str) -> int:
    """Where the first accepted sendMessage to ``chat_id`` with ``text`` came among all the
    calls of the method (in arrival order)."""
    calls = api.calls_of("sendMessage")
    return next(
        i
        for i, call in enumerate(calls)
        if call.ok and call.chat_id == chat_id and text in str(call.params.get("text", ""))
    )

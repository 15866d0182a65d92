"""SIGTERM stops the bot gracefully: updates in flight finish, the outbox attempt completes,
the database closes, and after a restart the flow goes on where she was."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.clock import utcnow
from bot.conversation.messages import Author, Incoming, Outgoing
from bot.conversation.service import Conversation
from bot.safety.outbox import OutboxWorker
from bot.services import Services
from bot.storage import mothers
from tests.alerts.test_outbox import fast_path_delivered
from tests.fakeapi import FakeBotApi
from tests.harness import BotProcess, onboard, process_env

pytestmark = pytest.mark.slow


def _answers(database: Path) -> dict[str, str]:
    conn = sqlite3.connect(database)
    try:
        rows = conn.execute("SELECT key, value FROM answers").fetchall()
    finally:
        conn.close()
    return {str(key): str(value) for key, value in rows}


async def test_sigterm_during_a_flow_loses_no_answer(api: FakeBotApi, tmp_path: Path) -> None:
    database = tmp_path / "data" / "bot.sqlite3"
    env = process_env(api, database)
    user = api.user(4242, "Olena", language_code="en")
    born = (date.today() - timedelta(days=20)).strftime("%d.%m.%Y")

    first = await BotProcess(env).start()
    try:
        await first.wait_for_line("bot_started")
        await onboard(user, "Olena")
        # The reply to the next answer is held for a second: SIGTERM arrives while it is in flight.
        api.delay("sendMessage", 1.0, chat_id=user.id)
        await user.send(born)
        await api.wait_confirmed()
        first.terminate()
        assert not any("When suits you best?" in (m.text or "") for m in user.messages)
        assert await first.wait() == 0, first.output
    finally:
        await first.kill()
    await user.wait_for_text("When suits you best?", timeout=1)
    assert "bot_stopped" in first.output
    assert not database.with_name(database.name + "-wal").exists(), "not closed cleanly"
    answers = _answers(database)
    assert answers.keys() >= {"name", "baby_birth_date"}

    second = await BotProcess(env).start()
    try:
        await second.wait_for_line("bot_started")
        await user.press("Morning")
        await user.wait_for_text("All set, Olena!")
        second.terminate()
        assert await second.wait() == 0, second.output
    finally:
        await second.kill()
    conn = sqlite3.connect(database)
    try:
        row = conn.execute("SELECT name, checkin_time FROM mothers WHERE chat_id = 4242").fetchone()
    finally:
        conn.close()
    assert row == ("Olena", "09:00")


class HeldTransport:
    """Delivers only when released, so the test can stop the worker mid-attempt."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.delivered: list[Outgoing] = []

    async def deliver(self, message: Outgoing) -> int | None:
        self.started.set()
        await self.release.wait()
        self.delivered.append(message)
        return len(self.delivered)


async def test_stop_lets_the_outbox_attempt_in_progress_finish(services: Services) -> None:
    sender = Author(chat_id=501, user_id=501, first_name="Olena", language_code="en")
    async with services.db.transaction() as conn:
        mother = await mothers.create(conn, sender.chat_id, "en", utcnow())
        await mothers.update(conn, mother.id, utcnow(), consent="given")
    replies = await Conversation(services).handle(
        Incoming(sender, "text", text="I want to die", update_id=1)
    )
    await fast_path_delivered(services, replies)  # as the runtime's sender does
    transport = HeldTransport()
    stop = asyncio.Event()
    worker = asyncio.create_task(OutboxWorker(services, transport).run_forever(stop))
    await asyncio.wait_for(transport.started.wait(), 5)
    stop.set()
    transport.release.set()
    await asyncio.wait_for(worker, 5)
    row = await services.db.fetchone("SELECT status FROM outbox WHERE kind = 'staff_alert'")
    assert row is not None and row["status"] == "sent"
    assert len(transport.delivered) == 1

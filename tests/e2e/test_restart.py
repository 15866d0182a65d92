"""``kill -9`` mid-flow and mid-alert: the real ``main.py run`` process restarts where it was."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, STAFF_CHAT
from tests.fakeapi import FakeBotApi

pytestmark = pytest.mark.slow


class BotProcess:
    def __init__(self, api: FakeBotApi, database: Path) -> None:
        self.api = api
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "DATABASE_PATH": str(database),
            "STAFF_CHAT_ID": str(STAFF_CHAT),
            "QUIET_HOURS": "",
            "CONFIG_FILE": str(database.parent / "absent.yaml"),
        }
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "main.py",
            "run",
            cwd=ROOT,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await self.api.wait_for(lambda: self.api.poll_waiting, timeout=30)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


@pytest.fixture
async def bot_process(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(api, tmp_path / "data" / "bot.sqlite3")
    yield process
    await process.stop()


async def test_kill_9_mid_flow_resumes_with_answers_intact(
    api: FakeBotApi, bot_process: BotProcess, tmp_path: Path
) -> None:
    await bot_process.start()
    user = api.user(4001, "Marta", language_code="en")
    await user.send("/start")
    await user.wait_for_text("Which language", timeout=10)
    await user.press("English")
    await user.wait_for_text("Do you agree?")
    await user.press("Yes, I agree")
    await user.wait_for_text("call you")
    await user.send("Marta")
    await user.wait_for_text("When was your baby born?")
    await bot_process.kill()

    await bot_process.start()
    await user.send("01.11.2026")
    await user.wait_for_text("When suits you best?", timeout=10)
    await user.press("Evening")
    await user.wait_for_text("All set, Marta!")
    await bot_process.stop()
    with sqlite3.connect(tmp_path / "data" / "bot.sqlite3") as db:
        answers = dict(db.execute("SELECT key, value FROM answers WHERE flow = 'onboarding'"))
    assert answers["name"] == '"Marta"'
    assert answers["baby_birth_date"] == '"2026-11-01"'
    assert answers["checkin_time"] == '"20:00"'


async def test_kill_9_between_answer_and_alert_loses_nothing(
    api: FakeBotApi, bot_process: BotProcess
) -> None:
    await bot_process.start()
    user = api.user(4002, "Marta", language_code="en")
    await user.send("/start")
    await user.wait_for_text("Which language", timeout=10)
    await user.press("English")
    await user.wait_for_text("Do you agree?")
    await user.press("Yes, I agree")
    await user.wait_for_text("call you")
    api.delay("sendMessage", 60, times=1, chat_id=STAFF_CHAT)
    await user.send("I want to end my life")
    await user.wait_for_text("7333")
    await bot_process.kill()
    api.clear_faults()

    await bot_process.start()
    alert = await api.wait_for(
        lambda: next((m for m in api.sent_to(STAFF_CHAT) if "URGENT" in (m.text or "")), None),
        timeout=15,
    )
    assert "I want to end my life" in (alert.text or "")
    await user.wait_for_text("care team has your message", timeout=10)
    urgent = [m for m in api.sent_to(STAFF_CHAT) if "URGENT" in (m.text or "") and not m.edited]
    assert len(urgent) == 1

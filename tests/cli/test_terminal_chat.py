"""The terminal chat prints each message once (a chart's caption under its file line), runs the
scheduler (her daily check-in prints when its minute comes) and prints staff alerts, marked."""

from __future__ import annotations

import asyncio
import io
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.services import Services
from bot.terminal import chat as terminal
from tests.e2e.conftest import eventually

LINES = "/start\n2\n1\nOlena\n01.11.2026\n1\n/checkin\n1\n1\n1\n1\n1\n1\n/mood\n"
ONBOARDING = "/start\n2\n1\nOlena\n21.10.2026\n09:17\n"  # English, agree, name, birth, time
KYIV = ZoneInfo("Europe/Kyiv")
PROMPT = "How are you feeling today?"


async def test_mood_caption_is_printed_once(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(terminal, "FILES_DIR", tmp_path / "files")
    out = io.StringIO()
    await terminal.run_chat(services, io.StringIO(LINES), out)
    printed = out.getvalue()
    after_chart = printed[printed.index("[file saved:") :]
    caption = "Good days this week: 1."
    assert printed.count(caption) == 1 and caption in after_chart
    assert list((tmp_path / "files").glob("chart-*.png"))


async def shows(out: io.StringIO, text: str) -> bool:
    return text in out.getvalue()


async def test_the_daily_checkin_prints_when_her_minute_comes(services: Services) -> None:
    """She chose 09:17 in the chat; nothing at 09:16, the check-in's question at 09:17, with
    its buttons numbered so she can answer by typing one."""
    read_end, write_end = os.pipe()
    out = io.StringIO()
    stdin = open(read_end, encoding="utf-8")  # noqa: SIM115, ASYNC230 - a pipe, read in a thread
    with time_machine.travel(datetime(2026, 11, 20, 9, 16, tzinfo=KYIV), tick=False) as clock:
        chat = asyncio.create_task(terminal.run_chat(services, stdin, out, tick_seconds=0.01))
        try:
            os.write(write_end, ONBOARDING.encode())
            await eventually(lambda: shows(out, "All set, Olena!"))

            async def planned() -> bool:
                row = await services.db.fetchone(
                    "SELECT next_checkin_at FROM mothers WHERE chat_id = ?",
                    (terminal.LOCAL_CHAT_ID,),
                )
                return row is not None and row[0] == "2026-11-20T07:17:00.000000Z"

            await eventually(planned)  # the scheduler has planned her minute: 09:17 in Kyiv
            assert PROMPT not in out.getvalue()

            clock.move_to(datetime(2026, 11, 20, 9, 17, tzinfo=KYIV))
            await eventually(lambda: shows(out, PROMPT))
        finally:
            os.close(write_end)  # end of input: the chat stops (its reader is not left blocked)
            await asyncio.wait_for(chat, 15)
            stdin.close()
    prompt = out.getvalue()[out.getvalue().index(PROMPT) :]
    assert "[1] 😊 Good" in prompt and "[5] 😞 Very low" in prompt


async def test_a_staff_alert_prints_marked_after_the_crisis_reply(services: Services) -> None:
    out = io.StringIO()
    lines = "/start\n2\n1\nOlena\n21.10.2026\n1\nI can't do this anymore, I want to die\n"
    await terminal.run_chat(services, io.StringIO(lines), out)
    printed = out.getvalue()
    reply_at = printed.index("bot> Thank you for telling me — that took courage.")
    alert_at = printed.index("┌─ STAFF ALERT (clinic staff chat) ─")
    assert reply_at < alert_at
    assert "I want to die" in printed[alert_at:]

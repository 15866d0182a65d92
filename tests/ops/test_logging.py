"""Logs carry events and pseudonyms only: no message text, names, usernames, answers or token.

The end-to-end test sends a unique marker as a mother's name, username, answer and crisis
message through the real Application, the fake Bot API, a flow, an alert and the staff chat,
with every logger — PTB, httpx and aiosqlite included — turned up to DEBUG, and checks that
the marker reached the raw log records (so there was something to leak) but none of the output.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.config import Config
from bot.logs import PrivacyFilter, Redactor, setup_logging
from bot.services import Catalog
from tests.conftest import STAFF_CHAT
from tests.fakeapi import FakeBotApi
from tests.harness import BotProcess, InProcessBot, onboard, process_env
from tests.ops.conftest import TOKEN

MARKER = "Qx7Marker"


class RawRecords(logging.Handler):
    """Every record as its library wrote it, before our filter: proof the marker was there."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.mark.slow
async def test_a_marker_sent_through_the_whole_stack_is_never_logged(
    config: Config, catalog: Catalog, logging_restored: None
) -> None:
    out = io.StringIO()
    setup_logging("DEBUG", "kv", (TOKEN,), stream=out)
    raw = RawRecords()
    for name in ("telegram", "httpx", "aiosqlite"):
        logging.getLogger(name).setLevel(logging.DEBUG)
        logging.getLogger(name).addHandler(raw)
    try:
        async with FakeBotApi(TOKEN) as api:
            bot = InProcessBot(replace(config, token=TOKEN, api_base_url=api.base_url), catalog)
            await bot.start()
            try:
                await _conversation(api)
            finally:
                await bot.stop()
    finally:
        for name in ("telegram", "httpx", "aiosqlite"):
            logging.getLogger(name).removeHandler(raw)
    output = out.getvalue()
    assert "event=bot_started" in output and "event=bot_stopped" in output
    assert any(MARKER in message for message in raw.messages)
    assert MARKER not in output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output


async def _conversation(api: FakeBotApi) -> None:
    staff_group = api.group(STAFF_CHAT, "Clinic staff")
    nurse = staff_group.member(9001, f"Nurse{MARKER}", username=f"nurse{MARKER}")
    mother = api.user(
        4343,
        f"Olena{MARKER}",
        last_name=f"K{MARKER}",
        username=f"olena{MARKER}",
        language_code="en",
    )
    await onboard(mother, f"Name{MARKER}")
    await mother.send((date.today() - timedelta(days=30)).strftime("%d.%m.%Y"))
    await mother.wait_for_text("When suits you best?")
    await mother.press("Evening")
    await mother.wait_for_text("All set")
    await mother.send(f"I want to die {MARKER}")
    await staff_group.wait_for_text(MARKER, timeout=10)
    await mother.wait_for_text("care team", timeout=10)
    await nurse.press("Acknowledge")
    await nurse.send("/alerts")
    await staff_group.wait_for_text("Alert #", timeout=10)


def test_exceptions_are_logged_as_type_and_place_never_their_message(
    logging_restored: None,
) -> None:
    out = io.StringIO()
    setup_logging("INFO", "kv", (TOKEN,), stream=out)
    log = logging.getLogger("poruch.test")
    try:
        raise ValueError(f"time data '{MARKER}' does not match; url /bot{TOKEN}/getMe")
    except ValueError:
        log.exception("answer_failed mother=m-abc")
    line = out.getvalue()
    assert line.count("\n") == 1
    assert "event=answer_failed mother=m-abc error=ValueError where=test_logging.py:" in line
    assert MARKER not in line and TOKEN not in line


def test_the_token_is_redacted_from_any_message(logging_restored: None) -> None:
    out = io.StringIO()
    setup_logging("DEBUG", "kv", (TOKEN,), stream=out)
    logging.getLogger("poruch.test").warning("calling https://api.telegram.org/bot%s/x", TOKEN)
    other = "123456789:AAFsomeOtherBotTokenThatLooksReal_123"
    logging.getLogger("telegram.ext").error("Invalid token %s", other)
    text = out.getvalue()
    assert TOKEN not in text and other not in text
    assert text.count("[redacted]") == 2


def test_library_chatter_below_warning_is_dropped() -> None:
    keep = PrivacyFilter(Redactor())
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "HTTP Request", None, None)
    assert not keep.filter(record)
    record = logging.LogRecord("httpx", logging.WARNING, __file__, 1, "retrying", None, None)
    assert keep.filter(record)
    record = logging.LogRecord("poruch.x", logging.DEBUG, __file__, 1, "tick n=%d", (3,), None)
    assert keep.filter(record) and record.getMessage() == "tick n=3"


def test_json_lines(logging_restored: None) -> None:
    out = io.StringIO()
    setup_logging("INFO", "json", stream=out)
    logging.getLogger("poruch.outbox").warning("staff_chat_unreachable pending_item=7")
    logging.getLogger("telegram.ext").error("Something happened in PTB")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["event"] == "staff_chat_unreachable" and first["pending_item"] == "7"
    assert first["level"] == "warning" and first["logger"] == "poruch.outbox"
    assert second["message"] == "Something happened in PTB"


def test_level_is_configurable(logging_restored: None) -> None:
    out = io.StringIO()
    setup_logging("WARNING", stream=out)
    logging.getLogger("poruch.x").info("hidden")
    logging.getLogger("poruch.x").warning("shown")
    assert "hidden" not in out.getvalue() and "event=shown" in out.getvalue()


@pytest.mark.slow
async def test_a_rejected_token_is_not_in_the_crash_report(tmp_path: Path) -> None:
    """PTB's InvalidToken quotes the token; ``main.py run`` must report it without."""
    async with FakeBotApi("7000000002:the-only-token-the-server-accepts-000") as api:
        env = process_env(api, tmp_path / "data" / "bot.sqlite3", LOG_LEVEL="DEBUG")
        env["TELEGRAM_BOT_TOKEN"] = TOKEN
        bot = await BotProcess(env).start()
        try:
            code = await bot.wait()
        finally:
            await bot.kill()
    assert code == 1
    assert "event=bot_crashed error=InvalidToken" in bot.output
    assert TOKEN not in bot.output and TOKEN.split(":")[1] not in bot.output
    assert "Traceback" not in bot.output

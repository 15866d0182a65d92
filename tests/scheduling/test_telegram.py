"""The scheduler inside the running bot, over HTTP to the fake Bot API: a due prompt arrives,
and a 403 ("bot was blocked by the user") marks her inactive so her schedule stops."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from bot.clock import iso, utcnow
from bot.config import Config
from bot.services import Catalog, Services
from bot.storage import mothers
from bot.telegram.app import run_polling
from tests.fakeapi import FakeBotApi


async def status_of(services: Services, chat_id: int) -> tuple[str, str | None]:
    row = await services.db.fetchone(
        "SELECT status, next_checkin_at FROM mothers WHERE chat_id = ?", (chat_id,)
    )
    assert row is not None
    return row[0], row[1]


async def test_prompt_over_http_and_blocked_mother_goes_inactive(
    config: Config, catalog: Catalog
) -> None:
    async with FakeBotApi() as api:
        services = await Services.start(
            replace(config, token=api.token, api_base_url=api.base_url), catalog
        )
        now = utcnow()
        async with services.db.transaction() as conn:
            for chat_id in (3001, 3002):
                await mothers.create(
                    conn, chat_id, "en", now, consent="given", checkin_time="09:00"
                )
            await conn.execute(
                "UPDATE mothers SET next_checkin_at = ?", (iso(now - timedelta(seconds=5)),)
            )
        her = api.user(3001, started=True)
        api.user(3002, started=True)
        api.block(3002, notify=False)
        stop = asyncio.Event()
        task = asyncio.create_task(run_polling(services, stop))
        try:
            prompt = await her.wait_reply(timeout=20)
            if not prompt.buttons:  # a snippet day: the short read comes first
                assert "Something short to read today" in prompt.text
                prompt = await her.wait_reply(timeout=20)
            assert prompt.buttons, "the check-in's first question, with its buttons"
            for _ in range(200):
                if (await status_of(services, 3002))[0] == "inactive":
                    break
                await asyncio.sleep(0.05)
            assert await status_of(services, 3002) == ("inactive", None)
        finally:
            stop.set()
            await task
            await services.close()

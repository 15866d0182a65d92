"""What the running bot leaves for ``status``: the last Telegram contact and the groups it is in."""

from __future__ import annotations

import pytest

from bot.config import Config
from bot.ops.status import collect, render
from bot.services import Catalog, Services
from bot.storage import kv
from bot.telegram.heartbeat import LAST_OK_KEY, Heartbeat
from tests.fakeapi import FakeBotApi
from tests.harness import InProcessBot

GROUP = -1002003004005


@pytest.mark.slow
async def test_status_shows_the_contact_time_and_the_group_to_configure(
    bot_config: Config, catalog: Catalog, api: FakeBotApi
) -> None:
    bot = InProcessBot(bot_config, catalog)
    await bot.start()
    try:
        await api.wait_for(lambda: api.poll_waiting, timeout=10)
        group = api.group(GROUP, "Clinic staff (new)")
        await group.member(9001, "Nurse").send("/alerts")
        await api.wait_confirmed()
    finally:
        await bot.stop()
    status = collect(bot_config)
    assert status.last_telegram_ok is not None
    assert status.groups[GROUP]["title"] == "Clinic staff (new)"
    text = "\n".join(render(status))
    assert f'group seen:              {GROUP} supergroup "Clinic staff (new)"' in text


async def test_only_successful_calls_count(services: Services, api: FakeBotApi) -> None:
    heartbeat = Heartbeat(services.db, write_every=0)
    request = heartbeat.request(connection_pool_size=1)
    await request.initialize()
    try:
        await request.do_request(f"{api.base_url}{api.token}/noSuchMethod", "POST")
        assert heartbeat.last_ok is None
        await request.do_request(f"{api.base_url}{api.token}/getMe", "POST")
        assert heartbeat.last_ok is not None
    finally:
        await request.shutdown()
    assert await kv.get(services.db, LAST_OK_KEY) == heartbeat.last_ok

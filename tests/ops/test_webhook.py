"""Webhook mode over real HTTP: without the right secret a request gets 403 and is never
processed; with it the update is handled like a polled one. Delivered the way Telegram
delivers (the fake's webhook, through a stand-in for the reverse proxy), an update is
acknowledged only once its turn is done, a failed turn is sent again, group updates still
reach the group tracker, and stopping leaves the webhook set for the other workers."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import datetime
from typing import Any

import aiohttp
import pytest

from bot.config import Config
from bot.conversation.messages import Incoming, Outgoing
from bot.conversation.service import Conversation
from bot.services import Catalog, Services
from bot.storage import kv
from bot.telegram.groups import PREFIX
from bot.telegram.webhook import SECRET_KEY, url_path, webhook_secret
from tests.conftest import STAFF_CHAT
from tests.fakeapi import FakeBotApi
from tests.harness import InProcessBot
from tests.ops.conftest import free_port

SECRET = "test-secret_0123456789"
PUBLIC_URL = "https://bot.example.org/poruch/telegram"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def start_update(update_id: int, user_id: int) -> dict[str, Any]:
    """The JSON Telegram posts for a private ``/start``."""
    person = {"id": user_id, "is_bot": False, "first_name": "Olena", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Olena"},
            "from": person,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def _post(
    session: aiohttp.ClientSession, url: str, body: dict[str, Any], secret: str | None
) -> int:
    headers = {HEADER: secret} if secret is not None else {}
    async with session.post(url, json=body, headers=headers) as response:
        return response.status


async def _wait_listening(port: int) -> None:
    """The webhook server starts right after setWebhook; wait until it accepts connections."""
    async with asyncio.timeout(10):
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.02)
                continue
            writer.close()
            await writer.wait_closed()
            return


@pytest.fixture
def webhook_config(bot_config: Config) -> Config:
    return replace(
        bot_config,
        webhook_url=PUBLIC_URL,
        webhook_listen="127.0.0.1",
        webhook_port=free_port(),
        webhook_secret=SECRET,
    )


async def test_requests_without_the_secret_get_403_and_are_not_processed(
    webhook_config: Config, catalog: Catalog, api: FakeBotApi
) -> None:
    intruder, mother = api.user(3001, started=True), api.user(3002, started=True)
    bot = InProcessBot(webhook_config, catalog)
    services = await bot.start()
    try:
        await api.wait_for(lambda: api.webhook.get("url"), timeout=10)
        assert api.webhook["url"] == PUBLIC_URL
        assert api.webhook["secret_token"] == SECRET
        await _wait_listening(webhook_config.webhook_port)
        local = f"http://127.0.0.1:{webhook_config.webhook_port}/poruch/telegram"
        async with aiohttp.ClientSession() as session:
            assert await _post(session, local, start_update(1, intruder.id), None) == 403
            assert await _post(session, local, start_update(2, intruder.id), "wrong") == 403
            assert await _post(session, local, start_update(3, mother.id), SECRET) == 200
        await mother.wait_for_text("Which language")
        # Updates are handled in order, so the forbidden ones would have been answered by now.
        assert api.sent_to(intruder.id) == []
        rows = await services.db.fetchall("SELECT update_id FROM processed_updates")
        assert [row["update_id"] for row in rows] == [3]
        assert api.count_of("getUpdates") == 0
    finally:
        await bot.stop()


async def test_a_generated_secret_is_kept_across_restarts(services: Services) -> None:
    assert services.config.webhook_secret is None
    first = await webhook_secret(services)
    assert first == await webhook_secret(services)
    assert 32 <= len(first) <= 256 and first.replace("-", "").replace("_", "").isalnum()
    row = await services.db.fetchone("SELECT value FROM kv WHERE key = ?", (SECRET_KEY,))
    assert row is not None and row["value"] == first


def test_the_public_path_is_the_served_path() -> None:
    assert url_path(PUBLIC_URL) == "poruch/telegram"
    assert url_path("https://bot.example.org") == ""


async def _started_behind_proxy(bot: InProcessBot, api: FakeBotApi, port: int) -> Services:
    """The bot in webhook mode, Telegram's deliveries forwarded to its port."""
    services = await bot.start()
    await api.wait_for(lambda: api.webhook.get("url"), timeout=10)
    await _wait_listening(port)
    api.forward_webhook(f"http://127.0.0.1:{port}")
    return services


async def test_updates_telegram_delivers_are_acknowledged_after_their_turn(
    webhook_config: Config, catalog: Catalog, api: FakeBotApi
) -> None:
    mother = api.user(3003, "Olena", language_code="en")
    staff = api.group(STAFF_CHAT, "Clinic care team").member(3100, "Iryna")
    bot = InProcessBot(webhook_config, catalog)
    services = await _started_behind_proxy(bot, api, webhook_config.webhook_port)
    try:
        sent = await mother.send("/start")
        await mother.wait_for_text("Which language", timeout=10)
        await api.wait_confirmed(sent.update_id, timeout=10)
        in_group = await staff.send("/alerts")
        await api.wait_confirmed(in_group.update_id, timeout=10)
        # The group tracker ran for the group update although PTB's handlers did not.
        assert await kv.get(services.db, f"{PREFIX}{STAFF_CHAT}") is not None
        assert [a.status for a in api.webhook_attempts] == [200, 200]
        assert api.count_of("getUpdates") == 0
    finally:
        await bot.stop()
    assert api.count_of("deleteWebhook") == 0
    assert api.webhook["url"] == PUBLIC_URL


async def test_a_failed_turn_answers_500_and_is_handled_when_sent_again(
    webhook_config: Config, catalog: Catalog, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle = Conversation.handle
    failures: list[int] = []

    async def fail_once(
        self: Conversation, incoming: Incoming, now: datetime | None = None
    ) -> list[Outgoing]:
        if not failures and incoming.update_id is not None:
            failures.append(incoming.update_id)
            raise RuntimeError("the database went away")
        return await handle(self, incoming, now)

    monkeypatch.setattr(Conversation, "handle", fail_once)
    mother = api.user(3004, "Olena", language_code="en")
    bot = InProcessBot(webhook_config, catalog)
    services = await _started_behind_proxy(bot, api, webhook_config.webhook_port)
    try:
        sent = await mother.send("/start")
        await mother.wait_for_text("Which language", timeout=10)
        await api.wait_confirmed(sent.update_id, timeout=10)
        rows = await services.db.fetchall("SELECT update_id FROM processed_updates")
    finally:
        await bot.stop()
    assert failures == [sent.update_id]
    assert [a.status for a in api.webhook_attempts] == [500, 200]
    assert [row["update_id"] for row in rows] == [sent.update_id]
    assert len([m for m in api.sent_to(mother.id) if "Which language" in m.text]) == 1

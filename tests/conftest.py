"""Shared fixtures: the real validated catalog (loaded once) and a fresh database per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Config
from bot.runtime import load_catalog
from bot.services import Catalog, Services
from tests.fakeapi import FakeBotApi

ROOT = Path(__file__).resolve().parents[1]
STAFF_CHAT = -1001


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(Config(dialogs_dir=ROOT / "dialogs", content_dir=ROOT / "content"))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(
        database_path=tmp_path / "data" / "bot.sqlite3",
        staff_chat_id=STAFF_CHAT,
        dialogs_dir=ROOT / "dialogs",
        content_dir=ROOT / "content",
        quiet_hours=None,
    )


@pytest.fixture
async def services(config: Config, catalog: Catalog) -> AsyncIterator[Services]:
    started = await Services.start(config, catalog)
    yield started
    await started.close()


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A fake Bot API on 127.0.0.1, with the clinic's staff group already in it."""
    async with FakeBotApi() as fake:
        fake.group(STAFF_CHAT, "Clinic care team")
        yield fake


@pytest.fixture
def bot_config(config: Config, api: FakeBotApi) -> Config:
    return replace(config, token=api.token, api_base_url=api.base_url)


def with_config(services: Services, **changes: object) -> Services:
    """A copy of the services with some configuration changed (same database)."""
    return replace(services, config=replace(services.config, **changes))

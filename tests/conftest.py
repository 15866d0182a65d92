"""Shared fixtures: the real validated catalog (loaded once) and a fresh database per test."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.config import Config
from bot.runtime import load_catalog
from bot.services import Catalog, Services
from bot.storage.postgres import PgStore
from tests.fakeapi import FakeBotApi
from tests.pgserver import (
    PgServer,
    create_database,
    drop_database,
    fresh_database,
    with_database,
)

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[1]
STAFF_CHAT = -1001
BACKENDS = ("sqlite", "postgres")


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(Config(dialogs_dir=ROOT / "dialogs", content_dir=ROOT / "content"))


@pytest.fixture
def backend() -> str:
    """The database ``config`` points at. SQLite here; a suite that runs on both backends
    overrides this fixture with ``params=BACKENDS`` (test ids ``[sqlite]``, ``[postgres]``)."""
    return "sqlite"


@pytest.fixture
def config(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Config:
    """The PostgreSQL server is asked for only when the backend is PostgreSQL, so a SQLite
    run starts none."""
    url: str | None = request.getfixturevalue("pg_url") if backend == "postgres" else None
    return Config(
        database_path=tmp_path / "data" / "bot.sqlite3",
        database_url=url,
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


def _on_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Session fixtures are synchronous: their few async steps run on a private loop in a
    worker thread, never on (or in place of) the loop pytest-asyncio gives each test."""
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A PostgreSQL server for the whole run, as its superuser: ``POSTGRES_TEST_URL`` when set,
    else a throwaway cluster (about a second to start). Missing server programs fail the
    PostgreSQL tests with what to install; they are never skipped."""
    external = os.environ.get("POSTGRES_TEST_URL", "").strip()
    if external:
        yield external
        return
    server = PgServer.start()
    try:
        yield server.url()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_admin_url: str) -> Iterator[str]:
    """A database migrated once, which each test's database is copied from."""
    name = f"poruch_template_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        await create_database(pg_admin_url, name)
        store = await PgStore.open(with_database(pg_admin_url, name))
        await store.close()

    _on_own_loop(create())
    yield name
    _on_own_loop(drop_database(pg_admin_url, name))


@pytest.fixture
async def pg_url(pg_admin_url: str, pg_template: str) -> AsyncIterator[str]:
    """A database of its own for one test, already at the latest schema."""
    async with fresh_database(pg_admin_url, pg_template) as url:
        yield url


@pytest.fixture
async def pg_empty_url(pg_admin_url: str) -> AsyncIterator[str]:
    """A database of its own for one test, with no schema at all."""
    async with fresh_database(pg_admin_url) as url:
        yield url

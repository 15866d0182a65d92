"""Helpers for the operations tests: the bot in this event loop, or as a real ``main.py`` process.

The process helper reads the child's standard error line by line, so tests wait for real events
("bot_started", the exit) with timeouts instead of sleeping.
"""

# Waiting helpers take ``timeout=`` like the fake Bot API's, so tests read the same way.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Config
from bot.services import Catalog, Services
from bot.telegram.app import run_bot
from tests.conftest import ROOT, STAFF_CHAT
from tests.fakeapi import FakeBotApi, FakeUser

TOKEN = "7000000001:AAH-unique-test-token-0123456789abcdefXYZ"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """``setup_logging`` rewires the root logger; put pytest's handlers and levels back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    names = list(logging.root.manager.loggerDict)
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


@pytest.fixture
def bot_config(config: Config, api: FakeBotApi) -> Config:
    return replace(config, token=api.token, api_base_url=api.base_url)


class InProcessBot:
    """``run_bot`` in this event loop, as ``main.py run`` would run it."""

    def __init__(self, config: Config, catalog: Catalog) -> None:
        self.config = config
        self.catalog = catalog
        self.stop_event = asyncio.Event()
        self.services: Services | None = None
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> Services:
        self.services = await Services.start(self.config, self.catalog)
        self.task = asyncio.create_task(run_bot(self.services, self.stop_event))
        return self.services

    async def stop(self) -> None:
        self.stop_event.set()
        if self.task is not None:
            await asyncio.wait_for(self.task, 15)
        if self.services is not None:
            await self.services.close()


async def onboard(user: FakeUser, name: str) -> None:
    """/start in English, consent, and answer the name question with ``name``."""
    await user.send("/start")
    await user.wait_for_text("Which language", timeout=10)
    await user.press("English")
    await user.wait_for_text("Do you agree?")
    await user.press("Yes, I agree")
    await user.wait_for_text("call you")
    await user.send(name)
    await user.wait_for_text("When was your baby born?")


def process_env(api: FakeBotApi, database: Path, **extra: str) -> dict[str, str]:
    """A clean environment for ``main.py run`` against the fake Bot API."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env.update(
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_API_BASE_URL=api.base_url,
        DATABASE_PATH=str(database),
        STAFF_CHAT_ID=str(STAFF_CHAT),
        QUIET_HOURS="",
        CONFIG_FILE=str(database.parent / "no-config.yaml"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class BotProcess:
    """``python main.py <command>`` as a child process, its output collected line by line."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.env = env
        self.args = args or ("run",)
        self.lines: list[str] = []
        self.proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def start(self) -> BotProcess:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "main.py",
            *self.args,
            cwd=ROOT,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        async for raw in self.proc.stdout:
            self.lines.append(raw.decode(errors="replace"))
            self._changed.set()
        self._changed.set()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    async def wait_for_line(self, needle: str, timeout: float = 20) -> None:
        async with asyncio.timeout(timeout):
            while not any(needle in line for line in self.lines):
                if self._reader is not None and self._reader.done():
                    raise AssertionError(f"process ended without {needle!r}:\n{self.output}")
                self._changed.clear()
                await self._changed.wait()

    def terminate(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)

    async def wait(self, timeout: float = 20) -> int:
        assert self.proc is not None and self._reader is not None
        try:
            async with asyncio.timeout(timeout):
                code = await self.proc.wait()
                await self._reader
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise
        return code

    async def kill(self) -> None:
        """Clean up a child that a failed test left running."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        if self._reader is not None:
            await self._reader

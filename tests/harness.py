"""The bot under test, in this event loop or as a real ``main.py`` child process, and the
first steps every scenario shares. Used by the end-to-end and operations tests."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.config import Config
from bot.services import Catalog, Services
from bot.telegram.app import run_bot
from tests.conftest import ROOT, STAFF_CHAT
from tests.fakeapi import FakeBotApi, FakeUser


class InProcessBot:
    """``run_bot`` in this event loop, as ``main.py run`` would run it."""

    def __init__(self, config: Config, catalog: Catalog, api: FakeBotApi | None = None) -> None:
        self.config = config
        self.catalog = catalog
        self.api = api
        self.stop_event = asyncio.Event()
        self.services: Services | None = None
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> Services:
        """Start, and with ``api`` given wait until the first long poll is parked."""
        self.services = await Services.start(self.config, self.catalog)
        self.stop_event = asyncio.Event()
        self.task = asyncio.create_task(run_bot(self.services, self.stop_event))
        if self.api is not None:
            api = self.api
            await api.wait_for(lambda: api.poll_waiting, timeout=10)
        return self.services

    async def stop(self) -> None:
        self.stop_event.set()
        if self.task is not None:
            await asyncio.wait_for(self.task, 15)
        if self.services is not None:
            await self.services.close()
        self.services = None


async def at_consent(user: FakeUser) -> None:
    """/start in English, up to the consent question."""
    await user.send("/start")
    await user.wait_for_text("Which language", timeout=10)
    await user.press("English")
    await user.wait_for_text("Do you agree?")


async def at_name(user: FakeUser) -> None:
    """/start in English, consent, up to the name question (a free-text question)."""
    await at_consent(user)
    await user.press("Yes, I agree")
    await user.wait_for_text("call you")


async def onboard(user: FakeUser, name: str) -> None:
    """/start in English, consent, and answer the name question with ``name``."""
    await at_name(user)
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

    async def wait_for_line(self, needle: str, within: float = 20) -> None:
        async with asyncio.timeout(within):
            while not any(needle in line for line in self.lines):
                if self._reader is not None and self._reader.done():
                    raise AssertionError(f"process ended without {needle!r}:\n{self.output}")
                self._changed.clear()
                await self._changed.wait()

    def terminate(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)

    async def wait(self, within: float = 20) -> int:
        assert self.proc is not None and self._reader is not None
        try:
            async with asyncio.timeout(within):
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

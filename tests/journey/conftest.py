"""Journey tests drive ``Conversation.handle`` directly: real catalog, real database in tmp_path.

``Chat`` plays one mother: it sends commands, texts and button presses the way the adapters
would, keeps the latest buttons, and advances a fake clock so every message has its own time.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.conversation.messages import Author, Button, ButtonRef, Incoming, Outgoing
from bot.conversation.service import Conversation
from bot.services import Services
from tests.conftest import BACKENDS

START = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)  # 09:00 in Kyiv
LANGS = ("en", "uk")
_update_ids = itertools.count(1)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Every test here that touches the database runs on SQLite and on PostgreSQL."""
    return str(request.param)


@dataclass
class Chat:
    conversation: Conversation
    chat_id: int = 5_123_456_789_012
    language_code: str = "uk"
    first_name: str = "Olenka"
    username: str = "olenka_test"
    now: datetime = START
    buttons: list[Button] = field(default_factory=list)
    last: list[Outgoing] = field(default_factory=list)

    @property
    def sender(self) -> Author:
        return Author(
            self.chat_id, self.chat_id, self.first_name, self.username, self.language_code
        )

    async def send(self, kind: Any, **fields: Any) -> list[Outgoing]:
        self.now += timedelta(seconds=30)
        incoming = Incoming(self.sender, kind, update_id=next(_update_ids), **fields)
        self.last = await self.conversation.handle(incoming, self.now)
        with_buttons = [m for m in self.last if m.buttons]
        if with_buttons:
            self.buttons = [b for row in with_buttons[-1].buttons for b in row]
        return self.last

    async def command(self, name: str, args: str = "") -> list[Outgoing]:
        return await self.send("command", text=f"/{name}", command=name, args=args)

    async def text(self, text: str) -> list[Outgoing]:
        return await self.send("text", text=text)

    async def press(self, label: str) -> list[Outgoing]:
        """Press the latest button whose label contains ``label``."""
        found = [b for b in self.buttons if label in b.label]
        assert found, f"no button {label!r} in {[b.label for b in self.buttons]}"
        return await self.send("button", button=found[0].ref)

    async def press_index(self, index: int) -> list[Outgoing]:
        return await self.send("button", button=self.buttons[index].ref)

    async def press_action(self, action: str) -> list[Outgoing]:
        return await self.send("button", button=ButtonRef.menu(action))

    def said(self) -> str:
        return "\n---\n".join(m.text for m in self.last)

    def labels(self) -> list[str]:
        return [b.label for b in self.buttons]

    async def onboard(self, lang: str, name: str | None = "Olenka") -> None:
        """Complete /start in ``lang``: consent, name, birth date, check-in time."""
        await self.command("start")
        await self.press("English" if lang == "en" else "Українська")
        await self.press_index(0)  # the consent question: agree
        await (self.text(name) if name else self.press_index(0))
        await self.text("01.02.2026")
        await self.press("09:00")
        assert "/checkin" in self.said()


@pytest.fixture
async def conversation(services: Services) -> AsyncIterator[Conversation]:
    yield Conversation(services)


@pytest.fixture
def chat(conversation: Conversation) -> Chat:
    return Chat(conversation)


async def rows(services: Services, sql: str, *params: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in await services.db.fetchall(sql, params)]

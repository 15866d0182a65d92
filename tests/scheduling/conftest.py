"""The bot's runtime on a controlled clock: ``harness.run(at)`` is one tick at ``at``, then the
sender drains on a virtual clock, so a day of prompts takes milliseconds and nothing sleeps."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import iso
from bot.config import Config, QuietHours
from bot.conversation.messages import Outgoing
from bot.conversation.service import Conversation
from bot.delivery import RetryLater, Unreachable
from bot.pacing import VirtualClock
from bot.runtime import build_runtime
from bot.scheduling.planner import plan_unplanned
from bot.scheduling.scheduler import Scheduler, TickReport
from bot.sender import Sender
from bot.services import Catalog, Services
from bot.storage import mothers
from bot.storage.mothers import Mother

ZONE = "Europe/Kyiv"
QUIET = QuietHours(22 * 60, 8 * 60)


def utc(text: str) -> datetime:
    """``"2026-01-15 07:00"`` in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class RecordingTransport:
    """Delivers into a list; ``blocked`` chats answer 403, ``fail_429`` calls answer 429."""

    sent: list[Outgoing] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    fail_429: int = 0
    retry_after: float = 2.0

    async def deliver(self, message: Outgoing) -> int | None:
        if message.chat_id in self.blocked:
            raise Unreachable("forbidden: bot was blocked by the user")
        if self.fail_429 > 0:
            self.fail_429 -= 1
            raise RetryLater("429", self.retry_after)
        self.sent.append(message)
        return len(self.sent)


@dataclass
class Harness:
    services: Services
    transport: RecordingTransport
    now: datetime
    closed: bool = False
    conversation: Conversation = field(init=False)
    sender: Sender = field(init=False)
    scheduler: Scheduler = field(init=False)

    def __post_init__(self) -> None:
        runtime = build_runtime(
            self.services, self.transport, clock=lambda: self.now, pace=VirtualClock()
        )
        self.conversation = runtime.conversation
        self.sender = runtime.sender
        self.scheduler = runtime.scheduler

    async def close(self) -> None:
        """Stop as a crash would: nothing more is sent; what was committed stays."""
        await self.sender.close()
        await self.services.close()
        self.closed = True

    async def mother(
        self, chat_id: int, checkin_time: str | None = "09:00", **extra: Any
    ) -> Mother:
        """A consented mother, planned at once (the bot plans her within one tick)."""
        values = {"consent": "given", "checkin_time": checkin_time, "timezone": ZONE, **extra}
        async with self.services.db.transaction() as conn:
            created = await mothers.create(conn, chat_id, "en", self.now, **values)
        await plan_unplanned(self.services.db, self.services.config, self.now)
        return created

    async def run(self, at: datetime) -> list[Outgoing]:
        """One tick at ``at``; what was delivered because of it."""
        self.now = at
        mark = len(self.transport.sent)
        await self.scheduler.tick()
        assert await self.sender.drain(5)
        return self.transport.sent[mark:]

    async def claim_only(self, at: datetime) -> None:
        """The claim half of a tick: rows are written, nothing is handed to the sender."""
        self.now = at
        await self.scheduler._claim(at, 1000, TickReport())

    async def sends(self, chat_id: int) -> list[tuple[str, str, str, str | None]]:
        """(kind, local date, status, reason) of her ``sends`` rows, oldest first."""
        rows = await self.services.db.fetchall(
            "SELECT s.kind, s.local_date, s.status, s.reason FROM sends s"
            " JOIN mothers m ON m.id = s.mother_id WHERE m.chat_id = ? ORDER BY s.id",
            (chat_id,),
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]

    async def column(self, chat_id: int, name: str) -> Any:
        row = await self.services.db.fetchone(
            f"SELECT {name} FROM mothers WHERE chat_id = ?", (chat_id,)
        )
        return None if row is None else row[0]

    async def set_status(self, chat_id: int, status: str) -> None:
        async with self.services.db.transaction() as conn:
            mother = await mothers.by_chat(conn, chat_id)
            assert mother is not None
            await mothers.update(conn, mother.id, self.now, status=status)

    async def answer(self, chat_id: int, key: str, value: Any, at: datetime) -> None:
        """A check-in answer saved at ``at``, as the check-in flow would save it."""
        async with self.services.db.transaction() as conn:
            mother = await mothers.by_chat(conn, chat_id)
            assert mother is not None
            await conn.execute(
                "INSERT INTO answers (mother_id, flow, key, value, created_at)"
                " VALUES (?, 'checkin', ?, ?, ?)",
                (mother.id, key, json.dumps(value), iso(at)),
            )


MakeHarness = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def make_harness(config: Config, catalog: Catalog) -> AsyncIterator[MakeHarness]:
    opened: list[Harness] = []

    async def make(
        start: datetime,
        quiet: QuietHours | None = None,
        transport: RecordingTransport | None = None,
    ) -> Harness:
        services = await Services.start(replace(config, quiet_hours=quiet), catalog)
        harness = Harness(services, transport or RecordingTransport(), start)
        opened.append(harness)
        return harness

    yield make
    for harness in opened:
        if not harness.closed:
            await harness.close()


def kinds(sends: list[tuple[str, str, str, str | None]], status: str = "sent") -> list[str]:
    return [kind for kind, _day, state, _reason in sends if state == status]

"""Two worker processes on one PostgreSQL behind one webhook URL, and ``kill -9`` of the leader
in the middle of everything.

Why: several workers are only worth having if losing one costs nothing. So two real
``main.py run`` processes share one port (``SO_REUSEPORT``, what ``run --workers 2`` forks) and
one database, the fake Bot API delivers updates to them the way Telegram does (through the
stand-in for the reverse proxy), and while 300 mothers check in at once — one of them writing
a crisis message — and a wave of 2,000 daily prompts goes out, the worker holding the leader
lock is killed with SIGKILL. Then, from the fake's record and the database:

- every check-in answer is stored exactly once (none lost with the killed worker, none twice
  from Telegram sending an unanswered update again);
- the crisis made exactly one alert row, and the alert reached the staff chat;
- every prompt of the wave was sent; one the killed worker had handed to Telegram but not yet
  marked sent may go twice — at most as many as it had requests under way (``MAX_IN_FLIGHT``);
- the survivor took the leader lock within 10 s of the kill.

Pace: ``SEND_RATE_PER_SECOND`` is raised to 150 for this test (at the default 30, the 2,600
messages alone would take 90 s); the fake enforces no rate. The prompts the killed worker had
claimed wait for their claim lease (``CLAIM_LEASE``, 60 s) before the survivor sends them, and
that wait, not the sending, is most of this test's minute and a half.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import iso
from bot.scheduling.scheduler import CLAIM_LEASE, TICK_SECONDS
from bot.sender import MAX_IN_FLIGHT
from bot.storage import mothers, schedule
from bot.storage.open import open_store
from bot.storage.tx import Store
from tests.conftest import STAFF_CHAT
from tests.e2e.conftest import eventually
from tests.fakeapi import FakeBotApi, FakeUser
from tests.harness import BotProcess, process_env
from tests.ops.conftest import free_port

# Past the suite's 120 s per test: the claim lease alone is 60 s (see above).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

PUBLIC_URL = "https://bot.example.org/telegram"
SECRET = "workers-e2e-secret_0123456789"
CHECKING_IN = range(8_300_001, 8_300_301)  # 300 mothers who check in at once
WAVE = range(8_400_001, 8_402_001)  # 2,000 mothers whose daily slot is due now
CRISIS = "I can't go on, I want to die"
QUESTION = "How are you feeling today?"
RATE = 150
TAKEOVER_SECONDS = 10.0
ASKS = 3
ASK_AGAIN_SECONDS = 20.0
KYIV = ZoneInfo("Europe/Kyiv")


async def seed(store: Store, api: FakeBotApi, now: datetime) -> None:
    """Onboarded mothers, as onboarding leaves them (it has tests of its own). The ones checking
    in have their slot hours away; the wave's slot was due a minute ago."""
    later = (now.astimezone(KYIV) + timedelta(hours=8)).strftime("%H:%M")
    due = iso(now - timedelta(minutes=1))
    plans = []
    async with store.transaction() as tx:
        for chats, checkin_time in ((CHECKING_IN, later), (WAVE, "09:00")):
            for chat in chats:
                api.user(chat, f"Mother{chat}", language_code="en", started=True)
                mother = await mothers.create(
                    tx,
                    chat,
                    "en",
                    now,
                    consent="given",
                    consent_at=iso(now),
                    name=f"Mother{chat}",
                    checkin_time=checkin_time,
                )
                if chat in WAVE:
                    plans.append((due, mother.id))
        await schedule.set_next(tx, plans)


class Worker:
    """One ``main.py run`` process of the two, with its own log."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = BotProcess(env)

    @property
    def leading(self) -> bool:
        lines = [line for line in self.process.lines if "event=leader_" in line]
        return bool(lines) and "leader_taken" in lines[-1]


@pytest.fixture
async def workers(api: FakeBotApi, pg_url: str, tmp_path: Path) -> AsyncIterator[list[Worker]]:
    port = free_port()
    made = []
    for name in ("a", "b"):
        env = process_env(
            api,
            # Each process holds the run lock of its own (unused) SQLite path.
            tmp_path / name / "bot.sqlite3",
            DATABASE_URL=pg_url,
            BOT_WEBHOOK_URL=PUBLIC_URL,
            BOT_WEBHOOK_LISTEN="127.0.0.1",
            BOT_WEBHOOK_PORT=str(port),
            BOT_WEBHOOK_SECRET=SECRET,
            SEND_RATE_PER_SECOND=str(RATE),
        )
        made.append(Worker(env))
    api.forward_webhook(f"http://127.0.0.1:{port}")
    try:
        yield made
    finally:
        for worker in made:
            await worker.process.kill()


async def check_in(api: FakeBotApi, mother: FakeUser) -> None:
    """``/checkin`` and her first answer, done once its update is acknowledged (the turn is
    committed). A reply still waiting in the killed worker's sender is lost with it (replies
    are not kept in the database; answers and alerts are), so without the question she asks
    again, as she would."""
    for _ in range(ASKS):
        await mother.send("/checkin")
        with contextlib.suppress(TimeoutError):
            await mother.wait_for_text(QUESTION, timeout=ASK_AGAIN_SECONDS)
            break
    pressed = await mother.press("😊 Good")
    await api.wait_confirmed(pressed.update_id, timeout=60)


class Prompts:
    """The wave's prompts the fake has sent, per mother; counted as they come (reading every
    chat again on each of thousands of calls would load the machine the workers need)."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.per_mother: Counter[int] = Counter()
        self._seen = 0

    def count(self) -> Counter[int]:
        sent = self.api.sent
        for message in sent[self._seen :]:
            if message.chat_id in WAVE and not message.edited and QUESTION in (message.text or ""):
                self.per_mother[message.chat_id] += 1
        self._seen = len(sent)
        return self.per_mother


async def test_two_workers_lose_nothing_when_the_leader_is_killed_mid_wave(
    api: FakeBotApi, pg_url: str, workers: list[Worker]
) -> None:
    store = await open_store(pg_url, Path("unused.sqlite3"))
    try:
        await seed(store, api, datetime.now(UTC))
        for worker in workers:
            await worker.process.start()
        for worker in workers:
            await worker.process.wait_for_line("bot_started mode=webhook", within=30)
        leader = await _leader(workers)
        survivor = next(w for w in workers if w is not leader)

        crisis_mother = api.user(CHECKING_IN[0])
        mothers_in = [api.user(chat) for chat in CHECKING_IN[1:]]
        crisis = asyncio.create_task(crisis_mother.send(CRISIS))
        checkins = asyncio.gather(*(check_in(api, m) for m in mothers_in))
        prompts = Prompts(api)
        # In the middle: the check-ins under way, a tenth of the wave out.
        await api.wait_for(lambda: len(prompts.count()) >= len(WAVE) // 10, timeout=60)
        assert leader.process.proc is not None
        leader.process.proc.kill()
        killed_at = time.monotonic()
        await leader.process.wait()
        await survivor.process.wait_for_line("leader_taken", within=TAKEOVER_SECONDS + 5)
        takeover = time.monotonic() - killed_at

        await crisis
        await checkins
        lease_and_tick = CLAIM_LEASE.total_seconds() + TICK_SECONDS + 30
        await api.wait_for(lambda: len(prompts.count()) == len(WAVE), timeout=lease_and_tick)
        await api.wait_confirmed(timeout=30)

        async def all_marked_sent() -> bool:
            rows = await store.fetchall(
                "SELECT COUNT(*) AS n FROM sends WHERE kind = 'checkin' AND status = 'sent'"
            )
            return int(rows[0]["n"]) == len(WAVE)

        # A prompt the killed worker handed to Telegram is marked sent by the survivor once
        # the lease is out, after sending it again.
        await eventually(all_marked_sent, within=lease_and_tick)

        answers = await store.fetchall(
            "SELECT m.chat_id, COUNT(*) AS n FROM answers a JOIN mothers m ON m.id = a.mother_id"
            " WHERE a.flow = 'checkin' AND a.key = 'mood' GROUP BY m.chat_id"
        )
        alerts = await store.fetchall(
            "SELECT m.chat_id, a.rule, a.delivered_at FROM alerts a"
            " JOIN mothers m ON m.id = a.mother_id"
        )
        sends = await store.fetchall(
            "SELECT status, COUNT(*) AS n FROM sends WHERE kind = 'checkin' GROUP BY status"
        )
    finally:
        await store.close()

    assert takeover <= TAKEOVER_SECONDS, f"leader taken over after {takeover:.1f} s"
    stored = {row["chat_id"]: row["n"] for row in answers}
    assert stored == dict.fromkeys(CHECKING_IN[1:], 1), "each answer stored exactly once"

    assert [row["chat_id"] for row in alerts] == [CHECKING_IN[0]], "one alert, hers"
    assert alerts[0]["delivered_at"] is not None
    replies = [m for m in api.sent_to(CHECKING_IN[0]) if "7333" in (m.text or "")]
    assert len(replies) == 1, "her crisis reply, once"
    staff = [
        m
        for m in api.sent_to(STAFF_CHAT)
        if "URGENT" in (m.text or "") and f"Mother{CHECKING_IN[0]}" in (m.text or "")
    ]
    # Twice only if the killed worker was delivering it at that very moment: the survivor
    # delivers it again once that worker's claim lease is out.
    assert 1 <= len(staff) <= 2, "the alert reached the staff chat"

    per_mother = prompts.count()
    assert set(per_mother) == set(WAVE)
    assert min(per_mother.values()) == 1, "every prompt sent"
    twice = [chat for chat, n in per_mother.items() if n > 1]
    assert len(twice) <= MAX_IN_FLIGHT, f"{len(twice)} prompts sent twice"
    assert max(per_mother.values()) <= 2
    assert {row["status"]: row["n"] for row in sends} == {"sent": len(WAVE)}


async def _leader(workers: list[Worker]) -> Worker:
    """The worker that took the leader lock (both try as they start; one gets it)."""
    waits = [
        asyncio.create_task(w.process.wait_for_line("leader_taken", within=20)) for w in workers
    ]
    done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    for task in done:
        task.result()
    leading = [w for w in workers if w.leading]
    assert len(leading) == 1, "exactly one leader"
    return leading[0]

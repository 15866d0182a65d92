"""Figure 3 and 4 in a fresh process: 100,000 mothers, one day of the schedule.

Measured in real time: planning every slot, claiming the day, and a window of real sending at
the 09:00 wave through the real scheduler, sender, PTB and HTTP to the fake Bot API, which
enforces Telegram's limits (30/s overall, 1/s per chat), with an urgent alert every 0.2 s.
Simulated: the whole day's sending on a virtual clock through the same Sender and Pacer (the
real day would take hours), giving how late each prompt is against her chosen time.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

from telegram import Bot

from benchmarks import common
from bot.clock import iso, parse_iso
from bot.config import QuietHours
from bot.conversation.messages import Outgoing
from bot.pacing import VirtualClock
from bot.priority import Lane, Priority
from bot.runtime import build_runtime
from bot.scheduling.claim import claim_reminders, claim_slots
from bot.scheduling.planner import plan_unplanned
from bot.scheduling.scheduler import Scheduler
from bot.sender import Item, Sender
from bot.services import Services
from bot.telegram.app import GIL_SWITCH_SECONDS
from bot.telegram.callbacks import CallbackCodec, new_secret
from bot.telegram.transport import TelegramTransport
from tests.fakeapi import FakeBotApi

DAY_START = datetime(2026, 1, 15, 3, 0, tzinfo=UTC)  # 05:00 in Kyiv
WAVE = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)  # 09:00 in Kyiv
STEP = timedelta(minutes=15)


def rss_now_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


async def plan_and_claim(services: Services, scheduler: Scheduler, until: datetime) -> dict:
    before = rss_now_mb()
    start = time.perf_counter()
    planned = await plan_unplanned(services.db, services.config, DAY_START)
    plan_s = time.perf_counter() - start
    plan_mb = rss_now_mb() - before
    start = time.perf_counter()
    sends = 0
    now = DAY_START
    while now <= until:
        while True:
            async with services.db.transaction() as conn:
                count = await claim_slots(conn, scheduler.policy, now, 500)
                sends += count.sends + await claim_reminders(conn, scheduler.policy, now, 500)
            if count.slots < 500 and not count.passed_over:
                break
        now += STEP
    return {
        "planned": planned,
        "plan_s": plan_s,
        "plan_rss_mb": plan_mb,
        "claim_s": time.perf_counter() - start,
        "claimed_sends": sends,
    }


async def real_window(services: Services, seconds: float) -> dict:
    """Real sending at the 09:00 wave, with urgent alerts injected, against enforced limits.

    Rows due before the wave count as sent already (on a real day they went out on time)."""
    async with services.db.transaction() as conn:
        await conn.execute("UPDATE sends SET status = 'sent' WHERE due_at < ?", (iso(WAVE),))
    with ApiProcess() as api:
        bot = Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url)
        await bot.initialize()
        t0 = time.monotonic()
        runtime = build_runtime(
            services,
            TelegramTransport(bot, CallbackCodec(new_secret())),
            clock=lambda: WAVE + timedelta(seconds=time.monotonic() - t0),
        )
        sender, scheduler = runtime.sender, runtime.scheduler
        urgent: list[float] = []
        feeder = asyncio.create_task(_keep_fed(scheduler, t0 + seconds))
        while time.monotonic() - t0 < seconds:
            began = time.monotonic()
            crisis_chat = 900_000 + len(urgent)  # crisis replies, each to another mother
            crisis = Outgoing(crisis_chat, "URGENT: crisis reply", priority=Priority.URGENT)
            await sender.send(crisis)
            urgent.append(time.monotonic() - began)
            await asyncio.sleep(0.2)
        await feeder
        elapsed = time.monotonic() - t0
        arrivals, rejected = api.arrivals()
        prompts = [c for c in arrivals if c.ok and c.chat_id > 0]
        sender.discard(Lane.SCHEDULED)
        await sender.drain(10)
        await sender.close()
        await bot.shutdown()
        span = prompts[-1].time - prompts[0].time if len(prompts) > 1 else elapsed
        total_ok = sum(1 for c in arrivals if c.ok)
        return {
            "window_s": elapsed,
            "prompts_sent": len(prompts),
            "send_rate": total_ok / span,
            "rate_429": rejected,
            "urgent_p50_ms": 1000 * common.percentile(urgent, 0.5),
            "urgent_p99_ms": 1000 * common.percentile(urgent, 0.99),
            "urgent_n": len(urgent),
        }


async def _keep_fed(scheduler: Scheduler, until: float) -> None:
    while time.monotonic() < until:
        await scheduler.feed(scheduler.window - scheduler.sender.pending(Lane.SCHEDULED))
        await asyncio.sleep(1.0)


async def simulate_day(services: Services) -> dict:
    """The day's sends through the Sender on a virtual clock: lateness against due times."""
    rows = await services.db.fetchall(
        "SELECT chat_id, due_at FROM sends s JOIN mothers m"
        " ON m.id = s.mother_id ORDER BY due_at, s.id"
    )
    dues = [(int(r[0]), (parse_iso(r[1]) - DAY_START).total_seconds()) for r in rows]
    clock = VirtualClock()

    class Instant:
        async def deliver(self, message: Outgoing) -> int | None:
            return 1

    sender = Sender(Instant(), 30.0, clock=clock)
    late: list[float] = []
    wave: list[float] = []
    wave_at = (WAVE - DAY_START).total_seconds()
    fed = 0

    def feed(limit: int) -> None:
        nonlocal fed
        for chat_id, due in dues[fed : fed + limit]:
            item = sender.submit(Outgoing(chat_id, "prompt"), Lane.SCHEDULED)
            item.not_before = due
            item.message_ids.append(int(due * 1000))
        fed = min(len(dues), fed + limit)

    def started(item: Item, now: float) -> None:
        due = item.message_ids[0] / 1000
        late.append(now - due)
        if due == wave_at:
            wave.append(now - due)
        if sender.pending(Lane.SCHEDULED) < 500:
            feed(2000)

    sender.observers.append(started)
    began = time.perf_counter()
    feed(2000)
    await sender.drain(600)
    return {
        "simulated_sends": len(late),
        "simulate_s": time.perf_counter() - began,
        "late_p50_s": common.percentile(late, 0.5),
        "late_p99_s": common.percentile(late, 0.99),
        "late_max_s": max(late) if late else 0.0,
        "wave_size": len(wave),
        "wave_p50_s": common.percentile(wave, 0.5),
        "wave_p99_s": common.percentile(wave, 0.99),
        "wave_max_s": max(wave) if wave else 0.0,
    }


async def main(count: int, window: float) -> dict:
    sys.setswitchinterval(GIL_SWITCH_SECONDS)  # as run_bot sets it
    cat = common.catalog()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        quiet = QuietHours(22 * 60, 8 * 60)
        services = await common.services(path, cat, quiet_hours=quiet)
        common.insert_mothers(path, count, DAY_START - timedelta(days=1))
        baseline_rss = common.peak_rss_mb()
        scheduler = build_runtime(services, _Null()).scheduler  # for its policy
        result = {"mothers": count, "baseline_rss_mb": baseline_rss}
        result |= await plan_and_claim(services, scheduler, WAVE)
        result |= await real_window(services, window)
        result |= await plan_and_claim_rest(services, scheduler)
        result |= await simulate_day(services)
        result["peak_rss_mb"] = common.peak_rss_mb()
        await services.close()
    return result


async def plan_and_claim_rest(services: Services, scheduler: Scheduler) -> dict:
    """Claim the rest of the day (timed with the first part for the day's claim cost)."""
    start = time.perf_counter()
    now = WAVE
    while now <= DAY_START + timedelta(days=1):
        async with services.db.transaction() as conn:
            await claim_slots(conn, scheduler.policy, now, 100_000)
            await claim_reminders(conn, scheduler.policy, now, 100_000)
        now += STEP
    return {"claim_rest_s": time.perf_counter() - start}


@dataclass(frozen=True)
class Arrival:
    """One ``sendMessage`` as the fake Bot API saw it: its chat, when it arrived, its answer."""

    chat_id: int
    time: float
    ok: bool


class ApiProcess:
    """The fake Bot API in a process of its own, stamping arrivals on its own clock as
    Telegram would. In a thread of the bot's process it would wait for the interpreter lock
    while the bot renders a prompt, and stamp two requests that left 34 ms apart as 2 ms
    apart: a 429 that Telegram, on its own machines, would not give."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve_api, args=(child,), daemon=True)

    def __enter__(self) -> ApiProcess:
        self._process.start()
        self.token, self.base_url, self.base_file_url = self._conn.recv()
        return self

    def arrivals(self) -> tuple[list[Arrival], int]:
        """Every ``sendMessage`` so far, and how many calls the enforced limits refused."""
        self._conn.send("report")
        calls, rejected = self._conn.recv()
        return [Arrival(*call) for call in calls], rejected

    def __exit__(self, *exc_info: object) -> None:
        self._conn.send("stop")
        self._process.join(30)


def _serve_api(conn: Connection) -> None:
    asyncio.run(_api_main(conn))


async def _api_main(conn: Connection) -> None:
    loop = asyncio.get_running_loop()
    async with FakeBotApi(strict_chats=False) as api:
        api.enforce_rate(30, per_chat_per_sec=1)
        conn.send((api.token, api.base_url, api.base_file_url))
        while (command := await loop.run_in_executor(None, conn.recv)) != "stop":
            assert command == "report"
            calls = [(int(c.params["chat_id"]), c.time, c.ok) for c in api.calls_of("sendMessage")]
            conn.send((calls, api.rate_limited_count))


class _Null:
    async def deliver(self, message: Outgoing) -> int | None:
        return None


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--mothers", type=int, default=100_000)
    parser.add_argument("--window", type=float, default=20.0)
    args = parser.parse_args()
    common.emit(asyncio.run(main(args.mothers, args.window)))

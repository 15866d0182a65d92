"""Figure 2 and the crisis figure: the whole bot over HTTP against the fake Bot API.

Full stack: N mothers do a check-in at the same time (``/checkin``, then a button per
question, seven updates each). Latency runs from her update being queued at the fake API to the
bot's reply arriving there (long poll, PTB, our service, SQLite, the sender, HTTP). Baseline: a
bare PTB echo bot on the same fake API answering the same updates with the same shape of reply.
Both send as fast as they can here (no 30/s limit), so the figure is the software's capacity.
Each bot runs in its own process (ours is ``main.py run``), as against the real Telegram.

Crisis: 1,000 scheduled prompts are being sent at the enforced 30/s while mothers write crisis
words; measured from her message being queued to the staff alert's request at the fake API.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiosqlite

from benchmarks import common
from benchmarks.common import Row
from bot.clock import iso, utcnow
from bot.services import Catalog
from bot.storage import mothers
from tests.fakeapi import FakeBotApi, FakeUser

STEPS = 7  # a check-in pressing the first button: mood, sleep, worry, baby, support, note, end
CRISIS_TEXT = "I want to end my life"


async def _checkin(user: FakeUser) -> list[float]:
    latencies = []
    began = time.perf_counter()
    await user.send("/checkin")
    for _ in range(STEPS + 3):
        reply = await user.wait_reply(timeout=120)
        latencies.append(time.perf_counter() - began)
        if not reply.buttons:
            break
        began = time.perf_counter()
        await user.press(reply.buttons[0][0][0])
    return latencies


async def drive(api: FakeBotApi, chat_ids: list[int]) -> tuple[float, list[float]]:
    """All mothers at once; returns (updates per second, latencies)."""
    users = [api.user(chat_id, "Мама", language_code="uk", started=True) for chat_id in chat_ids]
    began = time.perf_counter()
    results = await asyncio.gather(*(_checkin(user) for user in users))
    elapsed = time.perf_counter() - began
    latencies = [value for result in results for value in result]
    return len(latencies) / elapsed, latencies


@contextlib.asynccontextmanager
async def bot_process(
    api: FakeBotApi, args: list[str], env: dict[str, str] | None = None
) -> AsyncIterator[None]:
    """A bot in its own process, as in production: Telegram (here the fake API and the
    simulated mothers) does not share the bot's event loop. Stopped with SIGTERM."""
    with tempfile.TemporaryDirectory() as folder, open(Path(folder) / "bot.log", "w") as log:  # noqa: ASYNC230 - once, before the run
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *args,
            cwd=common.ROOT,
            env={**os.environ, **(env or {})},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        try:
            await api.wait_for(lambda: api.poll_waiting, timeout=90)
            yield
        finally:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            await process.wait()


def bot_env(api: FakeBotApi, database: Path, **extra: str) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "DATABASE_PATH": str(database),
        "STAFF_CHAT_ID": str(common.STAFF_CHAT),
        "QUIET_HOURS": "",
        "LOG_LEVEL": "WARNING",
        "CONFIG_FILE": str(database.parent / "absent.yaml"),
        **extra,
    }


async def prepare(
    cat: Catalog,
    database: Path,
    chat_ids: list[int],
    *,
    database_url: str | None = None,
    **values: object,
) -> None:
    """Consented mothers in the bot's database: the SQLite file, or PostgreSQL if given."""
    services = await common.services(database, cat, database_url=database_url)
    async with services.db.transaction() as conn:
        for chat_id in chat_ids:
            await mothers.create(conn, chat_id, "uk", utcnow(), consent="given", **values)
    await services.close()


async def echo_bot(count: int) -> tuple[float, list[float]]:
    async with FakeBotApi() as api:
        args = ["-m", "benchmarks.echo_child", "--token", api.token, "--base-url", api.base_url]
        async with bot_process(api, args):
            return await drive(api, [20_000 + n for n in range(count)])


async def our_bot(cat: Catalog, count: int) -> tuple[float, list[float]]:
    chat_ids = [20_000 + n for n in range(count)]
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bot.sqlite3"
        await prepare(cat, database, chat_ids)
        async with FakeBotApi() as api:
            env = bot_env(api, database, SEND_RATE_PER_SECOND="10000")
            async with bot_process(api, ["main.py", "run"], env):
                return await drive(api, chat_ids)


async def crisis_under_load(cat: Catalog, prompts: int, crises: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bot.sqlite3"
        await prepare(cat, database, [30_000 + n for n in range(prompts)], checkin_time="09:00")
        await prepare(cat, database, [40_000 + n for n in range(crises)])
        async with aiosqlite.connect(database) as raw:
            await raw.execute(
                "UPDATE mothers SET next_checkin_at = ? WHERE checkin_time IS NOT NULL",
                (iso(utcnow() + timedelta(seconds=5)),),
            )
            await raw.commit()
        async with FakeBotApi(strict_chats=False) as api:
            api.enforce_rate(30)
            async with bot_process(api, ["main.py", "run"], bot_env(api, database)):
                await api.wait_for(lambda: api.count_of("sendMessage", ok=True) > 30, 60)
                latencies = [await one_crisis(api, 40_000 + n) for n in range(crises)]
                during = sum(
                    1
                    for c in api.calls_of("sendMessage")
                    if c.ok and 30_000 <= c.params["chat_id"] < 30_000 + prompts
                )
            return {
                "p50": common.percentile(latencies, 0.5),
                "p99": common.percentile(latencies, 0.99),
                "max": max(latencies),
                "prompts_sent_meanwhile": during,
                "rate_429": api.rate_limited_count,
            }


async def one_crisis(api: FakeBotApi, chat_id: int) -> float:
    """Her crisis message queued → the staff alert's request at the fake API (seconds)."""
    user = api.user(chat_id, "Olena", language_code="en", started=True)
    before = len(api.sent_to(common.STAFF_CHAT))
    sent_at = time.time()
    await user.send(CRISIS_TEXT)
    await api.wait_for(lambda: len(api.sent_to(common.STAFF_CHAT)) > before, 30)
    alert = next(
        c
        for c in reversed(api.calls_of("sendMessage"))
        if c.params.get("chat_id") == common.STAFF_CHAT
    )
    await asyncio.sleep(0.5)
    return alert.time - sent_at


async def run(cat: Catalog, quick: bool) -> list[Row]:
    count = 50 if quick else 300
    echo_rate, echo_lat = await echo_bot(count)
    ours_rate, ours_lat = await our_bot(cat, count)
    prompts, crises = (200, 5) if quick else (1000, 20)
    crisis = await crisis_under_load(cat, prompts, crises)

    def ms(values: list[float], share: float) -> str:
        return f"{1000 * common.percentile(values, share):.0f} ms"

    return [
        Row(
            f"2. Full stack: {count} mothers checking in at once, updates/s",
            f"{ours_rate:,.0f}/s",
            f"{echo_rate:,.0f}/s (bare PTB echo bot)",
            f"{ours_rate / echo_rate:.2f}",
            "≥ 0.7",
        ),
        Row(
            "2. Full stack: latency update → reply request, p50 / p99",
            f"{ms(ours_lat, 0.5)} / {ms(ours_lat, 0.99)}",
            f"{ms(echo_lat, 0.5)} / {ms(echo_lat, 0.99)}",
            f"{common.percentile(ours_lat, 0.99) / common.percentile(echo_lat, 0.99):.2f} (p99)",
        ),
        Row(
            f"Crisis message → staff alert request, while {prompts:,} prompts go out at 30/s",
            f"p50 {1000 * crisis['p50']:.0f} ms / p99 {1000 * crisis['p99']:.0f} ms",
            "",
            "",
            "p99 < 1 s",
            f"{crises} crises; {crisis['prompts_sent_meanwhile']:.0f} prompts sent meanwhile, "
            f"{crisis['rate_429']:.0f} 429s",
        ),
    ]

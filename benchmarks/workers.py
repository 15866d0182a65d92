"""Figures 7 and 9: the whole bot by webhook, on PostgreSQL with 1, 2 and 4 workers.

Figure 7 is figure 2's check-in (N mothers at once, seven updates each) delivered the way
Telegram delivers to a production bot: the fake Bot API POSTs each update to the webhook URL
(through the stand-in for the reverse proxy, ``api.forward_webhook``) and counts it delivered on
the bot's 2xx. Ours is ``main.py run --workers N`` (one port shared by SO_REUSEPORT) on
PostgreSQL for N = 1, 2, 4, and with one worker on SQLite; the baseline is the bare PTB echo bot
taking the same updates by PTB's own webhook server. Everything sends as fast as it can (no
30/s), so the figure is the software's capacity, and on two cores the fake API, the simulated
mothers, PostgreSQL and the workers all share them: more workers cannot show more than the
cores left over.

Figure 9 is the crisis row on PostgreSQL with two workers: staff alerts while a wave of
scheduled prompts goes out at the enforced 30/s, which both workers share through the pace row
in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from benchmarks import common, fullstack, pg
from benchmarks.common import Row
from benchmarks.cpu import Meter, Split
from benchmarks.echo_child import READY as ECHO_READY
from bot.clock import iso, utcnow
from bot.services import Catalog
from tests.fakeapi import FakeBotApi
from tests.pgserver import PgServer

PUBLIC_URL = "https://bot.example.org/telegram"
SECRET = "bench-webhook-secret_0123456789"
BOT_READY = "bot_started mode=webhook"
START_SECONDS = 120.0  # several workers loading the catalog at once on a loaded machine
WORKER_COUNTS = (1, 2, 4)
CRISIS_WORKERS = 2


@dataclass(frozen=True)
class Throughput:
    """One bot's run of the check-in: updates per second and each update's latency."""

    label: str
    rate: float
    latencies: list[float]
    cpu: Split

    def ms(self, share: float) -> str:
        return f"{1000 * common.percentile(self.latencies, share):.0f} ms"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def webhook_process(
    api: FakeBotApi, args: list[str], env: dict[str, str], ready: str, count: int
) -> AsyncIterator[int]:
    """A bot in its own process, taking updates on a local port; ready once its log shows
    ``ready`` ``count`` times (each worker says so), so no worker starts with a head start.
    Stopped with SIGTERM (the supervisor passes it on to its workers)."""
    with tempfile.TemporaryDirectory() as folder:
        log_path = Path(folder) / "bot.log"
        with open(log_path, "w") as log:  # noqa: ASYNC230 - once, before the run
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                *args,
                cwd=common.ROOT,
                env={**os.environ, **env},
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        try:
            await _wait_ready(process, log_path, ready, count)
            yield process.pid
        finally:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            await process.wait()


async def _wait_ready(
    process: asyncio.subprocess.Process, log_path: Path, ready: str, count: int
) -> None:
    deadline = time.monotonic() + START_SECONDS
    while _log_text(log_path).count(ready) < count:
        if process.returncode is not None or time.monotonic() > deadline:
            tail = _log_text(log_path)[-3000:]
            raise RuntimeError(f"the bot did not start ({process.returncode}):\n{tail}")
        await asyncio.sleep(0.2)


def _log_text(path: Path) -> str:
    """The log so far (a few kilobytes: read whole, between short sleeps)."""
    return path.read_text(encoding="utf-8", errors="replace")


def run_args(workers: int) -> list[str]:
    """``--workers`` even for one: every row of figure 7 goes through the supervisor's path."""
    return ["main.py", "run", "--workers", str(workers)]


def webhook_env(api: FakeBotApi, database: Path, port: int, **extra: str) -> dict[str, str]:
    return {
        **fullstack.bot_env(api, database, **extra),
        "BOT_WEBHOOK_URL": PUBLIC_URL,
        "BOT_WEBHOOK_LISTEN": "127.0.0.1",
        "BOT_WEBHOOK_PORT": str(port),
        "BOT_WEBHOOK_SECRET": SECRET,
        "LOG_LEVEL": "INFO",  # for each worker's bot_started line; nothing is logged per turn
    }


async def echo_bot(count: int) -> Throughput:
    chat_ids = [20_000 + n for n in range(count)]
    async with FakeBotApi() as api:
        port = free_port()
        api.forward_webhook(f"http://127.0.0.1:{port}")
        args = ["-m", "benchmarks.echo_child", "--token", api.token, "--base-url", api.base_url]
        args += ["--webhook-url", PUBLIC_URL, "--port", str(port)]
        async with webhook_process(api, args, {}, ECHO_READY, 1) as pid:
            meter = Meter(pid, None)
            rate, latencies = await fullstack.drive(api, chat_ids)
            cpu = meter.stop()
    return Throughput("echo", rate, latencies, cpu)


async def our_bot(cat: Catalog, count: int, workers: int, server: PgServer | None) -> Throughput:
    """``main.py run --workers N``; on PostgreSQL in a database of its own if ``server``."""
    chat_ids = [20_000 + n for n in range(count)]
    database_url = await pg.new_database(server, f"w{workers}") if server else None
    database_pid = pg.postmaster_pid(server) if server else None
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bot.sqlite3"
        await fullstack.prepare(cat, database, chat_ids, database_url=database_url)
        async with FakeBotApi() as api:
            port = free_port()
            api.forward_webhook(f"http://127.0.0.1:{port}")
            extra = {"SEND_RATE_PER_SECOND": "10000"}
            if database_url:
                extra["DATABASE_URL"] = database_url
            env = webhook_env(api, database, port, **extra)
            args = run_args(workers)
            async with webhook_process(api, args, env, BOT_READY, workers) as pid:
                meter = Meter(pid, database_pid)
                rate, latencies = await fullstack.drive(api, chat_ids)
                cpu = meter.stop()
    backend = "PostgreSQL" if database_url else "SQLite"
    label = f"{backend}, {workers} worker{'s' if workers > 1 else ''}"
    return Throughput(label, rate, latencies, cpu)


async def crisis_under_load(
    cat: Catalog, database_url: str, workers: int, prompts: int, crises: int
) -> dict[str, float]:
    """The crisis row of figure 2 on PostgreSQL behind the webhook: the wave of ``prompts`` is
    due five seconds after set-up, and each crisis is written once the wave is under way."""
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bot.sqlite3"
        wave = {30_000 + n for n in range(prompts)}
        await fullstack.prepare(
            cat, database, sorted(wave), database_url=database_url, checkin_time="09:00"
        )
        await fullstack.prepare(
            cat, database, [40_000 + n for n in range(crises)], database_url=database_url
        )
        services = await common.services(database, cat, database_url=database_url)
        async with services.db.transaction() as conn:
            await conn.execute(
                "UPDATE mothers SET next_checkin_at = ? WHERE checkin_time IS NOT NULL",
                (iso(utcnow() + timedelta(seconds=5)),),
            )
        await services.close()
        async with FakeBotApi(strict_chats=False) as api:
            api.enforce_rate(30)
            port = free_port()
            api.forward_webhook(f"http://127.0.0.1:{port}")
            env = webhook_env(api, database, port, DATABASE_URL=database_url)
            args = run_args(workers)
            async with webhook_process(api, args, env, BOT_READY, workers):
                await api.wait_for(lambda: api.count_of("sendMessage", ok=True) > 30, 60)
                latencies = [await fullstack.one_crisis(api, 40_000 + n) for n in range(crises)]
                during = sum(
                    1 for c in api.calls_of("sendMessage") if c.ok and c.params["chat_id"] in wave
                )
            return {
                "p50": common.percentile(latencies, 0.5),
                "p99": common.percentile(latencies, 0.99),
                "prompts_sent_meanwhile": during,
                "rate_429": api.rate_limited_count,
            }


async def run_figures(cat: Catalog, server: PgServer, quick: bool, sqlite_crisis: str) -> list[Row]:
    count = 50 if quick else 300
    echo = await echo_bot(count)
    runs = [await our_bot(cat, count, 1, None)]
    runs += [await our_bot(cat, count, workers, server) for workers in WORKER_COUNTS]
    prompts, crises = (200, 5) if quick else (1000, 20)
    url = await pg.new_database(server, "crisis")
    crisis = await crisis_under_load(cat, url, CRISIS_WORKERS, prompts, crises)
    return [*throughput_rows(count, echo, runs), crisis_row(prompts, crises, crisis, sqlite_crisis)]


def throughput_rows(count: int, echo: Throughput, runs: list[Throughput]) -> list[Row]:
    letters = "abcdefgh"
    return [
        Row(
            f"7{letters[n]}. By webhook, {count} mothers checking in at once: {run.label}, "
            "updates/s",
            f"{run.rate:,.0f}/s",
            f"{echo.rate:,.0f}/s (bare PTB echo bot, PTB's webhook)",
            f"{run.rate / echo.rate:.2f}",
            note=f"p50 / p99 update → reply {run.ms(0.5)} / {run.ms(0.99)} "
            f"(echo {echo.ms(0.5)} / {echo.ms(0.99)}); {run.cpu.describe()}",
        )
        for n, run in enumerate(runs)
    ]


def crisis_row(prompts: int, crises: int, crisis: dict[str, float], sqlite: str) -> Row:
    return Row(
        f"9. Crisis message → staff alert request on PostgreSQL, {CRISIS_WORKERS} workers by "
        f"webhook, while {prompts:,} prompts go out at 30/s",
        f"p50 {1000 * crisis['p50']:.0f} ms / p99 {1000 * crisis['p99']:.0f} ms",
        f"{sqlite} (SQLite, one process, long polling)" if sqlite else "",
        "",
        "p99 < 1 s",
        f"{crises} crises; {crisis['prompts_sent_meanwhile']:.0f} prompts sent meanwhile, "
        f"{crisis['rate_429']:.0f} 429s",
    )

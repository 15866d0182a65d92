"""Figure 2 and the crisis figure: the whole bot over HTTP against the fake Bot API.

Full stack: N mothers do a check-in at the same time (``/checkin``, then a button per
question, seven updates each). Latency runs from her update being queued at the fake API to the
bot's reply arriving there (long poll, PTB, our service, SQLite, the sender, HTTP). Baseline: a
bare PTB echo bot on the same fake API answering the same updates with the same shape of reply.
Both send as fast as they can here (no 30/s limit), so the figure is the software's capacity.

Crisis: 1,000 scheduled prompts are being sent at the enforced 30/s while mothers write crisis
words; measured from her message being queued to the staff alert's request at the fake API.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes, TypeHandler

from benchmarks import common
from benchmarks.common import Row
from bot.clock import iso, utcnow
from bot.services import Catalog, Services
from bot.storage import mothers
from bot.telegram.app import run_polling
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


async def echo_bot(count: int) -> tuple[float, list[float]]:
    replies: defaultdict[int, int] = defaultdict(int)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Далі", callback_data="next")]])

    async def echo(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert isinstance(update, Update) and update.effective_chat is not None
        chat = update.effective_chat.id
        replies[chat] += 1
        if update.callback_query is not None:
            await update.callback_query.answer()
        keyboard = markup if replies[chat] < STEPS else None
        await context.bot.send_message(chat, "echo", reply_markup=keyboard)

    async with FakeBotApi() as api:
        application = api.application_builder().build()
        application.add_handler(TypeHandler(Update, echo))
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0.0)
            result = await drive(api, [20_000 + n for n in range(count)])
            await application.updater.stop()
            await application.stop()
    return result


async def _bot(api: FakeBotApi, folder: Path, cat: Catalog, **config: object) -> Services:
    services = await common.services(
        folder / "bot.sqlite3",
        cat,
        token=api.token,
        api_base_url=api.base_url,
        quiet_hours=None,
        **config,
    )
    return services


async def our_bot(cat: Catalog, count: int) -> tuple[float, list[float]]:
    async with FakeBotApi() as api:
        with tempfile.TemporaryDirectory() as folder:
            services = await _bot(api, Path(folder), cat, send_rate_per_second=10_000.0)
            chat_ids = [20_000 + n for n in range(count)]
            async with services.db.transaction() as conn:
                for chat_id in chat_ids:
                    await mothers.create(conn, chat_id, "uk", utcnow(), consent="given")
            stop = asyncio.Event()
            task = asyncio.create_task(run_polling(services, stop))
            await api.wait_for(lambda: api.poll_waiting, timeout=30)
            result = await drive(api, chat_ids)
            stop.set()
            await task
            await services.close()
    return result


async def crisis_under_load(cat: Catalog, prompts: int, crises: int) -> dict[str, float]:
    async with FakeBotApi(strict_chats=False) as api:
        api.enforce_rate(30)
        with tempfile.TemporaryDirectory() as folder:
            services = await _bot(api, Path(folder), cat)
            now = utcnow()
            async with services.db.transaction() as conn:
                for n in range(prompts):
                    await mothers.create(
                        conn, 30_000 + n, "uk", now, consent="given", checkin_time="09:00"
                    )
                for n in range(crises):
                    await mothers.create(conn, 40_000 + n, "en", now, consent="given")
                await conn.execute(
                    "UPDATE mothers SET next_checkin_at = ? WHERE checkin_time IS NOT NULL",
                    (iso(now - timedelta(seconds=1)),),
                )
            stop = asyncio.Event()
            task = asyncio.create_task(run_polling(services, stop))
            await api.wait_for(lambda: api.poll_waiting, timeout=30)
            await api.wait_for(lambda: api.count_of("sendMessage", ok=True) > 30, timeout=30)
            latencies = []
            for n in range(crises):
                user = api.user(40_000 + n, "Olena", language_code="en", started=True)
                staff = len(api.sent_to(common.STAFF_CHAT))
                sent_at = time.time()
                await user.send(CRISIS_TEXT)
                await api.wait_for(lambda s=staff: len(api.sent_to(common.STAFF_CHAT)) > s, 30)
                alert = next(
                    c
                    for c in reversed(api.calls_of("sendMessage"))
                    if c.params.get("chat_id") == common.STAFF_CHAT
                )
                latencies.append(alert.time - sent_at)
                await asyncio.sleep(0.5)
            during = sum(
                1
                for c in api.calls_of("sendMessage")
                if c.ok and 30_000 <= c.params["chat_id"] < 30_000 + prompts
            )
            stop.set()
            await task
            await services.close()
        return {
            "p50": common.percentile(latencies, 0.5),
            "p99": common.percentile(latencies, 0.99),
            "max": max(latencies),
            "prompts_sent_meanwhile": during,
            "rate_429": api.rate_limited_count,
        }


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

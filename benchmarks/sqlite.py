"""Figure 5: SQLite on the answer path, and how big the database grows.

Writes: real check-ins through ``Conversation.handle`` (one transaction per update: the update
id, her answer, the session, any alert) with WAL and ``synchronous=NORMAL`` as the bot runs it,
against a baseline of one bare INSERT per transaction on the same settings.
Size: 1,000 mothers after 90 days of daily check-ins, built from the rows a real check-in
writes (answers, processed updates, the session), with the schedule's ``sends`` pruned to three
days as the scheduler keeps it.
"""

from __future__ import annotations

import itertools
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks import common
from benchmarks.common import Row
from bot.clock import iso
from bot.conversation.messages import Author, Incoming, Outgoing
from bot.conversation.service import Conversation
from bot.services import Catalog, Services
from bot.storage import Database, mothers

START = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)
_updates = itertools.count(1)


def _button(chat_id: int, reply: Outgoing) -> Incoming:
    ref = reply.buttons[0][0].ref
    return Incoming(Author(chat_id, chat_id), "button", button=ref, update_id=next(_updates))


async def checkin(conversation: Conversation, chat_id: int, now: datetime) -> int:
    """One whole check-in, pressing the first button each time; returns the updates handled."""
    command = Incoming(
        Author(chat_id, chat_id),
        "command",
        text="/checkin",
        command="checkin",
        update_id=next(_updates),
    )
    replies = await conversation.handle(command, now)
    handled = 1
    while replies and replies[-1].buttons and handled < 20:
        replies = await conversation.handle(_button(chat_id, replies[-1]), now)
        handled += 1
    return handled


async def answer_path(services: Services, seconds: float) -> float:
    conversation = Conversation(services)
    async with services.db.transaction() as conn:
        for chat_id in range(1, 201):
            await mothers.create(conn, chat_id, "uk", START, consent="given")
    handled = 0
    began = time.perf_counter()
    for chat_id in itertools.cycle(range(1, 201)):
        handled += await checkin(conversation, chat_id, START)
        if time.perf_counter() - began > seconds:
            break
    return handled / (time.perf_counter() - began)


async def bare_inserts(path: Path, seconds: float) -> float:
    db = await Database.open(path)
    began = time.perf_counter()
    written = 0
    while time.perf_counter() - began < seconds:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO kv (key, value) VALUES (?, 'x')", (f"k{written}",))
        written += 1
    rate = written / (time.perf_counter() - began)
    await db.close()
    return rate


async def size_after_90_days(cat: Catalog, folder: Path) -> float:
    """MB per 1,000 mothers after 90 days of check-ins."""
    path = folder / "size.sqlite3"
    services = await common.services(path, cat)
    conversation = Conversation(services)
    async with services.db.transaction() as conn:
        await mothers.create(conn, 1, "uk", START, consent="given", checkin_time="09:00")
    await checkin(conversation, 1, START)
    answers = await services.db.fetchall("SELECT flow, key, value FROM answers")
    session = await services.db.fetchone("SELECT flow, state FROM sessions")
    await services.close()
    _replicate(path, [tuple(a) for a in answers], session, 1000, 90)
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size / 2**20


def _replicate(
    path: Path, answers: list[tuple], session: sqlite3.Row | None, count: int, days: int
) -> None:
    with sqlite3.connect(path) as raw:
        raw.executemany(
            "INSERT INTO mothers (chat_id, pseudonym, language, consent, checkin_time, timezone,"
            " created_at, updated_at) VALUES (?, ?, 'uk', 'given', '09:00', 'Europe/Kyiv', ?, ?)",
            [(10 + n, f"m-{n:010x}", iso(START), iso(START)) for n in range(count)],
        )
        ids = [row[0] for row in raw.execute("SELECT id FROM mothers WHERE chat_id >= 10")]
        update = itertools.count(10_000_000)
        for day in range(days):
            stamp = iso(START + timedelta(days=day))
            raw.executemany(
                "INSERT INTO answers (mother_id, flow, key, value, created_at) VALUES (?,?,?,?,?)",
                [(m, flow, key, value, stamp) for m in ids for flow, key, value in answers],
            )
            raw.executemany(
                "INSERT INTO processed_updates (update_id, at) VALUES (?, ?)",
                [(next(update), stamp) for _ in ids for _ in range(len(answers) + 1)],
            )
            if day >= days - 3:
                raw.executemany(
                    "INSERT INTO sends (mother_id, kind, local_date, due_at, status, sent_at)"
                    " VALUES (?, 'checkin', ?, ?, 'sent', ?)",
                    [(m, stamp[:10], stamp, stamp) for m in ids],
                )
        if session is not None:
            raw.executemany(
                "INSERT OR IGNORE INTO sessions (mother_id, flow, state, updated_at)"
                " VALUES (?, ?, ?, ?)",
                [(m, session[0], session[1], iso(START)) for m in ids],
            )


async def run(cat: Catalog, quick: bool) -> list[Row]:
    seconds = 2.0 if quick else 6.0
    with tempfile.TemporaryDirectory() as folder:
        services = await common.services(Path(folder) / "answers.sqlite3", cat)
        answers = await answer_path(services, seconds)
        await services.close()
        bare = await bare_inserts(Path(folder) / "bare.sqlite3", seconds)
        size = await size_after_90_days(cat, Path(folder))
    return [
        Row(
            "5a. SQLite answer path: updates/s (one transaction each; WAL, synchronous=NORMAL)",
            f"{answers:,.0f}/s",
            f"{bare:,.0f}/s (one INSERT per transaction)",
            f"{answers / bare:.2f}",
            note="check-ins through Conversation.handle, no Telegram",
        ),
        Row(
            "5b. Database size: 1,000 mothers after 90 days of daily check-ins",
            f"{size:.1f} MB",
            "",
            "",
            note="answers, processed update ids, sessions, 3 days of sends",
        ),
    ]

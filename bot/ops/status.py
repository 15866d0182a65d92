"""``main.py status``: what the clinic's IT person (or their monitoring) needs at a glance.

It reads the database directly — the SQLite file, or the PostgreSQL database of
``DATABASE_URL`` on a connection of its own; the bot may be running or not — and never changes
it.
The exit code is for monitoring: 0 healthy, 3 when a staff alert has waited undelivered for
more than ten minutes (the staff chat is unreachable, the token was revoked, the bot is down) or
could not be delivered at all (dead), 2 when there is no readable database. Counts only: no
names, no chat ids of mothers.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import metadata
from pathlib import Path

from bot.clock import parse_iso, utcnow
from bot.config import Config
from bot.storage import db, pgstatus, postgres
from bot.storage.chat_moves import PREFIX as MOVE_PREFIX
from bot.storage.chat_moves import parse_move
from bot.storage.pgtools import shown
from bot.storage.sqlitefile import NoDatabase, UnreadableDatabase
from bot.storage.status import Health, read_health
from bot.telegram.groups import PREFIX as GROUP_PREFIX
from bot.telegram.heartbeat import LAST_OK_KEY

STUCK_AFTER = timedelta(minutes=10)
EXIT_OK, EXIT_NO_DATABASE, EXIT_STUCK = 0, 2, 3


@dataclass
class Status:
    version: str
    database: Path | str  # the SQLite file, or the PostgreSQL URL without its password
    schema: int
    latest_schema: int
    updates: str
    staff_chat_id: int | None
    mothers: dict[str, int] = field(default_factory=dict)
    pending_outbox: int = 0
    open_urgent: int = 0
    stuck_alerts: int = 0
    oldest_stuck: str | None = None
    dead_alerts: int = 0
    moves: dict[int, tuple[int, str]] = field(default_factory=dict)
    last_telegram_ok: str | None = None
    groups: dict[int, dict[str, str]] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return EXIT_STUCK if self.stuck_alerts or self.dead_alerts else EXIT_OK


def version() -> str:
    try:
        return metadata.version("poruch")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def collect(config: Config, now: datetime | None = None) -> Status:
    """Read everything in one read transaction, so the numbers agree with each other."""
    now = now or utcnow()
    url = config.database_url
    migrations = postgres.migration_files() if url else db.migration_files()
    status = Status(
        version=version(),
        database=shown(url) if url else config.database_path,
        schema=0,
        latest_schema=max((number for number, _ in migrations), default=0),
        updates=f"webhook {config.webhook_url}" if config.webhook_url else "long polling",
        staff_chat_id=config.staff_chat_id,
    )
    health = _health(config, now - STUCK_AFTER)
    status.schema = health.schema
    if not health.complete:
        return status
    status.mothers = health.mothers
    status.pending_outbox = health.pending_outbox
    status.open_urgent = health.open_urgent
    status.stuck_alerts, status.oldest_stuck = health.stuck_alerts, health.oldest_stuck
    status.dead_alerts = health.dead_alerts
    status.moves = dict(
        parse_move(key, value) for key, value in health.kv.items() if key.startswith(MOVE_PREFIX)
    )
    status.last_telegram_ok = health.kv.get(LAST_OK_KEY)
    for key, value in health.kv.items():
        if key.startswith(GROUP_PREFIX):
            status.groups[int(key[len(GROUP_PREFIX) :])] = json.loads(value)
    return status


def _health(config: Config, stuck_before: datetime) -> Health:
    keys, prefixes = (LAST_OK_KEY,), (MOVE_PREFIX, GROUP_PREFIX)
    if config.database_url:
        return asyncio.run(pgstatus.read_health(config.database_url, stuck_before, keys, prefixes))
    return read_health(config.database_path, stuck_before, keys, prefixes)


def _ago(stamp: str | None, now: datetime) -> str:
    if stamp is None:
        return "never"
    seconds = int((now - parse_iso(stamp)).total_seconds())
    if seconds < 120:
        return f"{stamp} ({seconds} s ago)"
    if seconds < 7200:
        return f"{stamp} ({seconds // 60} min ago)"
    return f"{stamp} ({seconds // 3600} h ago)"


def render(status: Status, now: datetime | None = None) -> list[str]:
    now = now or utcnow()
    schema = f"{status.schema}"
    if status.schema < status.latest_schema:
        schema += f" (this version brings {status.latest_schema}; applied at the next start)"
    elif status.schema > status.latest_schema:
        schema += f" (newer than this version of Poruch, {status.latest_schema}: upgrade it)"
    mothers = ", ".join(
        f"{state} {status.mothers.get(state, 0)}" for state in ("active", "paused", "inactive")
    )
    lines = [
        f"version:                 {status.version}",
        f"database:                {status.database}",
        f"schema version:          {schema}",
        f"updates by:              {status.updates}",
        f"mothers:                 {mothers}",
        f"outbox pending:          {status.pending_outbox}",
        f"open urgent alerts:      {status.open_urgent}",
        f"last Telegram contact:   {_ago(status.last_telegram_ok, now)}",
        f"staff chat (configured): {status.staff_chat_id or 'not set (STAFF_CHAT_ID)'}",
    ]
    for old, (new, at) in sorted(status.moves.items()):
        lines.append(
            f"chat moved:              {old} -> {new} since {at} (Telegram upgraded the group;"
            f" the bot uses {new}; set STAFF_CHAT_ID={new} when convenient)"
            if old == status.staff_chat_id
            else f"chat moved:              {old} -> {new} since {at}"
        )
    for chat_id, group in status.groups.items():
        mark = " <- STAFF_CHAT_ID" if chat_id == status.staff_chat_id else ""
        lines.append(
            f"group seen:              {chat_id} {group.get('type', '')} "
            f"{json.dumps(group.get('title', ''), ensure_ascii=False)} "
            f"bot={group.get('bot', '')}{mark}"
        )
    if status.stuck_alerts:
        lines.append(
            f"PROBLEM: {status.stuck_alerts} staff alert message(s) undelivered for more than "
            f"{int(STUCK_AFTER.total_seconds() // 60)} minutes (oldest since "
            f"{status.oldest_stuck}); check STAFF_CHAT_ID, the bot's membership of the staff "
            "group and the log"
        )
    if status.dead_alerts:
        lines.append(
            f"PROBLEM: {status.dead_alerts} staff alert message(s) could not be delivered at all"
            " (Telegram refused them even as plain text, or they failed again and again); they"
            " are kept in the outbox table with status 'dead': read them with /alerts in the"
            " staff chat and check the log"
        )
    return lines


def run_status(config: Config) -> int:
    """Print the status; return the exit code for monitoring."""
    try:
        status = collect(config)
    except NoDatabase as exc:
        print(f"status: {exc} (the bot creates it on its first start)")
        return EXIT_NO_DATABASE
    except UnreadableDatabase as exc:
        where = shown(config.database_url) if config.database_url else config.database_path
        print(f"status: cannot read {where}: {exc}")
        return EXIT_NO_DATABASE
    print("\n".join(render(status)))
    return status.exit_code

"""When is her next daily slot? Pure date arithmetic, plus the batch that plans new mothers.

A slot is her chosen local time (or, if it falls in quiet hours, the end of them) on the first
local day after the last one used, never in the past. Planning walks local dates, not 24-hour
steps, so the slot stays at 09:00 on her clock across the DST change.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import iso, parse_iso
from bot.config import Config, QuietHours
from bot.scheduling.localtime import effective_time, local_instant, parse_hhmm
from bot.storage import schedule
from bot.storage.tx import Store

# A mother who chose no check-in time still gets snippets and screening offers, at this hour.
DEFAULT_SLOT = time(10, 0)
PLAN_BATCH = 500
DAY = timedelta(days=1)


def slot_time(checkin_time: str | None, quiet: QuietHours | None) -> time:
    chosen = parse_hhmm(checkin_time) if checkin_time else None
    return effective_time(chosen or DEFAULT_SLOT, quiet)


def next_slot(
    checkin_time: str | None,
    zone_name: str,
    now: datetime,
    quiet: QuietHours | None,
    after_date: date | None = None,
) -> datetime:
    """The first slot at or after ``now`` on a local date later than ``after_date``."""
    wall = slot_time(checkin_time, quiet)
    day = local_date(now, zone_name)
    if after_date is not None and day <= after_date:
        day = after_date + DAY
    instant = local_instant(day, wall, zone_name)
    while instant < now:
        day += DAY
        instant = local_instant(day, wall, zone_name)
    return instant


def local_date(moment: datetime, zone_name: str) -> date:
    return moment.astimezone(ZoneInfo(zone_name)).date()


async def plan_unplanned(db: Store, config: Config, now: datetime) -> int:
    """Give every active mother without a slot her next one; returns how many were planned.

    Batches keep each transaction short, so a mother's message is never stuck behind
    planning 100,000 slots."""
    planned = 0
    while True:
        async with db.transaction() as tx:
            rows = await schedule.unplanned(tx, PLAN_BATCH)
            plans = [
                (
                    iso(
                        next_slot(
                            row["checkin_time"],
                            row["timezone"] or config.timezone,
                            now,
                            config.quiet_hours,
                            _date(row["last_prompt_local_date"]),
                        )
                    ),
                    row["id"],
                )
                for row in rows
            ]
            await schedule.set_next(tx, plans)
        planned += len(plans)
        if len(rows) < PLAN_BATCH:
            return planned


def journey_start(baby_birth_date: str | None, created_at: str, zone_name: str) -> date:
    """Snippet weeks count from the birth, else from the day she joined on her own calendar
    (the UTC date is a day off for two or three hours every night in Kyiv)."""
    if baby_birth_date:
        return date.fromisoformat(baby_birth_date)
    return local_date(parse_iso(created_at), zone_name)


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None

"""Figure 8 in a fresh process: planning and claiming a 100,000-mother day on PostgreSQL.

The same mothers, the same day and the same calls as figure 3's SQLite run
(``schedule_child``): plan every slot, claim up to the 09:00 wave 500 slots a transaction, then
the rest of the day. Figure 3 marks the sends before the wave as sent in between (its real
sending window); nothing here depends on that, since claiming reads slots, not sends.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta
from pathlib import Path

import asyncpg

from benchmarks import common
from benchmarks.schedule_child import (
    DAY_START,
    WAVE,
    _Null,
    plan_and_claim,
    plan_and_claim_rest,
)
from bot.config import QuietHours
from bot.runtime import build_runtime


async def insert_mothers(url: str, count: int) -> None:
    """The SQLite figure's mothers, by COPY (setting up, not what is measured), then ANALYZE
    as autovacuum soon would: without it the planner guesses on an empty table's statistics."""
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table(
            "mothers",
            records=common.mother_rows(count, DAY_START - timedelta(days=1)),
            columns=[name.strip() for name in common.MOTHER_COLUMNS.split(",")],
        )
        await conn.execute("ANALYZE mothers")
    finally:
        await conn.close()


async def main(url: str, count: int) -> dict:
    cat = common.catalog()
    quiet = QuietHours(22 * 60, 8 * 60)
    services = await common.services(
        Path("unused.sqlite3"), cat, database_url=url, quiet_hours=quiet
    )
    try:
        await insert_mothers(url, count)
        scheduler = build_runtime(services, _Null()).scheduler  # for its policy
        result: dict = {"mothers": count}
        result |= await plan_and_claim(services, scheduler, WAVE)
        result |= await plan_and_claim_rest(services, scheduler)
    finally:
        await services.close()
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--mothers", type=int, default=100_000)
    args = parser.parse_args()
    common.emit(asyncio.run(main(args.url, args.mothers)))

"""The alternative that was measured and not chosen: one APScheduler job per mother.

100,000 ``CronTrigger`` jobs (her time, her zone) in APScheduler 3's in-memory job store, in a
fresh process: time to add them (what every start-up would cost, since the store is memory),
the memory they hold, and the bookkeeping for the 09:00 wave (each fired job computes its next
run time and is re-sorted in the store), as ``AsyncIOScheduler._process_jobs`` does.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from benchmarks import common
from benchmarks.schedule_child import rss_now_mb


async def prompt() -> None:
    """What a job would run: start her check-in."""


async def main(count: int) -> dict:
    rng = random.Random(42)
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.start(paused=True)
    before = rss_now_mb()
    start = time.perf_counter()
    for n in range(count):
        hour, minute = common.checkin_time(rng).split(":")
        scheduler.add_job(
            prompt,
            CronTrigger(hour=int(hour), minute=int(minute), timezone=common.zone(rng)),
            id=str(n),
            misfire_grace_time=3600,  # explicit: APScheduler 3 defaults to one second
            coalesce=True,
        )
    add_s = time.perf_counter() - start
    held_mb = rss_now_mb() - before
    store = scheduler._jobstores["default"]
    wave = CronTrigger(hour=9, minute=0, timezone="Europe/Kyiv").get_next_fire_time(
        None, datetime.now(UTC)
    )
    start = time.perf_counter()
    due = store.get_due_jobs(wave)
    for job in due:
        following = job.trigger.get_next_fire_time(job.next_run_time, wave)
        job._modify(next_run_time=following)
        store.update_job(job)
    wave_s = time.perf_counter() - start
    scheduler.shutdown(wait=False)
    return {
        "jobs": count,
        "add_s": add_s,
        "jobs_rss_mb": held_mb,
        "wave_jobs": len(due),
        "wave_bookkeeping_s": wave_s,
        "peak_rss_mb": common.peak_rss_mb(),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=100_000)
    common.emit(asyncio.run(main(parser.parse_args().jobs)))

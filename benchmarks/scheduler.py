"""Figures 3 and 4: the schedule at 100,000 mothers, and the APScheduler alternative.

Both run in fresh processes (``schedule_child``, ``jobs_child``) so each peak RSS is its own.
"""

from __future__ import annotations

from typing import Any

from benchmarks import common
from benchmarks.common import Row

RATE = 30.0


def run(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    mothers = 10_000 if quick else 100_000
    window = 5.0 if quick else 20.0
    tick = common.run_child("schedule_child", "--mothers", str(mothers), "--window", str(window))
    jobs = common.run_child("jobs_child", "--jobs", str(mothers))
    return rows(tick, jobs), {"tick": tick, "jobs": jobs}


def rows(tick: dict[str, Any], jobs: dict[str, Any]) -> list[Row]:
    n = f"{tick['mothers']:,}"
    claim = tick["claim_s"] + tick["claim_rest_s"]
    return [
        Row(
            f"3a. Plan every slot for {n} mothers (tick: indexed column)",
            f"{tick['plan_s']:.1f} s",
            f"{jobs['add_s']:.1f} s (APScheduler: add {n} cron jobs)",
            f"{jobs['add_s'] / tick['plan_s']:.0f}× faster",
            note="jobs live in memory: every start-up pays this again",
        ),
        Row(
            "3b. Python memory held by the plan",
            f"{tick['plan_rss_mb']:.0f} MB (rows stay in SQLite)",
            f"{jobs['jobs_rss_mb']:.0f} MB (job objects)",
            "",
        ),
        Row(
            f"3c. Claim a whole day ({tick['claimed_sends'] + 0:,} sends by 09:00, all day)",
            f"{claim:.1f} s",
            f"{jobs['wave_bookkeeping_s']:.1f} s (APScheduler: reschedule the "
            f"{jobs['wave_jobs']:,} jobs of one 09:00 wave)",
            "",
            note="claiming is batched, 50 slots a transaction in the bot",
        ),
        Row(
            "3d. Send rate at the 09:00 wave (real time, PTB → HTTP → fake API)",
            f"{tick['send_rate']:.1f} msg/s",
            f"{RATE:.0f} msg/s configured",
            f"{tick['send_rate'] / RATE:.1%}",
            "≥ 95%, zero 429s",
            f"{tick['rate_429']} 429s from the enforced 30/s + 1/s per chat; "
            f"{tick['window_s']:.0f} s window",
        ),
        Row(
            f"3e. Lateness against her chosen time, whole day ({tick['simulated_sends']:,} "
            "sends, simulated)",
            f"p50 {tick['late_p50_s'] / 60:.1f} / p99 {tick['late_p99_s'] / 60:.1f} / "
            f"max {tick['late_max_s'] / 60:.1f} min",
            f"09:00 Kyiv wave ({tick['wave_size']:,}): p50 {tick['wave_p50_s'] / 60:.1f} / "
            f"p99 {tick['wave_p99_s'] / 60:.1f} / max {tick['wave_max_s'] / 60:.1f} min",
            "",
            note="virtual clock through the real Sender and Pacer",
        ),
        Row(
            f"3f. Peak RSS, {n} mothers (bot and its database; the fake API runs apart)",
            f"{tick['peak_rss_mb']:.0f} MB",
            f"{jobs['peak_rss_mb']:.0f} MB (process holding the jobs only)",
            "",
            "< 250 MB",
        ),
        Row(
            "4. Urgent message latency during the broadcast (real time), p50 / p99",
            f"{tick['urgent_p50_ms']:.0f} ms / {tick['urgent_p99_ms']:.0f} ms",
            "",
            "",
            "p99 < 1 s",
            f"{tick['urgent_n']} urgent sends, queued → Telegram's answer",
        ),
    ]

"""Figures 7, 8 and 9: PostgreSQL and several workers, on one throwaway server for the run.

Figure 8 (planning and claiming a 100,000-mother day) runs in a fresh process like figure 3
and is compared with figure 3's SQLite run of the same run of ``make bench``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from benchmarks import common, pg, workers
from benchmarks.common import Row


def run(quick: bool, sqlite_tick: dict[str, Any], sqlite_crisis: str = "") -> list[Row]:
    """``sqlite_crisis``: the crisis row's figure on SQLite from the same run, if it ran."""
    with pg.server() as server:
        url = asyncio.run(pg.new_database(server, "claim"))
        tick = common.run_child(
            "pg_schedule_child", "--url", url, "--mothers", str(sqlite_tick["mothers"])
        )
        rows = asyncio.run(workers.run_figures(common.catalog(), server, quick, sqlite_crisis))
    return rows[:-1] + claim_rows(tick, sqlite_tick) + rows[-1:]


def claim_rows(tick: dict[str, Any], sqlite_tick: dict[str, Any]) -> list[Row]:
    n = f"{tick['mothers']:,}"
    claim = tick["claim_s"] + tick["claim_rest_s"]
    sqlite_claim = sqlite_tick["claim_s"] + sqlite_tick["claim_rest_s"]
    return [
        Row(
            f"8a. Plan every slot for {n} mothers on PostgreSQL",
            f"{tick['plan_s']:.1f} s",
            f"{sqlite_tick['plan_s']:.1f} s (SQLite, figure 3a)",
            f"{tick['plan_s'] / sqlite_tick['plan_s']:.2f}",
        ),
        Row(
            f"8b. Claim a whole day on PostgreSQL ({tick['claimed_sends']:,} sends by 09:00, "
            "all day)",
            f"{claim:.1f} s",
            f"{sqlite_claim:.1f} s (SQLite, figure 3c)",
            f"{claim / sqlite_claim:.2f}",
            note="the leader alone plans and claims; one worker's pool here",
        ),
    ]

"""``make bench``: run every benchmark, print the table, record it in docs/performance.md.

``--quick`` runs small sizes for a smoke test and records nothing. ``--only report`` runs figure
6 alone and replaces only its row in the recorded table (the others keep their run);
``--only postgres`` does the same for figures 7-9 (with figure 3's SQLite run, their baseline).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import (
    common,
    detector,
    engine,
    fullstack,
    postgres,
    report,
    scheduler,
    sqlite,
)
from benchmarks.common import Row

DOC = common.ROOT / "docs" / "performance.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def table(rows: list[Row]) -> str:
    lines = [
        "| Figure | Measured | Baseline | Ratio | Aim | Note |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {r.figure} | {r.value} | {r.baseline} | {r.ratio} | {r.aim} | {r.note} |" for r in rows
    ]
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores; Linux {platform.release()}; "
        f"Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}"
    )


def record_only(rows: list[Row]) -> None:
    """Replace (or add) these rows in the recorded table, keeping every other row as it was."""
    text = DOC.read_text(encoding="utf-8")
    lines = text.splitlines()
    for row in rows:
        number = row.figure.split(" ", 1)[0]
        fresh = table([row]).splitlines()[-1]
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        recorded = f"{row.note}; recorded {stamp} alone" if row.note else f"recorded {stamp} alone"
        fresh = fresh.replace(f"| {row.note} |", f"| {recorded} |")
        at = next((i for i, ln in enumerate(lines) if ln.startswith(f"| {number} ")), None)
        if at is None:
            at = next(i for i, ln in enumerate(lines) if ln == END)
            lines.insert(at, fresh)
        else:
            lines[at] = fresh
    DOC.write_text("\n".join(lines) + "\n", encoding="utf-8")


def record(rows: list[Row], seconds: float) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = (
        f"{START}\nRecorded {stamp} on: {machine()}. `make bench` took {seconds:.0f} s.\n\n"
        f"{table(rows)}\n{END}"
    )
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else f"# Performance\n\n{START}\n{END}\n"
    DOC.write_text(
        re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _m: block, text, flags=re.S),
        encoding="utf-8",
    )


async def run_in_process(quick: bool) -> list[Row]:
    cat = common.catalog()
    rows = engine.run(cat, quick)
    rows += await fullstack.run(cat, quick)
    rows += await sqlite.run(cat, quick)
    with tempfile.TemporaryDirectory() as scratch:
        rows += detector.run(quick, Path(scratch))
    return rows


def postgres_only(quick: bool) -> list[Row]:
    """Figures 7-9 with their SQLite baseline for figure 8 (figure 3's child, run again)."""
    _rows, raw = scheduler.run(quick)
    return postgres.run(quick, raw["tick"])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, record nothing")
    parser.add_argument(
        "--only", choices=["report", "postgres"], help="run those figures, update their rows"
    )
    args = parser.parse_args()
    if args.only:
        rows = report.run(args.quick) if args.only == "report" else postgres_only(args.quick)
        print(table(rows))
        if not args.quick:
            record_only(rows)
        return
    began = time.perf_counter()
    schedule_rows, raw = scheduler.run(args.quick)
    rows = asyncio.run(run_in_process(args.quick))
    rows += report.run(args.quick)
    crisis = next(r.value for r in rows if r.figure.startswith("Crisis message"))
    rows += postgres.run(args.quick, raw["tick"], crisis)
    rows = rows[:3] + schedule_rows + rows[3:]
    seconds = time.perf_counter() - began
    print(table(rows))
    print(f"\n{seconds:.0f} s on {machine()}")
    if not args.quick:
        record(rows, seconds)
        print(f"recorded in {DOC.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()

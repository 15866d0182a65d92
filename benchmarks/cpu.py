"""CPU seconds spent by a process tree, read from /proc: where two cores went during a run.

Throughput on a two-core machine is capped by the cores, not by any one part, so figure 7
says how the CPU time of a run divides between the bot's processes, PostgreSQL's and the
benchmark's own (the fake Bot API and the simulated mothers), beside the wall-clock time.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of one process, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def tree_seconds(root: int) -> float:
    """CPU seconds of ``root`` and every living descendant (a worker that exited is lost)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            stats[int(entry.name)] = stat
    total, seen, todo = 0.0, set(), [root]
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in stats:
            continue
        seen.add(pid)
        total += stats[pid][1]
        todo += [child for child, (parent, _s) in stats.items() if parent == pid]
    return total


@dataclass(frozen=True)
class Split:
    """CPU seconds over one measured stretch: the bot, the database server, this process."""

    wall: float
    bot: float
    database: float | None
    driver: float

    def describe(self) -> str:
        used = self.bot + (self.database or 0.0) + self.driver
        server = "" if self.database is None else f", PostgreSQL {self.database:.1f}"
        cores = (os.cpu_count() or 1) * self.wall
        return (
            f"CPU s: bot {self.bot:.1f}{server}, fake API and mothers {self.driver:.1f}; "
            f"{used:.1f} of the {cores:.1f} the cores had in {self.wall:.1f} s"
        )


class Meter:
    """Started before and stopped after the stretch measured."""

    def __init__(self, bot: int, database: int | None) -> None:
        self._bot, self._database = bot, database
        self._start = self._read()

    def _read(self) -> tuple[float, float, float, float]:
        database = tree_seconds(self._database) if self._database else 0.0
        return (time.perf_counter(), tree_seconds(self._bot), database, time.process_time())

    def stop(self) -> Split:
        end = self._read()
        wall, bot, database, driver = (b - a for a, b in zip(self._start, end, strict=True))
        return Split(wall, bot, database if self._database else None, driver)

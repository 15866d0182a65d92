"""Shared pieces: a result row, timing helpers, building services and mothers in bulk."""

from __future__ import annotations

import json
import random
import resource
import sqlite3
import subprocess
import sys
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import iso
from bot.config import Config
from bot.runtime import load_catalog
from bot.services import Catalog, Services

ROOT = Path(__file__).resolve().parents[1]
ZONES = (  # (zone, share): several zones, most mothers in Ukraine
    ("Europe/Kyiv", 0.70),
    ("Europe/Warsaw", 0.12),
    ("Europe/Berlin", 0.08),
    ("Europe/London", 0.06),
    ("America/Toronto", 0.04),
)
STAFF_CHAT = -1001


@dataclass
class Row:
    """One line of the results table."""

    figure: str
    value: str
    baseline: str
    ratio: str
    aim: str = ""
    note: str = ""


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def catalog() -> Catalog:
    return load_catalog(Config(dialogs_dir=ROOT / "dialogs", content_dir=ROOT / "content"))


async def services(path: Path, cat: Catalog, **config: Any) -> Services:
    base = Config(
        database_path=path,
        dialogs_dir=ROOT / "dialogs",
        content_dir=ROOT / "content",
        staff_chat_id=STAFF_CHAT,
    )
    return await Services.start(replace(base, **config), cat)


def checkin_time(rng: random.Random) -> str:
    """40% pick 09:00; the rest spread over 07:00-21:45 in quarter hours."""
    if rng.random() < 0.4:
        return "09:00"
    minute = rng.randrange(7 * 4, 22 * 4) * 15
    return f"{minute // 60:02d}:{minute % 60:02d}"


def zone(rng: random.Random) -> str:
    pick = rng.random()
    for name, share in ZONES:
        if pick < share:
            return name
        pick -= share
    return ZONES[0][0]


MOTHER_COLUMNS = (
    "chat_id, pseudonym, language, consent, consent_at, checkin_time,"
    " timezone, baby_birth_date, created_at, updated_at"
)


def mother_rows(count: int, now: datetime, first_chat: int = 1_000_000) -> list[tuple[Any, ...]]:
    """Consented, active mothers as ``MOTHER_COLUMNS`` rows: the same ones on every backend."""
    rng = random.Random(42)
    stamp = iso(now)
    return [
        (
            first_chat + n,
            f"m-{n:010x}",
            "uk",
            "given",
            stamp,
            checkin_time(rng),
            zone(rng),
            (now.date() - timedelta(days=rng.randrange(0, 365))).isoformat(),
            stamp,
            stamp,
        )
        for n in range(count)
    ]


def insert_mothers(path: Path, count: int, now: datetime, first_chat: int = 1_000_000) -> None:
    """Consented, active mothers straight into SQLite (setting up, not what is measured)."""
    with sqlite3.connect(path) as conn:
        conn.executemany(
            f"INSERT INTO mothers ({MOTHER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            mother_rows(count, now, first_chat),
        )


def run_child(module: str, *args: str) -> dict[str, Any]:
    """Run ``python -m benchmarks.<module>`` in a fresh process (its own peak RSS)."""
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks.{module} failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def emit(result: dict[str, Any]) -> None:
    """A child's result: one JSON line on stdout."""
    print(json.dumps(result))


def as_dict(row: Row) -> dict[str, str]:
    return asdict(row)

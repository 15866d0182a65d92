"""A year of a large clinic, written straight into SQLite for the report benchmark.

100,000 mothers join evenly over the year. Each checks in on a share of her days that falls
week by week (80% in her first week, down to a floor of 15%), is offered EPDS at 2, 6, 12 and
24 weeks after joining (about 60% answer), and gets the alerts her answers would raise, each
delivered, acknowledged, contacted and resolved by staff with realistic delays. Only the rows
the report reads are written (the check-in mood, not the five other answers a check-in saves:
they sit outside the report's index and cost it nothing).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

YEAR_DAYS = 365
EPDS_WEEKS = (2, 6, 12, 24)
STAFF = ("Iryna (101)", "Oksana (102)", "Marta (103)")


def _stamp(base: datetime, seconds: np.ndarray) -> list[str]:
    """ISO stamps as the bot writes them, for an array of offsets in seconds from ``base``."""
    start = np.datetime64(base.replace(tzinfo=None), "us")
    moments = start + (seconds * 1_000_000).astype("timedelta64[us]")
    return [f"{m}Z" for m in np.datetime_as_string(moments, unit="us")]


def seed(path: Path, mothers: int, until: datetime, rng_seed: int = 7) -> dict[str, int]:
    """Write the rows; the schema must exist already. Returns the row counts written."""
    rng = np.random.default_rng(rng_seed)
    since = until - timedelta(days=YEAR_DAYS)
    join_day = rng.integers(0, YEAR_DAYS, mothers)
    join_sec = join_day * 86400 + rng.integers(7 * 3600, 20 * 3600, mothers)
    birth_days = join_day - rng.integers(0, 60, mothers)
    ids = np.arange(1, mothers + 1)
    joined = _stamp(since, join_sec.astype(float))
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA synchronous=OFF")
        conn.executemany(
            "INSERT INTO mothers (id, chat_id, pseudonym, language, consent, consent_at,"
            " name, baby_birth_date, checkin_time, timezone, created_at, updated_at)"
            " VALUES (?, ?, ?, 'uk', 'given', ?, ?, ?, '09:00', 'Europe/Kyiv', ?, ?)",
            (
                (
                    int(i),
                    1_000_000 + int(i),
                    f"m-{i:010x}",
                    joined[i - 1],
                    f"Mother {i}",
                    (since.date() + timedelta(days=int(birth_days[i - 1]))).isoformat(),
                    joined[i - 1],
                    joined[i - 1],
                )
                for i in ids
            ),
        )
        moods = _checkins(conn, rng, since, join_day)
        screenings, alert_count, audit_count = _screenings_and_alerts(
            conn, rng, since, until, join_day, join_sec
        )
    return {
        "mothers": mothers,
        "moods": moods,
        "screenings": screenings,
        "alerts": alert_count,
        "audit": audit_count,
    }


def _checkins(
    conn: sqlite3.Connection, rng: np.random.Generator, since: datetime, join_day: np.ndarray
) -> int:
    """Check-in moods, one per day she checked in, at a time of day around her 09:00."""
    tenure = YEAR_DAYS - join_day
    mother = np.repeat(np.arange(1, len(join_day) + 1), tenure)
    starts = np.repeat(np.cumsum(tenure) - tenure, tenure)
    day_of_tenure = np.arange(len(mother)) - starts
    share = np.maximum(0.15, 0.8 * 0.93 ** (day_of_tenure // 7))
    kept = rng.random(len(mother)) < share
    mother, day_of_tenure = mother[kept], day_of_tenure[kept]
    day = join_day[mother - 1] + day_of_tenure
    seconds = day * 86400 + 6 * 3600 + rng.integers(0, 6 * 3600, len(day))
    mood = rng.choice([1, 2, 3, 4, 5], len(day), p=[0.06, 0.12, 0.32, 0.32, 0.18])
    stamps = _stamp(since, seconds.astype(float))
    conn.executemany(
        "INSERT INTO answers (mother_id, flow, key, value, created_at)"
        " VALUES (?, 'checkin', 'mood', ?, ?)",
        zip(mother.tolist(), mood.astype(str).tolist(), stamps, strict=True),
    )
    return len(stamps)


def _screenings_and_alerts(
    conn: sqlite3.Connection,
    rng: np.random.Generator,
    since: datetime,
    until: datetime,
    join_day: np.ndarray,
    join_sec: np.ndarray,
) -> tuple[int, int, int]:
    screenings: list[tuple[int, int, str, str]] = []
    alerts: list[tuple[object, ...]] = []
    audit: list[tuple[object, ...]] = []
    year_seconds = YEAR_DAYS * 86400
    baseline = np.clip(rng.normal(9, 5, len(join_day)), 0, 30)
    for index, week in enumerate(EPDS_WEEKS):
        at = join_sec + week * 7 * 86400 + rng.integers(0, 3 * 86400, len(join_day))
        answered = (at < year_seconds) & (rng.random(len(join_day)) < 0.6)
        score = np.clip(baseline - index * 1.2 + rng.normal(0, 2.5, len(join_day)), 0, 30)
        q10 = (rng.random(len(join_day)) < 0.02).astype(int)
        chosen = np.nonzero(answered)[0]
        for m, stamp in zip(chosen, _stamp(since, at[chosen].astype(float)), strict=True):
            total = int(score[m])
            items = {f"q{n}": 0 for n in range(1, 10)} | {"q10": int(q10[m])}
            screenings.append((int(m) + 1, total, json.dumps(items), stamp))
            if q10[m] or total >= 13:
                urgent = bool(q10[m])
                alerts.append((int(m) + 1, urgent, int(at[m]), f"{index}:{m}"))
    conn.executemany(
        "INSERT INTO assessments (mother_id, kind, score, items, created_at)"
        " VALUES (?, 'epds', ?, ?, ?)",
        screenings,
    )
    rows = []
    for alert_id, (mother, urgent, at, key) in enumerate(alerts, start=1):
        ack = at + int(rng.lognormal(np.log(300 if urgent else 5400), 1.0))
        contacted = ack + int(rng.lognormal(np.log(1800 if urgent else 14400), 0.8))
        resolved = contacted + int(rng.lognormal(np.log(86400), 0.5))
        repeats = int((ack - at) // 900) if urgent else 0
        stamps = _stamp(since, np.array([at, at + 2, ack, contacted, resolved], dtype=float))
        done = stamps
        open_now = resolved >= (until - since).total_seconds()
        rows.append(
            (
                alert_id,
                mother,
                f"m-{mother:010x}",
                "urgent" if urgent else "routine",
                "epds_item10" if urgent else "epds_probable",
                "{}",
                key,
                "contacted" if open_now else "resolved",
                done[0],
                done[1],
                done[2],
                repeats,
            )
        )
        actor = STAFF[alert_id % len(STAFF)]
        subject = f"m-{mother:010x}"
        audit.append(("system", "delivered", alert_id, subject, done[1]))
        audit.append((actor, "acknowledged", alert_id, subject, done[2]))
        audit.append((actor, "contacted", alert_id, subject, done[3]))
        if not open_now:
            audit.append((actor, "resolved", alert_id, subject, done[4]))
    conn.executemany(
        "INSERT INTO alerts (id, mother_id, pseudonym, priority, rule, detail, dedup_key, status,"
        " created_at, delivered_at, acknowledged_at, repeats) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
        " ?, ?, ?, ?)",
        rows,
    )
    conn.executemany(
        "INSERT INTO audit_log (actor, action, alert_id, subject, at) VALUES (?, ?, ?, ?, ?)",
        audit,
    )
    return len(screenings), len(rows), len(audit)


def default_until() -> datetime:
    return datetime(2026, 12, 1, tzinfo=UTC)

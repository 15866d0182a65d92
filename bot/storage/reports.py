"""The reads behind the clinic lead's report, the caseload and the outcomes (all its SQL).

Each query returns plain rows or small aggregates; percentiles, day/night, weeks and wording are
worked out in ``bot/reports``. The heavy ones (a year of check-ins for 100,000 mothers) aggregate
inside SQLite and read the covering indexes of ``0004_reports.sql``, so what crosses into Python
is one row per mother at most, never one per answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.clock import iso
from bot.storage.tx import Row, Tx

MOOD = "flow = 'checkin' AND key = 'mood'"


# The few functions SQLite and PostgreSQL spell differently; everything else is shared SQL.
def _epoch(tx: Tx, stamp: str) -> str:
    """Whole seconds since 1970 of an ISO timestamp column (SQLite's unixepoch truncates)."""
    if tx.dialect == "sqlite":
        return f"unixepoch({stamp})"
    return f"floor(extract(epoch FROM ({stamp})::timestamptz))::bigint"


def _json_number(tx: Tx, column: str, key: str) -> str:
    if tx.dialect == "sqlite":
        return f"json_extract({column}, '$.{key}')"
    return f"({column}::jsonb ->> '{key}')::numeric"


def _days_list(tx: Tx, expr: str) -> str:
    """The distinct values of ``expr`` as one comma-separated text."""
    if tx.dialect == "sqlite":
        return f"group_concat(DISTINCT {expr})"
    return f"string_agg(DISTINCT ({expr})::text, ',')"


def _least(tx: Tx, first: str, second: str) -> str:
    return f"{'MIN' if tx.dialect == 'sqlite' else 'LEAST'}({first}, {second})"


def _weeks_between(tx: Tx, later: str, date: str) -> str:
    """Whole weeks from a YYYY-MM-DD date to a timestamp, truncated toward zero."""
    if tx.dialect == "sqlite":
        return f"CAST((julianday({later}) - julianday({date})) / 7 AS INTEGER)"
    return (
        f"trunc(extract(epoch FROM ({later})::timestamptz - ({date} || 'T00:00:00Z')::timestamptz)"
        " / 604800)::integer"
    )


@dataclass(frozen=True)
class AlertFacts:
    """One alert's timeline (the ``alert_timeline`` view)."""

    id: int
    priority: str
    rule: str
    status: str
    created_at: datetime
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    contacted_at: datetime | None
    resolved_at: datetime | None
    repeats: int


@dataclass(frozen=True)
class CaseRow:
    """A mother on the caseload: who, why (``value``: a score, a streak, days silent), since
    when, and her latest alert (the button that opens /case)."""

    mother_id: int
    pseudonym: str
    name: str | None
    username: str | None
    value: int
    at: datetime
    alert_id: int | None


def _at(stamp: str) -> datetime:
    """``parse_iso`` for many rows: ``fromisoformat`` reads the same stamps ten times faster."""
    return datetime.fromisoformat(stamp)


def _when(stamp: str | None) -> datetime | None:
    return _at(stamp) if stamp else None


async def alerts_between(tx: Tx, since: datetime, until: datetime) -> list[AlertFacts]:
    """Alerts raised in [since, until), with their delivery and staff actions (the columns
    of ``alert_timeline`` the report needs, without its per-row look-ups of names)."""
    rows = await tx.fetchall(
        "SELECT id AS alert_id, priority, rule, status, created_at, delivered_at,"
        " acknowledged_at, repeats,"
        " (SELECT MIN(at) FROM audit_log l WHERE l.alert_id = a.id AND l.action = 'contacted')"
        "   AS contacted_at,"
        " (SELECT MIN(at) FROM audit_log l WHERE l.alert_id = a.id AND l.action = 'resolved')"
        "   AS resolved_at"
        " FROM alerts a WHERE created_at >= ? AND created_at < ? ORDER BY id",
        (iso(since), iso(until)),
    )
    return [
        AlertFacts(
            id=r["alert_id"],
            priority=r["priority"],
            rule=r["rule"],
            status=r["status"],
            created_at=_at(r["created_at"]),
            delivered_at=_when(r["delivered_at"]),
            acknowledged_at=_when(r["acknowledged_at"]),
            contacted_at=_when(r["contacted_at"]),
            resolved_at=_when(r["resolved_at"]),
            repeats=int(r["repeats"]),
        )
        for r in rows
    ]


async def unresolved_alerts(tx: Tx, until: datetime) -> list[tuple[int, str, datetime]]:
    """Every alert raised before ``until`` and not resolved: (id, priority, created_at)."""
    rows = await tx.fetchall(
        "SELECT id, priority, created_at FROM alerts WHERE status != 'resolved'"
        " AND created_at < ? ORDER BY id",
        (iso(until),),
    )
    return [(int(r["id"]), str(r["priority"]), _at(r["created_at"])) for r in rows]


_CASE_COLUMNS = (
    "m.id AS mother_id, m.pseudonym, COALESCE(m.name, m.first_name) AS name, m.username,"
    " (SELECT MAX(id) FROM alerts WHERE alerts.mother_id = m.id) AS alert_id"
)


def _case(row: Row, value: int, at: str) -> CaseRow:
    return CaseRow(
        mother_id=int(row["mother_id"]),
        pseudonym=str(row["pseudonym"]),
        name=row["name"],
        username=row["username"],
        value=value,
        at=_at(at),
        alert_id=row["alert_id"],
    )


async def high_epds_not_contacted(tx: Tx, cutoff: int, until: datetime) -> list[CaseRow]:
    """Mothers whose latest EPDS (before ``until``) is at or above ``cutoff`` or has item 10
    above 0, and whose alerts have no 'contacted' at or after that screening."""
    rows = await tx.fetchall(
        "WITH latest AS (SELECT mother_id, MAX(id) AS id FROM assessments"
        "   WHERE kind = 'epds' AND created_at < ? GROUP BY mother_id)"
        f" SELECT {_CASE_COLUMNS}, s.score, s.created_at AS at"
        " FROM latest JOIN assessments s ON s.id = latest.id JOIN mothers m ON m.id = s.mother_id"
        f" WHERE (s.score >= ? OR COALESCE({_json_number(tx, 's.items', 'q10')}, 0) > 0)"
        "   AND NOT EXISTS (SELECT 1 FROM alerts a JOIN audit_log l ON l.alert_id = a.id"
        "     WHERE a.mother_id = m.id AND l.action = 'contacted' AND l.at >= s.created_at)"
        " ORDER BY s.score DESC, s.created_at",
        (iso(until), cutoff),
    )
    return [_case(r, int(r["score"]), r["at"]) for r in rows]


# Her latest mood, as "created_at value", for each active mother who consented: one probe of
# the mood index per mother, cheaper than grouping millions of answers.
_LAST_MOOD = (
    "WITH last AS (SELECT m.id AS mid, (SELECT created_at || ' ' || value FROM answers"
    f"   WHERE {MOOD} AND mother_id = m.id AND created_at < ? ORDER BY created_at DESC LIMIT 1)"
    "   AS mood FROM mothers m WHERE m.status = 'active' AND m.consent = 'given'),"
    " lows AS (SELECT mid, substr(mood, 1, 27) AS at FROM last WHERE mood IS NOT NULL"
    "   AND CAST(substr(mood, 29) AS REAL) <= ?)"
)


async def low_mood_streaks(
    tx: Tx, low_max: float, streak: int, since: datetime, until: datetime
) -> list[CaseRow]:
    """Active mothers whose latest ``streak`` moods before ``until`` are all low, the latest
    one after ``since`` (an older streak is a silence, not a current streak)."""
    rows = await tx.fetchall(
        f"{_LAST_MOOD} SELECT {_CASE_COLUMNS}, lows.at FROM lows JOIN mothers m ON m.id = lows.mid"
        " WHERE lows.at >= ? AND (SELECT COUNT(*) FROM (SELECT value FROM answers"
        f"   WHERE {MOOD} AND mother_id = m.id AND created_at < ?"
        "   ORDER BY created_at DESC LIMIT ?) AS recent WHERE CAST(value AS REAL) <= ?) = ?"
        " ORDER BY lows.at",
        (iso(until), low_max, iso(since), iso(until), streak, low_max, streak),
    )
    return [_case(r, streak, r["at"]) for r in rows]


async def silent_after_low(
    tx: Tx,
    low_max: float,
    look_back: datetime,
    silent_since: datetime,
    until: datetime,
) -> list[CaseRow]:
    """Active mothers whose last mood before ``until`` was low, came after ``look_back`` and
    before ``silent_since``: nothing from them since a low day. ``value`` is 0 (the caller counts
    the days from ``at``)."""
    rows = await tx.fetchall(
        f"{_LAST_MOOD} SELECT {_CASE_COLUMNS}, lows.at FROM lows JOIN mothers m ON m.id = lows.mid"
        " WHERE lows.at >= ? AND lows.at < ? ORDER BY lows.at",
        (iso(until), low_max, iso(look_back), iso(silent_since)),
    )
    return [_case(r, 0, r["at"]) for r in rows]


async def epds_first_latest(
    tx: Tx, since: datetime, until: datetime
) -> list[tuple[int, int, int, int]]:
    """For the mothers screened in [since, until): their first and latest EPDS before
    ``until``, as (first, latest, screenings, how many mothers), grouped."""
    rows = await tx.fetchall(
        "WITH followed AS (SELECT DISTINCT mother_id FROM assessments"
        "   WHERE kind = 'epds' AND created_at >= ? AND created_at < ?),"
        " pairs AS (SELECT"
        "   (SELECT score FROM assessments s WHERE s.mother_id = f.mother_id AND s.kind = 'epds'"
        "     AND s.created_at < ? ORDER BY s.created_at, s.id LIMIT 1) AS first,"
        "   (SELECT score FROM assessments s WHERE s.mother_id = f.mother_id AND s.kind = 'epds'"
        "     AND s.created_at < ? ORDER BY s.created_at DESC, s.id DESC LIMIT 1) AS latest,"
        "   "
        + _least(
            tx,
            "2",
            "(SELECT COUNT(*) FROM assessments s WHERE s.mother_id = f.mother_id"
            " AND s.kind = 'epds' AND s.created_at < ?)",
        )
        + " AS n FROM followed f)"
        " SELECT first, latest, n, COUNT(*) FROM pairs GROUP BY first, latest, n",
        (iso(since), iso(until), iso(until), iso(until), iso(until)),
    )
    return [(int(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows]


async def epds_by_birth_week(
    tx: Tx, since: datetime, until: datetime
) -> list[tuple[int, int, int]]:
    """EPDS results of [since, until) as (weeks since her baby's birth, score, how many)."""
    rows = await tx.fetchall(
        f"SELECT {_weeks_between(tx, 's.created_at', 'm.baby_birth_date')} AS week, s.score,"
        " COUNT(*) FROM assessments s JOIN mothers m ON m.id = s.mother_id"
        " WHERE s.kind = 'epds' AND s.created_at >= ? AND s.created_at < ?"
        " AND m.baby_birth_date IS NOT NULL GROUP BY week, s.score",
        (iso(since), iso(until)),
    )
    return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]


@dataclass(frozen=True)
class CheckinDays:
    """Mother by mother: her joining day and how many distinct days she checked in
    (``joined[i]``, ``counts[i]``); ``days`` holds all those days, mother after mother."""

    joined: list[int]
    counts: list[int]
    days: list[int]


async def checkin_days(tx: Tx, since: datetime, until: datetime, offset: int) -> CheckinDays:
    """Per mother with a check-in in [since, until): her joining day and the distinct days she
    checked in, as days since 1970-01-01 in the clinic's calendar (``offset`` seconds from UTC).

    The days come back as one comma-separated list per mother: grouping by mother follows the
    index order, so SQLite de-duplicates each mother's days in a small tree instead of sorting
    millions of rows.
    """
    rows = await tx.fetchall(
        f"SELECT ({_epoch(tx, 'COALESCE(m.consent_at, m.created_at)')} + ?) / 86400, g.days"
        " FROM (SELECT mother_id,"
        f" {_days_list(tx, '(' + _epoch(tx, 'created_at') + ' + ?) / 86400')}"
        f"   AS days FROM answers WHERE {MOOD} AND created_at >= ? AND created_at < ?"
        "   GROUP BY mother_id) g JOIN mothers m ON m.id = g.mother_id",
        (offset, offset, iso(since), iso(until)),
    )
    lists = [str(r[1]) for r in rows]
    return CheckinDays(
        joined=[int(r[0]) for r in rows],
        counts=[text.count(",") + 1 for text in lists],
        days=json.loads(f"[{','.join(lists)}]"),
    )


async def joining_days(tx: Tx, until: datetime, offset: int) -> list[tuple[int, int]]:
    """(joining day, how many mothers) for the mothers who consented before ``until``; days
    as in :func:`checkin_days`."""
    rows = await tx.fetchall(
        f"SELECT ({_epoch(tx, 'COALESCE(consent_at, created_at)')} + ?) / 86400 AS day,"
        " COUNT(*) FROM mothers WHERE consent = 'given' AND COALESCE(consent_at, created_at) < ?"
        " GROUP BY day",
        (offset, iso(until)),
    )
    return [(int(r[0]), int(r[1])) for r in rows]

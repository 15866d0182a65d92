"""The report's figures, worked out from what ``bot/storage/reports.py`` reads. Pure: no
database, no clock, no words; the same ``Report`` feeds the staff chat and the HTML file.

Definitions (they are also printed under the report):
- Response times run from the moment an alert was raised (not delivered): a routine alert held
  overnight counts its night, which is what the mother waited.
- "Night" is outside the clinic's working hours in ``content/clinic.yaml`` (evenings, nights,
  weekends, closed days), judged at the moment the alert was raised; "day" is inside them.
- Percentiles are nearest-rank: p50 of 1, 2, 3, 4 minutes is 2, p90 is 4.
- Adherence: for week N since she joined (consented), the days she checked in over the days
  she had, counting only days inside the period; days are the clinic's calendar days.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from bot.priority import Priority
from bot.storage.reports import AlertFacts, CaseRow, CheckinDays

PRIORITIES = tuple(priority.value for priority in Priority)
SHIFTS = ("day", "night")
STEPS = ("acknowledge", "contacted")
BELOW = 10  # EPDS under 10: below the "possible depression" range
MIN_CELL = 3  # a week on the EPDS chart needs this many results (no single mother's score)


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime

    @property
    def days(self) -> int:
        return max(1, round((self.until - self.since) / timedelta(days=1)))


@dataclass(frozen=True)
class Timing:
    """Minutes from alert to a staff action: p50, p90 and how many alerts had that action."""

    p50: float | None
    p90: float | None
    count: int
    missing: int  # alerts of this group still without that action


@dataclass(frozen=True)
class OpenAlerts:
    urgent: int
    routine: int
    oldest: timedelta | None
    ages: dict[str, int]  # bucket label ("<1d", "1-3d", "3-7d", ">7d") -> count


@dataclass(frozen=True)
class Caseload:
    high_epds: list[CaseRow]
    low_streak: list[CaseRow]
    silent: list[CaseRow]


@dataclass(frozen=True)
class WeekBand:
    week: int
    count: int
    p25: float
    median: float
    p75: float


@dataclass(frozen=True)
class Outcomes:
    followed: int  # mothers screened in the period
    paired: int  # of them, with two or more screenings
    mean_first: float | None  # over the paired
    mean_latest: float | None
    improved: int  # paired whose latest is lower than their first
    latest_below: int  # followed whose latest is below 10
    by_birth_week: list[WeekBand]


@dataclass(frozen=True)
class Adherence:
    week: int  # 1 = her first seven days
    days_with: int
    days: int

    @property
    def share(self) -> float:
        return self.days_with / self.days if self.days else 0.0


@dataclass(frozen=True)
class Report:
    period: Period
    made_at: datetime
    by_reason: dict[tuple[str, str], int]  # (priority, rule) -> alerts
    times: dict[tuple[str, str, str], Timing]  # (priority, day|night, step)
    open_alerts: OpenAlerts
    repeated: list[tuple[int, int]]  # urgent (alert id, repeats), most first
    caseload: Caseload
    outcomes: Outcomes
    adherence: list[Adherence] = field(default_factory=list)

    @property
    def urgent(self) -> int:
        return sum(n for (p, _), n in self.by_reason.items() if p == "urgent")

    @property
    def routine(self) -> int:
        return sum(n for (p, _), n in self.by_reason.items() if p == "routine")


def percentile(values: list[float], share: float) -> float | None:
    """Nearest rank: the smallest value with at least ``share`` of the values at or below."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def by_reason(found: list[AlertFacts]) -> dict[tuple[str, str], int]:
    return dict(Counter((a.priority, a.rule) for a in found))


def response_times(
    found: list[AlertFacts], is_day: Iterable[bool]
) -> dict[tuple[str, str, str], Timing]:
    """p50/p90 minutes to acknowledge and to contacted, per priority and day/night."""
    groups: dict[tuple[str, str, str], list[float]] = {}
    missing: Counter[tuple[str, str, str]] = Counter()
    for alert, day in zip(found, is_day, strict=True):
        shift = "day" if day else "night"
        steps = (("acknowledge", alert.acknowledged_at), ("contacted", alert.contacted_at))
        for step, done in steps:
            key = (alert.priority, shift, step)
            groups.setdefault(key, [])
            if done is None:
                missing[key] += 1
            else:
                groups[key].append((done - alert.created_at) / timedelta(minutes=1))
    return {
        (p, s, step): Timing(
            percentile(groups.get((p, s, step), []), 0.5),
            percentile(groups.get((p, s, step), []), 0.9),
            len(groups.get((p, s, step), [])),
            missing[(p, s, step)],
        )
        for p in PRIORITIES
        for s in SHIFTS
        for step in STEPS
    }


AGE_BUCKETS = (("<1d", 1), ("1-3d", 3), ("3-7d", 7), (">7d", None))


def open_alerts(unresolved: list[tuple[int, str, datetime]], now: datetime) -> OpenAlerts:
    ages = dict.fromkeys([label for label, _ in AGE_BUCKETS], 0)
    oldest = None
    for _, _, created in unresolved:
        age = now - created
        oldest = age if oldest is None or age > oldest else oldest
        days = age / timedelta(days=1)
        label = next(lbl for lbl, upper in AGE_BUCKETS if upper is None or days < upper)
        ages[label] += 1
    return OpenAlerts(
        urgent=sum(1 for _, p, _ in unresolved if p == "urgent"),
        routine=sum(1 for _, p, _ in unresolved if p == "routine"),
        oldest=oldest,
        ages=ages,
    )


def repeated(found: list[AlertFacts]) -> list[tuple[int, int]]:
    hits = [(a.id, a.repeats) for a in found if a.priority == "urgent" and a.repeats > 0]
    return sorted(hits, key=lambda hit: (-hit[1], hit[0]))


def outcomes(
    pairs: list[tuple[int, int, int, int]], by_week: list[tuple[int, int, int]]
) -> Outcomes:
    """``pairs``: (first, latest, 1 or 2+ screenings, mothers); ``by_week``: (week, score, n)."""
    followed = sum(n for *_, n in pairs)
    paired = [(first, latest, n) for first, latest, count, n in pairs if count >= 2]
    paired_count = sum(n for *_, n in paired)
    return Outcomes(
        followed=followed,
        paired=paired_count,
        mean_first=sum(f * n for f, _, n in paired) / paired_count if paired_count else None,
        mean_latest=sum(lt * n for _, lt, n in paired) / paired_count if paired_count else None,
        improved=sum(n for f, lt, n in paired if lt < f),
        latest_below=sum(n for _, latest, _, n in pairs if latest < BELOW),
        by_birth_week=week_bands(by_week),
    )


def week_bands(by_week: list[tuple[int, int, int]]) -> list[WeekBand]:
    """Quartiles of the scores per week since birth; weeks with fewer than ``MIN_CELL``
    results are left out, so no point on the chart is one mother's score."""
    scores: dict[int, list[int]] = {}
    for week, score, count in by_week:
        if week >= 0:
            scores.setdefault(week, []).extend([score] * count)
    bands = []
    for week in sorted(scores):
        values = [float(v) for v in scores[week]]
        if len(values) < MIN_CELL:
            continue
        q25, q50, q75 = (percentile(values, share) for share in (0.25, 0.5, 0.75))
        assert q25 is not None and q50 is not None and q75 is not None
        bands.append(WeekBand(week, len(values), q25, q50, q75))
    return bands


def adherence(
    checkins: CheckinDays,
    joined: list[tuple[int, int]],
    first_day: int,
    end_day: int,
    max_weeks: int = 52,
) -> list[Adherence]:
    """Share of days with a check-in by week since joining, for days in [first_day, end_day).

    ``checkins``: the days each mother checked in; ``joined``: (joining day, mothers).
    Days are day numbers; a week's days outside the period are not counted.
    """
    with_checkin = np.zeros(max_weeks, dtype=np.int64)
    if checkins.days:
        days = np.array(checkins.days, dtype=np.int64)
        offsets = days - np.repeat(np.array(checkins.joined, dtype=np.int64), checkins.counts)
        weeks = offsets[(offsets >= 0) & (days >= first_day) & (days < end_day)] // 7
        counted = np.bincount(weeks[weeks < max_weeks], minlength=max_weeks)
        with_checkin += counted[:max_weeks]
    possible = np.zeros(max_weeks, dtype=np.int64)
    for start, mothers in joined:
        for week in range(max_weeks):
            low, high = max(start + 7 * week, first_day), min(start + 7 * week + 7, end_day)
            if start + 7 * week >= end_day:
                break
            if high > low:
                possible[week] += (high - low) * mothers
    return [
        Adherence(week + 1, int(with_checkin[week]), int(possible[week]))
        for week in range(max_weeks)
        if possible[week]
    ]

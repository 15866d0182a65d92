"""Read a period's figures from the database into a ``Report`` (one read transaction).

The thresholds are the escalation rules' own (``content/escalation.yaml``): the caseload's
"high EPDS" is the score that raises a routine alert, its low-mood streak the one that does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.content.clinic_hours import WorkingHours
from bot.reports import figures
from bot.reports.figures import Caseload, Period, Report
from bot.safety.escalation import Escalation
from bot.storage import reports
from bot.storage.tx import Tx

SILENT_DAYS = 7  # "silent for 7+ days after a low day"
STREAK_LOOK_BACK = timedelta(days=30)  # a streak whose moods are all older is not current
SILENT_LOOK_BACK = timedelta(days=90)  # silent longer than this: she has left, not slipped


@dataclass(frozen=True)
class Rules:
    """What the report needs from the configuration and the clinic's YAML."""

    hours: WorkingHours
    zone: ZoneInfo
    epds_cutoff: int
    low_mood_max: float
    low_mood_streak: int

    @classmethod
    def of(cls, hours: WorkingHours, zone: ZoneInfo, escalation: Escalation) -> Rules:
        return cls(
            hours=hours,
            zone=zone,
            epds_cutoff=int(escalation.threshold("epds_routine")),
            low_mood_max=escalation.threshold("low_mood_max"),
            low_mood_streak=int(escalation.threshold("low_mood_streak")),
        )


EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def local_day(moment: datetime, zone: ZoneInfo) -> int:
    """The clinic's calendar day at ``moment``, as days since 1970-01-01."""
    return moment.astimezone(zone).date().toordinal() - EPOCH_ORDINAL


def full_days(period: Period, zone: ZoneInfo) -> tuple[int, int]:
    """The clinic's whole days inside the period, as [first, end): a part-day at either end
    (today, up to now) would count as a day without a check-in."""
    first = local_day(period.since, zone)
    if period.since.astimezone(zone).time() != time(0):
        first += 1
    return first, local_day(period.until, zone)


async def caseload(tx: Tx, rules: Rules, now: datetime) -> Caseload:
    """Who needs a call now: high EPDS not contacted, low streaks, silent after a low day."""
    return Caseload(
        high_epds=await reports.high_epds_not_contacted(tx, rules.epds_cutoff, now),
        low_streak=await reports.low_mood_streaks(
            tx, rules.low_mood_max, rules.low_mood_streak, now - STREAK_LOOK_BACK, now
        ),
        silent=await reports.silent_after_low(
            tx,
            rules.low_mood_max,
            now - SILENT_LOOK_BACK,
            now - timedelta(days=SILENT_DAYS),
            now,
        ),
    )


async def build(tx: Tx, rules: Rules, period: Period, now: datetime) -> Report:
    """Everything in the report for ``period``; open alerts and the caseload as of ``now``
    (or the period's end, when it ended earlier)."""
    as_of = min(now, period.until)
    found = await reports.alerts_between(tx, period.since, period.until)
    shifts = [rules.hours.is_open(alert.created_at, rules.zone) for alert in found]
    # One UTC offset for the whole period (the one at its end): a DST change moves only the
    # check-ins made in the hour around midnight to the neighbouring day.
    offset = period.until.astimezone(rules.zone).utcoffset() or timedelta(0)
    seconds = int(offset.total_seconds())
    checkins = await reports.checkin_days(tx, period.since, period.until, seconds)
    joined = await reports.joining_days(tx, period.until, seconds)
    first_day, end_day = full_days(period, rules.zone)
    return Report(
        period=period,
        made_at=now,
        by_reason=figures.by_reason(found),
        times=figures.response_times(found, shifts),
        open_alerts=figures.open_alerts(await reports.unresolved_alerts(tx, as_of), as_of),
        repeated=figures.repeated(found),
        caseload=await caseload(tx, rules, as_of),
        outcomes=figures.outcomes(
            await reports.epds_first_latest(tx, period.since, period.until),
            await reports.epds_by_birth_week(tx, period.since, period.until),
        ),
        adherence=figures.adherence(checkins, joined, first_day, end_day),
    )

"""Her local wall-clock time to a UTC instant, correct on the days the clocks change.

A mother picks "09:00"; she means nine o'clock where she is, every day, summer or winter. On the
spring-forward day a time inside the skipped hour (02:30 in most of Europe, 03:30 in Kyiv) does
not exist: the prompt goes at the first valid instant after the gap, which is when the clocks
jump. On the fall-back day the repeated hour happens twice: the prompt goes once, at the first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.config import QuietHours

MINUTE = timedelta(minutes=1)


def parse_hhmm(text: str) -> time | None:
    """``"09:30"`` → ``time(9, 30)``; None for anything else (the flow validated it already)."""
    hours, sep, minutes = text.strip().partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit()):
        return None
    if int(hours) > 23 or int(minutes) > 59:
        return None
    return time(int(hours), int(minutes))


def minute_of_day(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def effective_time(chosen: time, quiet: QuietHours | None) -> time:
    """A time inside quiet hours waits until they end (she is told so when she picks it)."""
    if quiet is None or not quiet.contains(minute_of_day(chosen)):
        return chosen
    return time(quiet.end_minute // 60, quiet.end_minute % 60)


def in_quiet_hours(moment: datetime, zone: ZoneInfo, quiet: QuietHours | None) -> bool:
    if quiet is None:
        return False
    local = moment.astimezone(zone)
    return quiet.contains(local.hour * 60 + local.minute)


@lru_cache(maxsize=4096)
def local_instant(day: date, wall: time, zone_name: str) -> datetime:
    """The UTC instant at which ``wall`` happens on ``day`` in ``zone_name``.

    Cached: 100,000 mothers share a handful of (day, time, zone) triples, so planning a day
    costs one zoneinfo computation per distinct triple, not per mother."""
    zone = ZoneInfo(zone_name)
    first = datetime.combine(day, wall, tzinfo=zone)
    instant = first.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == first.replace(tzinfo=None):
        return instant
    return _end_of_gap(first, zone)


def _end_of_gap(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant the clocks jumped over ``wall`` (a time that does not exist that day).

    ``fold=1`` reads the wall time with the offset after the jump (an instant before it),
    ``fold=0`` with the offset before it (an instant after it); the jump lies between, found
    to the minute by bisection (offsets change on whole minutes)."""
    low = wall.replace(fold=1).astimezone(UTC)
    high = wall.replace(fold=0).astimezone(UTC)
    after = high.astimezone(zone).utcoffset()
    while high - low > MINUTE:
        middle = low + (high - low) / 2
        middle = middle.replace(second=0, microsecond=0)
        if middle <= low:
            middle = low + MINUTE
        if middle.astimezone(zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    return high

"""The clinic's working hours and closed days, read from ``content/clinic.yaml``.

Two things depend on them: what the bot may promise a mother ("today" only while someone is at
work to keep the promise) and when routine alerts reach the staff chat (in working hours, so a
team is not taught to mute the chat at 03:00). Urgent alerts never wait for them.

The hours are the clinic's wall-clock times in the bot's time zone (``BOT_TIMEZONE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.content import Content
from bot.yamlsrc import Problem, YMap, line_of

CLINIC_FILE = "clinic"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LOOK_AHEAD_DAYS = 400  # a year of closed days still finds the next opening


@dataclass(frozen=True)
class WorkingHours:
    """Opening hours per weekday (0 = Monday) and the dates the clinic is closed."""

    week: dict[int, tuple[time, time]]
    closed: frozenset[date]

    def is_open(self, moment: datetime, zone: ZoneInfo) -> bool:
        local = moment.astimezone(zone)
        span = self._span(local.date())
        return span is not None and span[0] <= local.time() < span[1]

    def next_opening(self, moment: datetime, zone: ZoneInfo) -> datetime | None:
        """``moment`` itself when open, else the start of the next working period (aware, in
        ``zone``); None when the clinic has no working hours at all."""
        local = moment.astimezone(zone)
        if self.is_open(local, zone):
            return local
        for offset in range(LOOK_AHEAD_DAYS):
            day = local.date() + timedelta(days=offset)
            span = self._span(day)
            if span is None:
                continue
            start = datetime.combine(day, span[0], tzinfo=zone)
            if start > local:
                return start
        return None

    def open_until(self, moment: datetime, zone: ZoneInfo) -> datetime | None:
        """When the current working period ends; None when the clinic is closed now."""
        local = moment.astimezone(zone)
        span = self._span(local.date())
        if span is None or not span[0] <= local.time() < span[1]:
            return None
        return datetime.combine(local.date(), span[1], tzinfo=zone)

    def _span(self, day: date) -> tuple[time, time] | None:
        if day in self.closed:
            return None
        return self.week.get(day.weekday())


def working_hours(content: Content) -> WorkingHours:
    """The validated hours (``check_working_hours`` ran at start-up); none set → never open.
    Read once per loaded content: every turn asks what it may promise."""
    hours = content.derived.get("working_hours")
    if not isinstance(hours, WorkingHours):
        hours = content.derived["working_hours"] = _read_hours(content)
    return hours


def _read_hours(content: Content) -> WorkingHours:
    raw = (content.files.get(CLINIC_FILE) or {}).get("working_hours") or {}
    week: dict[int, tuple[time, time]] = {}
    for index, name in enumerate(WEEKDAYS):
        span = _parse_span((raw.get("week") or {}).get(name))
        if span is not None:
            week[index] = span
    closed = frozenset(date.fromisoformat(str(d)) for d in raw.get("closed_days") or ())
    return WorkingHours(week, closed)


def _parse_span(value: Any) -> tuple[time, time] | None:
    if not isinstance(value, str):
        return None
    start, sep, end = value.replace("–", "-").partition("-")
    try:
        opens, closes = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    except ValueError:
        return None
    return (opens, closes) if sep and opens < closes else None


def check_working_hours(content: Content) -> list[Problem]:
    """Shape of ``working_hours`` in content/clinic.yaml, each problem with file and line."""
    data = content.files.get(CLINIC_FILE)
    if data is None:
        return []
    file = content.paths[CLINIC_FILE]
    raw = data.get("working_hours")
    if not isinstance(raw, dict) or not isinstance(raw.get("week"), dict):
        return [Problem(file, line_of(data), "clinic.yaml needs working_hours with a 'week'")]
    problems = []
    week = raw["week"]
    for name in set(week) - set(WEEKDAYS):
        problems.append(Problem(file, line_of(week), f"working_hours.week: unknown day '{name}'"))
    for name in WEEKDAYS:
        value = week.get(name)
        if value is not None and _parse_span(value) is None:
            problems.append(
                Problem(
                    file,
                    week.line_of(name) if isinstance(week, YMap) else line_of(week),
                    f'working_hours.week.{name}: write hours as "09:00-18:00", or null if closed',
                )
            )
    for day in raw.get("closed_days") or []:
        try:
            date.fromisoformat(str(day))
        except ValueError:
            problems.append(
                Problem(
                    file,
                    line_of(raw.get("closed_days")),
                    f"working_hours.closed_days: '{day}' is not a date like 2027-01-01",
                )
            )
    return problems

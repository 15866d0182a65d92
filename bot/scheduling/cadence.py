"""How often snippets and screening offers come, read from ``content/schedule.yaml``.

The numbers are data a clinician can change (data over code); this module turns them into pure
answers: "is today a snippet day, and from which topics?", "is a screening offer due today?".
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from bot.content import Content
from bot.yamlsrc import Problem, line_of

SCHEDULE_FILE = "schedule"


@dataclass(frozen=True)
class Offset:
    """A point in the journey counted from the birth: so many weeks or calendar months."""

    weeks: int = 0
    months: int = 0

    def after(self, birth: date) -> date:
        month_index = birth.month - 1 + self.months
        year, month = birth.year + month_index // 12, month_index % 12 + 1
        day = min(birth.day, calendar.monthrange(year, month)[1])
        return date(year, month, day) + timedelta(weeks=self.weeks)


@dataclass(frozen=True)
class Cadence:
    snippet_days: frozenset[int]
    snippet_topics: tuple[tuple[int, tuple[str, ...]], ...]
    epds_offers: tuple[Offset, ...]
    epds_offer_window: timedelta
    reminder_after: timedelta

    def snippet_topics_on(self, day: date, since: date) -> tuple[str, ...]:
        """Topics to draw a snippet from on ``day`` (empty: not a snippet day)."""
        days = (day - since).days
        if days < 0 or days % 7 not in self.snippet_days:
            return ()
        week = days // 7
        chosen: tuple[str, ...] = ()
        for from_week, topics in self.snippet_topics:
            if week >= from_week:
                chosen = topics
        return chosen

    def epds_offer_on(self, day: date, birth: date, step: int) -> tuple[bool, int]:
        """Whether to offer the questionnaire on ``day`` and the journey step after it.

        Offers she missed by more than the window (she joined late, the bot was down) are
        passed over without an offer, so she never gets a backlog of questionnaires."""
        offer = False
        dates = _offer_dates(self.epds_offers, birth)
        while step < len(dates):
            due = dates[step]
            if due > day:
                break
            offer = day - due <= self.epds_offer_window
            step += 1
        return offer, step


@lru_cache(maxsize=4096)
def _offer_dates(offers: tuple[Offset, ...], birth: date) -> tuple[date, ...]:
    """Cached: a year of births is a few hundred dates, shared by 100,000 mothers."""
    return tuple(offer.after(birth) for offer in offers)


def load_cadence(content: Content) -> Cadence:
    raw = (content.files.get(SCHEDULE_FILE) or {}).get("cadence") or {}
    return Cadence(
        snippet_days=frozenset(int(d) for d in raw.get("snippet_days") or (1, 3, 5)),
        snippet_topics=tuple(
            (int(entry["from_week"]), tuple(str(t) for t in entry["topics"]))
            for entry in raw.get("snippet_topics") or ()
        ),
        epds_offers=tuple(
            Offset(weeks=int(o.get("weeks", 0)), months=int(o.get("months", 0)))
            for o in raw.get("epds_offers") or ()
        ),
        epds_offer_window=timedelta(days=float(raw.get("epds_offer_window_days", 14))),
        reminder_after=timedelta(hours=float(raw.get("reminder_after_hours", 3))),
    )


def check_cadence(content: Content, known_topics: set[str]) -> list[Problem]:
    """Shape of ``cadence`` in content/schedule.yaml, each problem with file and line."""
    data = content.files.get(SCHEDULE_FILE)
    if data is None:
        return []
    file = content.paths[SCHEDULE_FILE]
    raw = data.get("cadence")
    if not isinstance(raw, dict):
        return [Problem(file, line_of(data), "schedule.yaml needs a 'cadence' mapping")]
    problems = _check_days(raw, file)
    for entry in raw.get("snippet_topics") or []:
        problems += _check_topics(entry, file, known_topics)
    for offer in raw.get("epds_offers") or []:
        if not isinstance(offer, dict) or not set(offer) <= {"weeks", "months"} or not offer:
            problems.append(Problem(file, line_of(offer), "an offer is {weeks: N} or {months: N}"))
    for name in ("epds_offer_window_days", "reminder_after_hours"):
        if not isinstance(raw.get(name), int | float) or raw[name] <= 0:
            problems.append(Problem(file, line_of(raw), f"cadence.{name} must be a number > 0"))
    return problems


def _check_days(raw: dict[str, Any], file: str) -> list[Problem]:
    days = raw.get("snippet_days")
    if not isinstance(days, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
        return [Problem(file, line_of(raw), "cadence.snippet_days: a list of days 0–6")]
    return []


def _check_topics(entry: Any, file: str, known: set[str]) -> list[Problem]:
    if not isinstance(entry, dict) or "from_week" not in entry or not entry.get("topics"):
        return [Problem(file, line_of(entry), "snippet_topics entry needs from_week and topics")]
    unknown = [t for t in entry["topics"] if t not in known]
    return [Problem(file, line_of(entry), f"unknown snippet topic '{t}'") for t in unknown]

"""What the bot may promise about the care team, at this moment.

The clinic's wording variables — ``{care_team_action}``, ``{urgent_contact_time}`` and
``{routine_contact_time}`` — depend on three things the host knows and the texts do not: the
time it is now, the clinic's working hours (``content/clinic.yaml`` → ``working_hours``, in
the bot's time zone) and whether a staff chat is configured at all. "Today" is said only while
the clinic is open for a while yet (or before it opens on a working day, with the time it
opens); in its last half hour, after hours, at a weekend or on a closed day it is "on the next
working day"; and with no staff chat no one is told, so no text may promise contact (a text
``<key>_no_team`` replaces ``<key>`` then).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import Config
from bot.content import LANGUAGES, Content, clinic_variables, render
from bot.content.clinic_hours import working_hours
from bot.content.plural import plural_form

NO_TEAM_SUFFIX = "_no_team"
# "Today" needs the team at work for a while yet: an alert a few minutes before closing may not
# be seen before everyone leaves, so the promise is then the next working period.
TODAY_NEEDS = timedelta(minutes=30)
CONTACT_TIME = "clinic.care_team.contact_time"


@dataclass(frozen=True)
class Situation:
    """The moment a text is rendered: when, in the clinic's zone, and whether a staff chat
    (``STAFF_CHAT_ID``) receives alerts."""

    now: datetime
    zone: ZoneInfo
    care_team: bool
    retention_days: int = 365  # MESSAGE_RETENTION_DAYS: how long her messages are kept


def situation_of(config: Config, now: datetime) -> Situation:
    """The clinic's hours are in the bot's zone; only a configured staff chat means anyone is
    told."""
    return Situation(
        now, config.zone, config.staff_chat_id is not None, config.message_retention_days
    )


def no_team_key(content: Content, key: str, care_team: bool) -> str:
    """``key``, or its ``_no_team`` sibling when no staff chat is configured and one exists."""
    if not care_team and content.has_text(key + NO_TEAM_SUFFIX):
        return key + NO_TEAM_SUFFIX
    return key


def contact_times(content: Content, situation: Situation) -> tuple[str, dict[str, str], str]:
    """(urgent choice, its variables, routine choice): names of ``care_team.contact_time``."""
    hours = working_hours(content)
    now, zone = situation.now, situation.zone
    closes = hours.open_until(now, zone)
    if closes is not None and closes - now >= TODAY_NEEDS:
        return "today", {}, "within_working_day"
    if closes is not None:  # closing within minutes: promise the next working period
        now = closes
    opening = hours.next_opening(now, zone)
    if opening is None:
        return "soon", {}, "soon"
    if opening.date() == now.astimezone(zone).date():
        return "later_today", {"opens": opening.strftime("%H:%M")}, "within_working_day"
    return "next_working_day", {}, "next_working_day"


def retention_words(content: Content, lang: str, days: int) -> str:
    """ "12 months" / «12 місяців» for a year, whole months as months, otherwise days."""
    unit, count = "days", days
    if days in (365, 366):
        unit, count = "months", 12
    elif days % 30 == 0:
        unit, count = "months", days // 30
    key = f"clinic.consent.retention.{unit}.{plural_form(count, lang)}"
    return content.text(key, lang, {"count": count}) if content.has_text(key) else ""


def clinic_variables_at(content: Content, lang: str, situation: Situation) -> dict[str, str]:
    """The clinic's wording variables in ``lang`` for this moment (see the module docstring)."""
    variables = clinic_variables(content, lang)
    action = no_team_key(content, "clinic.care_team.what_happens", situation.care_team)
    if content.has_text(action):
        variables["care_team_action"] = content.text(action, lang, variables)
    retention = retention_words(content, lang, situation.retention_days)
    if retention:
        variables["message_retention"] = retention
    urgent, urgent_vars, routine = contact_times(content, situation)
    for name, choice, extra in (
        ("urgent_contact_time", urgent, urgent_vars),
        ("routine_contact_time", routine, {}),
    ):
        key = f"{CONTACT_TIME}.{choice}"
        if content.has_text(key):
            variables[name] = render(content.text(key, lang), extra)
    return variables


def clinic_variables_all(content: Content, situation: Situation) -> dict[str, dict[str, str]]:
    """The same for every language: a flow may switch language in the middle of a turn (she
    picks English at /start), and the texts after the switch need the new language's words."""
    return {lang: clinic_variables_at(content, lang, situation) for lang in LANGUAGES}

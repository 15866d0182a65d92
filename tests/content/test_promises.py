"""What the bot may promise about the care team: "today" only while the clinic is open, the
next working day after hours, at weekends and on closed days, and nothing with no staff chat."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.content import Content, require_content
from bot.content.promises import Situation, clinic_variables_at, contact_times, no_team_key

KYIV = ZoneInfo("Europe/Kyiv")
CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(scope="module")
def content() -> Content:
    return require_content(CONTENT)


def kyiv(*args: int) -> datetime:
    return datetime(*args, tzinfo=KYIV)


@pytest.mark.parametrize(
    ("moment", "urgent", "routine"),
    [
        (kyiv(2026, 12, 2, 10, 0), "today", "within_working_day"),  # Wednesday, open
        (kyiv(2026, 12, 2, 17, 29), "today", "within_working_day"),  # 31 minutes left
        (kyiv(2026, 12, 2, 17, 45), "next_working_day", "next_working_day"),  # closing soon
        (kyiv(2026, 12, 4, 17, 50), "next_working_day", "next_working_day"),  # Friday → Monday
        (kyiv(2026, 12, 2, 7, 30), "later_today", "within_working_day"),  # before opening
        (kyiv(2026, 12, 2, 23, 30), "next_working_day", "next_working_day"),  # night
        (kyiv(2026, 12, 5, 12, 0), "next_working_day", "next_working_day"),  # Saturday
        (kyiv(2026, 12, 25, 11, 0), "next_working_day", "next_working_day"),  # closed day
    ],
)
def test_contact_times_follow_the_working_hours(
    content: Content, moment: datetime, urgent: str, routine: str
) -> None:
    chosen_urgent, extra, chosen_routine = contact_times(content, Situation(moment, KYIV, True))
    assert (chosen_urgent, chosen_routine) == (urgent, routine)
    assert extra == ({"opens": "09:00"} if urgent == "later_today" else {})


@pytest.mark.parametrize(
    ("lang", "moment", "urgent", "routine"),
    [
        ("en", kyiv(2026, 12, 2, 10, 0), "today", "within one working day"),
        ("en", kyiv(2026, 12, 2, 7, 30), "today, after the clinic opens at 09:00 Kyiv time", None),
        ("en", kyiv(2026, 12, 2, 23, 30), "on the next working day", "on the next working day"),
        ("uk", kyiv(2026, 12, 2, 10, 0), "сьогодні", "протягом одного робочого дня"),
        ("uk", kyiv(2026, 12, 2, 23, 30), "наступного робочого дня", "наступного робочого дня"),
    ],
)
def test_the_variables_in_both_languages(
    content: Content, lang: str, moment: datetime, urgent: str, routine: str | None
) -> None:
    variables = clinic_variables_at(content, lang, Situation(moment, KYIV, True))
    assert variables["urgent_contact_time"] == urgent
    if routine is not None:
        assert variables["routine_contact_time"] == routine


def test_a_night_alert_is_never_promised_for_today(content: Content) -> None:
    text = content.text(
        "clinic.crisis.delivered",
        "en",
        clinic_variables_at(content, "en", Situation(kyiv(2026, 12, 2, 23, 30), KYIV, True)),
    )
    assert text.endswith("will contact you on the next working day.")


def test_no_clinic_hours_at_all_promise_no_day(content: Content) -> None:
    bare = Content(files={**content.files, "clinic": {**content.files["clinic"]}})
    bare.files["clinic"]["working_hours"] = {"week": {}}
    urgent, _extra, routine = contact_times(bare, Situation(kyiv(2026, 12, 2, 10), KYIV, True))
    assert urgent == routine == "soon"


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_without_a_staff_chat_the_consent_promises_no_contact(content: Content, lang: str) -> None:
    moment = kyiv(2026, 12, 2, 10, 0)
    with_team = clinic_variables_at(content, lang, Situation(moment, KYIV, True))
    without = clinic_variables_at(content, lang, Situation(moment, KYIV, False))
    assert with_team["care_team_action"] == content.text("clinic.care_team.what_happens", lang)
    contact = content.text("clinic.clinic.contact", lang)
    assert without["care_team_action"] == content.text(
        "clinic.care_team.what_happens_no_team", lang, {"clinic_contact": contact}
    )
    assert contact in without["care_team_action"]


def test_no_team_key_only_swaps_texts_that_have_a_twin(content: Content) -> None:
    key = "clinic.crisis.retraction_reply"
    assert no_team_key(content, key, care_team=False) == key + "_no_team"
    assert no_team_key(content, key, care_team=True) == key
    assert no_team_key(content, "clinic.crisis.reply", care_team=False) == "clinic.crisis.reply"


@pytest.mark.parametrize(
    ("days", "lang", "words"),
    [
        (365, "en", "12 months"),
        (365, "uk", "12 місяців"),
        (90, "uk", "3 місяці"),
        (30, "uk", "1 місяць"),
        (45, "en", "45 days"),
        (21, "uk", "21 день"),
        (1, "en", "1 day"),
    ],
)
def test_the_consent_says_how_long_her_messages_are_kept(
    content: Content, days: int, lang: str, words: str
) -> None:
    situation = Situation(kyiv(2026, 12, 2, 10, 0), KYIV, True, retention_days=days)
    variables = clinic_variables_at(content, lang, situation)
    assert variables["message_retention"] == words
    assert words in content.text("clinic.consent.what_is_stored", lang, variables)

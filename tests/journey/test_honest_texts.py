"""Every promise text in the situation it claims: during working hours, at night, on a closed
day, and with no staff chat configured; and the clinic's wording in the language she chose."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.content.promises import Situation, clinic_variables_at
from bot.conversation.service import Conversation
from bot.services import Services
from tests.conftest import with_config
from tests.journey.conftest import LANGS, Chat, rows

TUESDAY_NIGHT = datetime(2026, 3, 10, 21, 30, tzinfo=UTC)  # 23:30 in Kyiv
CLOSED_DAY = datetime(2026, 12, 25, 9, 0, tzinfo=UTC)  # a Friday the clinic is closed, 11:00
RETRACTION = {"en": "I didn't mean it", "uk": "ви мене неправильно зрозуміли"}


def variables(services: Services, lang: str, moment: datetime) -> dict[str, str]:
    return clinic_variables_at(
        services.catalog.content, lang, Situation(moment, services.config.zone, True)
    )


async def safety_yes_then_take_back(chat: Chat, lang: str) -> str:
    await chat.command("checkin")
    await chat.press_index(3)  # mood: low
    await chat.press_index(0)  # safety: yes → urgent alert
    await chat.text(RETRACTION[lang])
    [reply] = chat.last
    return reply.text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("moment", [TUESDAY_NIGHT, CLOSED_DAY], ids=["night", "closed_day"])
async def test_the_retraction_reply_after_hours_says_the_next_working_day(
    chat: Chat, services: Services, lang: str, moment: datetime
) -> None:
    chat.now = moment
    await chat.onboard(lang)
    text = await safety_yes_then_take_back(chat, lang)
    content = services.catalog.content
    expected = content.text(
        "clinic.crisis.retraction_reply", lang, variables(services, lang, chat.now)
    )
    assert text == expected
    assert content.text("clinic.care_team.contact_time.next_working_day", lang) in text
    assert ("today" if lang == "en" else "сьогодні") not in text


@pytest.mark.parametrize("lang", LANGS)
async def test_without_a_staff_chat_nothing_promises_contact(services: Services, lang: str) -> None:
    alone = with_config(services, staff_chat_id=None)
    chat = Chat(Conversation(alone))
    await chat.command("start")
    await chat.press("English" if lang == "en" else "Українська")
    consent = chat.said()
    content = services.catalog.content
    assert content.text("clinic.care_team.what_happens", lang) not in consent
    assert content.text("clinic.consent.intro_no_team", lang) in consent
    assert content.text("clinic.clinic.contact", lang) in consent
    await chat.press_index(0)  # agree
    await chat.text("Olenka")
    await chat.text("01.02.2026")
    await chat.press("09:00")
    text = await safety_yes_then_take_back(chat, lang)
    contact = content.text("clinic.clinic.contact", lang)
    assert text == content.text(
        "clinic.crisis.retraction_reply_no_team", lang, {"clinic_contact": contact}
    )
    [alert] = await rows(services, "SELECT status FROM alerts")  # kept, for when it is set up
    assert alert["status"] == "open"


@pytest.mark.parametrize(
    ("telegram_language", "chosen", "lang"),
    [("uk", "English", "en"), ("en", "Українська", "uk")],
)
async def test_the_consent_is_all_in_the_language_she_chose(
    chat: Chat, services: Services, telegram_language: str, chosen: str, lang: str
) -> None:
    """The clinic's sentence ({care_team_action}) follows the language picked at /start, not
    the language of her Telegram app that the turn started with."""
    chat.language_code = telegram_language
    await chat.command("start")
    await chat.press(chosen)
    content = services.catalog.content
    other = "uk" if lang == "en" else "en"
    said = chat.said()
    assert content.text("clinic.care_team.what_happens", lang) in said
    assert content.text("clinic.care_team.what_happens", other) not in said


@pytest.mark.parametrize("lang", LANGS)
async def test_the_crisis_reply_without_a_staff_chat_claims_no_team(
    services: Services, lang: str
) -> None:
    content = services.catalog.content
    chat = Chat(Conversation(with_config(services, staff_chat_id=None)))
    await chat.onboard(lang)
    await chat.text("I want to kill myself" if lang == "en" else "Я не хочу жити")
    reply = chat.last[0].text
    assert content.text("clinic.crisis.reply", lang) in reply
    assert content.text("clinic.crisis.still_here_no_team", lang) in reply
    assert content.text("clinic.crisis.team_notified_line", lang) not in reply
    assert content.text("clinic.crisis.still_here", lang) not in reply


@pytest.mark.parametrize("lang", LANGS)
async def test_the_crisis_reply_with_a_staff_chat_says_her_words_are_kept(
    chat: Chat, services: Services, lang: str
) -> None:
    content = services.catalog.content
    await chat.onboard(lang)
    await chat.text("I want to kill myself" if lang == "en" else "Я не хочу жити")
    reply = chat.last[0].text
    assert reply.endswith(content.text("clinic.crisis.still_here", lang))
    assert content.text("clinic.crisis.team_notified_line", lang) in reply
    stored = await rows(services, "SELECT handled FROM messages ORDER BY id")
    assert stored[-1]["handled"] == "crisis_reply"  # what it says is true: her words are kept

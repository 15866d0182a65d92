"""/start, in both languages: consent, optional name, birth date, check-in time, declining."""

from __future__ import annotations

import pytest

from bot.services import Services
from tests.journey.conftest import LANGS, Chat, rows


def text(services: Services, key: str, lang: str, **variables: object) -> str:
    return services.catalog.content.text(key, lang, dict(variables))


@pytest.mark.parametrize(("code", "lang"), [("uk", "uk"), ("ru", "uk"), ("en", "en"), ("de", "en")])
async def test_language_question_comes_in_her_telegram_language(
    chat: Chat, code: str, lang: str
) -> None:
    chat.language_code = code
    await chat.command("start")
    expected = "Which language" if lang == "en" else "Якою мовою"
    assert expected in chat.said()
    assert chat.labels() == ["Українська", "English"]


@pytest.mark.parametrize("lang", LANGS)
async def test_onboarding_end_to_end(chat: Chat, services: Services, lang: str) -> None:
    chat.language_code = "de"  # her Telegram language need not be her choice
    await chat.command("start")
    await chat.press("English" if lang == "en" else "Українська")
    said = chat.said()
    retention = "12 months" if lang == "en" else "12 місяців"  # MESSAGE_RETENTION_DAYS=365
    for key in ("intro", "what_is_stored", "question"):
        assert text(services, f"clinic.consent.{key}", lang, message_retention=retention) in said
    assert "112" in said  # what triggers contact ends with the emergency numbers
    await chat.press_index(0)
    assert "?" in chat.said() and chat.labels() == [text(services, "ui.skip", lang)]
    name, addressed = ("Olenka", "Olenka") if lang == "en" else ("Оленка", "Оленко")
    await chat.text(name)
    assert "14.03.2026" in chat.said()  # an example of the expected format
    await chat.text("01.02.2026")
    assert "09:30" in chat.said() and len(chat.labels()) == 3
    await chat.text("7.45")
    said = chat.said()
    assert "07:45" in said and f", {addressed}!" in said  # Ukrainian: the vocative
    zone_time = "(Kyiv time —" if lang == "en" else "(за київським часом —"
    assert zone_time in said and "/settings" in said  # she can change the zone
    for command in ("/checkin", "/screening", "/learn", "/mood", "/settings", "/pause", "/help"):
        assert command in said
    assert text(services, "clinic.disclaimer", lang) in said
    [mother] = await rows(services, "SELECT * FROM mothers")
    assert mother["language"] == lang
    assert mother["consent"] == "given"
    assert (mother["name"], mother["baby_birth_date"], mother["checkin_time"]) == (
        name,
        "2026-02-01",
        "07:45",
    )
    assert mother["timezone"] is None  # BOT_TIMEZONE applies until she changes it
    assert await rows(services, "SELECT * FROM sessions") == []


@pytest.mark.parametrize("lang", LANGS)
async def test_declining_consent_stores_nothing_but_the_fact(
    chat: Chat, services: Services, lang: str
) -> None:
    await chat.command("start")
    await chat.press("English" if lang == "en" else "Українська")
    await chat.press_index(1)
    assert chat.said() == text(
        services,
        "clinic.consent.declined",
        lang,
        clinic_contact=text(services, "clinic.clinic.contact", lang),
    )
    for table in ("mothers", "answers", "sessions", "assessments", "alerts", "reminders"):
        assert await rows(services, f"SELECT * FROM {table}") == [], table
    assert [r["chat_id"] for r in await rows(services, "SELECT * FROM declined")] == [chat.chat_id]
    await chat.command("checkin")
    assert chat.said() == text(services, "ui.declined_known", chat_lang(chat))


async def test_declining_on_a_second_start_erases_her_like_delete(
    chat: Chat, services: Services
) -> None:
    """She agreed, wrote a crisis message, then sent /start again and declined: her answers
    go, and her words leave the care team's alert too (the alert itself stays)."""
    await chat.onboard("en")
    await chat.text("I want to kill myself tonight")
    await chat.command("start")
    await chat.press("English")
    await chat.press_index(1)  # No, thank you
    for table in ("mothers", "answers", "sessions", "assessments", "reminders"):
        assert await rows(services, f"SELECT * FROM {table}") == [], table
    [alert] = await rows(services, "SELECT mother_id, detail FROM alerts")
    assert alert["mother_id"] is None and "kill" not in alert["detail"]
    assert [r["chat_id"] for r in await rows(services, "SELECT * FROM declined")] == [chat.chat_id]


def chat_lang(chat: Chat) -> str:
    """With nothing stored, replies follow her Telegram language again."""
    return "uk" if chat.language_code in ("uk", "ru", "be") else "en"


@pytest.mark.parametrize("lang", LANGS)
async def test_name_is_optional(chat: Chat, services: Services, lang: str) -> None:
    await chat.onboard(lang, name=None)
    [mother] = await rows(services, "SELECT name FROM mothers")
    assert not mother["name"]
    assert ("All set!" if lang == "en" else "Готово!") in chat.said()


@pytest.mark.parametrize("lang", LANGS)
async def test_birth_date_in_the_future_gets_a_kind_reask(
    chat: Chat, services: Services, lang: str
) -> None:
    await chat.command("start")
    await chat.press("English" if lang == "en" else "Українська")
    await chat.press_index(0)
    await chat.text("Olenka")
    await chat.text("01.01.2027")
    assert text(services, "ui.reask.date_future", lang) in chat.said()
    await chat.text("yesterday-ish")
    assert text(services, "ui.reask.date", lang) in chat.said()
    await chat.text("2026-01-15")
    assert "09:30" in chat.said()


@pytest.mark.parametrize("lang", LANGS)
async def test_a_baby_over_a_year_is_welcome_but_told_about_the_first_year(
    chat: Chat, services: Services, lang: str
) -> None:
    await chat.command("start")
    await chat.press("English" if lang == "en" else "Українська")
    await chat.press_index(0)
    await chat.text("Olenka")
    await chat.text("01.01.2025")
    said = chat.said()
    assert ("first year" if lang == "en" else "перший рік") in said
    assert ("welcome" if lang == "en" else "раді") in said
    await chat.text("25:99")
    assert text(services, "ui.reask.time", lang) in chat.said()
    await chat.press("20:00")
    assert "20:00" in chat.said()

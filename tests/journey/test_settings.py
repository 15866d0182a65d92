"""/settings, /pause, /resume and /help in both languages."""

from __future__ import annotations

import pytest

from bot.services import Services
from tests.journey.conftest import LANGS, Chat, rows

OTHER = {"en": "uk", "uk": "en"}
LANGUAGE_BUTTON = {"en": "English", "uk": "Українська"}
# The settings menu's buttons, top to bottom.
LANGUAGE, TIME, ZONE, NAME, DONE = range(5)


def text(services: Services, key: str, lang: str) -> str:
    return services.catalog.content.text(key, lang)


async def mother(services: Services) -> dict[str, object]:
    [row] = await rows(services, "SELECT * FROM mothers")
    return row


@pytest.mark.parametrize("lang", LANGS)
async def test_settings_show_what_she_has_and_the_clinic_time_zone(
    chat: Chat, services: Services, lang: str
) -> None:
    await chat.onboard(lang)
    await chat.command("settings")
    said = chat.said()
    assert "09:00" in said and "Olenka" in said
    assert ("Time zone: Kyiv" if lang == "en" else "Часовий пояс: Київ") in said
    assert ("English" if lang == "en" else "українська") in said
    assert len(chat.labels()) == 5
    await chat.press_index(DONE)
    assert "/settings" in chat.said()
    assert await rows(services, "SELECT * FROM sessions") == []


@pytest.mark.parametrize("lang", LANGS)
async def test_changing_the_language_switches_at_once(
    chat: Chat, services: Services, lang: str
) -> None:
    await chat.onboard(lang)
    await chat.command("settings")
    await chat.press_index(LANGUAGE)
    await chat.press(LANGUAGE_BUTTON[OTHER[lang]])
    assert (await mother(services))["language"] == OTHER[lang]
    assert ("Saved" if OTHER[lang] == "en" else "Збережено") in chat.said()
    await chat.press_index(DONE)
    await chat.command("nonsense")
    assert chat.said() == text(services, "ui.unknown_command", OTHER[lang])


@pytest.mark.parametrize("lang", LANGS)
async def test_check_in_time_by_button_or_typed_with_a_kind_reask(
    chat: Chat, services: Services, lang: str
) -> None:
    await chat.onboard(lang)
    await chat.command("settings")
    await chat.press_index(TIME)
    assert "09:30" in chat.said()  # an example of the format
    await chat.text("half past seven")
    assert text(services, "ui.reask.time", lang) in chat.said()
    await chat.text("7:45")
    assert (await mother(services))["checkin_time"] == "07:45"
    assert "07:45" in chat.said()
    await chat.press_index(TIME)
    await chat.press("20:00")
    assert (await mother(services))["checkin_time"] == "20:00"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("typed", "zone", "shown"),
    [
        ("Europe/Vienna", "Europe/Vienna", {"en": "Vienna", "uk": "Відень"}),
        ("warsaw", "Europe/Warsaw", {"en": "Warsaw", "uk": "Варшава"}),
        ("new york", "America/New_York", {"en": "New York", "uk": "Нью-Йорк"}),
        ("Варшава", "Europe/Warsaw", {"en": "Warsaw", "uk": "Варшава"}),
        ("відень", "Europe/Vienna", {"en": "Vienna", "uk": "Відень"}),
        ("Киев", "Europe/Kyiv", {"en": "Kyiv", "uk": "Київ"}),
        ("нью йорк", "America/New_York", {"en": "New York", "uk": "Нью-Йорк"}),
        ("Europe/Rome", "Europe/Rome", {"en": "Rome", "uk": "Рим"}),
        ("Asia/Tokyo", "Asia/Tokyo", {"en": "Asia/Tokyo", "uk": "Asia/Tokyo"}),  # not listed
    ],
)
async def test_time_zone_typed_as_a_zone_or_a_city(
    chat: Chat, services: Services, lang: str, typed: str, zone: str, shown: dict[str, str]
) -> None:
    """An IANA name or a city in either language (Cyrillic too); shown as a city name."""
    await chat.onboard(lang)
    await chat.command("settings")
    await chat.press_index(ZONE)
    await chat.text(typed)
    assert (await mother(services))["timezone"] == zone
    label = "Time zone" if lang == "en" else "Часовий пояс"
    assert f"{label}: {shown[lang]}\n" in chat.said()


@pytest.mark.parametrize("lang", LANGS)
async def test_unknown_time_zone_is_reasked_then_a_button_works(
    chat: Chat, services: Services, lang: str
) -> None:
    await chat.onboard(lang)
    await chat.command("settings")
    await chat.press_index(ZONE)
    await chat.text("Atlantis")
    assert text(services, "ui.reask.timezone", lang) in chat.said()
    assert (await mother(services))["timezone"] is None
    await chat.press("Лондон" if lang == "uk" else "London")
    assert (await mother(services))["timezone"] == "Europe/London"


@pytest.mark.parametrize("lang", LANGS)
async def test_name_can_be_changed_kept_or_removed(
    chat: Chat, services: Services, lang: str
) -> None:
    await chat.onboard(lang)
    await chat.command("settings")
    await chat.press_index(NAME)
    await chat.text("Оля")
    assert (await mother(services))["name"] == "Оля"
    await chat.press_index(NAME)
    await chat.press_index(1)  # keep it as it is
    assert (await mother(services))["name"] == "Оля"
    await chat.press_index(NAME)
    await chat.press_index(0)  # don't use a name
    assert (await mother(services))["name"] == ""
    assert "—" in chat.said()


@pytest.mark.parametrize("lang", LANGS)
async def test_pause_and_resume(chat: Chat, services: Services, lang: str) -> None:
    await chat.onboard(lang)
    await chat.command("pause")
    assert (await mother(services))["status"] == "paused"
    assert "/resume" in chat.said() and "112" in chat.said()
    await chat.command("checkin")  # she can still use everything while paused
    assert len(chat.labels()) == 5
    await chat.command("resume")
    assert (await mother(services))["status"] == "active"
    assert "09:00" in chat.said()


@pytest.mark.parametrize("lang", LANGS)
async def test_help_lists_the_commands(chat: Chat, services: Services, lang: str) -> None:
    await chat.onboard(lang)
    await chat.command("help")
    said = chat.said()
    commands = ("checkin", "screening", "learn", "mood", "settings", "pause", "resume")
    for command in (*commands, "export", "delete"):
        assert f"/{command}" in said
        assert command in chat.conversation.flow_by_command
    assert text(services, "clinic.disclaimer", lang) in said

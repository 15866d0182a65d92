"""/sos: every help line, for anyone, at once; /help points to it; so do the urgent reads."""

from __future__ import annotations

import pytest

from bot.services import Services
from tests.journey.conftest import LANGS, Chat


@pytest.mark.parametrize("lang", LANGS)
async def test_sos_shows_the_whole_help_line_list(
    chat: Chat, services: Services, lang: str
) -> None:
    content = services.catalog.content
    await chat.onboard(lang)
    await chat.command("sos")
    resources = content.text("clinic.crisis.resources", lang)
    assert [m.text for m in chat.last] == [resources, content.text("clinic.disclaimer", lang)]
    for number in ("112", "103", "7333", "1547", "0 800 100 102"):
        assert number in resources


@pytest.mark.parametrize("lang", LANGS)
async def test_sos_needs_no_consent(chat: Chat, services: Services, lang: str) -> None:
    """A stranger (no /start yet) or someone who declined gets the list in her app's language."""
    chat.language_code = lang
    await chat.command("sos")
    resources = services.catalog.content.text("clinic.crisis.resources", lang)
    assert [m.text for m in chat.last] == [resources]
    await chat.command("start")
    await chat.press("English" if lang == "en" else "Українська")
    await chat.press_index(1)  # no, thank you
    await chat.command("sos")
    assert [m.text for m in chat.last] == [resources]


@pytest.mark.parametrize("lang", LANGS)
async def test_help_points_to_sos(chat: Chat, lang: str) -> None:
    await chat.onboard(lang)
    await chat.command("help")
    assert chat.said().startswith(
        "If it's urgent: /sos" if lang == "en" else "Якщо це терміново: /sos"
    )


@pytest.mark.parametrize("lang", LANGS)
async def test_every_urgent_read_ends_with_the_help_lines(
    chat: Chat, services: Services, lang: str
) -> None:
    content = services.catalog.content
    resources = content.text("clinic.crisis.resources", lang)
    await chat.onboard(lang)
    await chat.press_action("learn:urgent")
    while chat.labels()[0] == content.text("learn.more_button", lang):
        assert chat.last[-1].text == resources
        await chat.press_index(0)
    assert resources in chat.said()  # the topic is done: the list again, then "start over?"

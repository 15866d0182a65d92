"""/mood in both languages: a PNG chart of 30 days with EPDS results, and one summary line."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.charts import ChartData, ChartLabels, render_mood_chart
from bot.content.plural import plural_form
from bot.services import Services
from bot.storage import dialog, mothers
from tests.journey.conftest import LANGS, Chat

PNG = b"\x89PNG\r\n\x1a\n"


async def record_moods(services: Services, chat: Chat, moods: dict[int, int]) -> None:
    """Check-in moods ``{days ago: mood}`` written as the check-in flow writes them."""
    async with services.db.transaction() as conn:
        mother = await mothers.by_chat(conn, chat.chat_id)
        assert mother is not None
        for days_ago, mood in moods.items():
            when = chat.now - timedelta(days=days_ago)
            await dialog.add_answer(conn, mother.id, "checkin", "mood", mood, when)


def text(services: Services, key: str, lang: str, **variables: object) -> str:
    return services.catalog.content.text(key, lang, dict(variables))


@pytest.mark.parametrize("lang", LANGS)
async def test_no_data_yet_gets_a_kind_note_instead_of_an_empty_chart(
    chat: Chat, services: Services, lang: str
) -> None:
    await chat.onboard(lang)
    await chat.command("mood")
    [message] = chat.last
    assert message.photo is None
    assert message.text == text(services, "mood.no_data", lang)


@pytest.mark.parametrize("lang", LANGS)
async def test_check_ins_and_a_screening_make_a_chart_with_a_summary(
    chat: Chat, services: Services, lang: str
) -> None:
    await chat.onboard(lang)
    await chat.command("checkin")
    await chat.press_index(0)  # Good
    for _ in range(5):
        await chat.press_index(0)
    await chat.command("screening")
    for item in range(1, 11):
        await chat.press_index(0 if item in (1, 2, 4) else 3)
    await chat.command("mood")
    [message] = chat.last
    assert message.photo is not None and message.photo.startswith(PNG)
    assert message.text == text(services, "mood.summary.first_week", lang, count=1)


@pytest.mark.parametrize(
    ("lang", "this_week", "last_week", "key", "count"),
    [
        ("en", [5, 4, 4, 4], [4], "more.many", 3),
        ("en", [5, 2], [2, 2], "more.one", 1),
        ("uk", [5, 4, 4, 4], [4], "more.few", 3),
        ("uk", [5, 2], [2, 2], "more.one", 1),
        ("uk", [5, 5, 5, 5, 5, 5, 5], [1], "more.many", 7),
        ("en", [2, 3], [4, 5, 4], "fewer.many", 3),
        ("uk", [2, 3], [4, 5, 4], "fewer.few", 3),
        ("uk", [4], [4], "same", 1),
        ("en", [], [4], "quiet", None),
    ],
)
async def test_summary_compares_good_days_with_last_week(
    chat: Chat,
    services: Services,
    lang: str,
    this_week: list[int],
    last_week: list[int],
    key: str,
    count: int | None,
) -> None:
    await chat.onboard(lang)
    moods = dict(enumerate(this_week))
    moods |= {7 + day: mood for day, mood in enumerate(last_week)}
    await record_moods(services, chat, moods)
    await chat.command("mood")
    [message] = chat.last
    assert message.photo is not None
    expected = text(services, f"mood.summary.{key}", lang, count=count)
    assert message.text == expected
    if lang == "uk" and key.startswith("more."):
        word = {"one": "добрий день", "few": "добрі дні", "many": "добрих днів"}[key[5:]]
        assert word in message.text


async def test_only_her_last_30_days_are_drawn(chat: Chat, services: Services) -> None:
    await chat.onboard("en")
    await record_moods(services, chat, {40: 1})
    await chat.command("mood")
    assert chat.said() == text(services, "mood.no_data", "en")


@pytest.mark.parametrize(
    ("count", "en", "uk"),
    [
        (1, "one", "one"),
        (2, "many", "few"),
        (5, "many", "many"),
        (11, "many", "many"),
        (14, "many", "many"),
        (21, "many", "one"),
        (22, "many", "few"),
        (0, "many", "many"),
    ],
)
def test_plural_forms(count: int, en: str, uk: str) -> None:
    assert (plural_form(count, "en"), plural_form(count, "uk")) == (en, uk)


def test_the_chart_draws_screenings_without_any_mood() -> None:
    first = date(2026, 2, 9)
    data = ChartData(first, first + timedelta(days=29), {}, [(first + timedelta(days=3), 14)])
    labels = ChartLabels("Настрій", ("1", "2", "3", "4", "5"), "EPDS {score}")
    assert render_mood_chart(data, labels).startswith(PNG)


async def test_days_are_her_local_days(chat: Chat, services: Services) -> None:
    """00:30 in Kyiv six days ago is still the previous day in UTC: it must count as this week."""
    await chat.onboard("en")
    chat.now = datetime.fromisoformat("2026-03-10T10:00:00+00:00")
    async with services.db.transaction() as conn:
        mother = await mothers.by_chat(conn, chat.chat_id)
        assert mother is not None
        for moment in ("2026-03-03T22:30:00+00:00", "2026-03-02T10:00:00+00:00"):
            when = datetime.fromisoformat(moment)
            await dialog.add_answer(conn, mother.id, "checkin", "mood", 5, when)
    await chat.command("mood")
    assert chat.said() == text(services, "mood.summary.same", "en", count=1)

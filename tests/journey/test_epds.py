"""/screening: the EPDS exactly as published (clinical notes §1), in both languages.

Every option of every item is scored (items 1, 2, 4 count 0–3 from the top, the others 3–0);
the boundary totals 0/9/10/12/13/30 choose the right result text and create exactly the alerts
and re-screen reminders that content/escalation.yaml asks for.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import parse_iso
from bot.conversation.service import Conversation
from bot.priority import Priority
from bot.safety.alert_text import AlertRenderer
from bot.services import Services
from bot.storage.alerts import get_alert
from tests.conftest import with_config
from tests.journey.conftest import LANGS, Chat, rows

TOP_DOWN = (1, 2, 4)  # items scored 0-1-2-3 from the first option; the rest 3-2-1-0


def option_for(item: int, score: int) -> int:
    """The button (0 = top) that gives ``score`` on ``item``."""
    return score if item in TOP_DOWN else 3 - score


def scores_for(total: int) -> list[int]:
    """Item scores adding up to ``total``: items 1–9 filled first, so item 10 stays 0 unless the
    total is above 27."""
    scores = []
    for _ in range(9):
        scores.append(min(3, total))
        total -= scores[-1]
    return [*scores, total]


async def screening(chat: Chat, scores: list[int]) -> None:
    await chat.command("screening")
    for item, score in enumerate(scores, start=1):
        await chat.press_index(option_for(item, score))


def result(services: Services, key: str, lang: str, score: int) -> str:
    content = services.catalog.content
    contact = content.text("clinic.clinic.contact", lang)
    return content.text(f"epds.results.{key}", lang, {"score": score, "clinic_contact": contact})


def team_note(services: Services, lang: str, when: str = "within_working_day") -> str:
    """What she reads after a result that alerted the team (the clinic is open: START is a
    Tuesday, 09:00 in Kyiv)."""
    content = services.catalog.content
    time = content.text(f"clinic.care_team.contact_time.{when}", lang)
    return content.text("clinic.care_team.routine_note", lang, {"routine_contact_time": time})


def test_scores_for_builds_every_total() -> None:
    for total in range(31):
        scores = scores_for(total)
        assert sum(scores) == total and all(0 <= s <= 3 for s in scores)
        assert scores[9] == max(0, total - 27)


@pytest.mark.parametrize("lang", LANGS)
async def test_the_questionnaire_as_published(chat: Chat, services: Services, lang: str) -> None:
    content = services.catalog.content
    await chat.onboard(lang)
    await chat.command("screening")
    intro, attribution, first = chat.last
    assert intro.text == content.text("epds.intro", lang)
    assert attribution.text == content.text("epds.attribution", lang)
    assert "Cox" in attribution.text and "1987" in attribution.text
    assert first.text.startswith(content.text("epds.items.q1.question", lang))
    assert ("1 of 10" if lang == "en" else "1 з 10") in first.text
    for item in range(1, 11):
        question = content.text(f"epds.items.q{item}.question", lang)
        assert chat.last[-1].text.startswith(question)
        options = content.lookup(f"epds.items.q{item}.options")
        assert chat.labels() == [o["text"][lang] for o in options]
        await chat.press_index(0)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("item", range(1, 11))
@pytest.mark.parametrize("button", range(4))
async def test_every_option_of_every_item_is_scored(
    chat: Chat, services: Services, lang: str, item: int, button: int
) -> None:
    expected = button if item in TOP_DOWN else 3 - button
    await chat.onboard(lang)
    await chat.command("screening")
    for number in range(1, 11):
        await chat.press_index(button if number == item else option_for(number, 0))
    [row] = await rows(services, "SELECT score, items FROM assessments")
    items = json.loads(row["items"])
    assert row["score"] == expected
    assert items == {f"q{n}": expected if n == item else 0 for n in range(1, 11)}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("total", "text", "alerts", "rescreen"),
    [
        (0, "low", [], False),
        (9, "low", [], False),
        (10, "possible", [], True),
        (12, "possible", [], True),
        (13, "probable", [("epds_probable", "routine")], False),
        # one event, one alert: the urgent one, naming the routine rule it also met
        (30, "probable", [("epds_item10", "urgent")], False),
    ],
)
async def test_boundaries_choose_the_text_alerts_and_reminders(
    chat: Chat,
    services: Services,
    lang: str,
    total: int,
    text: str,
    alerts: list[tuple[str, str]],
    rescreen: bool,
) -> None:
    await chat.onboard(lang)
    await screening(chat, scores_for(total))
    [row] = await rows(services, "SELECT score FROM assessments WHERE kind = 'epds'")
    assert row["score"] == total
    found = await rows(services, "SELECT rule, priority FROM alerts ORDER BY id")
    assert sorted((a["rule"], a["priority"]) for a in found) == sorted(alerts)
    reminders = await rows(services, "SELECT kind, due_at FROM reminders")
    if rescreen:
        [reminder] = reminders
        assert reminder["kind"] == "epds_offer"
        assert parse_iso(reminder["due_at"]) - chat.now == timedelta(days=14)
    else:
        assert reminders == []
    said = [m.text for m in chat.last]
    if total == 30:  # item 10: the crisis reply first, the result after "Continue"
        assert chat.last[0].priority is Priority.URGENT
        assert services.catalog.content.text("clinic.crisis.reply", lang) in said[0]
        await chat.press_index(0)
        said = [m.text for m in chat.last]
        # item 10's own text; no "within one working day" after the crisis reply
        assert said == [result(services, "item10", lang, total)]
        [alert] = await rows(services, "SELECT detail FROM alerts")
        assert json.loads(alert["detail"])["also"] == ["epds_probable"]
    elif text == "probable":
        assert said == [result(services, text, lang, total), team_note(services, lang)]
    else:
        assert said == [result(services, text, lang, total)]
    assert all("diagnos" in s or "діагноз" in s for s in said[:1])


@pytest.mark.parametrize("lang", LANGS)
async def test_item_10_alone_is_urgent_whatever_the_total(
    chat: Chat, services: Services, lang: str
) -> None:
    await chat.onboard(lang)
    await screening(chat, [0] * 9 + [1])
    assert chat.last[0].priority is Priority.URGENT
    [alert] = await rows(services, "SELECT rule, priority FROM alerts")
    assert (alert["rule"], alert["priority"]) == ("epds_item10", "urgent")
    await chat.press_index(0)
    # never "your answers don't point to depression" beside thoughts of self-harm
    assert [m.text for m in chat.last] == [result(services, "item10", lang, 1)]
    assert result(services, "low", lang, 1) not in chat.said()


@pytest.mark.parametrize("lang", LANGS)
async def test_a_second_result_of_10_or_more_in_a_row_is_routine(
    chat: Chat, services: Services, lang: str
) -> None:
    await chat.onboard(lang)
    await screening(chat, scores_for(11))
    assert await rows(services, "SELECT * FROM alerts") == []
    chat.now += timedelta(days=14)
    assert [m.text for m in chat.last] == [result(services, "possible", lang, 11)]
    chat.now += timedelta(days=14)
    await screening(chat, scores_for(10))
    [alert] = await rows(services, "SELECT rule, priority FROM alerts")
    assert (alert["rule"], alert["priority"]) == ("epds_possible_twice", "routine")
    # she is told the team will be in touch, not left to guess
    assert [m.text for m in chat.last] == [
        result(services, "possible", lang, 10),
        team_note(services, lang),
    ]


@pytest.mark.parametrize("lang", LANGS)
async def test_after_hours_the_team_contacts_her_on_the_next_working_day(
    chat: Chat, services: Services, lang: str
) -> None:
    """Friday 23:30 in Kyiv: no "within one working day" read as "by tomorrow"."""
    chat.now = datetime(2026, 3, 13, 21, 30, tzinfo=UTC)  # Friday 23:30 in Kyiv
    await chat.onboard(lang)
    await screening(chat, scores_for(15))
    assert chat.last[-1].text == team_note(services, lang, "next_working_day")


@pytest.mark.parametrize("lang", LANGS)
async def test_without_a_staff_chat_no_contact_is_promised(services: Services, lang: str) -> None:
    chat = Chat(Conversation(with_config(services, staff_chat_id=None)))
    await chat.onboard(lang)
    await screening(chat, scores_for(15))
    content = services.catalog.content
    contact = content.text("clinic.clinic.contact", lang)
    expected = content.text(
        "clinic.care_team.routine_note_no_team", lang, {"clinic_contact": contact}
    )
    assert [m.text for m in chat.last] == [result(services, "probable", lang, 15), expected]
    assert "will contact you" not in chat.said() and "зв'яжеться з вами" not in chat.said()


async def test_epds_3a_is_shown_to_staff_in_the_history_but_never_alerts(
    chat: Chat, services: Services
) -> None:
    await chat.onboard("en")
    await screening(chat, [0, 0, 2, 2, 2, 0, 0, 0, 0, 0])  # total 6, EPDS-3A 6
    assert await rows(services, "SELECT * FROM alerts") == []
    await chat.text("I want to kill myself")
    renderer = AlertRenderer(
        services.catalog.content, services.catalog.escalation, "en", services.config.zone
    )
    async with services.db.reading() as tx:
        alert = await get_alert(tx, 1)
        assert alert is not None
        text = await renderer.render(tx, alert)
    assert "EPDS history: 6 (10.03.2026, 3A 6 ⚠️)" in text

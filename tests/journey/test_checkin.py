"""/checkin in both languages: the questions, the reply that reflects her answers, the matching
read, the safety question on low days (clinical notes §3) and the alerts it raises."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.content.names import address_form
from bot.content.snippets import snippet_text as text_of
from bot.content.snippets import snippets
from bot.priority import Priority
from bot.safety.alert_text import AlertRenderer
from bot.services import Services
from bot.storage.alerts import get_alert
from tests.journey.conftest import LANGS, Chat, rows

# Clinical notes §3, verbatim: the test fails if anyone rewords the safety question.
SAFETY = {
    "en": (
        "In the past few days, have you had thoughts that you would be better off dead, or of "
        "hurting yourself in some way?",
        ["Yes", "No", "I'd like to talk to someone"],
    ),
    "uk": (
        "Чи були у вас за останні кілька днів думки, що вам краще було б померти, або думки про "
        "те, щоб якось собі зашкодити?",
        ["Так", "Ні", "Хочу з кимось поговорити"],
    ),
}
# Button positions of each question's options, top to bottom.
MOOD = {5: 0, 4: 1, 3: 2, 2: 3, 1: 4}
SLEEP = {"good": 0, "ok": 1, "poor": 2, "none": 3}
ANXIETY = {"none": 0, "little": 1, "lot": 2, "very": 3}
BABY = {"close": 0, "ok": 1, "distant": 2, "guilty": 3}
SUPPORT = {"yes": 0, "some": 1, "no": 2}


def t(services: Services, key: str, lang: str, name: str = "") -> str:
    address = address_form(name, lang)  # Ukrainian: the vocative, or no name when unsure
    variables = {"name_suffix": f", {address}" if address else ""}
    contact = services.catalog.content.text("clinic.clinic.contact", lang)
    return services.catalog.content.text(key, lang, {**variables, "clinic_contact": contact})


async def check_in(
    chat: Chat,
    mood: int,
    sleep: str = "ok",
    anxiety: str = "little",
    baby: str = "ok",
    support: str = "some",
    note: str | None = None,
) -> None:
    """A whole check-in on a day that is not low (no safety question)."""
    await chat.command("checkin")
    await chat.press_index(MOOD[mood])
    if mood <= 2:
        await chat.press_index(1)  # safety: No
    for options, value in ((SLEEP, sleep), (ANXIETY, anxiety), (BABY, baby), (SUPPORT, support)):
        await chat.press_index(options[value])
    await (chat.text(note) if note else chat.press_index(0))


def snippet_text(services: Services, snippet_id: str, lang: str) -> str:
    [found] = [s for s in snippets(services.catalog.content) if s.id == snippet_id]
    return text_of(services.catalog.content, found, lang)


async def answers(services: Services) -> dict[str, object]:
    found = await rows(services, "SELECT key, value FROM answers WHERE flow = 'checkin'")
    return {r["key"]: json.loads(r["value"]) for r in found}


@pytest.mark.parametrize("lang", LANGS)
async def test_a_good_day(chat: Chat, services: Services, lang: str) -> None:
    await chat.onboard(lang)
    await chat.command("checkin")
    assert len(chat.last) == 1 and len(chat.labels()) == 5
    await chat.press_index(MOOD[5])
    assert ("sleep" if lang == "en" else "спали") in chat.said()  # no safety question
    await check_in(chat, 5, sleep="good", anxiety="none", baby="close", support="yes")
    assert chat.said() == " ".join(
        [
            t(services, "checkin.reply.mood_good", lang, "Olenka"),
            t(services, "checkin.reply.rested", lang),
        ]
    )
    saved = await answers(services)
    assert saved["mood"] == 5 and isinstance(saved["mood"], int)
    assert (saved["sleep"], saved["anxiety"], saved["baby"], saved["support"]) == (
        "good",
        "none",
        "close",
        "yes",
    )
    assert await rows(services, "SELECT * FROM alerts") == []
    assert await rows(services, "SELECT * FROM sessions") == []


@pytest.mark.parametrize("lang", LANGS)
async def test_the_reply_reflects_her_answers_and_brings_the_matching_read(
    chat: Chat, services: Services, lang: str
) -> None:
    await chat.onboard(lang)
    await check_in(chat, 3, sleep="poor", anxiety="very", baby="guilty", support="no", note="Ніч")
    reply, read = chat.last
    assert reply.text == " ".join(
        t(services, f"checkin.reply.{key}", lang, "Olenka")
        for key in ("mood_mixed", "guilt", "alone", "note")
    )
    assert read.text == snippet_text(services, "expectations-and-reality", lang)
    assert (await answers(services))["note"] == "Ніч"


@pytest.mark.parametrize("lang", LANGS)
async def test_exhaustion_brings_rest_and_help_reads_never_the_same_twice(
    chat: Chat, services: Services, lang: str
) -> None:
    await chat.onboard(lang)
    seen = []
    for day in range(3):
        chat.now += timedelta(days=1)
        await check_in(chat, 4, sleep="none")
        reply, read = chat.last
        assert reply.text.startswith(t(services, "checkin.reply.mood_fair", lang, "Olenka"))
        assert t(services, "checkin.reply.tired", lang) in reply.text
        seen.append(read.text)
        assert day == 0 or read.text not in seen[:-1]
    views = await rows(services, "SELECT snippet_id FROM snippet_views ORDER BY seen_at")
    assert views[0]["snippet_id"] == "sleep-in-shifts"
    assert len({v["snippet_id"] for v in views}) == 3


@pytest.mark.parametrize("lang", LANGS)
async def test_low_mood_asks_the_safety_question_in_the_clinical_wording(
    chat: Chat, lang: str
) -> None:
    await chat.onboard(lang)
    await chat.command("checkin")
    await chat.press_index(MOOD[2])
    question, labels = SAFETY[lang]
    assert chat.said() == question
    assert chat.labels() == labels


@pytest.mark.parametrize("lang", LANGS)
async def test_safety_no_continues_the_check_in_without_an_alert(
    chat: Chat, services: Services, lang: str
) -> None:
    await chat.onboard(lang)
    await check_in(chat, 1, sleep="good", anxiety="none", baby="close", support="some")
    reply, read = chat.last
    assert reply.text.startswith(t(services, "checkin.reply.mood_very_low", lang, "Olenka"))
    assert reply.text.endswith(t(services, "checkin.reply.low_closing", lang))
    assert read.text == snippet_text(services, "small-steps", lang)
    assert (await answers(services))["safety"] == "no"
    assert await rows(services, "SELECT * FROM alerts") == []


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("button", "value"), [(0, "yes"), (2, "talk")])
async def test_safety_answer_other_than_no_is_urgent_and_gets_the_crisis_reply_first(
    chat: Chat, services: Services, lang: str, button: int, value: str
) -> None:
    await chat.onboard(lang)
    await chat.command("checkin")
    await chat.press_index(MOOD[1])
    await chat.press_index(button)
    [crisis] = chat.last
    assert crisis.priority is Priority.URGENT
    assert services.catalog.content.text("clinic.crisis.reply", lang) in crisis.text
    [alert] = await rows(services, "SELECT rule, priority, detail FROM alerts")
    assert (alert["rule"], alert["priority"]) == ("checkin_safety", "urgent")
    assert json.loads(alert["detail"])["value"] == value
    await chat.press_index(0)  # Continue: the rest of the check-in comes back
    assert ("anything on your mind" if lang == "en" else "що вас турбує") in chat.said()
    await chat.press_index(0)  # Skip
    [reply] = chat.last  # no read after a safety answer; the reply points to help
    assert reply.text == t(services, "checkin.reply.safety", lang, "Olenka")
    assert "7333" in reply.text


@pytest.mark.parametrize(
    ("lang", "retraction"), [("en", "I didn't mean it"), ("uk", "ви мене неправильно зрозуміли")]
)
async def test_i_didnt_mean_it_while_the_check_in_is_paused(
    chat: Chat, services: Services, lang: str, retraction: str
) -> None:
    """The kind retraction reply, not the "flow is paused" note; the alert stands and the
    check-in still continues (her words are not taken as the answer to its next question)."""
    await chat.onboard(lang)
    await chat.command("checkin")
    await chat.press_index(MOOD[1])
    await chat.press_index(0)  # safety: Yes
    await chat.text(retraction)
    [reply] = chat.last
    today = services.catalog.content.text("clinic.care_team.contact_time.today", lang)
    expected = services.catalog.content.text(
        "clinic.crisis.retraction_reply", lang, {"urgent_contact_time": today}
    )
    assert reply.text == expected  # Tuesday 09:00 in Kyiv: the clinic is open
    [alert] = await rows(services, "SELECT rule, status FROM alerts")
    assert (alert["rule"], alert["status"]) == ("checkin_safety", "open")
    await chat.press_index(0)  # Continue
    assert ("anything on your mind" if lang == "en" else "що вас турбує") in chat.said()
    assert "note" not in await answers(services)


@pytest.mark.parametrize("lang", LANGS)
async def test_three_low_days_in_a_row_raise_one_routine_alert(
    chat: Chat, services: Services, lang: str
) -> None:
    await chat.onboard(lang)
    for day in range(4):
        chat.now += timedelta(days=1)
        await check_in(chat, 2)
        found = await rows(services, "SELECT rule, priority FROM alerts")
        expected = [{"rule": "low_mood_streak", "priority": "routine"}] if day >= 2 else []
        assert found == expected


async def test_three_low_days_bring_the_questionnaire_forward(
    chat: Chat, services: Services
) -> None:
    """Issue 4: EPDS is offered early when daily moods stay low (3 low days in a row)."""
    await chat.onboard("en")
    for _ in range(3):
        chat.now += timedelta(days=1)
        assert await rows(services, "SELECT * FROM reminders") == []
        await check_in(chat, 2)
    [reminder] = await rows(services, "SELECT kind, due_at, status FROM reminders")
    assert (reminder["kind"], reminder["status"]) == ("epds_offer", "pending")
    assert reminder["due_at"] <= chat.now.isoformat().replace("+00:00", "Z")


async def test_no_early_offer_right_after_a_screening(chat: Chat, services: Services) -> None:
    await chat.onboard("en")
    await chat.command("screening")
    for item in range(1, 11):
        await chat.press_index(0 if item in (1, 2, 4) else 3)  # every item scores 0
    for _ in range(3):
        chat.now += timedelta(days=1)
        await check_in(chat, 2)
    assert await rows(services, "SELECT * FROM reminders WHERE kind = 'epds_offer'") == []


@pytest.mark.parametrize("lang", LANGS)
async def test_typing_at_a_button_question_gets_a_kind_reask(
    chat: Chat, services: Services, lang: str
) -> None:
    await chat.onboard(lang)
    await chat.command("checkin")
    await chat.text("not sure")
    reask, question = chat.last
    assert reask.text == services.catalog.content.text("ui.reask.choice", lang)
    assert len(question.buttons) == 5
    await chat.text("3")  # the option's number works as typed text
    assert (await answers(services))["mood"] == 3


async def test_the_staff_alert_lists_only_her_answers(chat: Chat, services: Services) -> None:
    """Values a flow computes for its own texts (settings.time_shown, settings.change,
    checkin.name_suffix) mean nothing to a nurse: only her answers, with readable labels."""
    await chat.onboard("en")
    await chat.command("settings")
    await chat.press("That's all")
    await chat.command("checkin")
    await chat.press_index(MOOD[1])
    await chat.press_index(0)  # safety: yes → urgent alert
    await chat.press_index(0)  # continue
    await chat.press_index(0)  # skip the note
    renderer = AlertRenderer(
        services.catalog.content, services.catalog.escalation, "en", services.config.zone
    )
    async with services.db.reading() as tx:
        alert = await get_alert(tx, 1)
        assert alert is not None
        text = await renderer.render(tx, alert)
    recent = text[text.index("Recent answers:") : text.index("Her recent messages")]
    assert "• Mood (1 very low – 5 good): 1" in recent
    assert "• Safety question: yes" in recent
    for noise in ("time_shown", "change", "name_suffix", "name_shown", "onboarding", "settings"):
        assert noise not in recent, noise


@pytest.mark.parametrize(("name", "addressed"), [("Олена", "Олено"), ("Настя", "Насте")])
async def test_she_is_addressed_in_the_vocative(
    chat: Chat, services: Services, name: str, addressed: str
) -> None:
    await chat.onboard("uk", name=name)
    assert chat.said().startswith(f"Готово, {addressed}!")
    await check_in(chat, mood=5)
    assert f", {addressed}!" in chat.said() and f", {name}!" not in chat.said()


async def test_a_name_without_a_sure_vocative_is_left_out(chat: Chat) -> None:
    await chat.onboard("uk", name="Олег")  # a man's name: never «Олеже» to a mother
    assert chat.said().startswith("Готово!")
    await check_in(chat, mood=5)
    assert "Олег" not in chat.said()

"""Her own words below a crisis (issue 11): distress gets the check-in's safety question asked
directly, everyday topics get a reviewed read, anything else the honest reply. Driven through
``Conversation.handle`` with a fake clock, so the question window and the distress days are
measured in her time, not the wall clock's."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.content.snippets import snippet_text, snippets
from bot.conversation.free_text import screen
from bot.conversation.service import Conversation
from bot.priority import Priority
from bot.services import Services
from tests.conftest import with_config
from tests.journey.conftest import Chat, rows

QUESTION = (
    "In the past few days, have you had thoughts that you would be better off dead, or of "
    "hurting yourself in some way?"
)


def text(services: Services, key: str, lang: str = "en", **variables: str) -> str:
    return services.catalog.content.text(key, lang, variables)


async def alerts(services: Services) -> list[tuple[str, str]]:
    found = await rows(services, "SELECT rule, priority FROM alerts ORDER BY id")
    return [(r["rule"], r["priority"]) for r in found]


def read(services: Services, snippet_id: str, lang: str = "en") -> str:
    chosen = next(s for s in snippets(services.catalog.content) if s.id == snippet_id)
    return snippet_text(services.catalog.content, chosen, lang)


async def test_screen_labels_what_the_bot_did(services: Services) -> None:
    catalog = services.catalog
    assert screen(catalog, "I want to die").label == "crisis"
    assert screen(catalog, "I'm not coping").label == "distress"
    assert screen(catalog, "Я не відчуваю любові до дитини").label == "distress"
    assert screen(catalog, "she only sleeps 40 minutes at a time").label == "topic:sleep"
    assert screen(catalog, "what time is it in Lisbon").label == "unmatched"


async def test_distress_is_asked_directly_and_yes_is_the_urgent_path(
    chat: Chat, services: Services
) -> None:
    await chat.onboard("en")
    replies = await chat.text("nothing is ever going to get better")
    assert len(replies) == 1
    assert replies[0].text.startswith(text(services, "free_text.distress.categories.hopeless.ack"))
    assert QUESTION in replies[0].text
    assert chat.labels() == ["Yes", "No", "I'd like to talk to someone"]
    assert await alerts(services) == []

    replies = await chat.press("Yes")
    assert (
        "7333" in replies[0].text and replies[0].priority is Priority.URGENT
    )  # the crisis reply comes first
    assert await alerts(services) == [("distress_safety", "urgent")]
    (alert,) = await rows(services, "SELECT detail FROM alerts")
    detail = json.loads(alert["detail"])
    assert detail["message"] == "nothing is ever going to get better"
    assert detail["matched"] and detail["lexicon_entry"] == "en-hopeless"  # explainable
    assert detail["value"] == "yes"

    await chat.press_action("dq:no")  # the question was answered: the old button is spent
    assert chat.said() == text(services, "ui.expired")


async def test_the_answer_typed_instead_of_tapped_counts_as_the_button(
    chat: Chat, services: Services
) -> None:
    """A mother who types «так» to the direct question gets the urgent path, as if she had
    tapped it; «ні» gets the options; once answered, the same word is just a message again."""
    await chat.onboard("uk")
    await chat.text("Нічого вже не зміниться")
    replies = await chat.text("Так")
    assert "7333" in replies[0].text and replies[0].priority is Priority.URGENT
    assert await alerts(services) == [("distress_safety", "urgent")]
    (alert,) = await rows(services, "SELECT detail FROM alerts")
    assert json.loads(alert["detail"])["value"] == "yes"
    stored = await rows(services, "SELECT text, handled FROM messages ORDER BY id")
    assert stored[-1]["text"] == "Так"

    chat.now += timedelta(hours=13)
    await chat.text("Нічого вже не зміниться")
    await chat.text(" ні ")
    assert chat.said() == text(services, "free_text.distress.after_no", "uk")
    assert await alerts(services) == [("distress_safety", "urgent")]
    await chat.text("ні")  # answered: no longer an answer to anything
    assert chat.said() != text(services, "free_text.distress.after_no", "uk")


async def test_yes_after_no_is_still_the_urgent_path_once(chat: Chat, services: Services) -> None:
    """Second thoughts count: anything but a clear "No" is urgent (clinical notes)."""
    await chat.onboard("en")
    await chat.text("I'm a terrible mother")
    await chat.press_action("dq:no")
    assert await alerts(services) == []
    replies = await chat.press_action("dq:yes")
    assert "7333" in replies[0].text and replies[0].priority is Priority.URGENT
    assert await alerts(services) == [("distress_safety", "urgent")]
    await chat.press_action("dq:talk")  # the same question: one alert
    await chat.press_action("dq:no")
    assert await alerts(services) == [("distress_safety", "urgent")]


async def test_talk_to_someone_is_urgent_too(chat: Chat, services: Services) -> None:
    await chat.onboard("uk")
    replies = await chat.text("Я не відчуваю любові до дитини")
    assert text(services, "checkin.safety.question", "uk") in replies[0].text
    await chat.press("Хочу з кимось поговорити")
    assert await alerts(services) == [("distress_safety", "urgent")]


async def test_no_offers_a_read_contact_or_going_on(chat: Chat, services: Services) -> None:
    await chat.onboard("en")
    await chat.text("I'm a terrible mother")
    await chat.press("No")
    assert chat.said() == text(services, "free_text.distress.after_no")
    assert chat.labels() == [
        "Something short to read",
        "Ask the clinic to contact me",
        "Go on",
    ]
    assert await alerts(services) == []

    await chat.press("Something short to read")
    assert chat.said() == read(services, "not-your-fault")

    await chat.text("I'm a terrible mother")  # within the window: no second question
    assert QUESTION not in chat.said()
    await chat.press("Ask the clinic to contact me")
    assert await alerts(services) == [("contact_request", "routine")]
    assert chat.said().startswith("I've passed your request")  # a staff chat is configured
    await chat.press("Ask the clinic to contact me")
    assert await alerts(services) == [("contact_request", "routine")]  # one a day
    await chat.press("Go on")
    assert chat.said() == text(services, "free_text.distress.go_on")


async def test_one_question_per_window_and_distress_days_raise_a_routine_alert(
    chat: Chat, services: Services
) -> None:
    await chat.onboard("en")
    await chat.text("I can't cope anymore")
    assert QUESTION in chat.said()
    await chat.press("No")

    chat.now += timedelta(hours=11)  # within 12 hours: acknowledged, not asked again
    await chat.text("I'm not coping")
    assert QUESTION not in chat.said()
    assert chat.said() == text(services, "free_text.distress.categories.breaking_point.ack")
    assert "Ask the clinic to contact me" in chat.labels()

    chat.now += timedelta(hours=2)  # 13 hours after the question: asked again
    await chat.text("I'm not coping")
    assert QUESTION in chat.said()
    await chat.press("No")
    assert await alerts(services) == []  # all on her first day (22:00 in Kyiv)

    chat.now += timedelta(days=2)
    await chat.text("everything feels pointless")
    assert await alerts(services) == []  # a second day
    chat.now += timedelta(days=3)
    await chat.text("everything feels pointless")
    assert await alerts(services) == [("distress_days", "routine")]  # a third within 7 days
    chat.now += timedelta(days=1)
    await chat.text("everything feels pointless")
    assert await alerts(services) == [("distress_days", "routine")]  # once for that week


async def test_after_a_crisis_in_her_words_distress_is_not_asked_about_within_the_window(
    chat: Chat, services: Services
) -> None:
    """She has just had the crisis reply and the team an urgent alert: asking whether she has
    thoughts of hurting herself would ask what she said a minute ago."""
    await chat.onboard("en")
    await chat.text("I want to kill myself")
    assert await alerts(services) == [("crisis_message", "urgent")]
    chat.now += timedelta(minutes=5)
    await chat.text("I can't cope anymore")
    assert QUESTION not in chat.said()
    assert chat.said() == text(services, "free_text.distress.categories.breaking_point.ack")
    chat.now += timedelta(hours=13)
    await chat.command("cancel")
    await chat.text("I can't cope anymore")
    assert QUESTION in chat.said()


async def test_a_checkin_safety_answer_counts_for_the_window(
    chat: Chat, services: Services
) -> None:
    await chat.onboard("en")
    await chat.command("checkin")
    await chat.press_index(4)  # very low → the safety question
    await chat.press("No")
    await chat.command("cancel")
    await chat.text("I'm not coping")
    assert QUESTION not in chat.said()


async def test_a_flow_waiting_for_a_button_pauses_and_goes_on(
    chat: Chat, services: Services
) -> None:
    await chat.onboard("en")
    await chat.command("checkin")
    await chat.press_index(2)  # so-so → next: how did you sleep
    assert "How did you sleep" in chat.said()
    await chat.text("honestly I'm falling apart")
    assert QUESTION in chat.said()
    await chat.press("No")
    await chat.press("Go on")  # the paused check-in asks its question again
    assert "How did you sleep" in chat.said()


async def test_a_topic_gets_its_read_and_nothing_known_gets_the_honest_reply(
    chat: Chat, services: Services
) -> None:
    await chat.onboard("en")
    await chat.text("she only sleeps 40 minutes at a time")
    assert chat.last[0].text == text(services, "free_text.topics.sleep.ack")
    assert chat.last[1].text == read(services, "sleep-in-shifts")
    assert "Tell you how I am" in chat.labels()

    await chat.text("is green poo normal??")  # the baby's health: a person, not a read
    assert chat.said() == text(services, "free_text.topics.baby_health.ack")

    await chat.text("what time is it in Lisbon")
    assert chat.said() == text(services, "free_text.unmatched.text")
    assert chat.labels() == [
        "Tell you how I am",
        "Read something short",
        "Ask the clinic to contact me",
        "Urgent help",
    ]
    await chat.press("Urgent help")
    assert "112" in chat.said() and "7333" in chat.said()
    await chat.press_action("flow:checkin")  # "Tell you how I am"
    assert "How are you feeling today?" in chat.said()
    assert await alerts(services) == []


async def test_a_distressed_checkin_note_is_kept_and_then_asked_about(
    chat: Chat, services: Services
) -> None:
    await chat.onboard("en")
    await chat.command("checkin")
    for index in (2, 1, 1, 1, 1):  # so-so, slept okay, a little anxious, mostly fine, a little
        await chat.press_index(index)
    assert "anything on your mind" in chat.said()
    await chat.text("honestly I'm not coping at all")
    assert QUESTION in chat.last[-1].text  # after the check-in's own reply
    notes = await rows(services, "SELECT value FROM answers WHERE key = 'note'")
    assert [json.loads(n["value"]) for n in notes] == ["honestly I'm not coping at all"]
    await chat.press("Yes")
    assert await alerts(services) == [("distress_safety", "urgent")]


async def test_with_no_staff_chat_a_contact_request_is_saved_not_passed_on(
    services: Services,
) -> None:
    alone = with_config(services, staff_chat_id=None)
    chat = Chat(Conversation(alone))
    await chat.onboard("en")
    await chat.text("I'm a terrible mother")
    await chat.press("No")
    await chat.press("Ask the clinic to contact me")
    assert chat.said() == text(services, "free_text.contact.saved")
    await chat.press("Ask the clinic to contact me")
    assert chat.said() == text(services, "free_text.contact.already_no_team")
    assert "with the clinic's care team" not in chat.said()

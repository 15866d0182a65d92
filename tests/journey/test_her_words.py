"""What she writes is kept with what the bot did with it: texts, captions, edits; not commands,
not buttons, nothing before consent, and she never appears in another mother's record."""

from __future__ import annotations

from bot.services import Services
from tests.journey.conftest import Chat, rows


async def test_every_kind_of_her_words_is_kept_with_its_label(
    chat: Chat, services: Services
) -> None:
    await chat.command("start")
    await chat.press("English")
    await chat.text("hello?")  # before consent: not kept
    await chat.press_index(0)  # agree
    await chat.send("other", other="photo", text="my baby, she is 3 weeks")  # caption at "name"
    await chat.text("Olenka")
    await chat.send("other", other="edited", text="Olena")
    await chat.command("learn", args="I can't sleep at all")  # the words after a command
    await chat.command("checkin")  # a bare command is not her words
    await chat.press_index(0)  # a button neither
    stored = await rows(services, "SELECT kind, text, handled FROM messages ORDER BY id")
    assert [(r["kind"], r["text"], r["handled"]) for r in stored] == [
        ("caption", "my baby, she is 3 weeks", "during:onboarding.name"),
        ("text", "Olenka", "answer:onboarding.name"),
        ("edit", "Olena", "ui.edited"),
        ("command", "/learn I can't sleep at all", "command:learn"),
    ]


async def test_a_message_during_a_paused_flow_is_labelled_with_the_reply_she_got(
    chat: Chat, services: Services
) -> None:
    await chat.onboard("en")
    await chat.command("checkin")
    await chat.press_index(4)  # very low
    await chat.press_index(0)  # safety: yes → crisis reply, the check-in pauses
    await chat.text("I will wait for the call")
    stored = await rows(services, "SELECT text, handled FROM messages ORDER BY id")
    assert (stored[-1]["text"], stored[-1]["handled"]) == (
        "I will wait for the call",
        "ui.crisis_paused",
    )

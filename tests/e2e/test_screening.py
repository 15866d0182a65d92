"""Every piece of text she sends is screened before anything else is done with it.

A command's arguments, a photo's or document's caption, an edited message's new text and a
message written while a flow waits for a button: each raises one urgent alert, after the
crisis reply to her.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from tests.conftest import STAFF_CHAT
from tests.e2e.test_fault_matrix import seed_mother
from tests.fakeapi import FakeBotApi, FakeUser
from tests.harness import InProcessBot
from tests.safety.test_ngram import ARRANGED

CRISIS = "I want to die"


async def as_command(user: FakeUser) -> None:
    await user.send(f"/help {CRISIS}")


async def as_a_command_itself(user: FakeUser) -> None:
    await user.send("/want_to_die tonight")  # Telegram makes "/want_to_die" a command


async def as_photo_caption(user: FakeUser) -> None:
    await user.send_photo(caption=CRISIS)


async def as_document_caption(user: FakeUser) -> None:
    await user.send_document(caption=CRISIS)


async def as_edit(user: FakeUser) -> None:
    sent = await user.send("thanks, all fine")
    await user.wait_reply()
    await user.edit(sent, CRISIS)


async def while_a_button_is_expected(user: FakeUser) -> None:
    await user.send("/checkin")
    await user.wait_for_text("How are you feeling today?")
    await user.send(CRISIS)


WAYS: dict[str, Callable[[FakeUser], Awaitable[None]]] = {
    "command arguments": as_command,
    "a command made of her words": as_a_command_itself,
    "photo caption": as_photo_caption,
    "document caption": as_document_caption,
    "edited message": as_edit,
    "while a flow waits for a button": while_a_button_is_expected,
}


@pytest.mark.parametrize("way", list(WAYS))
async def test_crisis_words_raise_one_urgent_alert(
    running: InProcessBot, api: FakeBotApi, way: str
) -> None:
    assert running.services is not None
    await seed_mother(running.services, 7601, "Nadiia")
    mother = api.user(7601, "Nadiia", language_code="en")
    await WAYS[way](mother)
    reply = await mother.wait_for_text("7333")
    assert "letting the clinic's care team know" in (reply.text or "")
    alert = await api.wait_for(
        lambda: next((m for m in api.sent_to(STAFF_CHAT) if "URGENT" in (m.text or "")), None)
    )
    # Her words as she wrote them: the command keeps its slash and underscores.
    shown = "/want_to_die" if way == "a command made of her words" else "want to die"
    assert f"Words that matched: «{shown}" in (alert.text or "")
    assert "Nadiia" in (alert.text or "")
    await mother.wait_for_text("care team has your message")
    rows = await running.services.db.fetchall("SELECT priority FROM alerts")
    assert [r["priority"] for r in rows] == ["urgent"]


async def test_a_crisis_in_words_no_lexicon_holds_is_raised_by_the_model(
    running: InProcessBot, api: FakeBotApi
) -> None:
    """Arrangements for the baby as if she will be gone, in words the crisis lexicon does not
    hold: the crisis model's second opinion gives her the crisis reply first, then an urgent
    alert whose reason says a model raised it and which of her words weighed most."""
    assert running.services is not None
    await seed_mother(running.services, 7602, "Nadiia")
    mother = api.user(7602, "Nadiia", language_code="en")
    await mother.send(ARRANGED)
    reply = await mother.wait_for_text("7333")
    assert "letting the clinic's care team know" in (reply.text or "")
    alert = await api.wait_for(
        lambda: next((m for m in api.sent_to(STAFF_CHAT) if "URGENT" in (m.text or "")), None)
    )
    text = alert.text or ""
    assert "[crisis_model]" in text and "Nadiia" in text
    assert f"«{ARRANGED}»" in text  # her message, whole
    weighed = text.split("weighed most with the model: «", 1)[1].split(" [ngram_crisis]»", 1)[0]
    assert weighed and all(word in ARRANGED for word in weighed.split(", "))
    rows = await running.services.db.fetchall("SELECT priority, rule FROM alerts")
    assert [(r["priority"], r["rule"]) for r in rows] == [("urgent", "crisis_model")]

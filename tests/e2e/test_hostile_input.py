"""Everything a real chat can throw at the bot gets a polite answer, never a crash or silence."""

from __future__ import annotations

import pytest

from tests import harness
from tests.e2e.conftest import eventually
from tests.fakeapi import FakeBotApi, FakeUser
from tests.harness import InProcessBot, at_name


async def onboarded(api: FakeBotApi, user_id: int) -> FakeUser:
    """A mother who has agreed and is now asked for her name (a free-text question)."""
    user = api.user(user_id, "Marta", language_code="en")
    await at_name(user)
    return user


async def at_consent(api: FakeBotApi, user_id: int) -> FakeUser:
    user = api.user(user_id, "Marta", language_code="en")
    await harness.at_consent(user)
    return user


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "document", "location"])
async def test_media_where_a_button_is_expected_gets_a_kind_reask(
    running: InProcessBot, api: FakeBotApi, kind: str
) -> None:
    user = await at_consent(api, 2000 + len(kind))
    await getattr(user, f"send_{kind}")()
    await user.wait_for_text("I can only read text and buttons")
    reask = await user.wait_for_text("Do you agree?")
    assert reask.button_texts == ["Yes, I agree", "No, thank you"]


async def test_text_where_a_button_is_expected(running: InProcessBot, api: FakeBotApi) -> None:
    user = await at_consent(api, 2101)
    await user.send("maybe?")
    await user.wait_for_text("Please tap one of the buttons")
    await user.press("Yes, I agree")
    await user.wait_for_text("call you")


async def test_twenty_thousand_characters(running: InProcessBot, api: FakeBotApi) -> None:
    user = await onboarded(api, 2102)
    await user.send("a" * 20_000)
    await user.wait_for_text("could you send a shorter version")
    await user.send("Marta")
    await user.wait_for_text("When was your baby born?")


async def test_malformed_and_future_dates(running: InProcessBot, api: FakeBotApi) -> None:
    user = await onboarded(api, 2103)
    await user.send("Marta")
    await user.wait_for_text("When was your baby born?")
    await user.send("32.13.2026")
    await user.wait_for_text("I couldn't read that date")
    await user.send("01.01.2099")
    await user.wait_for_text("in the future")
    await user.send("01.11.2026")
    await user.wait_for_text("When suits you best?")


async def test_forged_and_stale_buttons_change_nothing(
    running: InProcessBot, api: FakeBotApi
) -> None:
    user = await at_consent(api, 2104)
    consent_message = user.last_message
    assert consent_message is not None
    pressed = await user.press_data(consent_message.message_id, "a|99|0|forgedsig0")
    answer = await api.wait_callback_answer(pressed.query_id)
    assert "expired" in str(answer.get("text"))
    language_question = next(m for m in user.messages if "Which language" in (m.text or ""))
    stale = language_question.callback_data("English")
    await user.press_data(language_question.message_id, stale or "")
    await user.wait_for_text("This button has expired")
    assert running.services is not None
    row = await running.services.db.fetchone("SELECT consent FROM mothers WHERE chat_id = 2104")
    assert row is not None and row["consent"] == "pending"


async def test_edited_message_gets_a_note(running: InProcessBot, api: FakeBotApi) -> None:
    user = await onboarded(api, 2105)
    sent = await user.send("Marta")
    await user.wait_for_text("When was your baby born?")
    await user.edit(sent, "Marta K")
    await user.wait_for_text("I only read new messages")


async def test_channel_posts_and_unknown_groups_are_ignored(
    running: InProcessBot, api: FakeBotApi
) -> None:
    await api.channel_post(-100777, "hello channel")
    group = api.group(-100888, "Random group")
    member = group.member(3001, "Someone")
    await member.send("hello bot")
    user = await at_consent(api, 2106)  # the bot is still alive and answering
    assert user.last_message is not None
    assert api.sent_to(-100777) == [] and api.sent_to(-100888) == []


async def test_a_mother_who_blocked_the_bot_is_marked_inactive(
    running: InProcessBot, api: FakeBotApi
) -> None:
    await onboarded(api, 2107)
    api.block(2107)
    assert running.services is not None
    db = running.services.db

    async def inactive() -> bool:
        row = await db.fetchone("SELECT status FROM mothers WHERE chat_id = 2107")
        return row is not None and row["status"] == "inactive"

    await eventually(inactive)

"""A crisis before she agreed: the crisis reply first, and no promise that anything is kept or
that anyone will see it or check in — nothing is stored and no alert is written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.conversation.messages import Author, Incoming
from bot.conversation.service import Conversation
from bot.services import Services

T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # a Wednesday, the clinic open
STRANGER = Author(chat_id=801, user_id=801, first_name="Ola", language_code="en")


async def say(services: Services, text: str, update: int, now: datetime) -> str:
    incoming = Incoming(STRANGER, "text", text=text, update_id=update)
    replies = await Conversation(services).handle(incoming, now)
    return "\n".join(r.text for r in replies)


async def test_a_strangers_crisis_reply_promises_nothing_is_kept(services: Services) -> None:
    reply = await say(services, "I want to die", 1, T0)
    assert "7333" in reply and "112" in reply
    assert "kept" not in reply and "will see it" not in reply and "letting" not in reply
    rows = await services.db.fetchall("SELECT id FROM alerts")
    assert rows == []


async def test_no_check_in_promised_for_a_crisis_before_consent(services: Services) -> None:
    await say(services, "I want to die", 1, T0)
    start = Incoming(STRANGER, "command", text="/start", command="start", update_id=2)
    await Conversation(services).handle(start, T0)
    async with services.db.transaction() as conn:
        await conn.execute("UPDATE mothers SET consent = 'given' WHERE chat_id = ?", (801,))
    reply = await say(services, "I didn't mean it", 3, T0 + timedelta(minutes=5))
    assert "check in with you" not in reply

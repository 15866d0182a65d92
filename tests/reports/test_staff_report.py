"""/report and /caseload in the staff chat: staff only, figures as text and PNG charts, and
caseload buttons that open /case."""

from __future__ import annotations

from bot.conversation.messages import Author, ButtonRef, Incoming
from bot.conversation.service import Conversation
from bot.safety.alert_text import OPEN_CASE
from bot.services import Services
from tests.conftest import STAFF_CHAT, with_config
from tests.reports.seed import NOW, utc

NURSE = Author(chat_id=STAFF_CHAT, user_id=77, first_name="Nurse Iryna", chat_type="supergroup")
MOTHER = Author(chat_id=9001, user_id=9001, first_name="Olena", language_code="en")
PNG = b"\x89PNG\r\n\x1a\n"


def command(sender: Author, name: str, args: str = "") -> Incoming:
    return Incoming(sender, "command", text=f"/{name} {args}".strip(), command=name, args=args)


async def test_report_is_a_short_text_and_four_charts(seeded: Services) -> None:
    replies = await Conversation(seeded).handle(command(NURSE, "report", "30"), utc(NOW))
    text, *charts = replies
    assert text.chat_id == STAFF_CHAT
    assert "(30 days)" in text.text and "Alerts raised: 4 urgent, 3 routine" in text.text
    assert "Night = outside the clinic's working hours" in text.text
    assert "Daryna" not in text.text  # names only in /caseload
    assert len(charts) == 4 and all(c.photo and c.photo.startswith(PNG) for c in charts)


async def test_report_defaults_to_seven_days_and_explains_a_bad_argument(
    seeded: Services,
) -> None:
    conversation = Conversation(seeded)
    [text, *_] = await conversation.handle(command(NURSE, "report"), utc(NOW))
    assert "(7 days)" in text.text
    [usage] = await conversation.handle(command(NURSE, "report", "forever"), utc(NOW))
    assert usage.text.startswith("Usage: /report")


async def test_report_and_caseload_are_refused_outside_the_staff_chat(seeded: Services) -> None:
    async with seeded.db.transaction() as conn:  # she is a consented mother with a chat
        await conn.execute("UPDATE mothers SET chat_id = ? WHERE id = 1", (MOTHER.chat_id,))
    conversation = Conversation(seeded)
    for name in ("report", "caseload"):
        [refusal] = await conversation.handle(command(MOTHER, name), utc(NOW))
        assert refusal.chat_id == MOTHER.chat_id
        assert "only for the clinic's care team" in refusal.text
        assert refusal.photo is None


async def test_staff_user_ids_narrow_who_may_ask(seeded: Services) -> None:
    narrowed = with_config(seeded, staff_user_ids=frozenset({1}))
    [refusal] = await Conversation(narrowed).handle(command(NURSE, "report"), utc(NOW))
    assert "only for the clinic's care team" in refusal.text


async def test_caseload_lists_mothers_with_buttons_that_open_their_case(seeded: Services) -> None:
    conversation = Conversation(seeded)
    high, streak, silent = await conversation.handle(command(NURSE, "caseload"), utc(NOW))
    assert "Iryna: EPDS 14 on 24.11.2026" in high.text
    assert "Daryna" in streak.text and "Kateryna" in streak.text
    assert "Daryna: low day 12.11.2026, silent 18 days" in silent.text
    [[button]] = high.buttons
    assert button.ref == ButtonRef.staff(alert_id=6, action_index=OPEN_CASE)
    press = Incoming(NURSE, "button", button=button.ref, message_id=5)
    [case, *_] = await conversation.handle(press, utc(NOW))
    assert "Alert #6" in case.text and "Iryna" in case.text
    row = await seeded.db.fetchone("SELECT status FROM alerts WHERE id = 6")
    assert row is not None and row["status"] == "acknowledged"  # opening changes nothing


async def test_report_and_caseload_in_ukrainian(seeded: Services) -> None:
    ukrainian = with_config(seeded, staff_language="uk")
    conversation = Conversation(ukrainian)
    text, *_ = await conversation.handle(command(NURSE, "report", "30"), utc(NOW))
    assert text.text.startswith("📊 Звіт") and "Ніч = поза робочими годинами" in text.text
    lists = await conversation.handle(command(NURSE, "caseload"), utc(NOW))
    assert "Iryna: EPDS 14, 24.11.2026" in lists[0].text
    assert all("{" not in reply.text for reply in [text, *lists])

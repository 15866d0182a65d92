"""/report through the real Application and the fake Bot API: the staff group gets the text
and four PNG charts; the same command from a mother's chat is refused and draws nothing."""

from __future__ import annotations

from tests.conftest import STAFF_CHAT
from tests.e2e.test_hostile_input import onboarded
from tests.fakeapi import FakeBotApi
from tests.harness import InProcessBot

PNG = b"\x89PNG\r\n\x1a\n"


async def test_report_in_the_staff_chat_and_refused_elsewhere(
    running: InProcessBot, api: FakeBotApi
) -> None:
    nurse = api.group(STAFF_CHAT, "Clinic care team").member(9001, "Iryna")
    await nurse.send("/report 30")
    await api.wait_for(lambda: len([m for m in api.sent_to(STAFF_CHAT) if m.photo]) == 4, 20)
    photos = [m for m in api.sent_to(STAFF_CHAT) if m.photo]
    assert all(m.photo and m.photo.startswith(PNG) for m in photos)
    [text] = [m for m in api.sent_to(STAFF_CHAT) if (m.text or "").startswith("📊 Report")]
    assert "(30 days)" in (text.text or "")

    mother = await onboarded(api, 5201)
    mother.mark_read()
    await mother.send("/report")
    refusal = await mother.wait_for_text("only for the clinic's care team")
    assert refusal.photo is None
    assert not [m for m in api.sent_to(mother.chat_id) if m.photo]

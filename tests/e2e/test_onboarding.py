"""A mother's first conversation, end to end through the real Application and HTTP."""

from __future__ import annotations

from tests.fakeapi import FakeBotApi
from tests.harness import InProcessBot


async def test_start_to_end_in_english(running: InProcessBot, api: FakeBotApi) -> None:
    olena = api.user(1001, "Olena", language_code="en")
    await olena.send("/start")
    await olena.wait_for_text("Which language")
    await olena.press("English")
    await olena.wait_for_text("Do you agree?")
    texts = [m.text or "" for m in olena.messages]
    assert any("not a doctor" in t for t in texts)
    assert any("care team is told if" in t for t in texts)
    await olena.press("Yes, I agree")
    await olena.wait_for_text("What would you like me to call you?")
    await olena.send("Olena")
    await olena.wait_for_text("When was your baby born?")
    await olena.send("14.10.2026")
    await olena.wait_for_text("When suits you best?")
    await olena.press("Morning")
    done = await olena.wait_for_text("All set, Olena!")
    assert "09:00" in (done.text or "")
    assert running.services is not None
    row = await running.services.db.fetchone("SELECT * FROM mothers WHERE chat_id = 1001")
    assert row is not None
    assert (row["consent"], row["language"], row["name"]) == ("given", "en", "Olena")
    assert (row["baby_birth_date"], row["checkin_time"]) == ("2026-10-14", "09:00")


async def test_start_in_ukrainian_and_decline_stores_nothing(
    running: InProcessBot, api: FakeBotApi
) -> None:
    oksana = api.user(1002, "Оксана", language_code="uk")
    await oksana.send("/start")
    await oksana.wait_for_text("Якою мовою")
    await oksana.press("Українська")
    await oksana.wait_for_text("Ви погоджуєтеся?")
    await oksana.press("Ні, дякую")
    await oksana.wait_for_text("Нічого не збережено")
    assert running.services is not None
    db = running.services.db
    assert await db.fetchone("SELECT 1 FROM mothers WHERE chat_id = 1002") is None
    assert await db.fetchone("SELECT 1 FROM declined WHERE chat_id = 1002") is not None
    await oksana.send("привіт")
    await oksana.wait_for_text("нічого про вас не зберегла")
    await oksana.send("/start")
    await oksana.wait_for_text("Якою мовою", timeout=5)


async def test_commands_are_registered_in_both_languages(
    running: InProcessBot, api: FakeBotApi
) -> None:
    english = dict(api.commands(language_code=""))
    ukrainian = dict(api.commands(language_code="uk"))
    assert english["start"] == "Start or restart"
    assert ukrainian["start"] == "Почати або почати знову"
    assert set(english) == set(ukrainian)
    assert english["sos"] == "Help lines, when it's urgent"
    assert ukrainian["sos"] == "Телефони допомоги, коли це терміново"

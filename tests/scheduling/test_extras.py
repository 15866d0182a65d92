"""Beyond the daily prompt: the missed-check-in reminder, the nudge after a low day (with its
alert), screening offers, and snippets."""

from __future__ import annotations

import json

from bot.clock import iso
from bot.conversation.messages import Author, ButtonRef, Incoming
from bot.storage import dialog, messages
from tests.scheduling.conftest import QUIET, Harness, MakeHarness, kinds, utc


async def alert_rules(h: Harness, chat_id: int) -> list[str]:
    rows = await h.services.db.fetchall(
        "SELECT a.rule FROM alerts a JOIN mothers m ON m.id = a.mother_id WHERE m.chat_id = ?",
        (chat_id,),
    )
    return [row[0] for row in rows]


async def test_one_gentle_reminder_when_the_checkin_is_missed(make_harness: MakeHarness) -> None:
    h = await make_harness(utc("2026-01-14 12:00"))
    await h.mother(901)
    await h.mother(902)
    await h.run(utc("2026-01-15 07:00:05"))
    await h.answer(902, "mood", 4, utc("2026-01-15 07:05"))  # she answered; 901 did not
    assert await h.run(utc("2026-01-15 09:59")) == []
    sent = await h.run(utc("2026-01-15 10:00:05"))  # three hours after the prompt
    assert [m.chat_id for m in sent] == [901]
    assert await h.run(utc("2026-01-15 10:30")) == []
    assert await h.run(utc("2026-01-15 14:00")) == []
    assert kinds(await h.sends(901)).count("reminder") == 1
    assert ("reminder", "2026-01-15", "skipped", "checked in today") in await h.sends(902)


async def test_reminder_moves_before_quiet_hours_or_is_dropped(make_harness: MakeHarness) -> None:
    h = await make_harness(utc("2026-01-14 12:00"), quiet=QUIET)
    await h.mother(903, "20:00")  # +3 h is 23:00, in quiet hours: an hour before, at 21:00
    await h.mother(904, "21:30")  # 21:00 would be before the prompt: no reminder
    await h.run(utc("2026-01-15 18:00:05"))
    assert await h.column(903, "remind_at") == "2026-01-15T19:00:00.000000Z"
    await h.run(utc("2026-01-15 19:30:05"))
    assert await h.column(904, "remind_at") is None
    assert ("reminder", "2026-01-15", "sent", None) in await h.sends(903)


async def test_quiet_after_a_low_checkin_nudge_then_one_routine_alert(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(utc("2026-01-09 12:00"))
    await h.mother(1001)
    await h.answer(1001, "mood", 2, utc("2026-01-10 07:10"))  # a low day, then silence
    for day in ("11", "12"):
        await h.run(utc(f"2026-01-{day} 07:00:05"))
    assert await alert_rules(h, 1001) == []
    sent = await h.run(utc("2026-01-13 07:00:05"))  # three days after the low check-in
    assert "nudge" not in str(sent)
    sends = await h.sends(1001)
    assert ("low_nudge", "2026-01-13", "sent", None) in sends
    assert ("checkin", "2026-01-13", "sent", None) not in sends
    assert await alert_rules(h, 1001) == ["missed_after_low"]
    outbox = await h.services.db.fetchall("SELECT kind FROM outbox")
    assert [row[0] for row in outbox] == ["staff_alert"]
    for day in ("14", "15", "16"):
        await h.run(utc(f"2026-01-{day} 07:00:05"))
        assert ("checkin", f"2026-01-{day}", "sent", None) in await h.sends(1001)
    assert "low_nudge" not in [kind for kind, day, *_ in await h.sends(1001) if day > "2026-01-13"]
    assert await alert_rules(h, 1001) == ["missed_after_low"]


async def test_no_nudge_when_she_checked_in_again(make_harness: MakeHarness) -> None:
    h = await make_harness(utc("2026-01-09 12:00"))
    await h.mother(1002)
    await h.answer(1002, "mood", 1, utc("2026-01-10 07:10"))
    await h.answer(1002, "mood", 4, utc("2026-01-12 07:10"))
    await h.run(utc("2026-01-13 07:00:05"))
    assert "low_nudge" not in kinds(await h.sends(1002))
    assert await alert_rules(h, 1002) == []


async def test_screening_offered_on_its_journey_day_and_later(make_harness: MakeHarness) -> None:
    h = await make_harness(utc("2026-01-14 12:00"))
    await h.mother(1101, baby_birth_date="2026-01-01")  # two weeks old on the 15th
    sent = await h.run(utc("2026-01-15 07:00:05"))
    assert kinds(await h.sends(1101)) == ["epds_offer"]  # instead of the check-in that day
    actions = [b.ref.action for row in sent[-1].buttons for b in row]
    assert actions == ["flow:epds", "sched:epds_later"]

    later = Incoming(
        Author(1101, 1101, language_code="en"),
        "button",
        button=ButtonRef.menu("sched:epds_later"),
    )
    replies = await h.conversation.handle(later, utc("2026-01-15 07:05"))
    assert "few days" in replies[0].text
    await h.run(utc("2026-01-16 07:00:05"))
    assert "epds_offer" not in [k for k, d, *_ in await h.sends(1101) if d == "2026-01-16"]
    await h.run(utc("2026-01-18 07:00:05"))  # due at 07:05 on the 18th: the next slot after
    await h.run(utc("2026-01-19 07:00:05"))
    assert ("epds_offer", "2026-01-19", "sent", None) in await h.sends(1101)
    reminders = await h.services.db.fetchall("SELECT status FROM reminders")
    assert [row[0] for row in reminders] == ["done"]


async def test_rescreen_reminder_from_the_service_becomes_an_offer(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(utc("2026-01-14 12:00"))
    mother = await h.mother(1102)
    async with h.services.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO reminders (mother_id, kind, due_at, created_at)"
            " VALUES (?, 'epds_offer', '2026-01-15T05:00:00.000000Z', '2026-01-01T05:00:00.000000Z')",
            (mother.id,),
        )
    await h.run(utc("2026-01-15 07:00:05"))
    assert kinds(await h.sends(1102)) == ["epds_offer"]


async def test_snippet_days_bring_a_short_read_before_the_checkin(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(utc("2026-01-14 12:00"))
    # Born 10 October: the 15th of January is day 97 (97 % 7 = 6), and no screening is due.
    await h.mother(1201, baby_birth_date="2025-10-10")
    await h.run(utc("2026-01-15 07:00:05"))
    assert kinds(await h.sends(1201)) == ["checkin"]
    sent = await h.run(utc("2026-01-16 07:00:05"))  # day 98 % 7 = 0: not a snippet day
    assert kinds(await h.sends(1201)) == ["checkin", "checkin"]
    sent = await h.run(utc("2026-01-17 07:00:05"))  # day 99 % 7 = 1: a snippet day
    assert kinds(await h.sends(1201))[-2:] == ["snippet", "checkin"]
    assert sent[0].text.startswith("Something short to read today")
    seen = await h.services.db.fetchall("SELECT snippet_id FROM snippet_views")
    assert len(seen) == 1


async def test_old_sends_and_update_ids_are_pruned_hourly(make_harness: MakeHarness) -> None:
    """Both tables only answer "did this already happen?" for a day or two; kept forever they
    were most of the database (85 MB per 1,000 mothers after 90 days)."""
    h = await make_harness(utc("2026-01-14 12:00"))
    await h.mother(907)
    await h.run(utc("2026-01-15 07:00:05"))
    async with h.services.db.transaction() as conn:
        for update_id, at in ((1, "2026-01-13 12:00"), (2, "2026-01-19 12:00")):
            await conn.execute(
                "INSERT INTO processed_updates (update_id, at) VALUES (?, ?)",
                (update_id, iso(utc(at))),
            )
    await h.run(utc("2026-01-20 12:00"))
    left = await h.services.db.fetchall("SELECT update_id FROM processed_updates")
    assert [row[0] for row in left] == [2]
    assert all(day != "2026-01-15" for _, day, _, _ in await h.sends(907))


async def test_a_screening_offer_due_on_a_nudge_day_comes_the_next_day(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(utc("2026-01-09 12:00"))
    await h.mother(1003, baby_birth_date="2025-12-30")  # two weeks old on the 13th
    await h.answer(1003, "mood", 2, utc("2026-01-10 07:10"))
    for day in ("11", "12", "13"):
        await h.run(utc(f"2026-01-{day} 07:00:05"))
    assert ("low_nudge", "2026-01-13", "sent", None) in await h.sends(1003)
    await h.run(utc("2026-01-14 07:00:05"))
    assert ("epds_offer", "2026-01-14", "sent", None) in await h.sends(1003)


async def test_her_messages_older_than_the_retention_are_pruned(make_harness: MakeHarness) -> None:
    """MESSAGE_RETENTION_DAYS (365 by default): older words are deleted at the hourly prune."""
    h = await make_harness(utc("2026-01-14 12:00"))
    assert h.services.config.message_retention_days == 365
    mother = await h.mother(908)
    async with h.services.db.transaction() as conn:
        for text, at in (("a year and a day ago", "2025-01-13 11:00"), ("recent", "2025-06-01")):
            await messages.add(conn, mother.id, text, "ui.no_flow", utc(at))
    await h.run(utc("2026-01-14 12:00:05"))
    left = await h.services.db.fetchall("SELECT text FROM messages")
    assert [row[0] for row in left] == ["recent"]


async def test_her_words_quoted_in_alerts_and_distress_records_go_with_the_retention(
    make_harness: MakeHarness,
) -> None:
    """The consent says her messages are kept 12 months: the quotes of them go too, while the
    alert and the record themselves stay for the clinic's figures."""
    h = await make_harness(utc("2026-01-14 12:00"))
    mother = await h.mother(909)
    quote = {"message": "her own words", "matched": "words", "category": "hopeless"}
    async with h.services.db.transaction() as conn:
        for at in ("2025-01-13 11:00", "2025-06-01 11:00"):
            await conn.execute(
                "INSERT INTO alerts (mother_id, pseudonym, priority, rule, category, detail,"
                " dedup_key, created_at) VALUES (?, 'p', 'urgent', 'crisis_message', NULL, ?, ?, ?)",
                (mother.id, json.dumps(quote), at, iso(utc(at))),
            )
            await dialog.add_answer(conn, mother.id, "distress", "asked", quote, utc(at))
    await h.run(utc("2026-01-14 12:00:05"))
    details = [
        json.loads(r[0])
        for r in await h.services.db.fetchall("SELECT detail FROM alerts ORDER BY id")
    ]
    values = [
        json.loads(r[0])
        for r in await h.services.db.fetchall(
            "SELECT value FROM answers WHERE flow = 'distress' ORDER BY id"
        )
    ]
    for old, recent in (details, values):
        assert old == {"category": "hopeless"}
        assert recent == quote

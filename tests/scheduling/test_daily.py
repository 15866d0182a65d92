"""The daily check-in prompt: on time, once per local day, across DST, quiet hours, restarts."""

from __future__ import annotations

from bot.conversation.effects import apply_events
from bot.conversation.messages import Author, Incoming
from bot.conversation.turn import Turn
from bot.engine import SetProfile
from tests.scheduling.conftest import QUIET, MakeHarness, RecordingTransport, kinds, utc


async def test_prompt_at_her_time_once_per_local_day(make_harness: MakeHarness) -> None:
    h = await make_harness(utc("2026-01-14 12:00"))
    await h.mother(101)  # 09:00 Kyiv = 07:00 UTC in winter
    assert await h.run(utc("2026-01-15 06:59:50")) == []
    sent = await h.run(utc("2026-01-15 07:00:05"))
    assert {m.chat_id for m in sent} == {101}
    assert sent[-1].buttons, "the check-in starts with its first question"
    assert await h.run(utc("2026-01-15 07:00:20")) == []
    assert await h.run(utc("2026-01-15 09:00")) == []
    assert await h.run(utc("2026-01-16 07:00:05")) != []
    checkins = [(kind, day) for kind, day, status, _ in await h.sends(101) if kind == "checkin"]
    assert checkins == [("checkin", "2026-01-15"), ("checkin", "2026-01-16")]


async def test_dst_spring_forward_day(make_harness: MakeHarness) -> None:
    h = await make_harness(utc("2026-03-27 12:00"))
    await h.mother(201, "03:30")  # does not exist on 29 March
    await h.mother(202, "09:00")
    await h.run(utc("2026-03-28 01:30:05"))  # 03:30 EET on the 28th
    assert await h.column(201, "next_checkin_at") == "2026-03-29T01:00:00.000000Z"
    sent = await h.run(utc("2026-03-29 01:00:05"))  # the jump: 04:00 EEST
    assert {m.chat_id for m in sent} == {201}
    sent = await h.run(utc("2026-03-29 06:00:05"))  # 09:00 EEST
    assert {m.chat_id for m in sent} == {202}
    assert await h.column(201, "next_checkin_at") == "2026-03-30T00:30:00.000000Z"


async def test_dst_fall_back_repeated_hour_fires_once(make_harness: MakeHarness) -> None:
    h = await make_harness(utc("2026-10-24 12:00"))
    await h.mother(301, "03:30")  # happens twice on 25 October
    sent = await h.run(utc("2026-10-25 00:30:05"))  # the first 03:30 (EEST)
    assert {m.chat_id for m in sent} == {301}
    assert await h.run(utc("2026-10-25 01:30:05")) == []  # the second 03:30 (EET)
    assert await h.column(301, "next_checkin_at") == "2026-10-26T01:30:00.000000Z"
    assert kinds(await h.sends(301)).count("checkin") == 1


async def test_quiet_hours_hold_prompts_until_they_end(make_harness: MakeHarness) -> None:
    h = await make_harness(utc("2026-01-14 12:00"), quiet=QUIET)
    await h.mother(401, "07:00")  # inside 22:00-08:00: comes at 08:00 (06:00 UTC)
    assert await h.run(utc("2026-01-15 05:00:05")) == []
    assert {m.chat_id for m in await h.run(utc("2026-01-15 06:00:05"))} == {401}


async def test_nothing_goes_out_in_quiet_hours_even_late(make_harness: MakeHarness) -> None:
    h = await make_harness(utc("2026-01-14 12:00"), quiet=QUIET)
    await h.mother(402, "21:59")
    await h.run(utc("2026-01-14 12:00:10"))
    assert await h.run(utc("2026-01-14 20:00:30")) == []  # 22:00:30 local: the queue was long
    assert await h.sends(402) == [("checkin", "2026-01-14", "skipped", "quiet hours")]


async def test_a_time_inside_quiet_hours_is_kept_with_a_note(make_harness: MakeHarness) -> None:
    h = await make_harness(utc("2026-01-14 12:00"), quiet=QUIET)
    await h.mother(403, None)

    async def pick_seven(turn: Turn) -> None:
        await apply_events(turn, [SetProfile("checkin_time", "07:00")])

    replies = await h.conversation.scheduled_turn(403, h.now, pick_seven)
    assert await h.column(403, "checkin_time") == "07:00"
    assert "08:00" in replies[-1].text and "22:00" in replies[-1].text


async def test_restart_neither_skips_nor_repeats(make_harness: MakeHarness) -> None:
    stuck = RecordingTransport()
    h = await make_harness(utc("2026-01-14 12:00"), transport=stuck)
    await h.mother(501)
    await h.mother(502)
    await h.claim_only(utc("2026-01-15 07:00:05"))  # then the process dies before sending
    await h.close()
    assert stuck.sent == []

    again = await make_harness(utc("2026-01-15 07:02"))
    sent = await again.run(utc("2026-01-15 07:02"))
    assert {m.chat_id for m in sent} == {501, 502}
    await again.close()

    third = await make_harness(utc("2026-01-15 07:03"))
    assert await third.run(utc("2026-01-15 07:03")) == []
    assert kinds(await third.sends(501)).count("checkin") == 1


async def test_prompts_due_while_down_are_sent_only_within_grace(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(utc("2026-01-14 12:00"))
    await h.mother(601, "09:00")  # 07:00 UTC
    await h.mother(602, "08:00")  # 06:00 UTC
    await h.run(utc("2026-01-15 05:50"))  # planned; then the bot is down until 07:40
    sent = await h.run(utc("2026-01-15 07:40"))
    assert {m.chat_id for m in sent} == {601}  # 40 minutes late: still sent
    assert await h.sends(602) == []  # 100 minutes late: passed over, not sent late
    assert await h.column(602, "next_checkin_at") == "2026-01-16T06:00:00.000000Z"
    assert {m.chat_id for m in await h.run(utc("2026-01-16 06:00:05"))} == {602}


async def test_paused_mother_gets_nothing_until_she_resumes(make_harness: MakeHarness) -> None:
    h = await make_harness(utc("2026-01-14 12:00"))
    await h.mother(701)
    await h.run(utc("2026-01-14 12:00:10"))
    await h.set_status(701, "paused")
    assert await h.column(701, "next_checkin_at") is None
    for day in ("15", "16", "17"):
        assert await h.run(utc(f"2026-01-{day} 07:00:05")) == []
    await h.set_status(701, "active")
    await h.run(utc("2026-01-17 12:00"))
    assert {m.chat_id for m in await h.run(utc("2026-01-18 07:00:05"))} == {701}


async def test_paused_after_claim_is_not_sent(make_harness: MakeHarness) -> None:
    h = await make_harness(utc("2026-01-14 12:00"))
    await h.mother(702)
    await h.run(utc("2026-01-14 12:00:10"))
    await h.claim_only(utc("2026-01-15 07:00:05"))
    await h.set_status(702, "paused")
    await h.scheduler.feed(100)
    assert await h.sender.drain(5)
    sends = await h.sends(702)
    assert ("checkin", "2026-01-15", "skipped", "not active") in sends
    assert {status for _kind, _day, status, _reason in sends} == {"skipped"}


async def test_blocked_bot_marks_her_inactive_and_start_reactivates(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(utc("2026-01-14 12:00"))
    await h.mother(801)
    h.transport.blocked.add(801)
    assert await h.run(utc("2026-01-15 07:00:05")) == []
    assert await h.column(801, "status") == "inactive"
    sends = await h.sends(801)
    assert [reason for *_, reason in sends].count("blocked") == 1
    assert kinds(sends) == []
    h.transport.blocked.clear()
    assert await h.run(utc("2026-01-16 07:00:05")) == []

    start = Incoming(
        Author(801, 801, language_code="en"), "command", text="/start", command="start"
    )
    await h.conversation.handle(start, utc("2026-01-16 12:00"))
    assert await h.column(801, "status") == "active"
    await h.run(utc("2026-01-16 12:00:10"))
    assert {m.chat_id for m in await h.run(utc("2026-01-17 07:00:05"))} == {801}

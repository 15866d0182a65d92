"""Local times to UTC on ordinary days and on the two days a year the clocks change (Kyiv)."""

from __future__ import annotations

from datetime import date, time

from bot.config import QuietHours
from bot.scheduling.localtime import effective_time, local_instant, parse_hhmm
from bot.scheduling.planner import next_slot
from tests.scheduling.conftest import QUIET, ZONE, utc


def test_ordinary_days_winter_and_summer() -> None:
    assert local_instant(date(2026, 1, 15), time(9, 0), ZONE) == utc("2026-01-15 07:00")
    assert local_instant(date(2026, 7, 15), time(9, 0), ZONE) == utc("2026-07-15 06:00")


def test_spring_forward_a_time_in_the_gap_fires_when_the_clocks_jump() -> None:
    # 29 March 2026 in Kyiv: 03:00 becomes 04:00 (01:00 UTC); 03:30 does not exist.
    assert local_instant(date(2026, 3, 29), time(3, 30), ZONE) == utc("2026-03-29 01:00")
    assert local_instant(date(2026, 3, 29), time(3, 0), ZONE) == utc("2026-03-29 01:00")
    assert local_instant(date(2026, 3, 29), time(4, 0), ZONE) == utc("2026-03-29 01:00")
    assert local_instant(date(2026, 3, 29), time(9, 0), ZONE) == utc("2026-03-29 06:00")


def test_fall_back_the_repeated_hour_means_its_first_occurrence() -> None:
    # 25 October 2026 in Kyiv: 04:00 becomes 03:00 again (01:00 UTC); 03:30 happens twice.
    assert local_instant(date(2026, 10, 25), time(3, 30), ZONE) == utc("2026-10-25 00:30")
    assert local_instant(date(2026, 10, 25), time(9, 0), ZONE) == utc("2026-10-25 07:00")


def test_slots_stay_at_nine_local_across_both_changes() -> None:
    for start, first, second in (
        ("2026-03-28 07:00:01", "2026-03-29 06:00", "2026-03-30 06:00"),
        ("2026-10-24 06:00:01", "2026-10-25 07:00", "2026-10-26 07:00"),
    ):
        slot = next_slot("09:00", ZONE, utc(start), None)
        assert slot == utc(first)
        following = next_slot("09:00", ZONE, slot, None, after_date=slot.date())
        assert following == utc(second)


def test_next_slot_is_today_if_still_ahead_and_never_a_used_day() -> None:
    assert next_slot("09:00", ZONE, utc("2026-01-15 06:59"), None) == utc("2026-01-15 07:00")
    assert next_slot("09:00", ZONE, utc("2026-01-15 07:01"), None) == utc("2026-01-16 07:00")
    used = date(2026, 1, 15)
    assert next_slot("09:00", ZONE, utc("2026-01-15 06:00"), None, used) == utc("2026-01-16 07:00")


def test_a_time_inside_quiet_hours_waits_until_they_end() -> None:
    assert effective_time(time(7, 0), QUIET) == time(8, 0)
    assert effective_time(time(23, 30), QUIET) == time(8, 0)
    assert effective_time(time(8, 0), QUIET) == time(8, 0)
    assert effective_time(time(21, 59), QUIET) == time(21, 59)
    assert effective_time(time(7, 0), None) == time(7, 0)
    assert effective_time(time(13, 0), QuietHours(12 * 60, 14 * 60)) == time(14, 0)
    assert next_slot("07:00", ZONE, utc("2026-01-15 04:00"), QUIET) == utc("2026-01-15 06:00")


def test_parse_hhmm() -> None:
    assert parse_hhmm("09:30") == time(9, 30)
    assert parse_hhmm(" 7:05 ") == time(7, 5)
    assert parse_hhmm("24:00") is None
    assert parse_hhmm("nine") is None

"""The clinic's working hours: what "today" and "the next working period" mean at any moment."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.content import load_content
from bot.content.clinic_hours import WorkingHours, check_working_hours, working_hours

KYIV = ZoneInfo("Europe/Kyiv")
CONTENT = Path(__file__).resolve().parents[2] / "content"
HOURS = WorkingHours(
    week={d: (time(9), time(18)) for d in range(5)}, closed=frozenset({date(2027, 1, 1)})
)


def kyiv(*args: int) -> datetime:
    return datetime(*args, tzinfo=KYIV)


@pytest.mark.parametrize(
    ("moment", "is_open", "opening"),
    [
        (kyiv(2026, 12, 2, 10, 0), True, kyiv(2026, 12, 2, 10, 0)),  # Wednesday morning
        (kyiv(2026, 12, 2, 8, 59), False, kyiv(2026, 12, 2, 9, 0)),  # before opening
        (kyiv(2026, 12, 2, 18, 0), False, kyiv(2026, 12, 3, 9, 0)),  # closing time is closed
        (kyiv(2026, 12, 2, 23, 30), False, kyiv(2026, 12, 3, 9, 0)),  # night
        (kyiv(2026, 12, 4, 19, 0), False, kyiv(2026, 12, 7, 9, 0)),  # Friday evening → Monday
        (kyiv(2026, 12, 31, 20, 0), False, kyiv(2027, 1, 4, 9, 0)),  # holiday, then weekend
    ],
)
def test_open_and_next_opening(moment: datetime, is_open: bool, opening: datetime) -> None:
    assert HOURS.is_open(moment, KYIV) is is_open
    assert HOURS.next_opening(moment, KYIV) == opening


def test_hours_are_kyiv_wall_clock_for_a_utc_moment() -> None:
    # 07:30 UTC in winter is 09:30 in Kyiv: open.
    assert HOURS.is_open(datetime(2026, 12, 2, 7, 30, tzinfo=UTC), KYIV)
    assert HOURS.open_until(datetime(2026, 12, 2, 7, 30, tzinfo=UTC), KYIV) == kyiv(
        2026, 12, 2, 18, 0
    )
    assert HOURS.open_until(kyiv(2026, 12, 2, 20, 0), KYIV) is None


def test_no_hours_means_never_open() -> None:
    never = WorkingHours(week={}, closed=frozenset())
    assert not never.is_open(kyiv(2026, 12, 2, 10, 0), KYIV)
    assert never.next_opening(kyiv(2026, 12, 2, 10, 0), KYIV) is None


def test_shipped_clinic_file_has_valid_hours() -> None:
    content, problems = load_content(CONTENT)
    assert problems == []
    assert check_working_hours(content) == []
    hours = working_hours(content)
    assert set(hours.week) == {0, 1, 2, 3, 4}


def test_bad_hours_are_reported_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "clinic.yaml").write_text(
        "working_hours:\n  week:\n    mon: '9 till 6'\n    funday: '09:00-10:00'\n"
        "  closed_days:\n    - someday\n",
        encoding="utf-8",
    )
    content, _ = load_content(tmp_path)
    problems = check_working_hours(content)
    messages = [(p.line, p.message) for p in problems]
    assert any(line == 3 and "week.mon" in m for line, m in messages)
    assert any("unknown day 'funday'" in m for _, m in messages)
    assert any("'someday' is not a date" in m for _, m in messages)

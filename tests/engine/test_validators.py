"""Validators never raise, and accept exactly what they promise."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.engine import validators
from bot.engine.validators import Invalid, Valid

TODAY = date(2026, 11, 25)


@given(st.text(max_size=300))
def test_no_validator_raises_on_any_text(text: str) -> None:
    for kind in validators.KINDS:
        result = validators.validate(kind, {"min": 0, "max": 10, "max_len": 50}, text, TODAY)
        assert isinstance(result, Valid | Invalid)


@given(st.dates(min_value=date(1950, 1, 1), max_value=TODAY))
def test_past_dates_round_trip_in_both_formats(day: date) -> None:
    assert validators.check_date(day.strftime("%d.%m.%Y"), TODAY) == Valid(day.isoformat())
    assert validators.check_date(day.isoformat(), TODAY) == Valid(day.isoformat())


@given(st.dates(min_value=TODAY + timedelta(days=1), max_value=date(2100, 1, 1)))
def test_future_dates_are_refused(day: date) -> None:
    assert validators.check_date(day.strftime("%d.%m.%Y"), TODAY) == Invalid("date_future")


@given(st.integers(0, 23), st.integers(0, 59))
def test_every_clock_time_is_accepted(hour: int, minute: int) -> None:
    assert validators.check_time(f"{hour}:{minute:02d}") == Valid(f"{hour:02d}:{minute:02d}")


@given(st.integers(-1000, 1000))
def test_int_range(value: int) -> None:
    result = validators.check_int(str(value), 1, 10)
    assert (result == Valid(value)) == (1 <= value <= 10)


@given(st.text(min_size=1, max_size=200))
def test_text_length_limit(text: str) -> None:
    result = validators.check_text(text, 40)
    cleaned = text.strip()
    if cleaned and len(cleaned) <= 40:
        assert result == Valid(cleaned)
    else:
        assert isinstance(result, Invalid)


def test_impossible_dates_are_refused() -> None:
    assert validators.check_date("31.02.2026", TODAY) == Invalid("date")
    assert validators.check_date("", TODAY) == Invalid("date")

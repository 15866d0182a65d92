"""Validators for typed answers: date, time, integer range, bounded text.

Each returns ``Valid(value)`` or ``Invalid(reason)``; the reason is a content key suffix
(``ui.reask.<reason>``) so the kind re-ask wording stays in YAML. Mothers type dates the way
Ukrainians write them (``05.03.2026``) as often as ISO, so several forms are accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.engine.timezones import resolve_zone

KINDS = ("date", "time", "int", "text", "timezone")


@dataclass(frozen=True)
class Valid:
    value: Any


@dataclass(frozen=True)
class Invalid:
    reason: str


Result = Valid | Invalid

_DATE_DMY = re.compile(r"^(\d{1,2})[./\-\s](\d{1,2})[./\-\s](\d{2}|\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TIME = re.compile(r"^(\d{1,2})(?:[:.\s]?(\d{2}))?$")


def parse_date(text: str) -> date | None:
    raw = text.strip()
    iso = _DATE_ISO.match(raw)
    dmy = _DATE_DMY.match(raw)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dmy:
            year = int(dmy[3])
            year = year + 2000 if year < 100 else year
            return date(year, int(dmy[2]), int(dmy[1]))
    except ValueError:
        return None
    return None


def check_date(text: str, today: date, not_future: bool = True) -> Result:
    parsed = parse_date(text)
    if parsed is None:
        return Invalid("date")
    if not_future and parsed > today:
        return Invalid("date_future")
    if parsed.year < 1900:
        return Invalid("date")
    return Valid(parsed.isoformat())


def check_time(text: str) -> Result:
    match = _TIME.match(text.strip())
    if not match:
        return Invalid("time")
    hour, minute = int(match[1]), int(match[2] or 0)
    if hour > 23 or minute > 59:
        return Invalid("time")
    return Valid(f"{hour:02d}:{minute:02d}")


def check_int(text: str, low: int | None, high: int | None) -> Result:
    raw = text.strip().replace(" ", "")
    if not re.fullmatch(r"[+-]?\d{1,9}", raw):
        return Invalid("int")
    value = int(raw)
    if (low is not None and value < low) or (high is not None and value > high):
        return Invalid("int_range")
    return Valid(value)


def check_text(text: str, max_len: int) -> Result:
    cleaned = text.strip()
    if not cleaned:
        return Invalid("text_empty")
    if len(cleaned) > max_len:
        return Invalid("text_long")
    return Valid(cleaned)


def check_timezone(text: str) -> Result:
    zone = resolve_zone(text)
    return Valid(zone) if zone else Invalid("timezone")


def validate(kind: str, options: dict[str, Any], text: str, today: date) -> Result:
    if kind == "date":
        return check_date(text, today, bool(options.get("not_future", True)))
    if kind == "time":
        return check_time(text)
    if kind == "int":
        return check_int(text, options.get("min"), options.get("max"))
    if kind == "timezone":
        return check_timezone(text)
    return check_text(text, int(options.get("max_len", 1000)))

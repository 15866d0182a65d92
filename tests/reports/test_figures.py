"""The report's figures against a seeded database with known answers (tests/reports/seed.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.content.clinic_hours import working_hours
from bot.reports.collect import Rules, build
from bot.reports.figures import Period, Report, Timing, percentile
from bot.services import Services
from tests.reports.seed import KYIV, NOW, SINCE, UNTIL, utc


@pytest.fixture
async def report(seeded: Services) -> Report:
    catalog = seeded.catalog
    rules = Rules.of(working_hours(catalog.content), KYIV, catalog.escalation)
    async with seeded.db.snapshot() as conn:
        return await build(conn, rules, Period(utc(SINCE), utc(UNTIL)), utc(NOW))


def test_nearest_rank_percentiles() -> None:
    assert percentile([1, 2, 3, 4], 0.5) == 2
    assert percentile([1, 2, 3, 4], 0.9) == 4
    assert percentile([7], 0.9) == 7
    assert percentile([], 0.5) is None


async def test_alerts_by_reason_count_only_the_period(report: Report) -> None:
    assert report.by_reason == {
        ("urgent", "epds_item10"): 1,
        ("urgent", "crisis_message"): 2,
        ("urgent", "checkin_safety"): 1,
        ("routine", "low_mood_streak"): 1,
        ("routine", "epds_probable"): 1,
    }
    assert (report.urgent, report.routine) == (4, 2)


async def test_times_to_acknowledge_and_contact_by_day_and_night(report: Report) -> None:
    times = report.times
    assert times[("urgent", "day", "acknowledge")] == Timing(4, 10, 3, 0)
    assert times[("urgent", "day", "contacted")] == Timing(30, 50, 2, 1)
    assert times[("urgent", "night", "acknowledge")] == Timing(20, 20, 1, 0)
    assert times[("urgent", "night", "contacted")] == Timing(90, 90, 1, 0)
    assert times[("routine", "day", "acknowledge")] == Timing(60, 60, 1, 0)
    assert times[("routine", "day", "contacted")] == Timing(240, 240, 1, 0)
    assert times[("routine", "night", "acknowledge")] == Timing(3000, 3000, 1, 0)
    assert times[("routine", "night", "contacted")] == Timing(None, None, 0, 1)


async def test_open_alerts_their_age_and_repeats(report: Report) -> None:
    found = report.open_alerts
    assert (found.urgent, found.routine) == (2, 2)
    assert found.oldest == timedelta(days=9, hours=12)
    assert found.ages == {"<1d": 0, "1-3d": 1, "3-7d": 2, ">7d": 1}
    assert report.repeated == [(4, 2), (3, 1)]


async def test_caseload(report: Report) -> None:
    case = report.caseload
    assert [(r.name, r.value, r.alert_id) for r in case.high_epds] == [("Iryna", 14, 6)]
    assert [r.name for r in case.low_streak] == ["Daryna", "Kateryna"]
    assert [r.name for r in case.silent] == ["Daryna"]


async def test_epds_outcomes(report: Report) -> None:
    found = report.outcomes
    assert (found.followed, found.paired, found.improved, found.latest_below) == (4, 3, 2, 2)
    assert found.mean_first == pytest.approx((15 + 12 + 20) / 3)
    assert found.mean_latest == pytest.approx((8 + 14 + 11) / 3)
    [band] = found.by_birth_week  # week 4 has one result: left out of the chart
    assert (band.week, band.count, band.p25, band.median, band.p75) == (7, 3, 9, 11, 14)


async def test_adherence_by_week_since_joining(report: Report) -> None:
    shown = [(a.week, a.days_with, a.days) for a in report.adherence]
    assert shown == [(1, 3, 7), (4, 3, 30), (5, 1, 5)]


async def test_alert_timeline_view_answers_who_and_when(seeded: Services) -> None:
    row = await seeded.db.fetchone(
        "SELECT acknowledged_by, contacted_by, contacted_at, resolved_by, repeats"
        " FROM alert_timeline WHERE alert_id = 4"
    )
    assert row is not None
    assert (row["acknowledged_by"], row["contacted_by"], row["resolved_by"]) == (
        "Iryna (77)",
        "Oksana (78)",
        "Oksana (78)",
    )
    assert row["contacted_at"] == "2026-11-24T22:30:00.000000Z"  # 23:00 Kyiv + 90 min, in UTC
    assert row["repeats"] == 2

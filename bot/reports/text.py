"""The report as one short plain-text message for the staff chat (the charts follow it)."""

from __future__ import annotations

from datetime import timedelta

from bot.reports.figures import PRIORITIES, SHIFTS, Report, Timing
from bot.reports.words import Words, share

ADHERENCE_WEEKS_SHOWN = 8
REPEATS_LISTED = 5


def report_text(report: Report, words: Words) -> str:
    period = report.period
    last_day = period.until - timedelta(microseconds=1)
    lines = [
        words.t(
            "title",
            since=words.day(period.since),
            until=words.day(last_day),
            days=period.days,
        ),
        words.t("alerts", urgent=report.urgent, routine=report.routine),
    ]
    for (priority, rule), count in sorted(
        report.by_reason.items(), key=lambda item: (PRIORITIES.index(item[0][0]), -item[1])
    ):
        lines.append(
            words.t(
                "reason_line",
                priority=words.t(f"words.{priority}"),
                reason=words.reason(rule),
                count=count,
            )
        )
    lines.append(words.t("times_heading"))
    for priority in PRIORITIES:
        for shift in SHIFTS:
            lines.append(
                words.t(
                    "times_line",
                    priority=words.t(f"words.{priority}"),
                    shift=words.t(f"words.{shift}"),
                    acknowledge=timing(report.times[(priority, shift, "acknowledge")], words),
                    contacted=timing(report.times[(priority, shift, "contacted")], words),
                )
            )
    lines += [open_line(report, words), repeats_line(report, words)]
    case = report.caseload
    lines.append(
        words.t(
            "caseload_summary",
            high=len(case.high_epds),
            streak=len(case.low_streak),
            silent=len(case.silent),
        )
    )
    lines += [outcomes_line(report, words), adherence_line(report, words), ""]
    lines.append(words.t("definitions"))
    return "\n".join(lines)


def timing(value: Timing, words: Words) -> str:
    if not value.count:
        text = words.t("timing_none")
    else:
        text = words.t(
            "timing", p50=words.minutes(value.p50), p90=words.minutes(value.p90), count=value.count
        )
    if value.missing:
        text += words.t("still_waiting", count=value.missing)
    return text


def open_line(report: Report, words: Words) -> str:
    found = report.open_alerts
    if found.oldest is None:
        return words.t("open_none")
    return words.t("open", urgent=found.urgent, routine=found.routine, age=words.age(found.oldest))


def repeats_line(report: Report, words: Words) -> str:
    if not report.repeated:
        return words.t("repeats_none")
    listed = ", ".join(f"#{alert} ×{count}" for alert, count in report.repeated[:REPEATS_LISTED])
    if len(report.repeated) > REPEATS_LISTED:
        listed += ", …"
    return words.t("repeats", count=len(report.repeated), alerts=listed)


def outcomes_line(report: Report, words: Words) -> str:
    found = report.outcomes
    if not found.followed:
        return words.t("outcomes_none")
    return words.t(
        "outcomes",
        followed=found.followed,
        paired=found.paired,
        first=_mean(found.mean_first),
        latest=_mean(found.mean_latest),
        improved=found.improved,
        below=f"{found.latest_below} ({share(found.latest_below, found.followed)})",
    )


def adherence_line(report: Report, words: Words) -> str:
    if not report.adherence:
        return words.t("adherence_none")
    weeks = ", ".join(
        words.t("adherence_week", week=w.week, share=share(w.days_with, w.days))
        for w in report.adherence[:ADHERENCE_WEEKS_SHOWN]
    )
    return words.t("adherence", weeks=weeks)


def _mean(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"

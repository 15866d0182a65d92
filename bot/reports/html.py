"""The report as one self-contained HTML file for the clinic's management.

Safe to e-mail inside the clinic: the charts are inline PNGs (``data:`` URLs), the style is one
inline ``<style>``, and there is no script, no external link and no name — only counts,
percentiles and pseudonymous aggregates. Every text is escaped.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from html import escape

from bot.reports.figures import PRIORITIES, SHIFTS, STEPS, Report
from bot.reports.text import adherence_line, open_line, outcomes_line, repeats_line, timing
from bot.reports.words import Words, share

STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 2em auto;
       max-width: 60em; color: #222; line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
th { background: #f3f3f3; } td.n { text-align: right; }
img { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
p.note { color: #555; font-size: 0.9em; }
"""


def report_html(report: Report, charts: list[tuple[str, bytes]], words: Words) -> str:
    images = dict(charts)
    period = report.period
    title = words.t(
        "html.title",
        since=words.day(period.since),
        until=words.day(period.until - timedelta(microseconds=1)),
    )
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(words.lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{escape(title)}</h1>",
        _p(words.t("html.made", time=words.local_time(report.made_at)), "note"),
        f"<h2>{escape(words.t('html.alerts'))}</h2>",
        _p(words.t("alerts", urgent=report.urgent, routine=report.routine)),
        _reasons_table(report, words),
        _img(images.get("reasons"), words.t("charts.reasons")),
        f"<h2>{escape(words.t('html.times'))}</h2>",
        _times_table(report, words),
        _img(images.get("times"), words.t("charts.times")),
        _p(repeats_line(report, words)),
        f"<h2>{escape(words.t('html.open'))}</h2>",
        _p(open_line(report, words)),
        _ages_table(report, words),
        f"<h2>{escape(words.t('html.caseload'))}</h2>",
        _p(
            words.t(
                "caseload_summary",
                high=len(report.caseload.high_epds),
                streak=len(report.caseload.low_streak),
                silent=len(report.caseload.silent),
            )
        ),
        f"<h2>{escape(words.t('html.outcomes'))}</h2>",
        _p(outcomes_line(report, words)),
        _img(images.get("epds"), words.t("charts.epds")),
        _p(adherence_line(report, words)),
        _adherence_table(report, words),
        _img(images.get("adherence"), words.t("charts.adherence")),
        _p(words.t("definitions"), "note"),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _p(text: str, css: str = "") -> str:
    attribute = f' class="{css}"' if css else ""
    return f"<p{attribute}>{escape(text)}</p>"


def _img(png: bytes | None, alt: str) -> str:
    if png is None:
        return ""
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}">'


def _table(head: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    lines = ["<table>", "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for row in rows:
        cells = "".join(
            f'<td class="n">{escape(c)}</td>' if i >= numeric_from else f"<td>{escape(c)}</td>"
            for i, c in enumerate(row)
        )
        lines.append(f"<tr>{cells}</tr>")
    lines.append("</table>")
    return "\n".join(lines)


def _reasons_table(report: Report, words: Words) -> str:
    rows = [
        [words.t(f"words.{priority}"), words.reason(rule), str(count)]
        for (priority, rule), count in sorted(
            report.by_reason.items(), key=lambda item: (PRIORITIES.index(item[0][0]), -item[1])
        )
    ]
    head = [words.t("html.priority"), words.t("html.reason"), words.t("html.count")]
    return _table(head, rows, numeric_from=2)


def _times_table(report: Report, words: Words) -> str:
    rows = [
        [
            words.t(f"words.{priority}"),
            words.t(f"words.{shift}"),
            words.t(f"charts.{step}"),
            timing(report.times[(priority, shift, step)], words),
        ]
        for priority in PRIORITIES
        for shift in SHIFTS
        for step in STEPS
    ]
    head = [words.t("html.priority"), words.t("html.shift"), words.t("html.step"), "p50 / p90"]
    return _table(head, rows, numeric_from=3)


def _ages_table(report: Report, words: Words) -> str:
    rows = [[label, str(count)] for label, count in report.open_alerts.ages.items()]
    return _table([words.t("html.age"), words.t("html.count")], rows)


def _adherence_table(report: Report, words: Words) -> str:
    rows = [
        [str(w.week), share(w.days_with, w.days), f"{w.days_with} / {w.days}"]
        for w in report.adherence
    ]
    head = [words.t("html.week"), words.t("html.share"), words.t("html.days")]
    return _table(head, rows)

"""The report's four charts as PNGs: alerts by reason, response times, EPDS by weeks since
birth, check-in adherence by week since joining.

Only aggregates are drawn (counts, percentiles, quartiles of at least ``MIN_CELL`` results):
no name, pseudonym or single mother's score is ever on a chart, so the pictures can travel in
the HTML file. Drawn with ``matplotlib.figure.Figure`` (no pyplot): safe in a worker thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.charts import EPDS_COLOUR, GRID_COLOUR, LINE_COLOUR, to_png
from bot.reports.figures import PRIORITIES, SHIFTS, STEPS, Report
from bot.reports.words import Words

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

URGENT_COLOUR = "#b03a2e"
COLOURS = {"urgent": URGENT_COLOUR, "routine": LINE_COLOUR}
CHARTS = ("reasons", "times", "epds", "adherence")
MAX_WEEKS_DRAWN = 40


def render_charts(report: Report, words: Words) -> list[tuple[str, bytes]]:
    """(chart key, PNG) for each chart, in the order the report shows them."""
    return [
        ("reasons", _reasons(report, words)),
        ("times", _times(report, words)),
        ("epds", _epds(report, words)),
        ("adherence", _adherence(report, words)),
    ]


def _figure(height: float = 4.0) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, height), dpi=90)
    axes = figure.subplots()
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(color=GRID_COLOUR, axis="x")
    axes.set_axisbelow(True)
    return figure, axes


def _empty(axes: Axes, words: Words) -> None:
    axes.text(0.5, 0.5, words.t("charts.no_data"), ha="center", va="center", color="grey")
    axes.set_xticks([])
    axes.set_yticks([])


def _reasons(report: Report, words: Words) -> bytes:
    items = sorted(report.by_reason.items(), key=lambda item: (item[0][0] != "urgent", item[1]))
    figure, axes = _figure(max(2.5, 0.45 * len(items) + 1.2))
    axes.set_title(words.t("charts.reasons"))
    if not items:
        _empty(axes, words)
        return to_png(figure)
    labels = [f"{words.t(f'words.{p}')} · {_short(words.reason(rule))}" for (p, rule), _ in items]
    bars = axes.barh(
        range(len(items)), [n for _, n in items], color=[COLOURS[p] for (p, _), _ in items]
    )
    axes.bar_label(bars, padding=3, fontsize=8)
    axes.set_yticks(range(len(items)), labels=labels, fontsize=8)
    return to_png(figure)


def _short(text: str, limit: int = 55) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _times(report: Report, words: Words) -> bytes:
    figure, axes = _figure(4.2)
    axes.set_title(words.t("charts.times"), fontsize=10)
    rows = [(p, s, step) for p in PRIORITIES for s in SHIFTS for step in STEPS]
    drawn = [(key, report.times[key]) for key in rows if report.times[key].count]
    if not drawn:
        _empty(axes, words)
        return to_png(figure)
    for y, ((priority, shift, _step), timing) in enumerate(drawn):
        assert timing.p50 is not None and timing.p90 is not None
        axes.barh(y, timing.p50, color=COLOURS[priority], alpha=0.9 if shift == "day" else 0.55)
        axes.plot([timing.p50, timing.p90], [y, y], color="black", linewidth=1)
        axes.plot([timing.p90], [y], marker="|", color="black", markersize=10)
    labels = [
        f"{words.t(f'words.{p}')}, {words.t(f'words.{s}')}: {words.t(f'charts.{step}')}"
        for (p, s, step), _ in drawn
    ]
    axes.set_yticks(range(len(drawn)), labels=labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xscale("symlog", linthresh=10)
    return to_png(figure)


def _epds(report: Report, words: Words) -> bytes:
    figure, axes = _figure()
    axes.set_title(words.t("charts.epds"), fontsize=10)
    bands = [b for b in report.outcomes.by_birth_week if b.week <= MAX_WEEKS_DRAWN]
    if not bands:
        _empty(axes, words)
        return to_png(figure)
    weeks = [b.week for b in bands]
    axes.fill_between(
        weeks, [b.p25 for b in bands], [b.p75 for b in bands], color=EPDS_COLOUR, alpha=0.25
    )
    axes.plot(weeks, [b.median for b in bands], color=EPDS_COLOUR, marker="o", markersize=3)
    axes.axhline(10, color="grey", linestyle=":", linewidth=1)
    axes.axhline(13, color=URGENT_COLOUR, linestyle="--", linewidth=1)
    axes.set_ylim(0, 30)
    axes.set_xlabel(words.t("charts.weeks_since_birth"))
    axes.grid(color=GRID_COLOUR, axis="y")
    return to_png(figure)


def _adherence(report: Report, words: Words) -> bytes:
    figure, axes = _figure()
    axes.set_title(words.t("charts.adherence"), fontsize=10)
    weeks = [w for w in report.adherence if w.week <= MAX_WEEKS_DRAWN]
    if not weeks:
        _empty(axes, words)
        return to_png(figure)
    axes.bar([w.week for w in weeks], [100 * w.share for w in weeks], color=LINE_COLOUR)
    axes.set_ylim(0, 100)
    axes.set_ylabel("%")
    axes.set_xlabel(words.t("charts.weeks_since_joining"))
    axes.grid(color=GRID_COLOUR, axis="y")
    return to_png(figure)

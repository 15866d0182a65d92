"""The mood chart: her daily mood over the last weeks, with questionnaire results marked.

matplotlib is imported inside the function: it takes a noticeable time to load and most runs
of the bot never draw a chart. Only ``matplotlib.figure.Figure`` is used (no pyplot), so no
global state or GUI backend is involved and drawing is safe in a worker thread.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LINE_COLOUR = "#3f7f74"
EPDS_COLOUR = "#b5651d"
GRID_COLOUR = "#e6e6e6"


@dataclass(frozen=True)
class ChartLabels:
    """Every word drawn on the chart, already in her language (from content/mood.yaml)."""

    title: str
    levels: tuple[str, ...]  # mood 1 (lowest) … 5
    epds_mark: str  # with a {score} placeholder


@dataclass(frozen=True)
class ChartData:
    first_day: date
    last_day: date
    moods: dict[date, float]  # day -> mean mood 1..5
    screenings: list[tuple[date, int]]  # (day, EPDS total)


def render_mood_chart(data: ChartData, labels: ChartLabels) -> bytes:
    """A PNG of the mood line, one point per day with a check-in, EPDS days as dashed lines."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4.5), dpi=100)
    axes = figure.subplots()
    span = (data.last_day - data.first_day).days
    days = sorted(data.moods)
    xs = [(day - data.first_day).days for day in days]
    axes.plot(xs, [data.moods[d] for d in days], color=LINE_COLOUR, marker="o", linewidth=2)
    for day, score in data.screenings:
        x = (day - data.first_day).days
        axes.axvline(x, color=EPDS_COLOUR, linestyle="--", linewidth=1)
        axes.annotate(
            labels.epds_mark.format(score=score),
            (x, 5.35),
            color=EPDS_COLOUR,
            fontsize=8,
            ha="center",
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": EPDS_COLOUR, "lw": 0.5},
        )
    axes.set_xlim(-0.5, span + 0.5)
    axes.set_ylim(0.5, 5.6)
    axes.set_yticks(range(1, 6), labels=list(labels.levels))
    ticks = list(range(span % 5, span + 1, 5))
    axes.set_xticks(ticks, labels=[_day_label(data.first_day, t) for t in ticks])
    axes.grid(color=GRID_COLOUR)
    axes.set_title(labels.title)
    axes.spines[["top", "right"]].set_visible(False)
    return to_png(figure)


def to_png(figure: Figure) -> bytes:
    """The figure laid out and saved as PNG bytes (the mood chart and the staff report)."""
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _day_label(first: date, offset: int) -> str:
    day = date.fromordinal(first.toordinal() + offset)
    return day.strftime("%d.%m")

"""/mood: her check-in moods of the last 30 days as a chart, with one line comparing weeks.

The data is read inside the turn's transaction; the picture is drawn after COMMIT in a worker
thread (``Turn.after_commit``), so drawing never holds the database lock or the event loop.
Days are her local days, in her time zone.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import date, datetime, time, timedelta
from functools import partial

from bot.charts import ChartData, ChartLabels, render_mood_chart
from bot.clock import iso, parse_iso
from bot.content.plural import plural_form
from bot.conversation.messages import Outgoing
from bot.conversation.turn import Turn
from bot.storage import dialog

log = logging.getLogger("poruch.mood")

WINDOW_DAYS = 30
GOOD_DAY = 4  # a day whose mood averaged "Fairly good" (4) or "Good" (5)
MOOD_FLOW, MOOD_KEY = "checkin", "mood"
LEVEL_KEYS = ("very_low", "low", "so_so", "fairly_good", "good")


async def mood_chart(turn: Turn) -> list[Outgoing]:
    """Queue the chart for after COMMIT, or say kindly that there is nothing to draw yet."""
    today = turn.local_today()
    first = today - timedelta(days=WINDOW_DAYS - 1)
    since = iso(datetime.combine(first, time(0), tzinfo=turn.zone))
    moods = await daily_moods(turn, since)
    screenings = await epds_results(turn, since)
    if not moods and not screenings:
        return [Outgoing(turn.chat_id, turn.text("mood.no_data"))]
    data = ChartData(first, today, moods, screenings)
    summary = week_summary(turn, moods, today)
    turn.after_commit.append(partial(_send_chart, turn, data, labels(turn), summary))
    return []


async def _send_chart(turn: Turn, data: ChartData, words: ChartLabels, summary: str) -> None:
    try:
        png = await asyncio.to_thread(render_mood_chart, data, words)
    except Exception:  # a drawing failure must not lose the rest of her reply
        log.exception("mood_chart_failed")
        turn.say("ui.error")
        return
    turn.replies.append(Outgoing(turn.chat_id, summary, photo=png))


def week_summary(turn: Turn, moods: dict[date, float], today: date) -> str:
    """Good days in the last 7 days against the 7 before ("3 more good days than last week")."""
    this_week = [mood for day, mood in moods.items() if (today - day).days < 7]
    last_week = [mood for day, mood in moods.items() if 7 <= (today - day).days < 14]
    good_now = sum(mood >= GOOD_DAY for mood in this_week)
    good_before = sum(mood >= GOOD_DAY for mood in last_week)
    if not this_week:
        return turn.text("mood.summary.quiet")
    if not last_week:
        return turn.text("mood.summary.first_week", count=good_now)
    difference = good_now - good_before
    if difference == 0:
        return turn.text("mood.summary.same", count=good_now)
    direction = "more" if difference > 0 else "fewer"
    form = plural_form(abs(difference), turn.lang)
    return turn.text(f"mood.summary.{direction}.{form}", count=abs(difference))


def labels(turn: Turn) -> ChartLabels:
    levels = tuple(turn.text(f"mood.levels.{key}") for key in LEVEL_KEYS)
    return ChartLabels(
        title=turn.text("mood.title"),
        levels=levels,
        epds_mark=turn.text("mood.epds_mark", score="{score}"),
    )


async def daily_moods(turn: Turn, since: str) -> dict[date, float]:
    """Her mean check-in mood for each local day since ``since`` (UTC ISO)."""
    rows = await dialog.values_since(turn.tx, turn.mother_id, MOOD_FLOW, MOOD_KEY, since)
    by_day: dict[date, list[float]] = {}
    for raw, created_at in rows:
        value = json.loads(raw)
        if isinstance(value, int | float) and not isinstance(value, bool):
            day = parse_iso(created_at).astimezone(turn.zone).date()
            by_day.setdefault(day, []).append(float(value))
    return {day: sum(values) / len(values) for day, values in by_day.items()}


async def epds_results(turn: Turn, since: str) -> list[tuple[date, int]]:
    rows = await dialog.scores_since(turn.tx, turn.mother_id, "epds", since)
    zone = turn.zone
    return [(parse_iso(created_at).astimezone(zone).date(), score) for score, created_at in rows]

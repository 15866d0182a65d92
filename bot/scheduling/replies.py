"""What the schedule adds to her own conversation: the quiet-hours note and the "Later" button.

Called from the conversation service (the settings she changes, the buttons she presses), so
these are replies to her own messages, never scheduled sends. The "Later" button's handler is
listed with the other menu buttons' in ``bot/conversation/menu_actions.py``. The reminder both
this and a flow's ``schedule:`` action write is in ``bot.conversation.reminders``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.conversation.menu import menu_ref
from bot.conversation.messages import Outgoing
from bot.conversation.reminders import schedule_reminder
from bot.scheduling.localtime import minute_of_day, parse_hhmm

if TYPE_CHECKING:
    from bot.conversation.turn import Turn

EPDS_LATER = "epds_later"
SCHEDULE_ACTION = "sched"
EPDS_LATER_ACTION = menu_ref(SCHEDULE_ACTION, EPDS_LATER)
EPDS_LATER_DAYS = 3


def quiet_hours_note(turn: Turn, checkin_time: str) -> Outgoing | None:
    """A time she picks inside quiet hours is kept; she is told the prompt waits till they end
    (None when the time is outside them)."""
    quiet = turn.services.config.quiet_hours
    chosen = parse_hhmm(checkin_time)
    if quiet is None or chosen is None or not quiet.contains(minute_of_day(chosen)):
        return None
    text = turn.text(
        "schedule.quiet_note",
        time=chosen.strftime("%H:%M"),
        quiet_start=_hhmm(quiet.start_minute),
        quiet_end=_hhmm(quiet.end_minute),
    )
    return Outgoing(turn.chat_id, text)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


async def on_schedule_button(turn: Turn, argument: str) -> None:
    """ "Later" on a screening offer: offer it again in a few days."""
    if argument != EPDS_LATER:
        turn.say("ui.expired")
        return
    await schedule_reminder(turn, "epds_offer", EPDS_LATER_DAYS)
    turn.say("schedule.epds_later")

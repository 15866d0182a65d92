"""One-off reminders a turn asks for: a screening offer again in a few days, a nudge.

Both a flow's ``schedule:`` action (``effects.py``) and the "Later" button on a screening offer
(``bot/scheduling/replies.py``) ask for one; the scheduler sends it when due. Kept apart from
both so neither has to import the other.
"""

from __future__ import annotations

from datetime import timedelta

from bot.conversation.turn import Turn
from bot.storage.schedule import replace_reminder


async def schedule_reminder(turn: Turn, kind: str, in_days: float) -> None:
    """Nothing is kept for her before she consented, reminders included."""
    if not turn.consented:
        return
    due = turn.now + timedelta(days=in_days)
    await replace_reminder(turn.tx, turn.mother_id, kind, due, turn.now)

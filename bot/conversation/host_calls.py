"""Named host actions that flows may ``call``: things only the service can do (consent, data).

A flow's ``call: name`` is checked against this registry by ``main.py check`` (the composition
root, ``bot/runtime.py``, hands :data:`HOST_CALL_NAMES` to validation); each action is a small
coroutine taking the turn it runs in and returning the messages it produces. The registry is
one table at the end of this file, written out: what a flow may call is read in one place, and
nothing depends on which module happened to be imported first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING

from bot.conversation import journey_calls
from bot.conversation.messages import Outgoing
from bot.priority import Priority
from bot.storage import erase, mothers

if TYPE_CHECKING:
    from bot.conversation.turn import Turn

HostCall = Callable[["Turn"], Awaitable[list[Outgoing]]]


async def give_consent(turn: Turn) -> list[Outgoing]:
    """From here on her answers are stored; Telegram names are kept so staff know who she is."""
    sender = turn.incoming.author
    await mothers.update(
        turn.tx,
        turn.mother_id,
        turn.now,
        consent="given",
        consent_at=turn.stamp,
        first_name=sender.first_name,
        username=sender.username,
        status="active",
    )
    await mothers.clear_declined(turn.tx, sender.chat_id)
    await turn.reload_mother()
    await turn.store_pending_answers()
    return []


async def decline_consent(turn: Turn) -> list[Outgoing]:
    """Store nothing about her but the fact that she declined, so the bot does not nag.

    A mother who had agreed before (she sent /start again) withdraws her consent: she is
    erased as /delete would, her words blanked in the care team's alerts and the freed space
    reclaimed, not just her row dropped."""
    if turn.consented:
        await erase.erase_mother(turn.tx, turn.mother_id, turn.now)
        turn.mother = None
        turn.after_commit.append(partial(erase.forget_freed, turn.services.db))
    await turn.erase_mother()
    await mothers.mark_declined(turn.tx, turn.incoming.author.chat_id, turn.now)
    return []


async def pause(turn: Turn) -> list[Outgoing]:
    await mothers.update(turn.tx, turn.mother_id, turn.now, status="paused")
    return []


async def resume(turn: Turn) -> list[Outgoing]:
    await mothers.update(turn.tx, turn.mother_id, turn.now, status="active")
    return []


async def care_team_note(turn: Turn) -> list[Outgoing]:
    """After an answer or a result that wrote a routine alert (a questionnaire total of 13 or
    more, a second 10–12 in a row): when the care team will be in touch, in the clinic's hours
    — or, with no staff chat configured, where to turn instead (no promise). After an urgent
    alert the crisis reply has said it; with no alert there is nothing to tell."""
    if turn.crisis_fired or Priority.ROUTINE not in turn.raised:
        return []
    return [Outgoing(turn.chat_id, turn.text("clinic.care_team.routine_note"))]


HOST_CALLS: Mapping[str, HostCall] = {
    "give_consent": give_consent,
    "decline_consent": decline_consent,
    "pause": pause,
    "resume": resume,
    "care_team_note": care_team_note,
    # The journey's: /learn, /mood, /export, /delete.
    "learn_next": journey_calls.learn_next,
    "mood_chart": journey_calls.show_mood_chart,
    "export_my_data": journey_calls.export_my_data,
    "erase_my_data": journey_calls.erase_my_data,
}
HOST_CALL_NAMES = frozenset(HOST_CALLS)

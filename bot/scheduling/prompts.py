"""The scheduled prompts: a ``sends`` row rendered into messages when it is sent, in a turn.

Rendering late rather than at claim time matters when the queue is long (40,000 prompts at
09:00 take 22 minutes at 30 a second): whether she paused, checked in by herself, or is in the
middle of talking to the bot is decided when the message goes, not when it was queued. The row
is marked skipped in the same transaction when nothing should be sent, with the reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, time, timedelta

from bot.conversation.learn import next_snippet
from bot.conversation.messages import Button, ButtonRef
from bot.conversation.turn import Turn
from bot.scheduling.claim import Policy
from bot.scheduling.localtime import in_quiet_hours, local_instant
from bot.scheduling.planner import journey_start
from bot.scheduling.replies import EPDS_LATER_ACTION
from bot.storage import schedule
from bot.storage.schedule import SendRow

BUSY = timedelta(minutes=10)  # she wrote this recently: she is talking to the bot already
CHECKIN_FLOW = "checkin"
EPDS_FLOW = "epds"

StartFlow = Callable[[Turn, str], Awaitable[None]]


@dataclass(frozen=True)
class Prompts:
    policy: Policy
    start_flow: StartFlow

    async def render(self, turn: Turn, send: SendRow) -> None:
        if send.status != "pending":
            return
        status, reason = "skipped", self._not_now(turn, send)
        if reason == "late":
            status = "expired"
        if reason is None:
            reason = await RENDERERS[send.kind](self, turn, send)
        if reason is not None:
            await schedule.mark_send(turn.tx, send.id, status, turn.now, reason)
        else:
            await schedule.mark_composed(turn.tx, send.id, turn.now)

    def _not_now(self, turn: Turn, send: SendRow) -> str | None:
        mother = turn.mother
        if mother is None or mother.status != "active" or mother.consent != "given":
            return "not active"
        if turn.now - send.due_at > self.policy.grace:
            return "late"
        if in_quiet_hours(turn.now, turn.zone, self.policy.config.quiet_hours):
            return "quiet hours"
        return None

    def flows(self, turn: Turn) -> set[str]:
        return set(turn.services.catalog.flows)


async def _since_midnight(turn: Turn) -> bool:
    midnight = local_instant(turn.local_today(), time(0, 0), turn.zone.key)
    return await schedule.checked_in_since(turn.tx, turn.mother_id, midnight)


async def _busy(turn: Turn, send: SendRow) -> bool:
    """She is talking to the bot already. Not when the session is the one this send's own
    earlier render started and nothing happened since: Telegram never confirmed that render
    (the bot died mid-send), so she never saw it and the prompt goes again."""
    updated = await schedule.session_updated_at(turn.tx, turn.mother_id)
    if updated is None or turn.now - updated >= BUSY:
        return False
    return send.composed_at is None or updated > send.composed_at


def _flow_button(turn: Turn, key: str, flow_id: str) -> list[Button]:
    if flow_id not in turn.services.catalog.flows:
        return []
    return [Button(turn.text(key), ButtonRef.menu(f"flow:{flow_id}"))]


async def _checkin(prompts: Prompts, turn: Turn, send: SendRow) -> str | None:
    if CHECKIN_FLOW not in prompts.flows(turn):
        return "no checkin flow"
    if await _since_midnight(turn):
        return "checked in today"
    if await _busy(turn, send):
        return "busy"
    await prompts.start_flow(turn, CHECKIN_FLOW)
    return None if turn.result() else "flow said nothing"


async def _reminder(prompts: Prompts, turn: Turn, send: SendRow) -> str | None:
    if await _since_midnight(turn):
        return "checked in today"
    if await _busy(turn, send):
        return "busy"
    turn.say("schedule.reminder.text", _flow_button(turn, "schedule.reminder.button", "checkin"))
    return None


async def _snippet(prompts: Prompts, turn: Turn, send: SendRow) -> str | None:
    assert turn.mother is not None
    since = journey_start(turn.mother.baby_birth_date, turn.mother.created_at, turn.zone.key)
    topics = prompts.policy.cadence.snippet_topics_on(date.fromisoformat(send.local_date), since)
    for topic in topics:
        snippet = await next_snippet(turn, topic)
        if snippet is not None:
            intro = turn.text("schedule.snippet_intro")
            turn.replies.append(replace(snippet, text=f"{intro}\n\n{snippet.text}"))
            return None
    return "nothing new to read"


async def _epds_offer(prompts: Prompts, turn: Turn, send: SendRow) -> str | None:
    if EPDS_FLOW not in prompts.flows(turn):
        return "no epds flow"
    buttons = [
        Button(turn.text("epds.offer_yes"), ButtonRef.menu(f"flow:{EPDS_FLOW}")),
        Button(turn.text("epds.offer_later"), ButtonRef.menu(EPDS_LATER_ACTION)),
    ]
    turn.say("epds.offer", buttons)
    return None


async def _low_nudge(prompts: Prompts, turn: Turn, send: SendRow) -> str | None:
    turn.say("schedule.low_nudge.text", _flow_button(turn, "schedule.low_nudge.button", "checkin"))
    return None


RENDERERS: dict[str, Callable[[Prompts, Turn, SendRow], Awaitable[str | None]]] = {
    "checkin": _checkin,
    "reminder": _reminder,
    "snippet": _snippet,
    "epds_offer": _epds_offer,
    "low_nudge": _low_nudge,
}

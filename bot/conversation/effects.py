"""Applying the engine's events inside a turn: answers, profile, assessments, alerts, actions."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from bot.clock import parse_iso
from bot.conversation.crisis import raise_triggers
from bot.conversation.host_calls import HOST_CALLS
from bot.conversation.learn import next_snippet
from bot.conversation.messages import Outgoing
from bot.conversation.reminders import schedule_reminder
from bot.conversation.trigger_values import answer_values, assessment_values
from bot.conversation.turn import Turn
from bot.engine import (
    AnswerSaved,
    Escalate,
    Event,
    HostCall,
    RecordAssessment,
    Schedule,
    SetProfile,
    ShowSnippet,
)
from bot.safety.escalation import Trigger
from bot.scheduling.replies import quiet_hours_note
from bot.storage import dialog, mothers

# The EPDS asks about the past 7 days: no early offer within a week of the last one.
EARLY_SCREENING_GAP = timedelta(days=7)


async def apply_events(turn: Turn, events: list[Event]) -> list[Outgoing]:
    """Write what the events record in the turn's transaction; return the messages they add
    (a snippet, a host call's replies). A crisis reply goes to ``turn.crisis``, ahead of all."""
    out: list[Outgoing] = []
    for event in events:
        if isinstance(event, AnswerSaved):
            await _answer(turn, event)
        elif isinstance(event, SetProfile):
            await _profile(turn, event)
        elif isinstance(event, RecordAssessment):
            await _assessment(turn, event)
        elif isinstance(event, Escalate):
            await _escalate(turn, event)
        elif isinstance(event, Schedule):
            await schedule_reminder(turn, event.kind, event.in_days)
        elif isinstance(event, ShowSnippet):
            snippet = await next_snippet(turn, event.topic, event.snippet_id)
            out += [] if snippet is None else [snippet]
        elif isinstance(event, HostCall):
            out += await HOST_CALLS[event.name](turn)
    return out


async def _answer(turn: Turn, event: AnswerSaved) -> None:
    if not turn.consented:
        turn.unstored.append(event)
        return
    answer_id = await dialog.add_answer(
        turn.tx, turn.mother_id, event.flow, event.key, event.value, turn.now
    )
    escalation = turn.services.catalog.escalation
    values = await answer_values(turn, event.key, event.value)
    triggers = escalation.on_answer(event.flow, event.key, values)
    await raise_triggers(turn, triggers, f"answer{answer_id}")
    if values.get("low_streak") == escalation.threshold("low_mood_streak"):
        await _early_screening(turn)


async def _early_screening(turn: Turn) -> None:
    """Moods low several check-ins in a row: the questionnaire is offered at her next daily
    slot instead of waiting for the schedule (unless she did it in the past week)."""
    latest = await dialog.assessments(turn.tx, turn.mother_id, "epds", limit=1)
    if latest and turn.now - parse_iso(latest[0][2]) < EARLY_SCREENING_GAP:
        return
    await schedule_reminder(turn, "epds_offer", 0)


async def _profile(turn: Turn, event: SetProfile) -> None:
    if turn.mother is None or event.value is None:
        return
    await mothers.update(turn.tx, turn.mother_id, turn.now, **{event.field: event.value})
    await turn.reload_mother()
    if event.field == "checkin_time":
        note = quiet_hours_note(turn, str(event.value))
        if note is not None:
            # After the turn's other replies: a footnote to the flow's "I'll check in at …".
            turn.after_commit.append(partial(_reply, turn, note))


async def _reply(turn: Turn, message: Outgoing) -> None:
    turn.replies.append(message)


async def _assessment(turn: Turn, event: RecordAssessment) -> None:
    if not turn.consented:
        return
    assessment_id = await dialog.add_assessment(
        turn.tx, turn.mother_id, event.kind, event.score, event.items, turn.now
    )
    escalation = turn.services.catalog.escalation
    values = await assessment_values(turn, event.kind, event.score, event.items)
    triggers = escalation.on_assessment(event.kind, values)
    for trigger in triggers:
        trigger.detail.setdefault("items", event.items)
    await raise_triggers(turn, triggers, f"assessment{assessment_id}")
    low, high = escalation.threshold("epds_possible"), escalation.threshold("epds_routine")
    if event.kind == "epds" and low <= event.score < high:
        await schedule_reminder(turn, "epds_offer", escalation.threshold("rescreen_days"))


async def _escalate(turn: Turn, event: Escalate) -> None:
    rules = [r for r in turn.services.catalog.escalation.rules if r.id == event.rule]
    triggers = [Trigger(rule, dict(event.detail)) for rule in rules]
    await raise_triggers(turn, triggers, f"{turn.mother_id}:{turn.stamp}")

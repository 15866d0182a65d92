"""Turning triggers into alerts and the crisis reply, inside the turn's transaction.

The crisis reply is composed only from ``content/clinic.yaml``. It says the care team is being
told only when an alert was really written and a staff chat is configured; the confirmation that
staff have it is sent later by the outbox worker, once the alert is actually delivered.
"""

from __future__ import annotations

from typing import Any

from bot.conversation.messages import Button, ButtonRef, Outgoing, one_per_row
from bot.conversation.turn import Turn
from bot.safety.escalation import Trigger
from bot.storage import alerts, dialog, mothers

LOW_MOOD_KEY = "mood"


def combine(triggers: list[Trigger]) -> list[Trigger]:
    """One event, one alert: when an urgent rule fires, the routine rules fired by the same
    answer or questionnaire are named in its ``also`` instead of raising alerts of their own
    (EPDS 28 with item 10 above "Never" is one urgent alert, not an urgent and a routine)."""
    urgent = [t for t in triggers if t.priority == "urgent"]
    routine = [t for t in triggers if t.priority != "urgent"]
    if not urgent or not routine:
        return triggers
    urgent[0].detail["also"] = [t.rule.id for t in routine]
    return urgent


async def raise_triggers(turn: Turn, triggers: list[Trigger], dedup: str) -> bool:
    """Write one alert per event (idempotent per ``dedup``); returns whether any was new."""
    if not turn.consented or not triggers:
        return False
    assert turn.mother is not None
    created = False
    for trigger in combine(triggers):
        alert_id = await alerts.create_alert(
            turn.tx,
            mother_id=turn.mother.id,
            pseudonym=turn.mother.pseudonym,
            priority=trigger.priority,
            rule=trigger.rule.id,
            category=trigger.category,
            detail=trigger.detail,
            dedup_key=f"{trigger.rule.id}:{dedup}",
            now=turn.now,
        )
        created = created or alert_id is not None
        if alert_id is not None:
            turn.raised.append(trigger.priority)
    turn.alerted = turn.alerted or created
    if any(t.rule.crisis_reply for t in triggers):
        category = next((t.category for t in triggers if t.category), None)
        await crisis_reply(turn, category, team_told=created)
    return created


async def crisis_reply(turn: Turn, category: str | None, team_told: bool) -> None:
    """The reply that goes before anything else; the current flow pauses behind it."""
    if turn.crisis_fired:
        return
    turn.crisis_fired = True
    parts = [turn.text("clinic.crisis.reply")]
    phone = turn.services.catalog.content.lookup("clinic.clinic.phone")
    if isinstance(phone, str) and phone.strip():
        parts.append(turn.text("clinic.crisis.clinic_phone_line", clinic_phone=phone.strip()))
    if category == "danger_abuse":
        parts.append(turn.text("clinic.crisis.danger_abuse_extra"))
    if team_told and turn.services.staff_chat_id is not None:
        parts.append(turn.text("clinic.crisis.team_notified_line"))
    # "What you write is kept and the team will see it" only when an alert was written: not
    # for a stranger or mid-/start before she agreed (nothing is stored then).
    still_here = "clinic.crisis.still_here" if team_told else "clinic.crisis.still_here_no_team"
    parts.append(turn.text(still_here))
    buttons = []
    if await turn.session() is not None:
        buttons.append(
            Button(turn.text("ui.continue_button"), ButtonRef("menu", action="continue"))
        )
    turn.crisis.append(
        Outgoing(turn.chat_id, "\n\n".join(parts), one_per_row(buttons), urgent=True)
    )
    if turn.mother is not None and team_told:  # "I didn't mean it" then gets its kind reply
        await mothers.update(turn.tx, turn.mother.id, turn.now, crisis_at=turn.stamp)


async def on_crisis_text(turn: Turn, category: str, entry_id: str, span: str | None = None) -> None:
    escalation = turn.services.catalog.escalation
    triggers = escalation.on_text(category)
    for trigger in triggers:
        trigger.detail.update(message=turn.incoming.text[:1000], lexicon_entry=entry_id)
        if span:
            trigger.detail["matched"] = span  # the words that fired it, shown to staff
    dedup = f"{turn.mother.id if turn.mother else 0}:{turn.incoming.update_id or turn.stamp}"
    created = await raise_triggers(turn, triggers, dedup)
    if not created:
        await crisis_reply(turn, category, team_told=False)


async def answer_values(turn: Turn, key: str, value: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"value": value}
    if key == LOW_MOOD_KEY:
        values["low_streak"] = await low_mood_streak(turn)
    return values


async def low_mood_streak(turn: Turn) -> int:
    """How many of her latest check-in moods in a row were low (the newest included)."""
    limit = turn.services.catalog.escalation.threshold("low_mood_max")
    values = await dialog.recent_values(turn.tx, turn.mother_id, LOW_MOOD_KEY, limit=30)
    streak = 0
    for value in values:
        try:
            low = float(value) <= limit
        except (TypeError, ValueError):
            low = False
        if not low:
            break
        streak += 1
    return streak


async def assessment_values(
    turn: Turn, kind: str, score: int, items: dict[str, Any]
) -> dict[str, Any]:
    history = await dialog.assessments(turn.tx, turn.mother_id, kind, limit=2)
    previous = history[1][0] if len(history) > 1 else None
    values: dict[str, Any] = {"score": score, "previous_score": previous, **items}
    if all(isinstance(items.get(f"q{n}"), int) for n in (3, 4, 5)):
        values["epds_3a"] = items["q3"] + items["q4"] + items["q5"]
    return values

"""A turn's triggers become alerts, and a crisis becomes the reply that goes before all else.

Alerts are written by the escalation service (``bot/safety/alerting.py``) in the turn's
transaction. The crisis reply is composed only from ``content/clinic.yaml``. It says the care
team is being told only when an alert was really written and a staff chat is configured; the
confirmation that staff have it is sent later by the outbox worker, once the alert is actually
delivered. For a mother who consented, the reply is also kept in the outbox, in the same
transaction, so a crash after COMMIT cannot lose it (``bot/safety/crisis_reply.py``).
"""

from __future__ import annotations

from dataclasses import replace

from bot.conversation.messages import Button, ButtonRef, Outgoing, one_per_row
from bot.conversation.turn import Turn
from bot.priority import Priority
from bot.safety import crisis_reply as durable_reply
from bot.safety.alerting import Subject, raise_alerts
from bot.safety.escalation import Trigger
from bot.storage import mothers


async def raise_triggers(turn: Turn, triggers: list[Trigger], dedup: str) -> bool:
    """Alerts for her triggers (only once she consented: nothing is stored before); returns
    whether any was new. A rule with ``crisis_reply`` also puts the crisis reply first."""
    if not turn.consented or not triggers:
        return False
    assert turn.mother is not None
    subject = Subject(turn.mother.id, turn.mother.pseudonym)
    raised = await raise_alerts(turn.tx, subject, triggers, dedup, turn.now)
    turn.raised += raised
    turn.alerted = turn.alerted or bool(raised)
    if any(t.rule.crisis_reply for t in triggers):
        category = next((t.category for t in triggers if t.category), None)
        await crisis_reply(turn, category, team_told=bool(raised))
    return bool(raised)


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
        buttons.append(Button(turn.text("ui.continue_button"), ButtonRef.menu("continue")))
    reply = Outgoing(
        turn.chat_id, "\n\n".join(parts), one_per_row(buttons), priority=Priority.URGENT
    )
    if turn.consented:  # kept for a crash after COMMIT; before consent nothing is stored
        kept = await durable_reply.keep(turn.tx, turn.mother_id, reply, turn.now)
        reply = replace(reply, outbox_id=kept)
    turn.crisis.append(reply)
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

"""The escalation service: the one way an alert is raised, by a turn or by the scheduler.

Rules (``bot/safety/escalation.py``) say which triggers fire; this turns fired triggers into
alerts. Each alert and its outbox row are written together in the caller's transaction, with
the answer or the claim that caused them: if the process dies after the commit the outbox
worker still finds the row, if before, neither exists and the redelivered update (or the
unclaimed slot) fires again. The dedup key makes that second firing a no-op rather than a
second alert to the care team.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.priority import Priority, outbox_place
from bot.safety.escalation import Trigger
from bot.storage import alerts
from bot.storage.tx import Tx

STAFF_ALERT = "staff_alert"  # the outbox row that carries an alert to the staff chat


@dataclass(frozen=True)
class Subject:
    """The mother an alert is about, as staff see her (a pseudonym, never her name)."""

    mother_id: int
    pseudonym: str


def combine(triggers: list[Trigger]) -> list[Trigger]:
    """One event, one alert: when an urgent rule fires, the routine rules fired by the same
    answer or questionnaire are named in its ``also`` instead of raising alerts of their own
    (EPDS 28 with item 10 above "Never" is one urgent alert, not an urgent and a routine)."""
    urgent = [t for t in triggers if t.priority == Priority.URGENT]
    routine = [t for t in triggers if t.priority != Priority.URGENT]
    if not urgent or not routine:
        return triggers
    urgent[0].detail["also"] = [t.rule.id for t in routine]
    return urgent


async def raise_alerts(
    tx: Tx, subject: Subject, triggers: list[Trigger], dedup: str, now: datetime
) -> list[Priority]:
    """One alert per event, each keyed ``<rule>:<dedup>``; returns the priorities of the
    alerts that are new (empty when the event had raised them all already)."""
    raised = []
    for trigger in combine(triggers):
        alert_id = await write_alert(
            tx,
            subject,
            trigger.priority,
            rule=trigger.rule.id,
            category=trigger.category,
            detail=trigger.detail,
            dedup_key=f"{trigger.rule.id}:{dedup}",
            now=now,
        )
        if alert_id is not None:
            raised.append(trigger.priority)
    return raised


async def write_alert(
    tx: Tx,
    subject: Subject,
    priority: Priority,
    *,
    rule: str,
    category: str | None,
    detail: dict[str, Any],
    dedup_key: str,
    now: datetime,
) -> int | None:
    """The alert and its outbox row; None (and nothing written) when ``dedup_key`` has one."""
    alert_id = await alerts.create_alert(
        tx,
        mother_id=subject.mother_id,
        pseudonym=subject.pseudonym,
        priority=priority,
        rule=rule,
        category=category,
        detail=detail,
        dedup_key=dedup_key,
        now=now,
    )
    if alert_id is not None:
        await alerts.enqueue(tx, STAFF_ALERT, outbox_place(priority), {}, now, alert_id=alert_id)
    return alert_id

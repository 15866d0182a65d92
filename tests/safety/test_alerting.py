"""The escalation service writes each alert with its outbox row in the caller's transaction,
once per dedup key, and says which alerts were new."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.priority import Priority, outbox_place
from bot.safety.alerting import Subject, raise_alerts
from bot.safety.escalation import Rule, Trigger
from bot.services import Services
from bot.storage import mothers

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
URGENT = Rule("urgent_rule", Priority.URGENT, "answer", None)
ROUTINE = Rule("routine_rule", Priority.ROUTINE, "answer", None)


async def _subject(services: Services) -> Subject:
    async with services.db.transaction() as tx:
        mother = await mothers.create(tx, 1, "en", NOW)
    return Subject(mother.id, mother.pseudonym)


async def _rows(services: Services) -> list[tuple[str, str, int, str]]:
    rows = await services.db.fetchall(
        "SELECT a.rule, a.priority, o.priority, o.kind FROM alerts a"
        " JOIN outbox o ON o.alert_id = a.id ORDER BY a.id"
    )
    return [tuple(row) for row in rows]


async def test_each_alert_comes_with_its_outbox_row_once_per_dedup_key(
    services: Services,
) -> None:
    subject = await _subject(services)
    async with services.db.transaction() as tx:
        first = await raise_alerts(tx, subject, [Trigger(ROUTINE, {})], "answer1", NOW)
        again = await raise_alerts(tx, subject, [Trigger(ROUTINE, {})], "answer1", NOW)
        other = await raise_alerts(tx, subject, [Trigger(ROUTINE, {})], "answer2", NOW)
    assert (first, again, other) == ([Priority.ROUTINE], [], [Priority.ROUTINE])
    place = outbox_place(Priority.ROUTINE)
    assert await _rows(services) == [("routine_rule", "routine", place, "staff_alert")] * 2
    keys = await services.db.fetchall("SELECT dedup_key FROM alerts ORDER BY id")
    assert [row[0] for row in keys] == ["routine_rule:answer1", "routine_rule:answer2"]


async def test_an_urgent_rule_takes_in_the_routine_ones_fired_with_it(services: Services) -> None:
    subject = await _subject(services)
    triggers = [Trigger(ROUTINE, {}), Trigger(URGENT, {"score": 28})]
    async with services.db.transaction() as tx:
        raised = await raise_alerts(tx, subject, triggers, "assessment1", NOW)
    assert raised == [Priority.URGENT]
    urgent = outbox_place(Priority.URGENT)
    assert await _rows(services) == [("urgent_rule", "urgent", urgent, "staff_alert")]
    detail = await services.db.fetchone("SELECT detail FROM alerts")
    assert '"also": ["routine_rule"]' in detail[0]


async def test_a_failed_transaction_leaves_neither_alert_nor_outbox_row(
    services: Services,
) -> None:
    subject = await _subject(services)
    with pytest.raises(RuntimeError):
        async with services.db.transaction() as tx:
            await raise_alerts(tx, subject, [Trigger(URGENT, {})], "text1", NOW)
            raise RuntimeError("the turn failed after the alert")
    assert await services.db.fetchall("SELECT id FROM alerts") == []
    assert await services.db.fetchall("SELECT id FROM outbox") == []

"""The unit of work, on SQLite and on PostgreSQL, answers what repositories rely on: rows
changed, ids returned, conflicts skipped, and every transaction either whole or absent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.priority import Priority
from bot.services import Services
from bot.storage import alerts, mothers, schedule

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_execute_returns_the_rows_changed(services: Services, backend: str) -> None:
    async with services.db.transaction() as tx:
        for chat_id in (1, 2, 3):
            await mothers.create(tx, chat_id, "en", NOW)
        changed = await tx.execute("UPDATE mothers SET status = 'paused' WHERE chat_id > ?", (1,))
    assert tx.dialect == backend
    assert changed == 2


async def test_a_duplicate_alert_is_skipped_and_returns_no_id(services: Services) -> None:
    async with services.db.transaction() as tx:
        mother = await mothers.create(tx, 1, "en", NOW)
        alert = {
            "mother_id": mother.id,
            "pseudonym": mother.pseudonym,
            "priority": Priority.URGENT,
            "rule": "crisis_text",
            "category": None,
            "detail": {},
            "dedup_key": "crisis_text:1",
            "now": NOW,
        }
        first = await alerts.create_alert(tx, **alert)
        again = await alerts.create_alert(tx, **alert)
    assert first is not None and again is None
    # The repository only stores: the outbox row is the escalation service's to add.
    assert await services.db.fetchall("SELECT alert_id FROM outbox") == []


async def test_add_sends_counts_only_new_rows_across_chunks(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schedule, "SENDS_PER_INSERT", 2)
    async with services.db.transaction() as tx:
        mother = await mothers.create(tx, 1, "en", NOW)
        rows = [(mother.id, "checkin", f"2026-03-0{day}", NOW.isoformat()) for day in (1, 2, 3)]
        assert await schedule.add_sends(tx, rows[:2]) == 2
        assert await schedule.add_sends(tx, [*rows, rows[2]]) == 1
        assert await schedule.add_sends(tx, []) == 0
    assert (await services.db.fetchone("SELECT COUNT(*) FROM sends"))[0] == 3


async def test_a_failed_transaction_leaves_nothing_and_reading_sees_the_committed(
    services: Services,
) -> None:
    with pytest.raises(RuntimeError):
        async with services.db.transaction() as tx:
            await mothers.create(tx, 1, "en", NOW)
            raise RuntimeError("mid-turn")
    async with services.db.reading() as tx:
        assert await mothers.by_chat(tx, 1) is None
    async with services.db.transaction() as tx:
        await mothers.create(tx, 1, "en", NOW)
    async with services.db.reading() as tx:
        assert await mothers.by_chat(tx, 1) is not None

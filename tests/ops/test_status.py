"""``main.py status``: the numbers an operator needs, and an exit code monitoring can use."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

import main
from bot.clock import iso, utcnow
from bot.config import Config
from bot.ops.status import EXIT_NO_DATABASE, EXIT_OK, EXIT_STUCK, collect, render
from bot.priority import Priority
from bot.safety.alerting import Subject, write_alert
from bot.services import Services
from bot.storage import kv, mothers
from bot.telegram.groups import PREFIX
from bot.telegram.heartbeat import LAST_OK_KEY
from tests.conftest import STAFF_CHAT


async def _seed(services: Services, alert_age: timedelta) -> None:
    """Mothers in every state, one urgent alert created ``alert_age`` ago and not delivered."""
    now = utcnow()
    async with services.db.transaction() as conn:
        for chat_id, status in ((1, "active"), (2, "active"), (3, "paused"), (4, "inactive")):
            mother = await mothers.create(conn, chat_id, "en", now)
            await mothers.update(conn, mother.id, now, status=status, consent="given")
        await write_alert(
            conn,
            Subject(mother.id, mother.pseudonym),
            Priority.URGENT,
            rule="crisis_text",
            category="suicidal",
            detail={},
            dedup_key="t:1",
            now=now - alert_age,
        )
    await kv.put(services.db, LAST_OK_KEY, iso(now - timedelta(seconds=30)))
    group = {"type": "supergroup", "title": "Clinic staff", "bot": "administrator", "at": iso(now)}
    await kv.put(services.db, f"{PREFIX}{STAFF_CHAT}", json.dumps(group))


async def test_status_reports_the_counts(services: Services) -> None:
    await _seed(services, timedelta(minutes=1))
    status = collect(services.config)
    assert status.schema == status.latest_schema >= 1
    assert status.mothers == {"active": 2, "paused": 1, "inactive": 1}
    assert (status.pending_outbox, status.open_urgent, status.stuck_alerts) == (1, 1, 0)
    assert status.exit_code == EXIT_OK
    text = "\n".join(render(status))
    assert "mothers:                 active 2, paused 1, inactive 1" in text
    assert "(30 s ago)" in text
    assert f'{STAFF_CHAT} supergroup "Clinic staff" bot=administrator <- STAFF_CHAT_ID' in text
    assert "version:" in text and str(services.config.database_path) in text


async def test_an_alert_undelivered_for_ten_minutes_fails_the_check(services: Services) -> None:
    await _seed(services, timedelta(minutes=11))
    status = collect(services.config)
    assert status.stuck_alerts == 1
    assert status.exit_code == EXIT_STUCK
    assert any(line.startswith("PROBLEM: 1 staff alert") for line in render(status))


async def test_status_command_exit_codes(
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    logging_restored: None,
) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(services.config.database_path))
    monkeypatch.setenv("CONFIG_FILE", str(services.config.database_path.parent / "none.yaml"))
    assert main.main(["status"]) == EXIT_OK
    assert "outbox pending:          0" in capsys.readouterr().out
    await _seed(services, timedelta(minutes=30))
    assert main.main(["status"]) == EXIT_STUCK
    monkeypatch.setenv("DATABASE_PATH", str(services.config.database_path.parent / "nope.db"))
    assert main.main(["status"]) == EXIT_NO_DATABASE
    assert not (services.config.database_path.parent / "nope.db").exists()
    garbage = services.config.database_path.parent / "garbage.db"
    garbage.write_bytes(b"not a database" * 200)
    monkeypatch.setenv("DATABASE_PATH", str(garbage))
    assert main.main(["status"]) == EXIT_NO_DATABASE
    assert "cannot read" in capsys.readouterr().out


async def test_status_of_an_old_schema(config: Config, tmp_path: Path) -> None:
    """A database from before any migration is described, not upgraded, by status."""
    path = tmp_path / "old.sqlite3"
    sqlite3.connect(path).close()
    status = collect(replace(config, database_path=path))
    assert status.schema == 0 and status.mothers == {}
    assert "applied at the next start" in "\n".join(render(status))

"""/export and /delete in both languages, on both backends. Deletion is checked where it
matters: no table holds her name, words or Telegram id; on SQLite not even the raw bytes of the
database file and its WAL do, and on PostgreSQL the tables erasure touched keep no dead row
versions (VACUUM ran; what PostgreSQL still keeps is listed in docs/production.md)."""

from __future__ import annotations

import json
import struct
from datetime import timedelta
from pathlib import Path

import pytest

from bot.services import Services
from bot.storage.erase import TOUCHED_TABLES
from tests.journey.conftest import LANGS, Chat, rows

PERSONAL = {
    "en": {"name": "Zoryanka", "note": "blue giraffe note 4471", "crisis": "I want to kill myself"},
    "uk": {"name": "Зорянка", "note": "синій жираф 4471", "crisis": "Я не хочу жити"},
}
TEXT_ID = "chat id as text"


def raw_bytes(services: Services) -> bytes:
    """The database file and its write-ahead log, exactly as they are on disk."""
    path = Path(services.config.database_path)
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def needles(chat: Chat, lang: str) -> dict[str, bytes]:
    words = PERSONAL[lang]
    found = {key: value.encode() for key, value in words.items()}
    found["first_name"] = chat.first_name.encode()
    found["username"] = chat.username.encode()
    found[TEXT_ID] = str(chat.chat_id).encode()
    found["chat id as SQLite integer"] = struct.pack(">q", chat.chat_id)[2:]  # 6-byte form
    return found


async def tables(services: Services) -> list[str]:
    if services.db.dialect == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    return [str(row[0]) for row in await services.db.fetchall(sql)]


async def found_in_tables(services: Services, needles: dict[str, bytes]) -> list[str]:
    """``what in table`` for every needle some value of some row of some table contains."""
    found = []
    for table in await tables(services):
        for row in await services.db.fetchall(f"SELECT * FROM {table}"):
            values = " ".join(str(value) for value in row)
            found += [
                f"{what} in {table}"
                for what, needle in needles.items()
                if needle.decode(errors="ignore") in values
            ]
    return found


async def dead_row_versions(services: Services) -> dict[str, int]:
    """PostgreSQL's count of dead tuples, read from the pages themselves (pgstattuple)."""
    await services.db.fetchall("CREATE EXTENSION IF NOT EXISTS pgstattuple")
    counts = {}
    for table in TOUCHED_TABLES:
        row = await services.db.fetchone(f"SELECT dead_tuple_count FROM pgstattuple('{table}')")
        assert row is not None
        counts[table] = int(row[0])
    return counts


async def live_a_little(chat: Chat, lang: str) -> None:
    """Onboarding, a low check-in with an urgent safety answer, crisis words, EPDS, a read."""
    words = PERSONAL[lang]
    chat.first_name, chat.username = "Myroslava", "myroslava_q"
    await chat.onboard(lang, name=words["name"])
    await chat.command("checkin")
    await chat.press_index(4)  # very low
    await chat.press_index(0)  # safety: yes → urgent alert
    await chat.press_index(0)  # continue
    await chat.text(words["note"])
    chat.now += timedelta(hours=1)
    await chat.text(words["crisis"])  # crisis words → urgent alert with her message
    await chat.command("screening")
    for _ in range(10):
        await chat.press_index(1)  # total 17, item 10 "Sometimes": one urgent alert (also 13+)
    await chat.command("learn")


@pytest.mark.parametrize("lang", LANGS)
async def test_export_is_a_json_file_of_everything_about_her(
    chat: Chat, services: Services, lang: str
) -> None:
    await live_a_little(chat, lang)
    await chat.command("export")
    intro, file = chat.last
    assert intro.text and intro.document is None
    assert file.document is not None
    name, data = file.document
    assert name == "poruch-my-data-2026-03-10.json"
    exported = json.loads(data.decode("utf-8"))
    assert exported["profile"]["name"] == PERSONAL[lang]["name"]
    assert exported["profile"]["chat_id"] == chat.chat_id
    answers = {(a["flow"], a["key"]): a["value"] for a in exported["answers"]}
    assert answers[("checkin", "mood")] == 1
    assert answers[("checkin", "note")] == PERSONAL[lang]["note"]
    [screening] = exported["assessments"]
    assert screening["kind"] == "epds" and set(screening["items"]) == {
        f"q{n}" for n in range(1, 11)
    }
    assert exported["snippet_views"]
    messages = [alert["detail"].get("message") for alert in exported["alerts"]]
    assert PERSONAL[lang]["crisis"] in messages


@pytest.mark.parametrize("lang", LANGS)
async def test_delete_leaves_no_trace_in_the_database_file_or_its_wal(
    chat: Chat, services: Services, lang: str
) -> None:
    sqlite = services.db.dialect == "sqlite"
    await live_a_little(chat, lang)
    [before] = await rows(services, "SELECT pseudonym FROM mothers")
    textual = {
        what: needle for what, needle in needles(chat, lang).items() if "integer" not in what
    }
    assert set(await found_in_tables(services, textual)) >= {
        "name in mothers",
        "note in answers",
        "crisis in alerts",
        "crisis in messages",
    }, "the test would not notice her words"
    stored = raw_bytes(services) if sqlite else b""
    for what, needle in needles(chat, lang).items():
        if sqlite and what != TEXT_ID:  # stored as an integer; its text is only checked for absence
            assert needle in stored, f"the test would not notice {what}"
    await chat.command("delete")
    assert "/export" in chat.said() and len(chat.labels()) == 2
    await chat.press_index(0)
    [done] = chat.last
    assert ("erased" if lang == "en" else "видалено") in done.text

    assert await found_in_tables(services, textual) == []
    if sqlite:
        remaining = raw_bytes(services)
        for what, needle in needles(chat, lang).items():
            assert needle not in remaining, f"{what} is still in the database bytes"
    else:
        assert await dead_row_versions(services) == dict.fromkeys(TOUCHED_TABLES, 0)
    for table in ("mothers", "answers", "assessments", "sessions", "snippet_views", "reminders"):
        assert await rows(services, f"SELECT * FROM {table}") == [], table
    alerts = await rows(services, "SELECT * FROM alerts")
    rules = {a["rule"] for a in alerts}
    assert {"checkin_safety", "crisis_message", "epds_item10"} == rules
    assert all(a["mother_id"] is None and a["detail"] == "{}" for a in alerts)
    assert {a["pseudonym"] for a in alerts} == {before["pseudonym"]}
    assert all(o["payload"] == "{}" for o in await rows(services, "SELECT * FROM outbox"))
    audit = await rows(services, "SELECT actor, action, subject FROM audit_log")
    assert {"actor": "mother", "action": "erased", "subject": before["pseudonym"]} in audit


@pytest.mark.parametrize("lang", LANGS)
async def test_after_deletion_she_is_a_stranger_and_can_start_again(
    chat: Chat, services: Services, lang: str
) -> None:
    await chat.onboard(lang)
    await chat.command("delete")
    await chat.press_index(0)
    await chat.command("checkin")
    assert chat.said() == services.catalog.content.text("ui.need_consent", "uk")
    await chat.command("start")
    assert len(await rows(services, "SELECT * FROM mothers")) == 1


@pytest.mark.parametrize("lang", LANGS)
async def test_keeping_the_data_deletes_nothing(chat: Chat, services: Services, lang: str) -> None:
    await chat.onboard(lang)
    await chat.command("delete")
    await chat.press_index(1)
    assert ("nothing was deleted" if lang == "en" else "нічого не видалено") in chat.said()
    [mother] = await rows(services, "SELECT name, consent FROM mothers")
    assert (mother["name"], mother["consent"]) == ("Olenka", "given")

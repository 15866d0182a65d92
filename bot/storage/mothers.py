"""Mothers: her settings, language and consent."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from bot.clock import iso
from bot.storage.tx import Row, Tx


@dataclass
class Mother:
    id: int
    chat_id: int
    pseudonym: str
    language: str
    consent: str
    consent_at: str | None
    name: str | None
    first_name: str | None
    username: str | None
    baby_birth_date: str | None
    checkin_time: str | None
    timezone: str | None
    status: str
    ask_seq: int
    crisis_at: str | None
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: Row) -> Mother:
        names = {f.name for f in fields(cls)}
        return cls(**{key: row[key] for key in row.keys() if key in names})  # noqa: SIM118


EDITABLE = frozenset(
    {
        "language",
        "consent",
        "consent_at",
        "name",
        "first_name",
        "username",
        "baby_birth_date",
        "checkin_time",
        "timezone",
        "status",
        "ask_seq",
        "crisis_at",
    }
)


def new_pseudonym() -> str:
    """A short random id that stands for her in logs and audit rows."""
    return "m-" + secrets.token_hex(5)


async def by_chat(tx: Tx, chat_id: int) -> Mother | None:
    row = await tx.fetchone("SELECT * FROM mothers WHERE chat_id = ?", (chat_id,))
    return Mother.from_row(row) if row else None


async def by_id(tx: Tx, mother_id: int) -> Mother | None:
    row = await tx.fetchone("SELECT * FROM mothers WHERE id = ?", (mother_id,))
    return Mother.from_row(row) if row else None


async def create(tx: Tx, chat_id: int, language: str, now: datetime, **extra: Any) -> Mother:
    stamp = iso(now)
    await tx.execute(
        "INSERT INTO mothers (chat_id, pseudonym, language, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (chat_id, new_pseudonym(), language, stamp, stamp),
    )
    if extra:
        mother = await by_chat(tx, chat_id)
        assert mother is not None
        await update(tx, mother.id, now, **extra)
    mother = await by_chat(tx, chat_id)
    assert mother is not None
    return mother


async def update(tx: Tx, mother_id: int, now: datetime, **values: Any) -> None:
    unknown = set(values) - EDITABLE
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if not values:
        return
    assignments = ", ".join(f"{key} = ?" for key in values)
    await tx.execute(
        f"UPDATE mothers SET {assignments}, updated_at = ? WHERE id = ?",
        (*values.values(), iso(now), mother_id),
    )


async def delete(tx: Tx, mother_id: int) -> None:
    """Her row goes; the tables that hang off it follow by ON DELETE."""
    await tx.execute("DELETE FROM mothers WHERE id = ?", (mother_id,))


async def mark_declined(tx: Tx, chat_id: int, now: datetime) -> None:
    """Remember only that she declined, so the bot does not nag her."""
    await tx.execute(
        "INSERT INTO declined (chat_id, at) VALUES (?, ?)"
        " ON CONFLICT (chat_id) DO UPDATE SET at = excluded.at",
        (chat_id, iso(now)),
    )


async def has_declined(tx: Tx, chat_id: int) -> bool:
    return await tx.fetchone("SELECT 1 FROM declined WHERE chat_id = ?", (chat_id,)) is not None


async def clear_declined(tx: Tx, chat_id: int) -> None:
    await tx.execute("DELETE FROM declined WHERE chat_id = ?", (chat_id,))

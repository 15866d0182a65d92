"""Which Telegram chats are the staff chats now: the configured ids, followed through upgrades.

Telegram moves a group to a new id when it becomes a supergroup (it gets admins or more
members). The bot learns it twice — from a refused send (400 with ``migrate_to_chat_id``) and
from the service message in the old group — and either way follows it here, once: the move is
stored, what waits for the old id is re-addressed, it is logged once and ``main.py status``
shows it. From then on the new id is used over the configured one, across restarts.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.config import Config
from bot.storage import chat_moves
from bot.storage.tx import Store

log = logging.getLogger("poruch.outbox")

MAX_HOPS = 5  # a group moves once; the bound only guards against a corrupt record


class StaffChats:
    def __init__(self, moves: dict[int, int] | None = None) -> None:
        self.moves = dict(moves or {})

    @classmethod
    async def load(cls, db: Store) -> StaffChats:
        async with db.reading() as tx:
            moves = await chat_moves.load_moves(tx)
        return cls({old: new for old, (new, _) in moves.items()})

    def resolve(self, chat_id: int | None) -> int | None:
        """The chat's current id (itself when it never moved)."""
        for _ in range(MAX_HOPS):
            if chat_id is None or chat_id not in self.moves:
                break
            chat_id = self.moves[chat_id]
        return chat_id

    def primary(self, config: Config) -> int | None:
        return self.resolve(config.staff_chat_id)

    def backup(self, config: Config) -> int | None:
        return self.resolve(config.staff_backup_chat_id)

    def all(self, config: Config) -> set[int]:
        """Every id under which staff may write to the bot: current ids and the configured
        ones (an update from the old group can still arrive right after the move)."""
        configured = (config.staff_chat_id, config.staff_backup_chat_id)
        chats = {c for c in configured if c is not None}
        return chats | {c for c in (self.resolve(c) for c in chats) if c is not None}

    async def follow(self, db: Store, old: int, new: int, now: datetime) -> bool:
        """Record that ``old`` is now ``new``; False when this move was known already."""
        if self.moves.get(old) == new or old == new:
            return False
        async with db.transaction() as tx:
            await chat_moves.record_move(tx, old, new, now)
        self.moves[old] = new
        log.warning("staff_chat_moved old=%s new=%s", old, new)
        return True

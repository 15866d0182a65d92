"""Group chats the bot has seen, so ``main.py status`` can show the staff group's chat id.

Setting up ``STAFF_CHAT_ID`` is the step newcomers get stuck on: Telegram shows no chat ids in
its apps. Adding the bot to the group (or sending ``/alerts`` there) produces an update from the
group; the id, type and title are kept in the ``kv`` table (never in the log) and ``status``
lists them. Private chats are never recorded here.
"""

from __future__ import annotations

import json
import logging

from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.clock import iso, utcnow
from bot.storage import kv
from bot.storage.tx import Store

log = logging.getLogger("poruch.telegram")

PREFIX = "group:"
GROUP_TYPES = ("group", "supergroup")


class GroupTracker:
    def __init__(self, db: Store) -> None:
        self.db = db
        self._seen: set[tuple[int, str]] = set()

    async def on_update(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB's side (long polling): the handler that runs before every other one."""
        assert isinstance(update, Update)
        await self.see(update)

    async def see(self, update: Update) -> None:
        """Record a group once per bot run (and again when the bot's membership changes).
        Never raises: a failed record must not cost the mother's turn that came with it."""
        chat = update.effective_chat
        if chat is None or chat.type not in GROUP_TYPES:
            return
        member = update.my_chat_member
        status = member.new_chat_member.status if member is not None else "member"
        if (chat.id, status) in self._seen:
            return
        self._seen.add((chat.id, status))
        record = {"type": chat.type, "title": chat.title or "", "bot": status, "at": iso(utcnow())}
        try:
            await kv.put(self.db, f"{PREFIX}{chat.id}", json.dumps(record, ensure_ascii=False))
        except Exception:
            log.warning("group_not_recorded", exc_info=True)
            return
        log.info("group_seen chat=%s bot=%s", chat.id, status)


def track_groups(application: Application, tracker: GroupTracker) -> None:
    """Run the tracker before every other handler (group -1), whatever they decide."""
    application.add_handler(TypeHandler(Update, tracker.on_update), group=-1)

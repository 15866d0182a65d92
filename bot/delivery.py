"""What adapters promise when they deliver a message, and every way delivery can fail.

The outbox worker and the sender speak only this protocol, so the same durable delivery runs
over Telegram and in the terminal chat. Every failure an adapter meets is classified into one
of the few outcomes below, in one place (``bot/telegram/transport.py`` for Telegram), and each
has one reaction:

- :class:`RetryLater` — 429 (wait ``retry_after``), 5xx, timeouts, resets: the same message again;
- :class:`ChatMoved` — the group became a supergroup: follow it to its new id;
- :class:`Unreachable` — 403 kicked or blocked, chat not found: keep it, back off, warn;
- :class:`Refused` — Telegram refused the text (too long, bad markup): send a plain version;
- :class:`Withdrawn` — the message is no longer wanted (a repeat of an acknowledged alert).
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from typing import Protocol

from bot.conversation.messages import Outgoing

TEXT_LIMIT = 4096  # Telegram's limit, counted in UTF-16 code units after parsing entities
CUT_MARK = "\n…"
_TAG = re.compile(r"<[^>]*>")


class DeliveryError(Exception):
    """Base class: the message was not delivered."""


class RetryLater(DeliveryError):
    """A 429, a 5xx, a timeout or a broken connection: try again after ``retry_after``
    seconds when Telegram said how long, else after a back-off."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class ChatMoved(DeliveryError):
    """400 with ``migrate_to_chat_id``: the group was upgraded and lives on under a new id."""

    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id


class Unreachable(DeliveryError):
    """403 and "chat not found": the bot was blocked, removed from the chat, or the chat is
    gone. Nothing sent there can arrive until a person changes that."""


class Refused(DeliveryError):
    """400 about the message itself ("message is too long", "can't parse entities"): the same
    request would fail forever, a plainer one may not."""


class Withdrawn(DeliveryError):
    """The message was withdrawn before an attempt, because it is no longer wanted."""


class Transport(Protocol):
    async def deliver(self, message: Outgoing) -> int | None:
        """Send (or edit) ``message``; return the Telegram message id when there is one."""
        ...


async def check_wanted(message: Outgoing) -> None:
    """Raise :class:`Withdrawn` when ``message.still_wanted`` says it is no longer wanted:
    asked right before each attempt, so a repeat held back by a 429 is not sent after staff
    acknowledged the alert meanwhile."""
    if message.still_wanted is not None and not await message.still_wanted():
        raise Withdrawn("no longer wanted")


def plain_version(message: Outgoing) -> Outgoing:
    """The message Telegram cannot refuse for its text: markup removed, cut to the limit.

    The cut is from the end, so what comes first stays: an alert's priority line, reason and
    her name come before her words and answers. Buttons stay (they are not the text)."""
    text = html.unescape(_TAG.sub("", message.text)) if message.html else message.text
    return replace(message, text=fit(text), html=False)


def fit(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` cut at a line end (or mid-line when one line is too long) to ``limit``
    UTF-16 code units, as Telegram counts them; unchanged when it fits."""
    if _units(text) <= limit:
        return text
    room = limit - _units(CUT_MARK)
    kept = ""
    for line in text.split("\n"):
        candidate = f"{kept}\n{line}" if kept else line
        if _units(candidate) > room:
            if not kept:
                kept = _cut(line, room)
            break
        kept = candidate
    return kept + CUT_MARK


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut(line: str, room: int) -> str:
    out, used = [], 0
    for char in line:
        used += _units(char)
        if used > room:
            break
        out.append(char)
    return "".join(out)

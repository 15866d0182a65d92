"""Delivering ``Outgoing`` messages through python-telegram-bot, with errors mapped for retries."""

from __future__ import annotations

import io
import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.conversation.messages import Outgoing
from bot.delivery import ChatMoved, DeliveryError, Refused, RetryLater, Unreachable
from bot.telegram.callbacks import CallbackCodec

log = logging.getLogger("poruch.telegram")
MAX_TEXT = 4096
# 400s that mean the chat cannot be written to (not the message's fault): as a 403.
UNREACHABLE_400 = (
    "chat not found",
    "group chat was deactivated",
    "user is deactivated",
    "peer_id_invalid",
    "have no rights to send",
    "not enough rights",
    "need administrator rights",
    "chat_write_forbidden",
    "chat_restricted",
)


def classify(exc: TelegramError) -> DeliveryError:
    """Every error Telegram can answer a send with, as one of the delivery outcomes.

    The one place that reads Telegram's codes and descriptions (PTB has already turned the
    HTTP status and ``parameters`` into its exception types): everything else in the bot
    reacts to the outcome, never to a description."""
    if isinstance(exc, ChatMigrated):
        return ChatMoved(int(exc.new_chat_id))
    if isinstance(exc, RetryAfter):
        retry = exc.retry_after
        seconds = retry.total_seconds() if hasattr(retry, "total_seconds") else float(retry)
        return RetryLater("429", seconds)
    if isinstance(exc, Forbidden):
        return Unreachable(f"forbidden: {_reason(exc)}")
    if isinstance(exc, BadRequest):  # before NetworkError: PTB's BadRequest is one
        text = exc.message.lower()
        if any(marker in text for marker in UNREACHABLE_400):
            return Unreachable(_reason(exc))
        return Refused(_reason(exc))
    if isinstance(exc, InvalidToken):  # 401 and 404: the token was revoked or is wrong
        return RetryLater(f"token: {_reason(exc)}")
    if isinstance(exc, Conflict | NetworkError):  # 409, 5xx, timeouts, resets
        return RetryLater(f"{type(exc).__name__}: {_reason(exc)}")
    return RetryLater(type(exc).__name__)


def _reason(exc: TelegramError) -> str:
    """Telegram's description, which names the fault, never the message (no personal data)."""
    return exc.message[:120]


class TelegramTransport:
    def __init__(self, bot: Bot, codec: CallbackCodec) -> None:
        self.bot = bot
        self.codec = codec

    def markup(self, message: Outgoing) -> InlineKeyboardMarkup | None:
        if not message.buttons:
            return None
        rows = [
            [InlineKeyboardButton(b.label, callback_data=self.codec.encode(b.ref)) for b in row]
            for row in message.buttons
        ]
        return InlineKeyboardMarkup(rows)

    async def deliver(self, message: Outgoing) -> int | None:
        try:
            sent = await self._send(message)
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return message.edit_message_id  # an edit to the text it already has
            raise classify(exc) from None
        except TelegramError as exc:
            raise classify(exc) from None
        return sent.message_id if isinstance(sent, Message) else message.edit_message_id

    async def _send(self, message: Outgoing) -> Message | bool:
        parse_mode = ParseMode.HTML if message.html else None
        markup = self.markup(message)
        if message.photo is not None:
            return await self.bot.send_photo(
                message.chat_id, io.BytesIO(message.photo), caption=message.text[:1024] or None
            )
        if message.document is not None:
            name, data = message.document
            return await self.bot.send_document(
                message.chat_id,
                io.BytesIO(data),
                filename=name,
                caption=message.text[:1024] or None,
            )
        if message.edit_message_id is not None:
            return await self.bot.edit_message_text(
                message.text[:MAX_TEXT],
                chat_id=message.chat_id,
                message_id=message.edit_message_id,
                reply_markup=markup,
                parse_mode=parse_mode,
            )
        return await self.bot.send_message(
            message.chat_id, message.text[:MAX_TEXT], reply_markup=markup, parse_mode=parse_mode
        )

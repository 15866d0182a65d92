"""Delivering ``Outgoing`` messages through python-telegram-bot, with errors mapped for retries."""

from __future__ import annotations

import io
import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.conversation.messages import Outgoing
from bot.delivery import RetryLater, Unreachable
from bot.telegram.callbacks import CallbackCodec

log = logging.getLogger("poruch.telegram")
MAX_TEXT = 4096


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
        except RetryAfter as exc:
            retry = exc.retry_after
            seconds = retry.total_seconds() if hasattr(retry, "total_seconds") else float(retry)
            raise RetryLater("429", seconds) from None
        except Forbidden as exc:
            raise Unreachable(f"forbidden: {exc.message}") from None
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return message.edit_message_id
            if "chat not found" in exc.message.lower():
                raise Unreachable("chat not found") from None
            raise
        except (TimedOut, NetworkError) as exc:
            raise RetryLater(type(exc).__name__) from None
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

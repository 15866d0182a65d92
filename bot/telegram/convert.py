"""Telegram updates to adapter-neutral ``Incoming`` messages."""

from __future__ import annotations

from telegram import Message, Update

from bot.conversation.messages import Author, Incoming
from bot.telegram.callbacks import CallbackCodec

MEDIA_KINDS = (
    "sticker",
    "photo",
    "voice",
    "video",
    "video_note",
    "audio",
    "animation",
    "document",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
)


def _author(update: Update) -> Author | None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return None
    return Author(
        chat_id=chat.id,
        user_id=user.id if user else chat.id,
        first_name=user.first_name if user else None,
        username=user.username if user else None,
        language_code=user.language_code if user else None,
        chat_type=chat.type,
    )


def _media_kind(message: Message) -> str:
    return next((kind for kind in MEDIA_KINDS if getattr(message, kind, None)), "unsupported")


def to_incoming(update: Update, codec: CallbackCodec) -> Incoming | None:
    author = _author(update)
    if author is None or update.channel_post or update.edited_channel_post:
        return None
    if update.my_chat_member is not None:
        status = update.my_chat_member.new_chat_member.status
        removed = status in ("kicked", "left")
        if author.chat_type != "private":
            return Incoming(author, "other", other="bot_removed" if removed else "bot_added")
        return Incoming(author, "other", other="blocked" if removed else "unblocked")
    if update.callback_query is not None:
        query = update.callback_query
        ref = codec.decode(query.data)
        message_id = query.message.message_id if query.message else None
        if ref is None:
            return Incoming(
                author, "invalid_button", update_id=update.update_id, message_id=message_id
            )
        return Incoming(
            author, "button", button=ref, update_id=update.update_id, message_id=message_id
        )
    if update.edited_message is not None:
        text = update.edited_message.text or update.edited_message.caption or ""
        return Incoming(author, "other", text=text, other="edited", update_id=update.update_id)
    message = update.message
    if message is None:
        return None
    if message.migrate_to_chat_id or message.migrate_from_chat_id:
        return _chat_move(author, message, update.update_id)
    if message.text is not None:
        return _text(author, message, update.update_id)
    caption = message.caption or ""
    return Incoming(
        author, "other", text=caption, other=_media_kind(message), update_id=update.update_id
    )


def _text(author: Author, message: Message, update_id: int) -> Incoming:
    text = message.text or ""
    entity = message.entities[0] if message.entities else None
    if entity is not None and entity.type == "bot_command" and entity.offset == 0:
        command = text[1 : entity.length].split("@")[0].lower()
        args = text[entity.length :].strip()
        return Incoming(
            author, "command", text=text, command=command, args=args, update_id=update_id
        )
    return Incoming(author, "text", text=text, update_id=update_id, message_id=message.message_id)


def _chat_move(author: Author, message: Message, update_id: int) -> Incoming:
    """The service messages of a group's upgrade to a supergroup: ``migrate_to_chat_id`` in
    the old group, ``migrate_from_chat_id`` in the new one. Both say the same move."""
    if message.migrate_to_chat_id:
        move = (author.chat_id, int(message.migrate_to_chat_id))
    else:
        move = (int(message.migrate_from_chat_id or 0), author.chat_id)
    return Incoming(author, "other", other="chat_moved", update_id=update_id, chat_move=move)

"""The Bot API methods themselves: what each call does to the fake Telegram state.

Why separate from the HTTP layer: these are the semantics tests rely on (message ids per chat,
``offset`` confirmation, long polling, "message is not modified", who may be messaged), kept
apart from request decoding, fault injection and the test-facing helpers in ``server.py``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Any

from tests.fakeapi.markup import (
    MAX_CAPTION,
    MAX_TEXT,
    format_text,
    parse_reply_markup,
)
from tests.fakeapi.models import (
    ApiError,
    PressedButton,
    SentMessage,
    Signal,
    UploadedFile,
    bad_request,
)
from tests.fakeapi.state import (
    BOT_COMMAND_NAME,
    CONFLICT_POLL,
    MEDIA_DEFAULTS,
    MEDIA_METHODS,
    NOT_DELIVERED_BY_DEFAULT,
    SETTINGS_METHODS,
    ChatState,
    PollState,
    StoredFile,
    now,
    png_size,
)
from tests.fakeapi.webhook import WebhookPusher, WebhookTiming


class BotApiMethods:
    """Telegram's side of the conversation: chats, the update queue, files, and one Python
    method per Bot API method (``_method_table``). ``FakeBotApi`` serves these over HTTP."""

    def __init__(
        self, bot_user: dict[str, Any], *, strict_chats: bool, webhook_timing: WebhookTiming
    ) -> None:
        self.bot_user = bot_user
        self.strict_chats = strict_chats
        self.bot_settings: dict[str, dict[str, Any]] = {}
        self.dropped_updates: list[dict[str, Any]] = []

        self._closing = asyncio.Event()
        self._changed = Signal()
        self._sent: list[SentMessage] = []
        self._chats: dict[int, ChatState] = {}
        self._users: dict[int, dict[str, Any]] = {}

        self._updates: deque[tuple[int, dict[str, Any]]] = deque()
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] | None = None
        self._updates_signal = Signal()
        self._active_poll: PollState | None = None
        self._poll_waiting = False
        self._webhook: dict[str, Any] = {}
        self._pusher = WebhookPusher(self._updates, self._changed.fire, webhook_timing)

        self._queries: dict[str, PressedButton] = {}
        self._query_answers: dict[str, dict[str, Any]] = {}
        self._query_ids = itertools.count(4_000_000_000_001)
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_seq = itertools.count(1)
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._methods: dict[str, Callable[[dict[str, Any]], Any]] = self._method_table()

    @property
    def bot_id(self) -> int:
        """The bot's user id (what ``getMe`` returns)."""
        return int(self.bot_user["id"])

    def queue_update(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue a raw update ``{"update_id": ..., kind: payload}``; return its id.

        The escape hatch for update types the helpers do not build. Types excluded by the
        current ``allowed_updates`` are not queued (Telegram never creates them); they land
        in ``dropped_updates``."""
        update_id = self._next_update_id
        self._next_update_id += 1
        update = {"update_id": update_id, kind: payload}
        allowed = self._allowed_updates
        if (kind in NOT_DELIVERED_BY_DEFAULT) if allowed is None else (kind not in allowed):
            self.dropped_updates.append(update)
            return update_id
        self._updates.append((update_id, update))
        self._updates_signal.fire()
        self._pusher.wake()
        self._changed.fire()
        return update_id

    # ------------------------------------------------------------------ method table

    def _method_table(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        table: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "sendLocation": self._send_location,
            "sendContact": self._send_contact,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getChatMemberCount": self._get_chat_member_count,
            "getFile": self._get_file,
            "getMyName": partial(self._get_setting, "setMyName", "name"),
            "getMyDescription": partial(self._get_setting, "setMyDescription", "description"),
            "getMyShortDescription": partial(
                self._get_setting, "setMyShortDescription", "short_description"
            ),
        }
        for method in MEDIA_METHODS:
            table[method] = partial(self._send_media, method)
        for method in SETTINGS_METHODS:
            table[method] = partial(self._remember_setting, method)
        return table

    def _get_setting(self, method: str, key: str, p: dict[str, Any]) -> dict[str, str]:
        return {key: str(self.bot_settings.get(method, {}).get(key, ""))}

    def _remember_setting(self, method: str, params: dict[str, Any]) -> bool:
        self.bot_settings[method] = params
        return True

    # ------------------------------------------------------------------ updates

    async def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        if self._webhook.get("url"):
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None
        offset = p.get("offset")
        if isinstance(offset, int) and offset != 0:
            self._confirm(offset)
        limit = p.get("limit", 100)
        limit = min(max(limit if isinstance(limit, int) else 100, 1), 100)
        timeout = p.get("timeout", 0)
        timeout = float(timeout) if isinstance(timeout, int | float) else 0.0

        if self._active_poll is not None:
            self._active_poll.superseded = True
            self._updates_signal.fire()
        poll = PollState()
        self._active_poll = poll
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while True:
                if poll.superseded:
                    raise ApiError(409, CONFLICT_POLL)
                if self._updates or self._closing.is_set():
                    return [u for _, u in itertools.islice(self._updates, limit)]
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return []
                if not self._poll_waiting:
                    self._poll_waiting = True
                    self._changed.fire()
                await self._updates_signal.wait(remaining)
        finally:
            if self._active_poll is poll:
                self._active_poll = None
                self._poll_waiting = False

    def _confirm(self, offset: int) -> None:
        updates = self._updates
        if offset < 0:
            while len(updates) > -offset:
                updates.popleft()
        else:
            while updates and updates[0][0] < offset:
                updates.popleft()
        self._changed.fire()

    def _set_webhook(self, p: dict[str, Any]) -> bool:
        url = p.get("url")
        if not isinstance(url, str):
            raise bad_request("bad webhook: URL is empty")
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {k: v for k, v in p.items() if k != "certificate"} if url else {}
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None
        secret = p.get("secret_token")
        connections = p.get("max_connections")
        self._pusher.configure(
            url,
            secret if isinstance(secret, str) else None,
            connections if isinstance(connections, int) else None,
        )
        return True

    def _delete_webhook(self, p: dict[str, Any]) -> bool:
        if p.get("drop_pending_updates"):
            self._updates.clear()
            self._changed.fire()
        self._webhook = {}
        self._pusher.configure("", None, None)
        return True

    def _get_webhook_info(self, p: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook:
            info["max_connections"] = self._webhook.get("max_connections", 40)
        if self._pusher.last_error_date is not None:
            info["last_error_date"] = self._pusher.last_error_date
            info["last_error_message"] = self._pusher.last_error_message
        if self._allowed_updates is not None:
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    # ------------------------------------------------------------------ bot & commands

    def _get_me(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    @staticmethod
    def _scope_key(scope: object) -> str:
        if not isinstance(scope, dict):
            scope = {"type": "default"}
        return json.dumps(scope, sort_keys=True)

    def _set_my_commands(self, p: dict[str, Any]) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            if not isinstance(name, str) or not BOT_COMMAND_NAME.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        language = p.get("language_code") or ""
        self._commands[(self._scope_key(p.get("scope")), str(language))] = commands
        return True

    def _get_my_commands(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        language = str(p.get("language_code") or "")
        return self._commands.get((self._scope_key(p.get("scope")), language), [])

    def _delete_my_commands(self, p: dict[str, Any]) -> bool:
        language = str(p.get("language_code") or "")
        self._commands.pop((self._scope_key(p.get("scope")), language), None)
        return True

    # ------------------------------------------------------------------ chats

    def _require_chat(self, chat_id: int) -> ChatState:
        """The chat a test names (block, kick...): declaring it makes it exist."""
        return self._chats.get(chat_id) or self._auto_chat(chat_id)

    def _target_chat(self, p: dict[str, Any], key: str = "chat_id") -> ChatState:
        """The chat a sending method addresses, with Telegram's refusals."""
        chat_id = p.get(key)
        if chat_id is None or chat_id == "":
            raise bad_request(f"{key} is empty")
        chat: ChatState | None = None
        if isinstance(chat_id, int):
            chat = self._chats.get(chat_id)
            if chat is None and not self.strict_chats:
                chat = self._auto_chat(chat_id)
        elif isinstance(chat_id, str) and chat_id.startswith("@"):
            wanted = chat_id[1:].lower()
            by_name = (c for c in self._chats.values() if c.chat.get("username") is not None)
            chat = next((c for c in by_name if str(c.chat["username"]).lower() == wanted), None)
        if chat is None:
            raise bad_request("chat not found")
        if chat.type == "private" and not chat.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    def _auto_chat(self, chat_id: int) -> ChatState:
        """With ``strict_chats=False``, any addressed chat exists: a user who already wrote
        (positive id) or a supergroup the bot administers (negative id)."""
        if chat_id > 0:
            user = self._user_dict(chat_id, f"User{chat_id}")
            chat = ChatState(
                chat={"id": chat_id, "type": "private", "first_name": user["first_name"]}
            )
            chat.members[chat_id] = "member"
        else:
            chat_dict = {"id": chat_id, "type": "supergroup", "title": f"Chat {chat_id}"}
            chat = ChatState(chat=chat_dict, bot_status="administrator")
        self._chats[chat_id] = chat
        return chat

    def _user_dict(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> dict[str, Any]:
        user = self._users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": first_name}
            if last_name:
                user["last_name"] = last_name
            if username:
                user["username"] = username
            if language_code:
                user["language_code"] = language_code
            self._users[user_id] = user
        return user

    def _get_chat(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = p.get("chat_id")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        return {
            **chat.chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _member_dict(self, chat: ChatState, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_id:
            user, status = self.bot_user, chat.bot_status
        else:
            user = self._users.get(user_id) or {
                "id": user_id,
                "is_bot": False,
                "first_name": f"User{user_id}",
            }
            status = chat.members.get(user_id, "left")
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "administrator":
            rights = dict.fromkeys(
                (
                    "can_manage_chat",
                    "can_delete_messages",
                    "can_manage_video_chats",
                    "can_restrict_members",
                    "can_change_info",
                    "can_invite_users",
                    "can_post_stories",
                    "can_edit_stories",
                    "can_delete_stories",
                    "can_pin_messages",
                ),
                True,
            )
            return {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_promote_members": False,
                **rights,
            }
        if status == "kicked":
            return {"status": "kicked", "user": user, "until_date": 0}
        return {"status": status if status in ("member", "left") else "member", "user": user}

    def _get_chat_member(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._get_known_chat(p)
        user_id = p.get("user_id")
        if not isinstance(user_id, int):
            raise bad_request("invalid user_id specified")
        return self._member_dict(chat, user_id)

    def _get_chat_administrators(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        chat = self._get_known_chat(p)
        ids = [uid for uid, st in chat.members.items() if st in ("creator", "administrator")]
        if chat.bot_status == "administrator":
            ids.append(self.bot_id)
        return [self._member_dict(chat, uid) for uid in ids]

    def _get_chat_member_count(self, p: dict[str, Any]) -> int:
        chat = self._get_known_chat(p)
        return sum(1 for st in chat.members.values() if st not in ("left", "kicked")) + 1

    def _get_known_chat(self, p: dict[str, Any]) -> ChatState:
        chat_id = p.get("chat_id")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _queue_my_chat_member(self, chat: ChatState, old: str, new: str) -> None:
        actor = self._users.get(chat.id) if chat.type == "private" else None
        self.queue_update(
            "my_chat_member",
            {
                "chat": chat.chat,
                "from": actor or self.bot_user,
                "date": now(),
                "old_chat_member": self._status_dict(old),
                "new_chat_member": self._status_dict(new),
            },
        )

    def _status_dict(self, status: str) -> dict[str, Any]:
        fake = ChatState(chat={"id": 0, "type": "private"}, bot_status=status)
        return self._member_dict(fake, self.bot_id)

    # ------------------------------------------------------------------ sending

    def _reply_target(self, chat: ChatState, p: dict[str, Any]) -> dict[str, Any] | None:
        params = p.get("reply_parameters")
        if isinstance(params, dict):
            target, lenient = params.get("message_id"), params.get("allow_sending_without_reply")
        else:
            target, lenient = p.get("reply_to_message_id"), p.get("allow_sending_without_reply")
        if target is None:
            return None
        message = chat.messages.get(target) if isinstance(target, int) else None
        if message is None:
            if lenient:
                return None
            raise bad_request("message to be replied not found")
        return {k: v for k, v in message.items() if k != "reply_to_message"}

    def _deliver(
        self,
        chat: ChatState,
        method: str,
        p: dict[str, Any],
        content: dict[str, Any],
        *,
        text: str | None,
        raw_text: str | None,
        entities: list[dict[str, Any]],
        media_type: str | None = None,
        upload: UploadedFile | None = None,
    ) -> dict[str, Any]:
        """Create a bot message in ``chat``, record its snapshot and return its JSON."""
        markup, buttons, keyboard, removes = parse_reply_markup(p.get("reply_markup"))
        reply_to = self._reply_target(chat, p)
        message_id = chat.take_message_id()
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": chat.chat,
            "date": now(),
            **content,
        }
        if chat.type == "channel":
            message.pop("from")
            message["sender_chat"] = chat.chat
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if buttons:
            message["reply_markup"] = markup
        chat.messages[message_id] = message
        if keyboard is not None and markup is not None:
            chat.reply_keyboard = markup["keyboard"]
            chat.one_time_keyboard = bool(markup.get("one_time_keyboard"))
        elif removes:
            chat.reply_keyboard = None
        self._snapshot(
            chat,
            SentMessage(
                chat_id=chat.id,
                message_id=message_id,
                method=method,
                text=text,
                raw_text=raw_text,
                parse_mode=p.get("parse_mode"),
                entities=entities,
                buttons=buttons,
                keyboard=keyboard,
                reply_markup=markup,
                media_type=media_type,
                file=upload,
                date=message["date"],
                raw=message,
            ),
        )
        return message

    def _snapshot(self, chat: ChatState, snapshot: SentMessage) -> None:
        chat.timeline.append(snapshot)
        chat.current[snapshot.message_id] = snapshot
        self._sent.append(snapshot)
        chat.signal.fire()

    def _send_message(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat(p)
        raw = p.get("text")
        plain, entities = format_text(raw, p.get("parse_mode"), p.get("entities"), limit=MAX_TEXT)
        content: dict[str, Any] = {"text": plain}
        if entities:
            content["entities"] = entities
        return self._deliver(
            chat, "sendMessage", p, content, text=plain, raw_text=str(raw), entities=entities
        )

    def _store_file(
        self, kind: str, upload: UploadedFile | None, extension: str = "bin"
    ) -> StoredFile:
        seq = next(self._file_seq)
        stored = StoredFile(
            file_id=f"fake-{kind}-{seq}",
            unique_id=f"u{kind[:2]}{seq}",
            path=f"{kind}s/file_{seq}.{extension}",
            upload=upload,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.path] = stored
        return stored

    def _media_input(self, kind: str, value: object) -> tuple[StoredFile, UploadedFile | None]:
        if isinstance(value, UploadedFile):
            name = value.filename or ""
            extension = name.rsplit(".", 1)[-1] if "." in name else "bin"
            return self._store_file(kind, value, extension), value
        if isinstance(value, str) and value:
            known = self._files.get(value)
            if known is not None:
                return known, known.upload
            if value.startswith(("http://", "https://")):
                return self._store_file(kind, None), None
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _media_object(
        self, kind: str, stored: StoredFile, upload: UploadedFile | None, p: dict[str, Any]
    ) -> Any:
        size = len(upload.data) if upload else 0
        base: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.unique_id}
        if size:
            base["file_size"] = size
        if kind == "photo":
            width, height = (png_size(upload.data) if upload else None) or (800, 600)
            thumb = self._files.get(stored.file_id + "-s") or self._store_thumb(stored)
            scale = min(1.0, 90 / max(width, height, 1))
            return [
                {
                    "file_id": thumb.file_id,
                    "file_unique_id": thumb.unique_id,
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                },
                {**base, "width": width, "height": height},
            ]
        result = {**MEDIA_DEFAULTS[kind], **base}
        for key in ("duration", "width", "height", "length"):
            if isinstance(p.get(key), int) and key in result:
                result[key] = p[key]
        if upload is not None:
            if kind in ("document", "audio", "video", "animation") and upload.filename:
                result["file_name"] = upload.filename
            if upload.content_type and kind != "sticker":
                result["mime_type"] = upload.content_type
        return result

    def _store_thumb(self, stored: StoredFile) -> StoredFile:
        thumb = StoredFile(
            file_id=stored.file_id + "-s",
            unique_id=stored.unique_id + "s",
            path=stored.path + ".thumb",
            upload=stored.upload,
        )
        self._files[thumb.file_id] = thumb
        self._files_by_path[thumb.path] = thumb
        return thumb

    def _send_media(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        kind = MEDIA_METHODS[method]
        chat = self._target_chat(p)
        if kind not in p:
            raise bad_request(f"there is no {kind.replace('_', ' ')} in the request")
        stored, upload = self._media_input(kind, p[kind])
        content: dict[str, Any] = {kind: self._media_object(kind, stored, upload, p)}
        caption: str | None = None
        entities: list[dict[str, Any]] = []
        if p.get("caption") and kind not in ("sticker", "video_note"):
            caption, entities = format_text(
                p["caption"],
                p.get("parse_mode"),
                p.get("caption_entities"),
                limit=MAX_CAPTION,
                what="caption",
                allow_empty=True,
            )
            content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
        if kind == "sticker" and isinstance(p.get("emoji"), str):
            content["sticker"]["emoji"] = p["emoji"]
        return self._deliver(
            chat,
            method,
            p,
            content,
            text=caption,
            raw_text=p.get("caption"),
            entities=entities,
            media_type=kind,
            upload=upload,
        )

    def _send_location(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat(p)
        lat, lon = p.get("latitude"), p.get("longitude")
        if not isinstance(lat, int | float) or not isinstance(lon, int | float):
            raise bad_request("wrong latitude/longitude")
        content = {"location": {"latitude": lat, "longitude": lon}}
        return self._deliver(
            chat,
            "sendLocation",
            p,
            content,
            text=None,
            raw_text=None,
            entities=[],
            media_type="location",
        )

    def _send_contact(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat(p)
        phone, name = p.get("phone_number"), p.get("first_name")
        if not phone or not name:
            raise bad_request("phone_number and first_name are required")
        contact = {"phone_number": phone, "first_name": name}
        if p.get("last_name"):
            contact["last_name"] = p["last_name"]
        return self._deliver(
            chat,
            "sendContact",
            p,
            {"contact": contact},
            text=None,
            raw_text=None,
            entities=[],
            media_type="contact",
        )

    def _copy_content(self, source: dict[str, Any]) -> dict[str, Any]:
        keys = (
            "text",
            "entities",
            "caption",
            "caption_entities",
            "photo",
            "document",
            "audio",
            "video",
            "animation",
            "voice",
            "video_note",
            "sticker",
            "location",
            "contact",
        )
        return {k: source[k] for k in keys if k in source}

    def _source_message(self, p: dict[str, Any]) -> dict[str, Any]:
        source_chat = self._target_chat(p, "from_chat_id")
        message_id = p.get("message_id")
        source = source_chat.messages.get(message_id) if isinstance(message_id, int) else None
        if source is None:
            raise bad_request("message to copy not found")
        return source

    def _copy_message(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat(p)
        source = self._source_message(p)
        content = self._copy_content(source)
        if "caption" in p:
            content["caption"] = p["caption"]
        message = self._deliver_copy(chat, "copyMessage", p, content)
        return {"message_id": message["message_id"]}

    def _forward_message(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat(p)
        source = self._source_message(p)
        content = self._copy_content(source)
        if "from" in source:
            origin = {"type": "user", "sender_user": source["from"], "date": source["date"]}
        else:
            origin = {
                "type": "channel",
                "chat": source["chat"],
                "message_id": source["message_id"],
                "date": source["date"],
            }
        content["forward_origin"] = origin
        return self._deliver_copy(chat, "forwardMessage", p, content)

    def _deliver_copy(
        self, chat: ChatState, method: str, p: dict[str, Any], content: dict[str, Any]
    ) -> dict[str, Any]:
        media_type = next((k for k in MEDIA_DEFAULTS if k in content), None)
        if "photo" in content:
            media_type = "photo"
        upload = None
        if media_type is not None:
            media = content[media_type]
            file_id = (media[-1] if isinstance(media, list) else media)["file_id"]
            stored = self._files.get(file_id)
            upload = stored.upload if stored else None
        text = content.get("text", content.get("caption"))
        return self._deliver(
            chat,
            method,
            p,
            content,
            text=text,
            raw_text=text,
            entities=content.get("entities", content.get("caption_entities", [])),
            media_type=media_type,
            upload=upload,
        )

    def _send_chat_action(self, p: dict[str, Any]) -> bool:
        self._target_chat(p)
        if not isinstance(p.get("action"), str):
            raise bad_request("wrong parameter action in request")
        return True

    # ------------------------------------------------------------------ editing

    def _editable(self, p: dict[str, Any]) -> tuple[ChatState, dict[str, Any], SentMessage]:
        if p.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the fake API")
        chat = self._target_chat(p)
        message_id = p.get("message_id")
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None:
            raise bad_request("message to edit not found")
        current = chat.current.get(message["message_id"])
        if current is None:
            raise bad_request("message can't be edited")
        return chat, message, current

    def _edited(
        self,
        chat: ChatState,
        message: dict[str, Any],
        current: SentMessage,
        method: str,
        p: dict[str, Any],
        *,
        updates: dict[str, Any],
        drop: tuple[str, ...],
        text: str | None,
        raw_text: str | None,
        entities: list[dict[str, Any]],
    ) -> dict[str, Any]:
        markup, buttons, _keyboard, _removes = parse_reply_markup(p.get("reply_markup"))
        if markup is not None and not buttons and "inline_keyboard" not in markup:
            raise bad_request("reply markup must be an inline keyboard")
        new = {k: v for k, v in message.items() if k not in drop and k != "reply_markup"}
        new.update(updates)
        if buttons:
            new["reply_markup"] = markup
        old_view = {k: v for k, v in message.items() if k not in ("edit_date",)}
        new_view = {k: v for k, v in new.items() if k not in ("edit_date",)}
        if old_view == new_view:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a content and reply markup of the current message"
            )
        new["edit_date"] = now()
        chat.messages[message["message_id"]] = new
        self._snapshot(
            chat,
            SentMessage(
                chat_id=chat.id,
                message_id=message["message_id"],
                method=method,
                text=text,
                raw_text=raw_text,
                parse_mode=p.get("parse_mode", current.parse_mode),
                entities=entities,
                buttons=buttons,
                keyboard=None,
                reply_markup=markup if buttons else None,
                media_type=current.media_type,
                file=current.file,
                edited=True,
                date=current.date,
                raw=new,
            ),
        )
        return new

    def _edit_message_text(self, p: dict[str, Any]) -> dict[str, Any]:
        chat, message, current = self._editable(p)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        raw = p.get("text")
        plain, entities = format_text(raw, p.get("parse_mode"), p.get("entities"), limit=MAX_TEXT)
        updates: dict[str, Any] = {"text": plain}
        if entities:
            updates["entities"] = entities
        return self._edited(
            chat,
            message,
            current,
            "editMessageText",
            p,
            updates=updates,
            drop=("text", "entities"),
            text=plain,
            raw_text=str(raw),
            entities=entities,
        )

    def _edit_message_caption(self, p: dict[str, Any]) -> dict[str, Any]:
        chat, message, current = self._editable(p)
        if current.media_type is None:
            raise bad_request("there is no caption in the message to edit")
        raw = p.get("caption")
        plain, entities = format_text(
            raw,
            p.get("parse_mode"),
            p.get("caption_entities"),
            limit=MAX_CAPTION,
            what="caption",
            allow_empty=True,
        )
        updates: dict[str, Any] = {"caption": plain} if plain else {}
        if entities:
            updates["caption_entities"] = entities
        return self._edited(
            chat,
            message,
            current,
            "editMessageCaption",
            p,
            updates=updates,
            drop=("caption", "caption_entities"),
            text=plain or None,
            raw_text=raw if isinstance(raw, str) else None,
            entities=entities,
        )

    def _edit_message_reply_markup(self, p: dict[str, Any]) -> dict[str, Any]:
        chat, message, current = self._editable(p)
        return self._edited(
            chat,
            message,
            current,
            "editMessageReplyMarkup",
            p,
            updates={},
            drop=(),
            text=current.text,
            raw_text=current.raw_text,
            entities=current.entities,
        )

    def _delete_message(self, p: dict[str, Any]) -> bool:
        chat = self._target_chat(p)
        message_id = p.get("message_id")
        if not isinstance(message_id, int) or message_id not in chat.messages:
            raise bad_request("message to delete not found")
        del chat.messages[message_id]
        chat.deleted.add(message_id)
        chat.signal.fire()
        return True

    def _delete_messages(self, p: dict[str, Any]) -> bool:
        chat = self._target_chat(p)
        ids = p.get("message_ids")
        if not isinstance(ids, list) or not ids:
            raise bad_request("message_ids is empty")
        for message_id in ids:
            if isinstance(message_id, int) and chat.messages.pop(message_id, None) is not None:
                chat.deleted.add(message_id)
        chat.signal.fire()
        return True

    # ------------------------------------------------------------------ callbacks & files

    def _answer_callback_query(self, p: dict[str, Any]) -> bool:
        query_id = p.get("callback_query_id")
        if not isinstance(query_id, str) or query_id not in self._queries:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if query_id in self._query_answers:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = p.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._query_answers[query_id] = p
        return True

    def _get_file(self, p: dict[str, Any]) -> dict[str, Any]:
        file_id = p.get("file_id")
        stored = self._files.get(file_id) if isinstance(file_id, str) else None
        if stored is None:
            raise bad_request("invalid file_id")
        result: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_path": stored.path,
        }
        if stored.upload is not None:
            result["file_size"] = len(stored.upload.data)
        return result

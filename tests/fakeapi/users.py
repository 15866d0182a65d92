"""Simulated people: users in private chats, staff in groups. Scenario tests drive these.

Why: end-to-end tests should read like the conversation they check ("she sends /start, the bot
answers, she presses Так"), not like JSON plumbing. Each actor queues the update Telegram would
send and reads the bot's messages in its chat through a cursor, so ``wait_reply()`` always
means "the next bot message I have not looked at yet".
"""

# The wait helpers take ``timeout=`` on purpose (ASYNC109): a scenario test reads better as
# ``await user.wait_reply(timeout=2)`` than wrapped in ``asyncio.timeout``, and the helpers
# turn expiry into a TimeoutError that describes what the server saw.
# ruff: noqa: ASYNC109

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.fakeapi.markup import text_content
from tests.fakeapi.models import PressedButton, SentMessage, UserMessage

if TYPE_CHECKING:
    from tests.fakeapi.server import FakeBotApi
    from tests.fakeapi.state import ChatState

# A 1x1 PNG: the default picture a simulated user sends.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class ChatView:
    """Reads the bot's messages in one chat, with a private read cursor.

    ``messages`` is everything the bot sent or edited there; ``wait_reply`` / ``wait_for_text``
    consume messages after the cursor. Acting (send, press...) moves the cursor to the end, so
    a wait after an action only sees the bot's reaction to it."""

    def __init__(self, api: FakeBotApi, chat: ChatState) -> None:
        self._api = api
        self._chat = chat
        self._cursor = 0

    @property
    def chat_id(self) -> int:
        """This chat's id."""
        return self._chat.id

    @property
    def chat_state(self) -> ChatState:
        """The server's record of this chat (for advanced assertions)."""
        return self._chat

    @property
    def messages(self) -> list[SentMessage]:
        """Bot messages in this chat: one snapshot per send or edit, oldest first."""
        return list(self._chat.timeline)

    @property
    def last_message(self) -> SentMessage | None:
        """The bot's most recent send or edit here, or ``None``."""
        timeline = self._chat.timeline
        return timeline[-1] if timeline else None

    @property
    def visible_messages(self) -> list[SentMessage]:
        """What the chat shows now: the current version of each bot message not deleted."""
        chat = self._chat
        return [snap for mid, snap in sorted(chat.current.items()) if mid not in chat.deleted]

    @property
    def unread(self) -> list[SentMessage]:
        """Bot messages after the read cursor."""
        return self._chat.timeline[self._cursor :]

    def mark_read(self) -> None:
        """Move the read cursor to the end (ignore everything the bot sent so far)."""
        self._cursor = len(self._chat.timeline)

    async def wait_replies(self, count: int, timeout: float = 5) -> list[SentMessage]:
        """Wait for ``count`` unread bot messages (sends or edits); consume and return them."""
        timeline = self._chat.timeline
        await self._chat.signal.wait_until(
            lambda: len(timeline) - self._cursor >= count,
            timeout,
            lambda: self._describe(f"{count} repl{'y' if count == 1 else 'ies'}"),
        )
        replies = timeline[self._cursor : self._cursor + count]
        self._cursor += count
        return replies

    async def wait_reply(self, count: int = 1, timeout: float = 5) -> SentMessage:
        """Wait for ``count`` unread bot messages, consume them and return the last one."""
        return (await self.wait_replies(count, timeout))[-1]

    async def wait_for_text(self, substring: str, timeout: float = 5) -> SentMessage:
        """Wait for an unread bot message whose text (or caption) contains ``substring``.

        Messages before it are consumed too; returns the matching one."""
        timeline = self._chat.timeline
        scanned = self._cursor

        def find() -> SentMessage | None:
            nonlocal scanned
            while scanned < len(timeline):
                snap = timeline[scanned]
                scanned += 1
                if snap.text is not None and substring in snap.text:
                    self._cursor = scanned
                    return snap
            return None

        return await self._chat.signal.wait_until(
            find, timeout, lambda: self._describe(f"a message containing {substring!r}")
        )

    def _describe(self, wanted: str) -> str:
        chat = self._chat
        seen = "\n".join(f"  {snap}" for snap in chat.timeline[-8:]) or "  (none)"
        return (
            f"chat {chat.id}: timed out waiting for {wanted}; read cursor at "
            f"{self._cursor} of {len(chat.timeline)}. Last bot messages:\n{seen}\n"
            f"{self._api.describe(8)}"
        )

    def _find_button(self, text: str) -> tuple[SentMessage, str] | None:
        """Newest visible bot message with an inline button labelled ``text`` (exact match
        first, then substring), and that button's callback data. Scans newest first and
        stops at the first hit, so pressing stays cheap in long chats."""
        chat = self._chat
        for exact in (True, False):
            for snap in reversed(chat.timeline):
                if not snap.buttons or chat.current.get(snap.message_id) is not snap:
                    continue
                if snap.message_id in chat.deleted:
                    continue
                for row in snap.buttons:
                    for label, data in row:
                        if (label == text) if exact else (text in label):
                            if data is None:
                                raise LookupError(f"button {label!r} has no callback_data")
                            return snap, data
        return None

    def _visible_buttons(self) -> list[str]:
        labels = [label for snap in self.visible_messages for label in snap.button_texts]
        keyboard = self._chat.reply_keyboard or []
        labels += [_button_text(b) for row in keyboard for b in row]
        return labels


def _button_text(button: Any) -> str:
    return button if isinstance(button, str) else str(button.get("text", ""))


class FakeUser(ChatView):
    """A person talking to the bot in a chat (her private chat, or a group as a member).

    Every action queues the update Telegram would deliver and returns once it is queued."""

    def __init__(self, api: FakeBotApi, user: dict[str, Any], chat: ChatState) -> None:
        super().__init__(api, chat)
        self.user = user

    @property
    def id(self) -> int:
        """Her Telegram user id."""
        return int(self.user["id"])

    @property
    def first_name(self) -> str:
        """Her first name."""
        return str(self.user["first_name"])

    def _post(
        self, content: dict[str, Any], reply_to: int | UserMessage | None = None
    ) -> UserMessage:
        self.mark_read()
        target = reply_to.message_id if isinstance(reply_to, UserMessage) else reply_to
        return self._api._post_message(self._chat, self.user, content, reply_to=target)

    async def send(self, text: str, *, reply_to: int | UserMessage | None = None) -> UserMessage:
        """Send a text message; ``/commands`` get ``bot_command`` entities as on Telegram."""
        return self._post(text_content(text), reply_to)

    async def send_sticker(self, emoji: str = "🙂") -> UserMessage:
        """Send a sticker (something a text-only bot must cope with)."""
        content = self._api._user_media("sticker", b"RIFF-sticker", "sticker.webp", None, {})
        content["sticker"]["emoji"] = emoji
        return self._post(content)

    async def send_photo(self, data: bytes = TINY_PNG, caption: str | None = None) -> UserMessage:
        """Send a photo (downloadable by the bot through ``getFile``)."""
        content = self._api._user_media("photo", data, "photo.png", "image/png", {})
        if caption:
            content["caption"] = caption
        return self._post(content)

    async def send_voice(self, data: bytes = b"OggS-voice", duration: int = 3) -> UserMessage:
        """Send a voice note."""
        content = self._api._user_media(
            "voice", data, "voice.ogg", "audio/ogg", {"duration": duration}
        )
        return self._post(content)

    async def send_document(
        self,
        data: bytes = b"%PDF-1.4 fake",
        filename: str = "document.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
    ) -> UserMessage:
        """Send a file."""
        content = self._api._user_media("document", data, filename, mime_type, {})
        if caption:
            content["caption"] = caption
        return self._post(content)

    async def send_location(
        self, latitude: float = 50.4501, longitude: float = 30.5234
    ) -> UserMessage:
        """Share a location (Kyiv by default)."""
        return self._post({"location": {"latitude": latitude, "longitude": longitude}})

    async def send_contact(self, phone_number: str = "+380501234567") -> UserMessage:
        """Share her own contact, as a ``request_contact`` keyboard button does."""
        contact = {"phone_number": phone_number, "first_name": self.first_name, "user_id": self.id}
        return self._post({"contact": contact})

    async def edit(self, message: UserMessage | int, text: str) -> UserMessage:
        """Edit one of her earlier text messages (an ``edited_message`` update)."""
        self.mark_read()
        message_id = message.message_id if isinstance(message, UserMessage) else message
        return self._api._edit_user_message(self._chat, self.user, message_id, text)

    async def press(self, button_text: str) -> PressedButton | UserMessage:
        """Press a button the bot shows in this chat.

        Inline buttons: the newest visible bot message with that label (exact, else
        substring) gets a ``callback_query`` carrying its callback data → returns
        :class:`PressedButton`. Reply-keyboard buttons: sends the label as a message (or her
        contact for ``request_contact``) → returns :class:`UserMessage`. Raises
        ``LookupError`` listing the visible buttons if there is no such button."""
        found = self._find_button(button_text)
        if found is not None:
            snap, data = found
            self.mark_read()
            return self._api._post_callback(self._chat, self.user, snap.message_id, data)
        keyboard = self._chat.reply_keyboard or []
        for exact in (True, False):
            for row in keyboard:
                for button in row:
                    label = _button_text(button)
                    if (label == button_text) if exact else (button_text in label):
                        if self._chat.one_time_keyboard:
                            self._chat.reply_keyboard = None
                        if isinstance(button, dict) and button.get("request_contact"):
                            return await self.send_contact()
                        return await self.send(label)
        raise LookupError(
            f"no button {button_text!r} in chat {self.chat_id}; "
            f"visible buttons: {self._visible_buttons()}"
        )

    async def press_data(self, message_id: int, data: str) -> PressedButton:
        """Send a callback query with arbitrary data for any message id — a forged, stale or
        replayed button press (deleted/unknown messages arrive as inaccessible)."""
        self.mark_read()
        return self._api._post_callback(self._chat, self.user, message_id, data)


class FakeGroup(ChatView):
    """A group chat with the bot in it (e.g. the clinic staff chat).

    Read the bot's posts with the :class:`ChatView` methods; act through ``member(...)``."""

    def __init__(self, api: FakeBotApi, chat: ChatState) -> None:
        super().__init__(api, chat)
        self._members: dict[int, FakeUser] = {}

    @property
    def title(self) -> str:
        """The group's title."""
        return str(self._chat.chat.get("title", ""))

    def member(
        self,
        user_id: int,
        first_name: str = "Staff",
        *,
        status: str = "member",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "uk",
    ) -> FakeUser:
        """A person in this group (``status``: member, administrator, creator, left, kicked);
        the same object is returned for the same id, with ``status`` updated."""
        self._chat.members[user_id] = status
        if user_id not in self._members:
            user = self._api._user_dict(user_id, first_name, last_name, username, language_code)
            self._members[user_id] = FakeUser(self._api, user, self._chat)
        return self._members[user_id]

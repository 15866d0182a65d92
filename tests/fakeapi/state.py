"""What the fake server knows about chats and files, and the Bot API constants it follows."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakeapi.models import SentMessage, Signal, UploadedFile

DEFAULT_TOKEN = "7000000001:FAKE-token-for-tests"
# Update types Telegram leaves out unless allowed_updates names them explicitly.
NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MEDIA_METHODS = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendAudio": "audio",
    "sendVideo": "video",
    "sendAnimation": "animation",
    "sendVoice": "voice",
    "sendVideoNote": "video_note",
    "sendSticker": "sticker",
}
MEDIA_DEFAULTS: dict[str, dict[str, Any]] = {
    "document": {},
    "audio": {"duration": 0},
    "video": {"width": 640, "height": 360, "duration": 0},
    "animation": {"width": 320, "height": 240, "duration": 0},
    "voice": {"duration": 0},
    "video_note": {"length": 240, "duration": 0},
    "sticker": {
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    },
}
# Settings-only methods: accepted, recorded and remembered in ``api.bot_settings``.
SETTINGS_METHODS = (
    "setMyDescription",
    "setMyShortDescription",
    "setMyName",
    "setChatMenuButton",
    "setMyDefaultAdministratorRights",
    "pinChatMessage",
    "unpinChatMessage",
    "unpinAllChatMessages",
    "setMessageReaction",
    "leaveChat",
    "close",
    "logOut",
)
BOT_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


@dataclass(slots=True)
class ChatState:
    """Everything the server knows about one chat."""

    chat: dict[str, Any]
    next_message_id: int = 1
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    timeline: list[SentMessage] = field(default_factory=list)
    current: dict[int, SentMessage] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    reply_keyboard: list[list[Any]] | None = None
    one_time_keyboard: bool = False
    members: dict[int, str] = field(default_factory=dict)
    bot_status: str = "member"
    blocked: bool = False
    started: bool = True
    migrated_to: int | None = None  # upgraded to a supergroup with this id
    signal: Signal = field(default_factory=Signal)

    @property
    def id(self) -> int:
        """The chat id."""
        return int(self.chat["id"])

    @property
    def type(self) -> str:
        """``private``, ``group``, ``supergroup`` or ``channel``."""
        return str(self.chat["type"])

    def take_message_id(self) -> int:
        """Allocate the next message id; user and bot messages share one sequence per chat."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass(slots=True)
class PollState:
    """One parked ``getUpdates``; a newer poll sets ``superseded`` (Telegram's 409)."""

    superseded: bool = False


@dataclass(slots=True)
class StoredFile:
    """A file known by ``file_id``: what the bot uploaded or a user sent (``upload`` is
    ``None`` for files given by URL, whose content the fake never fetches)."""

    file_id: str
    unique_id: str
    path: str
    upload: UploadedFile | None


def now() -> int:
    """Telegram's ``date``: wall-clock epoch seconds (so time-machine travel shows up)."""
    return int(time.time())


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG header, to report a chart's real dimensions."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None

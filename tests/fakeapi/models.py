"""Plain records the fake Bot API keeps, so tests assert on data rather than on HTTP traffic."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

Button = tuple[str, str | None]
"""An inline button as tests see it: ``(text, callback_data)``; ``callback_data`` is ``None``
for URL and other non-callback buttons."""


class ApiError(Exception):
    """A Bot API error reply. Raised inside method handlers; the server turns it into
    Telegram's ``{"ok": false, ...}`` envelope with the same HTTP status."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def envelope(self) -> dict[str, Any]:
        """The JSON body Telegram would send for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    """``400 Bad Request: <reason>``, the most common Telegram refusal."""
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(slots=True)
class UploadedFile:
    """A file the bot uploaded in a multipart request (or a file a simulated user sent).

    Kept as bytes so tests can compare exactly what the bot produced (a chart, an export)."""

    data: bytes
    filename: str | None = None
    content_type: str | None = None

    def __len__(self) -> int:
        return len(self.data)


@dataclass(slots=True)
class Call:
    """One request the server answered, in completion order.

    Recorded on arrival, in arrival order, so an in-flight call (a parked long poll, a delayed
    send) is already visible with ``status == 0``. ``params`` are decoded: JSON-encoded fields
    (``reply_markup``, ``entities``, numbers...) are Python objects again, uploads are
    :class:`UploadedFile`. ``status`` is then the HTTP status answered (200 on success, 4xx/5xx
    for real and injected errors, 499 when the client hung up before the answer);
    ``client_gone`` is set if the client left before reading it. ``time`` is the wall-clock
    arrival time (``time.time()``)."""

    method: str
    params: dict[str, Any]
    time: float
    status: int = 200
    result: Any = None
    error: str | None = None
    token: str = ""
    client_gone: bool = False

    @property
    def ok(self) -> bool:
        """True if the server answered successfully."""
        return self.status == 200

    @property
    def pending(self) -> bool:
        """True while the server has not answered yet."""
        return self.status == 0

    @property
    def chat_id(self) -> int | str | None:
        """The ``chat_id`` parameter, if the method had one."""
        value = self.params.get("chat_id")
        return value if isinstance(value, int | str) else None


@dataclass(slots=True)
class SentMessage:
    """A snapshot of a bot message as a user would see it after a send or an edit.

    ``api.sent_to(chat)`` lists one snapshot per send *and* per edit, in order, so a
    conversation reads top to bottom; ``edited`` tells the two apart. ``text`` is the visible
    text (markup already stripped, captions included) and ``raw_text`` what the bot sent."""

    chat_id: int
    message_id: int
    method: str
    text: str | None
    raw_text: str | None = None
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)
    keyboard: list[list[str]] | None = None
    reply_markup: dict[str, Any] | None = None
    media_type: str | None = None
    file: UploadedFile | None = None
    edited: bool = False
    date: int = 0
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def photo(self) -> bytes | None:
        """The photo's bytes, when this is a photo message whose content is known."""
        return self.file.data if self.file and self.media_type == "photo" else None

    @property
    def document(self) -> bytes | None:
        """The document's bytes, when this is a document message whose content is known."""
        return self.file.data if self.file and self.media_type == "document" else None

    @property
    def filename(self) -> str | None:
        """The uploaded file's name, if any."""
        return self.file.filename if self.file else None

    @property
    def button_texts(self) -> list[str]:
        """All inline button labels, row by row, flattened."""
        return [text for row in self.buttons for text, _ in row]

    def callback_data(self, button_text: str) -> str | None:
        """The callback data behind the inline button labelled exactly ``button_text``."""
        for row in self.buttons:
            for text, data in row:
                if text == button_text:
                    return data
        raise KeyError(f"no button {button_text!r}; buttons: {self.button_texts}")

    def __str__(self) -> str:
        flag = " (edited)" if self.edited else ""
        buttons = f" {self.button_texts}" if self.buttons else ""
        return f"#{self.message_id}{flag}: {self.text!r}{buttons}"


@dataclass(slots=True)
class UserMessage:
    """What a simulated user (or a channel) posted: the queued update and its message."""

    update_id: int
    chat_id: int
    message_id: int
    data: dict[str, Any]

    @property
    def text(self) -> str | None:
        """The message text, if it is a text message."""
        value = self.data.get("text")
        return value if isinstance(value, str) else None


@dataclass(slots=True)
class PressedButton:
    """A queued callback query: returned by ``press``/``press_data`` so a test can wait for the
    bot's ``answerCallbackQuery`` with ``api.wait_callback_answer(pressed.query_id)``."""

    update_id: int
    query_id: str
    chat_id: int
    message_id: int
    data: str


class Signal:
    """Wakes every waiter when something changes, so tests wait on events, not on sleeps.

    A fresh future per "generation": ``fire()`` resolves it, waiters re-check their predicate.
    Cheaper than ``asyncio.Condition`` (no lock) and safe to fire from sync code."""

    __slots__ = ("_future",)

    def __init__(self) -> None:
        self._future: asyncio.Future[None] | None = None

    def fire(self) -> None:
        """Wake everyone currently waiting."""
        future = self._future
        if future is not None:
            self._future = None
            if not future.done():
                future.set_result(None)

    async def wait(self, within: float) -> None:
        """Wait until the next ``fire()`` or ``within`` seconds, whichever is first."""
        if self._future is None or self._future.done():
            self._future = asyncio.get_running_loop().create_future()
        await asyncio.wait((self._future,), timeout=max(within, 0))

    async def wait_until(
        self, predicate: Callable[[], T | None], within: float, describe: Callable[[], str]
    ) -> T:
        """Return the first truthy ``predicate()``; re-checked after each ``fire()``.

        ``within`` (seconds) is only a safety net: on expiry raise :class:`TimeoutError` with
        ``describe()`` so a failing test says what the server saw instead of just hanging."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(describe())
            await self.wait(remaining)

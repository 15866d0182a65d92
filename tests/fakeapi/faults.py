"""Injected failures and Telegram's flood limits, so tests can prove the bot survives them.

Why: a real bot meets 429 flood waits, 5xx hiccups, blocked users and slow answers; each has a
distinct correct reaction (wait ``retry_after``, retry, stop messaging, don't double-send). The
rules here are consulted by the server before a method runs.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from tests.fakeapi.models import ApiError

# Methods that post or change a message, i.e. what Telegram's flood limits and blocks apply to.
MESSAGE_METHOD_PREFIXES = ("send", "edit", "copy", "forward")
NOT_RATE_LIMITED = frozenset({"sendChatAction"})

DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    420: "Flood",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def is_message_method(method: str) -> bool:
    """True for methods that deliver or change a message in a chat."""
    return method.startswith(MESSAGE_METHOD_PREFIXES) and method not in NOT_RATE_LIMITED


def too_many_requests(retry_after: float) -> ApiError:
    """Telegram's flood-wait error; PTB turns it into ``RetryAfter``."""
    value: float | int = int(retry_after) if float(retry_after).is_integer() else retry_after
    return ApiError(
        429, f"Too Many Requests: retry after {value}", parameters={"retry_after": value}
    )


@dataclass(slots=True)
class FaultRule:
    """One injected fault: applies to matching calls until ``times`` runs out.

    ``method=None`` matches every method except ``getUpdates`` (so a blanket fault does not
    stall polling; name ``getUpdates`` explicitly to fault it). ``times=None`` never runs out.
    ``kind`` is ``"error"`` (``status``/``description``/``retry_after``/``parameters``),
    ``"delay"`` (``seconds``; ``after=True`` processes the call first and only delays the
    answer) or ``"reset"`` (the connection is dropped without an answer)."""

    kind: str
    method: str | None
    chat_id: int | str | None = None
    times: int | None = 1
    status: int = 500
    description: str | None = None
    retry_after: float | None = None
    seconds: float = 0.0
    after: bool = False
    parameters: dict[str, Any] | None = None
    hits: int = 0

    def matches(self, method: str, chat_id: object) -> bool:
        """Whether this rule applies to a call (does not consume it)."""
        if self.times is not None and self.times <= 0:
            return False
        if self.method is None:
            if method == "getUpdates":
                return False
        elif self.method != method:
            return False
        return self.chat_id is None or self.chat_id == chat_id

    def consume(self) -> None:
        """Count one use."""
        self.hits += 1
        if self.times is not None:
            self.times -= 1

    def error(self) -> ApiError:
        """The error this rule answers with."""
        if self.retry_after is not None:
            return too_many_requests(self.retry_after)
        description = self.description or DEFAULT_DESCRIPTIONS.get(self.status, "Error")
        return ApiError(self.status, description, self.parameters)


@dataclass(slots=True)
class FaultBook:
    """The active fault rules, matched in the order they were added."""

    rules: list[FaultRule] = field(default_factory=list)

    def add(self, rule: FaultRule) -> FaultRule:
        """Register a rule and return it (tests may inspect ``rule.hits``)."""
        self.rules.append(rule)
        return rule

    def take(self, method: str, chat_id: object) -> FaultRule | None:
        """Consume and return the first live rule matching the call.

        One rule per call, first added first: ``inject_error(times=1)`` then ``delay(...)``
        faults the next call with the error and the one after with the delay."""
        if not self.rules:
            return None
        for rule in self.rules:
            if rule.matches(method, chat_id):
                rule.consume()
                return rule
        return None

    def clear(self) -> None:
        """Drop every rule."""
        self.rules.clear()


@dataclass(slots=True)
class _Window:
    """Timestamps of accepted calls within the last ``span`` seconds."""

    limit: int
    span: float
    stamps: deque[float] = field(default_factory=deque)

    def retry_after(self, now: float) -> float | None:
        """Seconds to wait if one more call now would exceed the limit, else ``None``."""
        stamps = self.stamps
        while stamps and stamps[0] <= now - self.span:
            stamps.popleft()
        if len(stamps) < self.limit:
            return None
        return stamps[0] + self.span - now


@dataclass(slots=True)
class RateLimiter:
    """Telegram-like flood control over sliding windows.

    Global (default 30 messages/s), optionally per chat per second (Telegram: about 1/s in a
    private chat) and per group per minute (Telegram: 20/min). Over the limit → 429 with an
    integer ``retry_after`` of at least 1, as Telegram sends."""

    global_per_sec: int | None = 30
    per_chat_per_sec: int | None = None
    per_group_per_min: int | None = None
    rejected: int = 0
    _global: _Window | None = None
    _chats: dict[object, _Window] = field(default_factory=dict)
    _groups: dict[object, _Window] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.global_per_sec:
            self._global = _Window(self.global_per_sec, 1.0)

    def check(self, chat_id: object, is_group: bool, now: float) -> None:
        """Admit one message call at monotonic time ``now`` or raise 429."""
        windows: list[_Window] = []
        if self._global is not None:
            windows.append(self._global)
        if chat_id is not None and self.per_chat_per_sec:
            windows.append(self._window(self._chats, chat_id, self.per_chat_per_sec, 1.0))
        if chat_id is not None and is_group and self.per_group_per_min:
            windows.append(self._window(self._groups, chat_id, self.per_group_per_min, 60.0))
        waits = [w for w in (window.retry_after(now) for window in windows) if w is not None]
        if waits:
            self.rejected += 1
            raise too_many_requests(max(1, math.ceil(max(waits))))
        for window in windows:
            window.stamps.append(now)

    @staticmethod
    def _window(table: dict[object, _Window], key: object, limit: int, span: float) -> _Window:
        window = table.get(key)
        if window is None:
            window = table[key] = _Window(limit, span)
        return window

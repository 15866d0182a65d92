"""What adapters promise when they deliver a message, and how delivery can fail.

The outbox worker and the scheduler speak only this protocol, so the same durable delivery runs
over Telegram and in the terminal chat, and tests can count exactly what failed and why.
"""

from __future__ import annotations

from typing import Protocol

from bot.conversation.messages import Outgoing


class DeliveryError(Exception):
    """Base class: the message was not delivered."""


class RetryLater(DeliveryError):
    """A 429, a 5xx or a network error: try again after ``retry_after`` seconds (if known)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Unreachable(DeliveryError):
    """403 and similar: the bot was blocked by the user or removed from the chat."""


class Transport(Protocol):
    async def deliver(self, message: Outgoing) -> int | None:
        """Send (or edit) ``message``; return the Telegram message id when there is one."""
        ...

"""A fake Telegram Bot API server for end-to-end tests of the bot.

``FakeBotApi`` serves the Bot API over HTTP on localhost; the bot under test connects to it
unchanged. Simulated users and groups queue updates, every call is recorded, faults (429, 5xx,
blocked users, slow answers, flood limits) can be injected; a webhook, once set, is delivered to. See ``server.py`` for the tour.
"""

from tests.fakeapi.faults import FaultRule
from tests.fakeapi.models import (
    ApiError,
    Button,
    Call,
    PressedButton,
    SentMessage,
    UploadedFile,
    UserMessage,
)
from tests.fakeapi.server import FakeBotApi
from tests.fakeapi.users import ChatView, FakeGroup, FakeUser
from tests.fakeapi.webhook import WebhookAttempt, WebhookTiming

__all__ = [
    "ApiError",
    "Button",
    "Call",
    "ChatView",
    "FakeBotApi",
    "FakeGroup",
    "FakeUser",
    "FaultRule",
    "PressedButton",
    "SentMessage",
    "UploadedFile",
    "UserMessage",
    "WebhookAttempt",
    "WebhookTiming",
]

"""Structured logging: one line per event (``key=value`` or JSON), never personal data.

Mothers appear only as their pseudonym (``m-…``); message text, names and answers are never
passed to a logger. Exceptions are logged as their type and the last few frames (file, line,
function) — never their message, which can quote what a mother typed (a date that did not
parse) or the bot token (PTB's ``InvalidToken``). Everything that reaches the output is also
scrubbed of the token and of anything shaped like a bot token, so a URL logged by a library
cannot leak it either. Only the bot's own loggers speak below WARNING: PTB, httpx and aiosqlite
log request parameters and SQL arguments at DEBUG.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
from collections.abc import Iterable
from typing import IO

OWN_LOGGERS = ("poruch", "bot", "__main__")
LIBRARY_LOGGERS = (
    "httpx",
    "httpcore",
    "telegram",
    "apscheduler",
    "aiosqlite",
    "tornado",
    "matplotlib",
    "PIL",
    "asyncio",
)
TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
REDACTED = "[redacted]"
FRAMES = 3


class Redactor:
    """Removes secrets (the token, the webhook secret) and token-shaped strings from text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return TOKEN_SHAPE.sub(REDACTED, text)


class PrivacyFilter(logging.Filter):
    """Drops library chatter below WARNING and redacts secrets from every message."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        own = record.name.split(".")[0] in OWN_LOGGERS
        if not own and record.levelno < logging.WARNING:
            return False
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the event
            message = str(record.msg)
        record.msg, record.args = self.redact(message), None
        return True


def where(exc: BaseException) -> str:
    """The last frames of a traceback as ``file:line:function`` — code locations only."""
    frames = traceback.extract_tb(exc.__traceback__)[-FRAMES:]
    return ">".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in frames)


def _stamp(record: logging.LogRecord) -> str:
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{base}.{int(record.msecs):03d}Z"


def _error_fields(record: logging.LogRecord) -> dict[str, str]:
    if not record.exc_info or record.exc_info[1] is None:
        return {}
    exc = record.exc_info[1]
    return {"error": type(exc).__name__, "where": where(exc)}


class KeyValueFormatter(logging.Formatter):
    """``ts=… level=… logger=… event=<message> [error=Type where=file:line:func>…]``."""

    def __init__(self, redact: Redactor | None = None) -> None:
        super().__init__()
        self.redact = redact or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        line = (
            f"ts={_stamp(record)} level={record.levelname.lower()} logger={record.name} "
            f"event={record.getMessage()}"
        )
        for key, value in _error_fields(record).items():
            line += f" {key}={value}"
        return self.redact(line.replace("\n", " | "))


class JsonFormatter(logging.Formatter):
    """One JSON object per line; ``key=value`` words of the message become fields."""

    def __init__(self, redact: Redactor | None = None) -> None:
        super().__init__()
        self.redact = redact or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        event, _, rest = message.partition(" ")
        out: dict[str, object] = {
            "ts": _stamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": event,
        }
        words = rest.split()
        if words and all("=" in word for word in words):
            for word in words:
                key, _, value = word.partition("=")
                out[key] = value
        elif rest:
            out["message"] = message
        out.update(_error_fields(record))
        return self.redact(json.dumps(out, ensure_ascii=False))


def setup_logging(
    level: str = "INFO",
    fmt: str = "kv",
    secrets: Iterable[str | None] = (),
    stream: IO[str] | None = None,
) -> None:
    """Send every log record, as one redacted line, to ``stream`` (standard error)."""
    redact = Redactor(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    formatter = JsonFormatter(redact) if fmt == "json" else KeyValueFormatter(redact)
    handler.setFormatter(formatter)
    handler.addFilter(PrivacyFilter(redact))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet = max(logging.WARNING, logging.getLevelName(level))
    for noisy in LIBRARY_LOGGERS:
        logging.getLogger(noisy).setLevel(quiet)

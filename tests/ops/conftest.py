"""Helpers for the operations tests: the bot in this event loop, or as a real ``main.py`` process.

The process helper reads the child's standard error line by line, so tests wait for real events
("bot_started", the exit) with timeouts instead of sleeping.
"""

# Waiting helpers take ``timeout=`` like the fake Bot API's, so tests read the same way.

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest

TOKEN = "7000000001:AAH-unique-test-token-0123456789abcdefXYZ"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """``setup_logging`` rewires the root logger; put pytest's handlers and levels back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    names = list(logging.root.manager.loggerDict)
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)

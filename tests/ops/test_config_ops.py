"""The operations settings: defaults, one clear line per bad value, and ``.env.example``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import VARIABLES, ConfigError, load_config
from tests.conftest import ROOT

NO_FILE = Path("/nonexistent/config.yaml")


def test_defaults_are_long_polling_and_kv_logs() -> None:
    config = load_config({}, NO_FILE)
    assert config.webhook_url is None
    assert (config.webhook_listen, config.webhook_port) == ("0.0.0.0", 8443)
    assert config.webhook_secret is None and config.log_format == "kv"
    assert config.message_retention_days == 365
    assert load_config({"MESSAGE_RETENTION_DAYS": "90"}, NO_FILE).message_retention_days == 90


def test_webhook_settings() -> None:
    config = load_config(
        {
            "BOT_WEBHOOK_URL": "https://bot.example.org/telegram",
            "BOT_WEBHOOK_LISTEN": "127.0.0.1",
            "BOT_WEBHOOK_PORT": "8080",
            "BOT_WEBHOOK_SECRET": "abc-DEF_123",
            "LOG_FORMAT": "JSON",
        },
        NO_FILE,
    )
    assert config.webhook_url == "https://bot.example.org/telegram"
    assert (config.webhook_listen, config.webhook_port) == ("127.0.0.1", 8080)
    assert config.webhook_secret == "abc-DEF_123" and config.log_format == "json"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_WEBHOOK_URL", "http://bot.example.org/telegram"),
        ("BOT_WEBHOOK_URL", "bot.example.org"),
        ("BOT_WEBHOOK_LISTEN", "everywhere"),
        ("BOT_WEBHOOK_PORT", "http"),
        ("BOT_WEBHOOK_PORT", "70000"),
        ("BOT_WEBHOOK_SECRET", "has spaces and ünicode"),
        ("BOT_WEBHOOK_SECRET", "x" * 257),
        ("LOG_FORMAT", "xml"),
        ("LOG_LEVEL", "chatty"),
        ("MESSAGE_RETENTION_DAYS", "0"),
        ("MESSAGE_RETENTION_DAYS", "a year"),
    ],
)
def test_a_bad_value_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config({name: value}, NO_FILE)
    message = str(error.value)
    assert message.startswith(name) and "\n" not in message
    if name == "BOT_WEBHOOK_SECRET":
        assert value not in message, "a secret is never echoed"


ASSIGNMENT = re.compile(r"(?:# )?([A-Z][A-Z0-9_]*)=(.*)")


def _example() -> dict[str, str]:
    """``NAME=value`` lines of .env.example, also the commented-out ``# NAME=value`` ones."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    found = (ASSIGNMENT.fullmatch(line.strip()) for line in text.splitlines())
    return {match[1]: match[2] for match in found if match}


def test_env_example_documents_every_variable_and_loads() -> None:
    documented = _example()
    missing = sorted(set(VARIABLES) - set(documented))
    assert not missing, f"document {missing} in .env.example"
    active = {k: v for k, v in documented.items() if k in VARIABLES}
    config = load_config(active, NO_FILE)
    assert config.token is None and config.webhook_url is None

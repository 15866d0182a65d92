"""Configuration from environment variables, optionally from ``config.yaml``; the environment wins.

A bad value stops start-up with one line that names the variable: the clinic's IT person must
know at once what to fix, and a half-configured bot that drops alerts is worse than none.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.content import LANGUAGES

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"


class ConfigError(ValueError):
    """One clear line naming the variable and what is wrong with it."""


@dataclass(frozen=True)
class QuietHours:
    start_minute: int
    end_minute: int

    def contains(self, minute_of_day: int) -> bool:
        if self.start_minute <= self.end_minute:
            return self.start_minute <= minute_of_day < self.end_minute
        return minute_of_day >= self.start_minute or minute_of_day < self.end_minute


@dataclass(frozen=True)
class Config:
    token: str | None = None
    api_base_url: str = DEFAULT_API_BASE_URL
    database_path: Path = Path("data/bot.sqlite3")
    database_url: str | None = None
    staff_chat_id: int | None = None
    staff_backup_chat_id: int | None = None
    staff_user_ids: frozenset[int] = frozenset()
    staff_language: str = "en"
    timezone: str = "Europe/Kyiv"
    alert_repeat_minutes: float = 15.0
    quiet_hours: QuietHours | None = QuietHours(22 * 60, 8 * 60)
    log_level: str = "INFO"
    log_format: str = "kv"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    send_rate_per_second: float = 30.0
    message_retention_days: int = 365
    dialogs_dir: Path = Path("dialogs")
    content_dir: Path = Path("content")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _int(name: str, raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be an integer chat id, got {raw!r}") from None


def _ids(name: str, raw: str) -> frozenset[int]:
    return frozenset(_int(name, part) for part in raw.replace(";", ",").split(",") if part.strip())


def _minutes(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of minutes, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0 minutes, got {raw!r}")
    return value


def _rate(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of messages per second, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0, got {raw!r}")
    return value


def _days(name: str, raw: str) -> int:
    if not raw.strip().isdigit() or int(raw) < 1:
        raise ConfigError(f"{name} must be a whole number of days, 1 or more, got {raw!r}")
    return int(raw)


def _zone(name: str, raw: str) -> str:
    try:
        ZoneInfo(raw.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{name} must be an IANA time zone such as Europe/Kyiv, got {raw!r}"
        ) from None
    return raw.strip()


def _hhmm(name: str, text: str) -> int:
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
        raise ConfigError(f"{name} must look like 22:00-08:00, got {text!r}")
    return int(hours) * 60 + int(minutes)


def _quiet(name: str, raw: str) -> QuietHours | None:
    if not raw.strip():
        return None
    start, sep, end = raw.partition("-")
    if not sep:
        raise ConfigError(f"{name} must look like 22:00-08:00 (or be empty), got {raw!r}")
    return QuietHours(_hhmm(name, start), _hhmm(name, end))


def _url(name: str, raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ConfigError(f"{name} must be an http(s) URL such as {DEFAULT_API_BASE_URL}")
    return raw.strip()


def _database_url(name: str, raw: str) -> str | None:
    """Only the scheme is checked here (the driver reports the rest when it connects); the value
    is never echoed back, since it may carry a password."""
    if not raw.strip():
        return None
    scheme, sep, _ = raw.strip().partition("://")
    if not sep or scheme.lower() not in ("postgresql", "postgres"):
        raise ConfigError(
            f"{name} must be a PostgreSQL URL such as postgresql://user:password@host/poruch "
            "(or empty for SQLite at DATABASE_PATH)"
        )
    return raw.strip()


def _language(name: str, raw: str) -> str:
    if raw.strip() not in LANGUAGES:
        spelled = " or ".join(f"'{lang}'" for lang in LANGUAGES)
        raise ConfigError(f"{name} must be {spelled}, got {raw!r}")
    return raw.strip()


def _level(name: str, raw: str) -> str:
    level = raw.strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"{name} must be DEBUG, INFO, WARNING or ERROR, got {raw!r}")
    return level


def _log_format(name: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in ("kv", "json"):
        raise ConfigError(f"{name} must be kv (key=value lines) or json, got {raw!r}")
    return value


def _webhook_url(name: str, raw: str) -> str | None:
    """Telegram only posts to https URLs; an empty value means long polling."""
    if not raw.strip():
        return None
    parts = urlsplit(raw.strip())
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigError(
            f"{name} must be the public https:// address Telegram posts updates to, such as "
            f"https://bot.example.org/telegram (or empty for long polling), got {raw!r}"
        )
    return raw.strip()


def _listen(name: str, raw: str) -> str:
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        raise ConfigError(
            f"{name} must be an IP address to listen on, such as 0.0.0.0 or 127.0.0.1, got {raw!r}"
        ) from None


def _port(name: str, raw: str) -> int:
    if not raw.strip().isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"{name} must be a TCP port number from 1 to 65535, got {raw!r}")
    return int(raw)


_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _secret(name: str, raw: str) -> str | None:
    """Telegram's rule for ``secret_token``; the value itself is never echoed back."""
    if not raw.strip():
        return None
    if not _SECRET_TOKEN.fullmatch(raw.strip()):
        raise ConfigError(
            f"{name} must be 1 to 256 characters from A-Z, a-z, 0-9, _ and - "
            "(Telegram's rule for webhook secrets)"
        )
    return raw.strip()


# variable name -> (Config field, parser)
VARIABLES: dict[str, tuple[str, Callable[[str, str], Any]]] = {
    "TELEGRAM_BOT_TOKEN": ("token", lambda _n, raw: raw.strip() or None),
    "TELEGRAM_API_BASE_URL": ("api_base_url", _url),
    "DATABASE_PATH": ("database_path", lambda _n, raw: Path(raw)),
    "DATABASE_URL": ("database_url", _database_url),
    "STAFF_CHAT_ID": ("staff_chat_id", lambda n, raw: _int(n, raw) if raw.strip() else None),
    "STAFF_BACKUP_CHAT_ID": (
        "staff_backup_chat_id",
        lambda n, raw: _int(n, raw) if raw.strip() else None,
    ),
    "STAFF_USER_IDS": ("staff_user_ids", _ids),
    "STAFF_LANGUAGE": ("staff_language", _language),
    "BOT_TIMEZONE": ("timezone", _zone),
    "ALERT_REPEAT_MINUTES": ("alert_repeat_minutes", _minutes),
    "QUIET_HOURS": ("quiet_hours", _quiet),
    "LOG_LEVEL": ("log_level", _level),
    "LOG_FORMAT": ("log_format", _log_format),
    "BOT_WEBHOOK_URL": ("webhook_url", _webhook_url),
    "BOT_WEBHOOK_LISTEN": ("webhook_listen", _listen),
    "BOT_WEBHOOK_PORT": ("webhook_port", _port),
    "BOT_WEBHOOK_SECRET": ("webhook_secret", _secret),
    "SEND_RATE_PER_SECOND": ("send_rate_per_second", _rate),
    "MESSAGE_RETENTION_DAYS": ("message_retention_days", _days),
    "DIALOGS_DIR": ("dialogs_dir", lambda _n, raw: Path(raw)),
    "CONTENT_DIR": ("content_dir", lambda _n, raw: Path(raw)),
}


def _file_values(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings")
    values = {}
    for key, value in data.items():
        name = str(key).upper()
        if name not in VARIABLES:
            raise ConfigError(f"{path}: unknown setting {key!r}")
        values[name] = "" if value is None else str(value)
    return values


def load_config(env: Mapping[str, str] | None = None, config_file: Path | None = None) -> Config:
    env = os.environ if env is None else env
    path = config_file or Path(env.get("CONFIG_FILE", "config.yaml"))
    raw = {**_file_values(path), **{k: v for k, v in env.items() if k in VARIABLES}}
    values = {VARIABLES[name][0]: VARIABLES[name][1](name, value) for name, value in raw.items()}
    return Config(**values)

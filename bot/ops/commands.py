"""The operator's commands behind ``main.py status | backup PATH | restore PATH``."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.config import Config
from bot.ops.backup import backup, restore
from bot.ops.sqlitefile import OpsError
from bot.ops.status import run_status


def cmd_status(config: Config) -> int:
    return run_status(config)


def cmd_backup(config: Config, path: Path) -> int:
    try:
        copied = backup(config.database_path, path)
    except OpsError as exc:
        print(f"backup: {exc}", file=sys.stderr)
        return 1
    print(f"backup written: {copied.path} ({copied.size} bytes, schema {copied.schema}, checked)")
    return 0


def cmd_restore(config: Config, path: Path) -> int:
    try:
        kept = restore(path, config.database_path)
    except OpsError as exc:
        print(f"restore: {exc}", file=sys.stderr)
        return 1
    if kept is not None:
        print(f"the database that was replaced is kept at {kept}")
    print(f"restored {path} to {config.database_path}; start the bot again")
    return 0

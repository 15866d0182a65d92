"""The operator's commands behind ``main.py status | backup PATH | restore PATH | report``."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from bot.config import Config
from bot.ops.backup import backup, backup_postgres, restore, restore_postgres
from bot.ops.status import run_status
from bot.storage.pgtools import shown
from bot.storage.sqlitefile import OpsError


def cmd_status(config: Config) -> int:
    return run_status(config)


def cmd_backup(config: Config, path: Path) -> int:
    try:
        if config.database_url:
            copied = backup_postgres(config.database_url, path)
        else:
            copied = backup(config.database_path, path)
    except OpsError as exc:
        print(f"backup: {exc}", file=sys.stderr)
        return 1
    print(f"backup written: {copied.path} ({copied.size} bytes, schema {copied.schema}, checked)")
    return 0


def cmd_restore(config: Config, path: Path) -> int:
    try:
        if config.database_url:
            kept = restore_postgres(path, config.database_url)
        else:
            kept = restore(path, config.database_path)
    except OpsError as exc:
        print(f"restore: {exc}", file=sys.stderr)
        return 1
    if kept is not None:
        print(f"the database that was replaced is kept at {kept}")
    target = shown(config.database_url) if config.database_url else config.database_path
    print(f"restored {path} to {target}; start the bot again")
    return 0


def cmd_report(config: Config, since: date, until: date | None, out: Path) -> int:
    """The management report as one HTML file (see ``bot/reports/export.py``)."""
    from bot.reports.export import ReportError, write_report

    try:
        written = write_report(config, since, until, out)
    except ReportError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    print(f"report written: {written}")
    return 0

"""Poruch command line: ``run`` the bot (``--workers N``: N processes behind one webhook port),
``chat`` in the terminal, ``check`` the YAML,
``status`` for monitoring, ``backup PATH`` while the bot runs, ``restore PATH`` while it is stopped,
``report --since DATE [--until DATE] --out FILE.html`` for the clinic's management.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from bot.config import Config, ConfigError, load_config
from bot.logs import setup_logging
from bot.ops.commands import cmd_backup, cmd_report, cmd_restore, cmd_status
from bot.ops.runlock import AlreadyRunning, run_lock
from bot.ops.supervisor import Supervisor, refusal, stop_when_orphaned
from bot.runtime import load_catalog, validate
from bot.services import Catalog, Services
from bot.yamlsrc import ValidationFailed

log = logging.getLogger("poruch.main")

NO_TOKEN = (
    "TELEGRAM_BOT_TOKEN is not set: set it to the token from @BotFather "
    "(or run 'python main.py chat' to try the bot in a terminal)."
)
BANNER = (
    "┌──────────────────────────────────────────────────────────────────┐\n"
    "│ TELEGRAM_BOT_TOKEN is not set, so here is the local terminal chat │\n"
    "│ (same flows, same database). Set the token to run on Telegram.   │\n"
    "└──────────────────────────────────────────────────────────────────┘"
)


def cmd_check(config: Config) -> int:
    _, problems = validate(config.dialogs_dir, config.content_dir)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
        return 1
    print("All dialogs and content are valid.")
    return 0


async def _chat(config: Config, catalog: Catalog) -> None:
    from bot.terminal.chat import run_chat

    services = await Services.start(config, catalog)
    try:
        await run_chat(services)
    finally:
        await services.close()


async def _run(config: Config, catalog: Catalog, stop: asyncio.Event | None = None) -> None:
    from bot.telegram.app import run_bot

    services = await Services.start(config, catalog)
    try:
        await run_bot(services, stop)
    finally:
        await services.close()


async def _work(config: Config, catalog: Catalog, parent: int) -> None:
    """One of ``--workers``: the bot, stopped also when the supervisor is gone."""
    stop = asyncio.Event()
    watch = asyncio.create_task(stop_when_orphaned(parent, stop))
    try:
        await _run(config, catalog, stop)
    finally:
        stop.set()
        await watch


def cmd_run(config: Config) -> int:
    if not config.token:
        if sys.stdin.isatty():
            print(BANNER)
            return cmd_chat(config)
        print(NO_TOKEN, file=sys.stderr)
        return 2
    catalog = load_catalog(config)
    if config.staff_chat_id is None:
        print(
            "warning: STAFF_CHAT_ID is not set; alerts are kept pending until it is.",
            file=sys.stderr,
        )
    try:
        with run_lock(config.database_path):
            asyncio.run(_run(config, catalog))
    except AlreadyRunning as exc:
        print(exc, file=sys.stderr)
        return 1
    except Exception:
        # Logged, not printed: the traceback of a failed request can quote the token.
        log.critical("bot_crashed", exc_info=True)
        return 1
    return 0


def cmd_run_workers(config: Config, workers: int) -> int:
    """``run --workers N``: the parent checks the setup and the YAML once, then supervises."""
    problem = refusal(config, workers)
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    if not config.token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    catalog = load_catalog(config)
    if config.staff_chat_id is None:
        print(
            "warning: STAFF_CHAT_ID is not set; alerts are kept pending until it is.",
            file=sys.stderr,
        )
    parent = os.getpid()

    def work() -> int:
        try:
            asyncio.run(_work(config, catalog, parent))
        except Exception:
            log.critical("bot_crashed", exc_info=True)
            return 1
        return 0

    try:
        with run_lock(config.database_path):
            return Supervisor(workers, work).run()
    except AlreadyRunning as exc:
        print(exc, file=sys.stderr)
        return 1


def cmd_chat(config: Config) -> int:
    catalog = load_catalog(config)
    try:
        with run_lock(config.database_path):
            asyncio.run(_chat(config, catalog))
    except AlreadyRunning as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


COMMANDS = {"run": cmd_run, "chat": cmd_chat, "check": cmd_check, "status": cmd_status}
PATH_COMMANDS: dict[str, Callable[[Config, Path], int]] = {
    "backup": cmd_backup,
    "restore": cmd_restore,
}


def beside_main(config: Config) -> Config:
    """``python /opt/poruch/main.py`` from another directory still finds the shipped flows and
    content: a relative folder missing here is looked up beside this file."""
    here = Path(__file__).resolve().parent

    def located(folder: Path) -> Path:
        if folder.is_absolute() or folder.is_dir() or not (here / folder).is_dir():
            return folder
        return here / folder

    return replace(
        config, dialogs_dir=located(config.dialogs_dir), content_dir=located(config.content_dir)
    )


def _worker_count(raw: str) -> int:
    try:
        count = int(raw)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {raw!r}")
    return count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="main.py", description=__doc__)
    parser.add_argument(
        "command", choices=sorted({**COMMANDS, **PATH_COMMANDS, "report": None}), help="what to do"
    )
    parser.add_argument("path", nargs="?", type=Path, help="backup/restore: the backup file")
    parser.add_argument("--since", type=date.fromisoformat, help="report: first day, YYYY-MM-DD")
    parser.add_argument("--until", type=date.fromisoformat, help="report: last day (default: now)")
    parser.add_argument("--out", type=Path, help="report: the HTML file to write")
    parser.add_argument(
        "--workers",
        type=_worker_count,
        metavar="N",
        help="run: N worker processes sharing the webhook port (webhook mode; N > 1 needs "
        "PostgreSQL)",
    )
    args = parser.parse_args(argv)
    if args.workers is not None and args.command != "run":
        parser.error("--workers is an option of run")
    if args.command in PATH_COMMANDS and args.path is None:
        parser.error(f"{args.command} needs a PATH (the backup file)")
    if args.command == "report" and (args.since is None or args.out is None):
        parser.error("report needs --since DATE and --out FILE.html")
    try:
        config = load_config()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    config = beside_main(config)
    setup_logging(config.log_level, config.log_format, (config.token, config.webhook_secret))
    try:
        if args.command in PATH_COMMANDS:
            return PATH_COMMANDS[args.command](config, args.path)
        if args.command == "report":
            return cmd_report(config, args.since, args.until, args.out)
        if args.workers is not None:
            return cmd_run_workers(config, args.workers)
        return COMMANDS[args.command](config)
    except ValidationFailed as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

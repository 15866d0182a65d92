"""``python main.py report --since DATE [--until DATE] --out FILE.html``: the report of a period
as one HTML file, in the staff language, read from a snapshot (safe while the bot runs)."""

from __future__ import annotations

import asyncio
import os
from datetime import date, datetime, time, timedelta
from pathlib import Path

from bot.clock import utcnow
from bot.config import Config
from bot.content import Content, load_content
from bot.content.clinic_hours import working_hours
from bot.reports.charts import render_charts
from bot.reports.collect import Rules, build
from bot.reports.figures import Period
from bot.reports.html import report_html
from bot.reports.words import Words
from bot.safety.escalation import Escalation, load_escalation
from bot.storage.open import open_store
from bot.yamlsrc import ValidationFailed

ESCALATION_FILE = "escalation.yaml"


class ReportError(Exception):
    """A problem the operator can fix (a bad date, no database); printed as one line."""


def period_of(config: Config, since: date, until: date | None, now: datetime) -> Period:
    """From the clinic's midnight of ``since`` to the end of ``until`` (inclusive), or now."""
    zone = config.zone
    start = datetime.combine(since, time(0), tzinfo=zone)
    end = datetime.combine(until + timedelta(days=1), time(0), tzinfo=zone) if until else now
    if end <= start:
        raise ReportError(f"--until ({until}) must not be before --since ({since})")
    return Period(start, end)


def texts(config: Config) -> tuple[Content, Escalation]:
    """Only the YAML the report reads (not the flows or the crisis lexicon: they take a
    second to load and the report has no use for them), validated as at start-up."""
    content, problems = load_content(config.content_dir)
    escalation, rule_problems = load_escalation(config.content_dir / ESCALATION_FILE)
    problems += rule_problems
    if problems or escalation is None:
        raise ValidationFailed(problems)
    return content, escalation


async def _collect(
    config: Config, content: Content, escalation: Escalation, period: Period, now: datetime
) -> str:
    database = await open_store(config.database_url, config.database_path)
    rules = Rules.of(working_hours(content), config.zone, escalation)
    try:
        async with database.snapshot() as tx:
            report = await build(tx, rules, period, now)
    finally:
        await database.close()
    words = Words(content, escalation, config.staff_language, config.zone)
    return report_html(report, render_charts(report, words), words)


def write_report(
    config: Config,
    since: date,
    until: date | None,
    out: Path,
    now: datetime | None = None,
) -> Path:
    """Write the file (owner-only: it describes the clinic's patients) and return its path."""
    if not config.database_url and not config.database_path.exists():
        raise ReportError(f"no database at {config.database_path}")
    now = now or utcnow()
    period = period_of(config, since, until, now)
    content, escalation = texts(config)
    page = asyncio.run(_collect(config, content, escalation, period, now))
    out.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(page)
    return out

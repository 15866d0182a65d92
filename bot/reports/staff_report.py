"""/report [days] and /caseload in the staff chat: read a snapshot, then draw off the loop.

The reads run on their own read-only connection (``Database.snapshot``), so a big clinic's
report never holds the lock the mothers' replies wait for; the charts are drawn in a worker
thread afterwards.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.content.clinic_hours import working_hours
from bot.conversation.messages import Outgoing
from bot.reports.caseload import caseload_messages
from bot.reports.charts import render_charts
from bot.reports.collect import Rules, build, caseload
from bot.reports.figures import Period
from bot.reports.text import report_text
from bot.reports.words import Words
from bot.services import Services

DEFAULT_DAYS = 7
MAX_DAYS = 366


class StaffReports:
    def __init__(self, services: Services) -> None:
        self.services = services
        config = services.config
        catalog = services.catalog
        self.words = Words(catalog.content, catalog.escalation, config.staff_language, config.zone)
        self.rules = Rules.of(working_hours(catalog.content), config.zone, catalog.escalation)

    def days(self, args: str) -> int | None:
        """``/report`` → 7, ``/report 30`` → 30; None for anything else."""
        text = args.strip()
        if not text:
            return DEFAULT_DAYS
        if text.isdigit() and 1 <= int(text) <= MAX_DAYS:
            return int(text)
        return None

    async def report(self, chat_id: int, args: str, now: datetime) -> list[Outgoing]:
        days = self.days(args)
        if days is None:
            return [Outgoing(chat_id, self.words.t("usage"))]
        period = Period(now - timedelta(days=days), now)
        async with self.services.db.snapshot() as tx:
            found = await build(tx, self.rules, period, now)
        charts = await asyncio.to_thread(render_charts, found, self.words)
        out = [Outgoing(chat_id, report_text(found, self.words))]
        out += [Outgoing(chat_id, photo=png) for _, png in charts]
        return out

    async def caseload(self, chat_id: int, now: datetime) -> list[Outgoing]:
        async with self.services.db.snapshot() as tx:
            found = await caseload(tx, self.rules, now)
        return caseload_messages(
            found,
            self.words,
            chat_id,
            now,
            cutoff=self.rules.epds_cutoff,
            streak=self.rules.low_mood_streak,
        )

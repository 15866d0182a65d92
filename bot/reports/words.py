"""The report's words (``content/report.yaml``) in the staff language, and its number formats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.content import Content, pick
from bot.safety.escalation import Escalation

FILE = "report"


@dataclass(frozen=True)
class Words:
    content: Content
    escalation: Escalation
    lang: str
    zone: ZoneInfo

    def t(self, key: str, **variables: Any) -> str:
        return self.content.text(f"{FILE}.{key}", self.lang, variables)

    def reason(self, rule_id: str) -> str:
        """The rule's staff label from content/escalation.yaml, or its id."""
        rule = next((r for r in self.escalation.rules if r.id == rule_id), None)
        return pick(rule.label, self.lang) if rule and rule.label else rule_id

    def minutes(self, value: float | None) -> str:
        """12 min, 3.5 h, 2.1 d: the unit that keeps the number short."""
        if value is None:
            return "—"
        if value < 90:
            return self.t("units.minutes", n=f"{value:.0f}")
        if value < 48 * 60:
            return self.t("units.hours", n=f"{value / 60:.1f}")
        return self.t("units.days", n=f"{value / 1440:.1f}")

    def age(self, span: timedelta) -> str:
        return self.minutes(span / timedelta(minutes=1))

    def day(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).strftime("%d.%m.%Y")

    def local_time(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).strftime("%d.%m.%Y %H:%M")


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"

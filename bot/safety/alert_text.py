"""The staff alert as staff read it: priority first, then who, why, the answers behind it.

Rendered at send time from the database, so a repeat or an edit after a button press shows the
current status, and an alert whose mother erased her data shows no personal text. The priority
line says by when to contact her in the words she was given when the alert was raised
(``bot/content/promises.py``): "today" only within the clinic's hours, otherwise the next
working day, so staff and mother read the same promise.
"""

from __future__ import annotations

import html
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import parse_iso
from bot.content import Content, pick, render
from bot.content.promises import CONTACT_TIME, Situation, contact_times
from bot.conversation.messages import Button, ButtonRef
from bot.safety.escalation import Escalation
from bot.safety.ngram import CONCERN_ENTRY, CRISIS_ENTRY
from bot.storage import alerts, dialog, messages, mothers
from bot.storage.alerts import Alert
from bot.storage.tx import Tx

STAFF_ACTIONS = ("acknowledged", "contacted", "resolved")
_LEXICONS = ("crisis_lexicon", "distress_lexicon")  # where a category's staff label is
BUTTON_KEYS = ("acknowledge", "contacted", "resolved")
OPEN_CASE = 9  # a staff button's action index meaning "open this alert in full" (/case)
MESSAGE_CHARS = 200  # her messages are cut to this in alerts: the full text is in /export


def _local(stamp: str, zone: ZoneInfo) -> str:
    return parse_iso(stamp).astimezone(zone).strftime("%d.%m.%Y %H:%M")


class AlertRenderer:
    def __init__(self, content: Content, escalation: Escalation, lang: str, zone: ZoneInfo):
        self.content = content
        self.escalation = escalation
        self.lang = lang
        self.zone = zone

    def t(self, key: str, **variables: Any) -> str:
        escaped = {k: html.escape(str(v)) for k, v in variables.items()}
        return self.content.text(f"staff.{key}", self.lang, escaped)

    def buttons(self, alert: Alert) -> list[Button]:
        return [
            Button(self.t(f"buttons.{key}"), ButtonRef.staff(alert.id, index))
            for index, key in enumerate(BUTTON_KEYS)
        ]

    async def render(self, tx: Tx, alert: Alert, messages: int = 3) -> str:
        """The alert as staff read it, with her last ``messages`` messages (/case shows more)."""
        lines = [
            f"<b>{self.header(alert)}</b>",
            self.t("fields.alert", id=alert.id),
        ]
        lines.append(self.t("fields.reason", reason=self._reason(alert.rule)))
        also = [self._reason(rule) for rule in alert.detail.get("also") or []]
        if also:
            lines.append(self.t("fields.also", reasons="; ".join(also)))
        lines += self._detail_lines(alert.detail)
        mother = await mothers.by_id(tx, alert.mother_id) if alert.mother_id else None
        if mother is None:
            lines.append(self.t("fields.erased"))
        else:
            lines += await self._mother_lines(tx, mother)
            lines += await self._message_lines(tx, mother.id, alert, messages)
        lines.append(self.t("fields.local_time", time=_local(alert.created_at, self.zone)))
        lines += await self._status_lines(tx, alert.id)
        return "\n".join(lines)

    def header(self, alert: Alert) -> str:
        """The priority and by when, as of the alert's creation: a repeat at night keeps the
        promise made in the afternoon."""
        moment = Situation(parse_iso(alert.created_at), self.zone, care_team=True)
        urgent, opens, routine = contact_times(self.content, moment)
        choice, variables = (urgent, opens) if alert.priority == "urgent" else (routine, {})
        when = render(self.content.text(f"{CONTACT_TIME}.{choice}", self.lang), variables)
        return self.t(f"header.{alert.priority}", when=when)

    def reason(self, rule_id: str) -> str:
        return self._reason(rule_id)

    def local_time(self, stamp: str) -> str:
        return _local(stamp, self.zone)

    def _reason(self, rule_id: str) -> str:
        """The rule's label for staff, with its id from content/escalation.yaml."""
        rule = next((r for r in self.escalation.rules if r.id == rule_id), None)
        return f"{pick(rule.label, self.lang)} [{rule_id}]" if rule and rule.label else rule_id

    def _detail_lines(self, detail: dict[str, Any]) -> list[str]:
        lines = []
        category = detail.get("category")
        if category:
            keys = (f"{lexicon}.categories.{category}" for lexicon in _LEXICONS)
            label_key = next((key for key in keys if self.content.has_text(key)), None)
            label = self.content.text(label_key, self.lang) if label_key else category
            lines.append(self.t("fields.category", category=label))
        if detail.get("message"):
            lines.append(self.t("fields.message", message=detail["message"]))
        if detail.get("matched"):
            entry = detail.get("lexicon_entry", "")
            matched = f"{detail['matched']} [{entry}]"
            field = "fields.weighed" if entry in (CONCERN_ENTRY, CRISIS_ENTRY) else "fields.matched"
            lines.append(self.t(field, matched=matched))
        if detail.get("score") is not None:
            lines.append(
                self.t("fields.score", score=f"{detail['score']} ({detail.get('kind', '')})")
            )
        items = detail.get("items")
        if isinstance(items, dict) and items:
            shown = " ".join(f"{key}={value}" for key, value in items.items())
            lines.append(self.t("fields.items", items=shown))
        if "value" in detail and detail.get("key"):
            lines.append(self.t("fields.answer", answer=f"{detail['key']} = {detail['value']}"))
        flag = self.escalation.thresholds.get("epds_3a_flag")
        epds_3a = detail.get("epds_3a")
        if flag is not None and epds_3a is not None and epds_3a >= flag:
            lines.append(self.t("fields.epds_3a", value=epds_3a, flag=int(flag)))
        return lines

    async def _mother_lines(self, tx: Tx, mother: mothers.Mother) -> list[str]:
        name = mother.name or mother.first_name or mother.pseudonym
        link = f'<a href="tg://user?id={mother.chat_id}">profile</a>'
        if mother.username:
            link += f" @{html.escape(mother.username)}"
        lines = [self.t("fields.who", name=name, link="\x00").replace("\x00", link)]
        labels = self.content.lookup("staff.answers_shown") or {}
        answers = await dialog.recent_answers(tx, mother.id, limit=6, only=list(labels))
        if answers:
            lines.append(self.t("fields.last_answers"))
            for flow, key, value, stamp in answers:
                label = pick(labels[f"{flow}.{key}"], self.lang)
                shown = html.escape(f"{label}: {str(value)[:MESSAGE_CHARS]}")
                lines.append(f"• {shown} ({_local(stamp, self.zone)})")
        history = await dialog.assessments(tx, mother.id, "epds", limit=4)
        if history:
            parts = ", ".join(
                f"{score} ({_local(stamp, self.zone)[:10]}{self._epds_3a_mark(items)})"
                for score, items, stamp in history
            )
            lines.append(self.t("fields.epds_history", history=parts))
        return lines

    async def _message_lines(self, tx: Tx, mother_id: int, alert: Alert, limit: int) -> list[str]:
        """Her last messages, short and escaped, each with its time and what the bot did; the
        message this alert is about is already shown above and is not repeated."""
        quoted = alert.detail.get("message")
        shown = [
            m
            for m in await messages.recent(tx, mother_id, limit + 1)
            if not (m.text[:1000] == quoted and m.created_at == alert.created_at)
        ][-limit:]
        if not shown or limit <= 0:
            return []
        lines = [self.t("fields.last_messages")]
        for message in shown:
            text = (
                message.text
                if len(message.text) <= MESSAGE_CHARS
                else (message.text[: MESSAGE_CHARS - 1] + "…")
            )
            lines.append(
                f"• «{html.escape(text)}» ({_local(message.created_at, self.zone)})"
                f" → {self._handled(message.handled)}"
            )
        return lines

    def _handled(self, label: str) -> str:
        """What the bot did, in staff words (content/staff.yaml → handled), by the whole label
        ("ui.no_flow") or its kind ("answer" of "answer:checkin.on_mind"); else the label."""
        kind, _, where = label.partition(":")
        for key in (label, kind if where else ""):
            if key and self.content.has_text(f"staff.handled.{key}"):
                return self.t(f"handled.{key}", where=where)
        return html.escape(label)

    def _epds_3a_mark(self, items: dict[str, Any]) -> str:
        """The mark after a history entry (like ", 3A 6 ⚠️") when EPDS-3A reached the flag."""
        flag = self.escalation.thresholds.get("epds_3a_flag")
        values = [items.get(f"q{n}") for n in (3, 4, 5)]
        if flag is None or not all(isinstance(v, int) for v in values):
            return ""
        total = sum(values)  # type: ignore[arg-type]
        return f", 3A {total} ⚠️" if total >= flag else ""

    async def _status_lines(self, tx: Tx, alert_id: int) -> list[str]:
        lines = []
        for actor, done, at in await alerts.audit_of(tx, alert_id):
            if done not in STAFF_ACTIONS:
                continue
            action = self.t(f"actions.{done}")
            lines.append(
                "✅ "
                + self.t(
                    "fields.status",
                    action=action,
                    who=actor,
                    time=_local(at, self.zone),
                )
            )
        return lines

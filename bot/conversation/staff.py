"""The staff side: alert buttons and /alerts, /case, /report and /caseload, for staff only.

Staff actions are checked twice: the chat must be the configured staff (or backup) chat, and
when ``STAFF_USER_IDS`` is set, the user must be one of them. Anyone else gets a refusal and
nothing changes. Every action is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.conversation.messages import Incoming, Outgoing, one_per_row
from bot.reports.staff_report import StaffReports
from bot.safety.alert_text import OPEN_CASE, STAFF_ACTIONS, AlertRenderer
from bot.services import Services
from bot.storage import alerts, mothers
from bot.storage.tx import Tx

CASE_MESSAGES = 8  # her last messages shown by /case

StaffCommand = Callable[[Incoming, datetime], Awaitable[list[Outgoing]]]


class StaffDesk:
    def __init__(self, services: Services) -> None:
        self.services = services
        config = services.config
        self.renderer = AlertRenderer(
            services.catalog.content,
            services.catalog.escalation,
            config.staff_language,
            config.zone,
        )
        self.reports = StaffReports(services)
        # The one list of staff commands: each name with what it runs. The service refuses
        # these names in a mother's chat and does not screen them as her words, from here too.
        self.commands: dict[str, StaffCommand] = {
            "alerts": self._open_alerts,
            "case": self._case_command,
            "report": self._report,
            "caseload": self._caseload,
        }

    @property
    def chats(self) -> set[int]:
        """The staff chats as they are now: a group upgraded to a supergroup is followed."""
        return self.services.staff_chats.all(self.services.config)

    def is_staff_context(self, incoming: Incoming) -> bool:
        if incoming.author.chat_id in self.chats:
            return True
        if incoming.chat_move is not None and incoming.chat_move[0] in self.chats:
            return True  # the upgraded group's first message, from its new id
        return (
            incoming.kind == "button"
            and incoming.button is not None
            and incoming.button.kind == "staff"
        )

    def authorised(self, incoming: Incoming) -> bool:
        allowed = self.services.config.staff_user_ids
        in_chat = incoming.author.chat_id in self.chats
        return in_chat and (not allowed or incoming.author.user_id in allowed)

    def _refusal(self, incoming: Incoming) -> list[Outgoing]:
        text = self.renderer.t("not_staff")
        return [Outgoing(incoming.author.chat_id, text, notice=text)]

    async def handle(self, incoming: Incoming, now: datetime) -> list[Outgoing]:
        if incoming.kind == "other" and incoming.other == "bot_added":
            await self._retry_pending(now)
            return []
        if incoming.chat_move is not None:
            old, new = incoming.chat_move
            await self.services.staff_chats.follow(self.services.db, old, new, now)
            return []
        staff_action = incoming.kind == "button" or (
            incoming.kind == "command" and incoming.command in self.commands
        )
        if not staff_action:
            return []  # ordinary chatter in the staff chat is not for the bot
        if not self.authorised(incoming):
            return self._refusal(incoming)
        if incoming.kind == "button":
            return await self._press(incoming, now)
        return await self.commands[incoming.command](incoming, now)

    async def _report(self, incoming: Incoming, now: datetime) -> list[Outgoing]:
        return await self.reports.report(incoming.author.chat_id, incoming.args, now)

    async def _caseload(self, incoming: Incoming, now: datetime) -> list[Outgoing]:
        return await self.reports.caseload(incoming.author.chat_id, now)

    async def _case_command(self, incoming: Incoming, now: datetime) -> list[Outgoing]:
        return await self._case(incoming)

    async def _retry_pending(self, now: datetime) -> None:
        """The bot is back in the staff chat: alerts held back by a 403 go out right away."""
        async with self.services.db.transaction() as tx:
            await alerts.retry_now(tx, now)

    async def _press(self, incoming: Incoming, now: datetime) -> list[Outgoing]:
        ref = incoming.button
        assert ref is not None
        if ref.kind == "staff" and ref.action_index == OPEN_CASE:  # caseload, digest buttons
            return await self._case(incoming, str(ref.alert_id))
        if ref.kind != "staff" or not 0 <= ref.action_index < len(STAFF_ACTIONS):
            return [Outgoing(incoming.author.chat_id, notice=self.renderer.t("case_unknown"))]
        action = STAFF_ACTIONS[ref.action_index]
        actor = f"{incoming.author.first_name or 'staff'} ({incoming.author.user_id})"
        async with self.services.db.transaction() as tx:
            alert = await alerts.get_alert(tx, ref.alert_id)
            if alert is None:
                return [Outgoing(incoming.author.chat_id, notice=self.renderer.t("case_unknown"))]
            # The status only moves forward: an old "Acknowledge" under a resolved alert's
            # copy must not reopen it (the press is still audited).
            done = STAFF_ACTIONS.index(alert.status) if alert.status in STAFF_ACTIONS else -1
            if ref.action_index > done:
                await alerts.set_status(tx, alert.id, action, now)
            await alerts.audit(tx, actor, action, now, alert.id, alert.pseudonym)
            alert = await alerts.get_alert(tx, alert.id)
            assert alert is not None
            text = await self.renderer.render(tx, alert)
        resolved = alert.status == "resolved"
        buttons = () if resolved else one_per_row(self.renderer.buttons(alert))
        label = self.renderer.t(f"actions.{action}")
        return [
            Outgoing(
                incoming.author.chat_id,
                text,
                buttons,
                edit_message_id=incoming.message_id,
                html=True,
                notice=label,
            )
        ]

    async def _open_alerts(self, incoming: Incoming, now: datetime) -> list[Outgoing]:
        async with self.services.db.transaction() as tx:
            found = await alerts.open_alerts(tx)
            if not found:
                return [Outgoing(incoming.author.chat_id, self.renderer.t("no_open_alerts"))]
            return [await self._alert_message(tx, incoming.author.chat_id, a) for a in found[:20]]

    async def _alert_message(
        self, tx: Tx, chat_id: int, alert: alerts.Alert, messages: int = 3
    ) -> Outgoing:
        text = await self.renderer.render(tx, alert, messages)
        return Outgoing(chat_id, text, one_per_row(self.renderer.buttons(alert)), html=True)

    async def _case(self, incoming: Incoming, alert_id: str | None = None) -> list[Outgoing]:
        """/case <alert id> (or a caseload button): that alert with her recent answers and
        EPDS history."""
        arg = (alert_id or incoming.args).strip().lstrip("#")
        if not arg.isdigit():
            return [Outgoing(incoming.author.chat_id, self.renderer.t("case_usage"))]
        async with self.services.db.transaction() as tx:
            alert = await alerts.get_alert(tx, int(arg))
            if alert is None or alert.mother_id is None:
                return [Outgoing(incoming.author.chat_id, self.renderer.t("case_unknown"))]
            mother = await mothers.by_id(tx, alert.mother_id)
            history = await alerts.alerts_of(tx, alert.mother_id)
            out = [
                await self._alert_message(
                    tx, incoming.author.chat_id, alert, messages=CASE_MESSAGES
                )
            ]
            if mother is not None and len(history) > 1:
                older = ", ".join(
                    f"#{a.id} {a.rule} ({a.status})" for a in history if a.id != alert.id
                )
                out.append(Outgoing(incoming.author.chat_id, older))
            return out

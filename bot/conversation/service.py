"""The conversation service: one incoming message in, the replies out.

Adapters (Telegram, terminal) call :meth:`Conversation.handle` and send what it returns, in
order. Each call is one database transaction; crisis replies always come first in the result.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.clock import parse_iso, utcnow
from bot.conversation import free_text
from bot.conversation.crisis import on_crisis_text
from bot.conversation.effects import apply_events
from bot.conversation.her_words import record_message
from bot.conversation.menu import run_menu_action
from bot.conversation.menu_actions import MENU_ACTIONS
from bot.conversation.messages import Author, Button, ButtonRef, Incoming, Outgoing
from bot.conversation.staff import StaffDesk
from bot.conversation.turn import Turn, language_for
from bot.engine import (
    ButtonInput,
    Event,
    FlowLoopError,
    Input,
    OtherInput,
    SessionState,
    TextInput,
)
from bot.services import Services
from bot.storage import dialog, locks, mothers

log = logging.getLogger("poruch.conversation")

START_COMMAND = "start"
BUILTIN_COMMANDS = frozenset({"continue", "cancel"})
# "I didn't mean it" this long after a crisis reply still counts as taking it back.
RETRACTION_WINDOW = timedelta(days=7)


def her_words(incoming: Incoming) -> str:
    """Whatever she wrote in this update, screened before anything else is done with it: a
    message (also while a flow waits for a button), a caption, an edited message's new text,
    a command with the words after it ("/help I want to die", "/kill myself")."""
    if incoming.kind in ("text", "other", "command"):
        return incoming.text  # a command's whole text: "/kill myself" is a command to Telegram
    return ""


class Conversation:
    def __init__(self, services: Services, on_alert: Callable[[], None] | None = None) -> None:
        """``on_alert`` (the outbox worker's wake-up) is called after a turn that committed an
        alert: the worker then looks at the outbox at once instead of at its next sweep."""
        self.services = services
        self.on_alert = on_alert
        self.staff = StaffDesk(services)
        self.flow_by_command = {
            flow.command: flow.id for flow in services.catalog.flows.values() if flow.command
        }
        # Our own command names, typed alone, are not her words ("/checkin" needs no screening).
        self.own_commands = (
            frozenset(self.flow_by_command)
            | BUILTIN_COMMANDS
            | frozenset(self.staff.commands)
            | {START_COMMAND}
        )

    async def handle(self, incoming: Incoming, now: datetime | None = None) -> list[Outgoing]:
        now = now or utcnow()
        if self.staff.is_staff_context(incoming):
            replies = await self.staff.handle(incoming, now)
            self._wake_outbox()  # the bot back in the staff chat releases held-back alerts
            return replies
        if incoming.author.chat_type != "private":
            return []
        if incoming.kind == "other" and incoming.other in ("blocked", "unblocked"):
            if incoming.other == "blocked":
                await self.mark_blocked(incoming.author.chat_id, now)
            return []
        try:
            async with self.services.db.transaction() as tx:
                await locks.lock_mother(tx, incoming.author.chat_id)  # one turn of hers at a time
                if incoming.update_id is not None and not await dialog.claim_update(
                    tx, incoming.update_id, now
                ):
                    return []
                mother, stored = await dialog.mother_with_session(tx, incoming.author.chat_id)
                turn = Turn(self.services, tx, incoming, now, mother)
                turn.know_session(stored)
                await self._route(turn)
                await record_message(turn, stored)  # her words, with what was done with them
            return await self._committed(turn)
        except FlowLoopError:
            log.exception("flow_loop")
            lang = language_for(incoming.author.language_code)
            text = self.services.catalog.content.text("ui.error", lang)
            return [Outgoing(incoming.author.chat_id, text)]

    async def scheduled_turn(
        self, chat_id: int, now: datetime, render: Callable[[Turn], Awaitable[None]]
    ) -> list[Outgoing]:
        """A turn the bot starts itself (a scheduled prompt): the same transaction, flows and
        rendering as a reply, so what ``render`` writes commits with the session it starts."""
        author = Author(chat_id=chat_id, user_id=chat_id)
        try:
            async with self.services.db.transaction() as tx:
                await locks.lock_mother(tx, chat_id)
                mother = await mothers.by_chat(tx, chat_id)
                if mother is None:
                    return []
                turn = Turn(
                    self.services, tx, Incoming(author, "other", other="scheduled"), now, mother
                )
                await render(turn)
            return await self._committed(turn)
        except FlowLoopError:
            log.exception("flow_loop")
            return []

    async def _committed(self, turn: Turn) -> list[Outgoing]:
        """After COMMIT: the turn's hooks, then the outbox worker if an alert was written.
        The wake comes last, with no await after it, so the caller hands the replies (crisis
        reply first) to the sender before the worker runs."""
        for hook in turn.after_commit:
            await hook()
        if turn.alerted:
            self._wake_outbox()
        return turn.result()

    def _wake_outbox(self) -> None:
        if self.on_alert is not None:
            self.on_alert()

    async def start_scheduled(
        self, chat_id: int, flow_id: str, now: datetime | None = None
    ) -> list[Outgoing]:
        """Start ``flow_id`` for her on the bot's initiative (the daily check-in prompt)."""
        return await self.scheduled_turn(
            chat_id, now or utcnow(), lambda turn: self.start_flow(turn, flow_id)
        )

    async def mark_blocked(self, chat_id: int, now: datetime) -> None:
        """She blocked the bot: nothing more is sent until she sends /start again."""
        async with self.services.db.transaction() as tx:
            mother = await mothers.by_chat(tx, chat_id)
            if mother is not None and mother.status != "inactive":
                await mothers.update(tx, mother.id, now, status="inactive")
                log.info("mother_inactive mother=%s reason=blocked", mother.pseudonym)

    async def _route(self, turn: Turn) -> None:
        incoming = turn.incoming
        words = her_words(incoming)
        own = incoming.kind == "command" and incoming.command in self.own_commands
        if own and not incoming.args:
            words = ""
        screening = free_text.screen(self.services.catalog, words)
        if screening.tier == "crisis":
            turn.outcome = screening.label
            await self._crisis_text(
                turn, str(screening.category), str(screening.entry_id), screening.span
            )
            return
        if incoming.kind == "invalid_button":
            turn.say("ui.expired")
        elif incoming.kind == "command":
            await self._command(turn)
        elif turn.mother is None:
            await self._stranger(turn)
        elif incoming.kind == "button":
            await self._button(turn)
        else:
            await self._message(turn, screening)

    async def _crisis_text(
        self, turn: Turn, category: str, entry_id: str, span: str | None = None
    ) -> None:
        """Crisis words get the crisis reply first, and the flow pauses on its question.

        Her words are not fed to the flow as an answer (they are not her name or a date);
        they reach staff in the alert, and "Continue" asks the paused question again.
        """
        stored = await turn.session()
        if stored is not None:
            await turn.save_session(stored.state, paused=True)
        await on_crisis_text(turn, category, entry_id, span)

    async def _stranger(self, turn: Turn) -> None:
        if turn.incoming.command == "sos":  # help lines need no consent (nothing is stored)
            turn.say("clinic.crisis.resources")
        elif await mothers.has_declined(turn.tx, turn.chat_id):
            turn.say("ui.declined_known")
        else:
            turn.say("ui.need_consent")

    async def _command(self, turn: Turn) -> None:
        command = turn.incoming.command
        if command == START_COMMAND:
            await self._start(turn)
        elif turn.mother is None:
            await self._stranger(turn)
        elif command == "continue":
            await self._continue(turn)
        elif command == "cancel":
            await turn.save_session(None)
            await turn.clear_deferred()
            turn.say("ui.cancelled")
        elif command in self.flow_by_command:
            await self.start_flow(turn, self.flow_by_command[command])
        elif command in self.staff.commands:
            turn.say("staff.not_staff")
        else:
            turn.say("ui.unknown_command")

    async def _start(self, turn: Turn) -> None:
        """/start begins onboarding, for a newcomer and for someone who declined before."""
        if turn.mother is None:
            await mothers.clear_declined(turn.tx, turn.chat_id)
            turn.mother = await mothers.create(turn.tx, turn.chat_id, turn.lang, turn.now)
        elif turn.mother.status == "inactive":
            await mothers.update(turn.tx, turn.mother_id, turn.now, status="active")
        await self.start_flow(turn, self.flow_by_command[START_COMMAND])

    async def start_flow(self, turn: Turn, flow_id: str) -> None:
        flow = self.services.catalog.flows[flow_id]
        if flow.requires_consent and not turn.consented:
            turn.say("ui.need_consent")
            return
        assert turn.mother is not None
        await turn.clear_deferred()
        state, events = self.services.engine.start(flow_id, turn.env(), turn.mother.ask_seq)
        await self._after_engine(turn, state, events)

    async def _after_engine(
        self, turn: Turn, state: SessionState | None, events: list[Event]
    ) -> None:
        rendered = await self._apply_in_order(turn, events)
        if turn.crisis_fired:
            await turn.defer(rendered)
            await turn.save_session(state, paused=state is not None)
            return
        turn.replies.extend(rendered)
        await turn.save_session(state)

    @staticmethod
    async def _apply_in_order(turn: Turn, events: list[Event]) -> list[Outgoing]:
        """Apply and render event by event, so a snippet, chart or file a flow shows lands
        between the texts exactly where the flow put it."""
        out: list[Outgoing] = []
        for event in events:
            out += await apply_events(turn, [event]) + turn.render([event])
        return out

    async def _continue(self, turn: Turn) -> None:
        deferred = await turn.take_deferred()
        stored = await turn.session()
        if stored is not None:
            await turn.save_session(stored.state, paused=False)
        if deferred:
            turn.replies.extend(deferred)
        elif stored is not None:
            turn.replies.extend(
                turn.render(self.services.engine.reprompt(stored.state, turn.env()))
            )
        else:
            turn.say("ui.nothing_to_continue")

    async def _button(self, turn: Turn) -> None:
        ref = turn.incoming.button
        assert ref is not None
        if ref.kind == "menu":
            await self._menu(turn, ref.action)
            return
        if ref.kind != "answer":
            turn.say("staff.not_staff")
            return
        stored = await turn.session()
        if stored is None or not stored.state.waiting or ref.question_seq != stored.state.seq:
            turn.say("ui.expired")
            return
        await self._answer(turn, stored.state, ButtonInput(ref.question_seq, ref.option_index))

    async def _menu(self, turn: Turn, action: str) -> None:
        if action == "continue":
            await self._continue(turn)
        elif action.startswith("flow:") and action[5:] in self.services.catalog.flows:
            await self.start_flow(turn, action[5:])
        elif not await run_menu_action(turn, action, MENU_ACTIONS):
            turn.say("ui.expired")

    async def _message(self, turn: Turn, screening: free_text.Screening) -> None:
        incoming = turn.incoming
        if incoming.kind == "other" and incoming.other == "edited":
            turn.say("ui.edited")
            return
        stored = await turn.session()
        typed_answer = incoming.kind == "text" and free_text.waits_for_text(turn, stored)
        if incoming.kind == "text" and self._retraction(turn):
            # Before any flow: "I didn't mean it" is not her answer to the paused question.
            continue_button = Button(turn.text("ui.continue_button"), ButtonRef.menu("continue"))
            turn.say(
                "clinic.crisis.retraction_reply",
                buttons=[continue_button] if stored is not None else [],
            )
            return
        if (
            incoming.kind == "text"
            and not typed_answer
            and await free_text.respond(turn, screening, stored) is not None
        ):
            return  # distress, an everyday topic, or the honest reply (free_text.py)
        if stored is not None and stored.paused and incoming.kind == "text":
            turn.say("ui.crisis_paused", buttons=[])
            return
        if stored is not None:
            answer: Input = (
                TextInput(incoming.text) if incoming.kind == "text" else OtherInput(incoming.other)
            )
            await self._answer(turn, stored.state, answer)
            if typed_answer and screening.tier == "distress" and not turn.crisis_fired:
                # A distressed answer to a typed question (the check-in's "anything on your
                # mind?") is kept as her answer, and then she is asked directly too.
                await free_text.respond(turn, screening, await turn.session())
        else:
            turn.say("ui.unsupported")

    def _retraction(self, turn: Turn) -> bool:
        """'I didn't mean it' soon after a crisis reply gets a kind answer; the alert stands.

        Only for a mother whose alert was really written (she consented): the reply says the
        care team will still check in."""
        mother = turn.mother
        if mother is None or not mother.crisis_at or not turn.consented:
            return False
        if turn.now - parse_iso(mother.crisis_at) > RETRACTION_WINDOW:
            return False
        return self.services.catalog.detector.is_retraction(turn.incoming.text)

    async def _answer(self, turn: Turn, state: SessionState, answer: Input) -> None:
        new_state, events = self.services.engine.handle(state, answer, turn.env())
        await self._after_engine(turn, new_state, events)

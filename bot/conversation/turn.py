"""One update being handled: the transaction it runs in and the messages it produces.

Everything a turn writes — answers, assessments, alerts and their outbox rows, the session —
commits together or not at all, so a crash between the answer and the alert loses neither.
Crisis replies are kept apart from other replies so they always go out first.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.clock import iso
from bot.content import DEFAULT_LANGUAGE
from bot.content.names import address_form
from bot.content.promises import Situation, clinic_variables_all, no_team_key, situation_of
from bot.conversation.messages import (
    Button,
    ButtonRef,
    Incoming,
    Outgoing,
    message_from_json,
    message_to_json,
    one_per_row,
)
from bot.engine import (
    AnswerSaved,
    Ask,
    Env,
    Event,
    Say,
    SessionState,
)
from bot.priority import Priority
from bot.storage import deferred, dialog, mothers
from bot.storage.dialog import StoredSession
from bot.storage.mothers import Mother
from bot.storage.tx import Tx

if TYPE_CHECKING:
    from bot.services import Services


def language_for(code: str | None) -> str:
    """Preselect from Telegram's language: Ukrainian for uk/ru/be speakers, English otherwise."""
    if not code:
        return DEFAULT_LANGUAGE
    return "uk" if code.split("-")[0].lower() in ("uk", "ru", "be") else "en"


@dataclass
class Turn:
    services: Services
    tx: Tx
    incoming: Incoming
    now: datetime
    mother: Mother | None
    crisis: list[Outgoing] = field(default_factory=list)
    replies: list[Outgoing] = field(default_factory=list)
    crisis_fired: bool = False
    alerted: bool = False  # an alert (and its outbox row) was written: wake the worker
    # What the bot did with her words: "crisis", "distress", "topic:<id>", "unmatched"
    # (bot/conversation/free_text.py), or None (a command, a button, an answer to a flow).
    outcome: str | None = None
    unstored: list[AnswerSaved] = field(default_factory=list)
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    said: list[str] = field(default_factory=list)  # content keys said, in order (her_words.py)
    raised: list[Priority] = field(default_factory=list)  # of the alerts written
    _session_of: Mother | None = field(default=None, init=False, repr=False)
    _session: StoredSession | None = field(default=None, init=False, repr=False)
    _clinic: dict[str, dict[str, str]] | None = field(default=None, init=False, repr=False)

    @property
    def stamp(self) -> str:
        return iso(self.now)

    @property
    def chat_id(self) -> int:
        return self.incoming.author.chat_id

    @property
    def mother_id(self) -> int:
        assert self.mother is not None
        return self.mother.id

    @property
    def consented(self) -> bool:
        return self.mother is not None and self.mother.consent == "given"

    @property
    def lang(self) -> str:
        if self.mother is not None:
            return self.mother.language
        return language_for(self.incoming.author.language_code)

    @property
    def zone(self) -> ZoneInfo:
        tz = self.mother.timezone if self.mother and self.mother.timezone else None
        return ZoneInfo(tz or self.services.config.timezone)

    def local_today(self) -> date:
        return self.now.astimezone(self.zone).date()

    @property
    def situation(self) -> Situation:
        """What the bot may promise at this turn's moment."""
        return situation_of(self.services.config, self.now)

    def clinic(self) -> dict[str, dict[str, str]]:
        """The clinic's wording variables for this turn's moment, per language (once a turn)."""
        if self._clinic is None:
            self._clinic = clinic_variables_all(self.services.catalog.content, self.situation)
        return self._clinic

    def text(self, key: str, **variables: Any) -> str:
        content = self.services.catalog.content
        name = self.mother.name if self.mother and self.mother.name else ""
        base = {
            **self.clinic()[self.lang],
            "name": name,
            "name_address": address_form(name, self.lang),
        }
        key = no_team_key(content, key, self.situation.care_team)
        return content.text(key, self.lang, {**base, **variables})

    def say(self, key: str, buttons: list[Button] | None = None, **variables: Any) -> None:
        self.said.append(key)
        self.replies.append(
            Outgoing(self.chat_id, self.text(key, **variables), one_per_row(buttons or []))
        )

    def env(self) -> Env:
        thresholds = self.services.catalog.escalation.thresholds
        variables: dict[str, Any] = {
            "language": self.lang,
            "epds_possible": thresholds.get("epds_possible", 10),
            "epds_routine": thresholds.get("epds_routine", 13),
        }
        if self.mother is not None:
            variables.update(
                name=self.mother.name or "",
                checkin_time=self.mother.checkin_time,
                timezone=self.mother.timezone or self.services.config.timezone,
            )
            if self.mother.baby_birth_date:
                days = (self.local_today() - date.fromisoformat(self.mother.baby_birth_date)).days
                variables.update(days_postpartum=days, weeks_postpartum=days // 7)
        return Env(
            lang=self.lang,
            today=self.local_today(),
            variables=variables,
            clinic=self.clinic(),
            care_team=self.situation.care_team,
        )

    async def reload_mother(self) -> None:
        self.mother = await mothers.by_chat(self.tx, self.chat_id)

    async def store_pending_answers(self) -> None:
        """Answers given before consent live only in the session; consent lets them be kept."""
        for event in self.unstored:
            await dialog.add_answer(
                self.tx, self.mother_id, event.flow, event.key, event.value, self.now
            )
        self.unstored.clear()

    async def erase_mother(self) -> None:
        if self.mother is None:
            return
        await mothers.delete(self.tx, self.mother.id)
        self.mother = None

    def render(self, events: list[Event]) -> list[Outgoing]:
        """Turn the engine's Say/Ask events into messages; other events are applied elsewhere."""
        out = []
        for event in events:
            if isinstance(event, Say) and event.text.strip():
                out.append(Outgoing(self.chat_id, event.text))
            elif isinstance(event, Ask):
                text = f"{event.text}\n\n{event.hint}" if event.hint else event.text
                buttons = [
                    Button(label, ButtonRef.answer(event.seq, index))
                    for index, label in enumerate(event.options)
                ]
                out.append(Outgoing(self.chat_id, text, one_per_row(buttons)))
        return out

    def know_session(self, stored: StoredSession | None) -> None:
        """Remember her session as the database now holds it (read with her row, or just
        written), so the turn does not read it again."""
        self._session_of = self.mother
        self._session = stored

    async def session(self) -> StoredSession | None:
        """Her session as this turn last read or wrote it: one read a turn at most. Tied to
        the ``Mother`` object, so a mother created, reloaded or erased meanwhile reads afresh."""
        if self.mother is None:
            return None
        if self._session_of is not self.mother:
            self.know_session(await dialog.load_session(self.tx, self.mother.id))
        return self._session

    async def save_session(self, state: SessionState | None, paused: bool = False) -> None:
        if self.mother is None:
            return
        await dialog.save_session(self.tx, self.mother_id, state, self.now, paused)
        self.know_session(None if state is None else StoredSession(state, paused))
        if state is not None and state.seq > self.mother.ask_seq:
            await mothers.update(self.tx, self.mother_id, self.now, ask_seq=state.seq)
            self.mother.ask_seq = state.seq

    async def defer(self, messages: list[Outgoing]) -> None:
        """Hold back what the flow would have said after a crisis reply, until she continues."""
        if self.mother is None or not messages:
            return
        payload = [message_to_json(message) for message in messages]
        await deferred.hold(self.tx, self.mother_id, json.dumps(payload, ensure_ascii=False))

    async def take_deferred(self) -> list[Outgoing]:
        if self.mother is None:
            return []
        payload = await deferred.held(self.tx, self.mother_id)
        await self.clear_deferred()
        if payload is None:
            return []
        return [message_from_json(self.chat_id, item) for item in json.loads(payload)]

    async def clear_deferred(self) -> None:
        if self.mother is not None:
            await deferred.clear(self.tx, self.mother_id)

    def result(self) -> list[Outgoing]:
        return self.crisis + self.replies

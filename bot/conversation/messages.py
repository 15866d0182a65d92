"""Adapter-neutral messages: what arrives from a mother or staff, and what goes back.

The Telegram and terminal adapters translate to and from these, so the conversation service
never imports Telegram and the terminal chat runs exactly the same logic.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.priority import Priority

StillWanted = Callable[[], Awaitable[bool]]

# What a button means. Answer buttons carry the question number so stale ones are refused.
ButtonKind = Literal["answer", "menu", "staff"]


@dataclass(frozen=True)
class ButtonRef:
    """What a button means; made by :meth:`answer`, :meth:`staff` or :meth:`menu`, each kind
    with its own fields (the others stay empty)."""

    kind: ButtonKind
    question_seq: int = 0  # answer: the question it answers, so a stale button is refused
    option_index: int = 0  # answer: which option
    alert_id: int = 0  # staff
    action_index: int = 0  # staff: Acknowledge, Contacted, Resolved (or open the case)
    action: str = ""  # menu: action name such as "continue" or "learn:self_care"

    @classmethod
    def answer(cls, question_seq: int, option_index: int) -> ButtonRef:
        return cls("answer", question_seq=question_seq, option_index=option_index)

    @classmethod
    def staff(cls, alert_id: int, action_index: int) -> ButtonRef:
        return cls("staff", alert_id=alert_id, action_index=action_index)

    @classmethod
    def menu(cls, action: str) -> ButtonRef:
        return cls("menu", action=action)


@dataclass(frozen=True)
class Button:
    label: str
    ref: ButtonRef


@dataclass(frozen=True)
class Author:
    """Who wrote or pressed: the chat it came from and the person in it (a staff group's
    member is not the chat)."""

    chat_id: int
    user_id: int
    first_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    chat_type: str = "private"


IncomingKind = Literal["text", "command", "button", "invalid_button", "other"]


@dataclass(frozen=True)
class Incoming:
    author: Author
    kind: IncomingKind
    text: str = ""
    command: str = ""
    args: str = ""
    button: ButtonRef | None = None
    other: str = ""
    update_id: int | None = None
    message_id: int | None = None
    chat_move: tuple[int, int] | None = None  # a group upgraded: (old chat id, new chat id)


@dataclass(frozen=True)
class Outgoing:
    chat_id: int
    text: str = ""
    buttons: tuple[tuple[Button, ...], ...] = ()
    photo: bytes | None = None
    document: tuple[str, bytes] | None = None
    priority: Priority = Priority.ROUTINE  # urgent: before every reply and prompt
    edit_message_id: int | None = None
    html: bool = False
    notice: str = ""  # a short pop-up answer to a pressed button
    # Asked right before each attempt to send; False withdraws the message (bot/delivery.py).
    still_wanted: StillWanted | None = field(default=None, compare=False, repr=False)
    # The durable copy of this message in the outbox (a consented mother's crisis reply): the
    # sender's success marks that row sent, else the outbox worker delivers it after a grace.
    outbox_id: int | None = field(default=None, compare=False)


def one_per_row(buttons: list[Button]) -> tuple[tuple[Button, ...], ...]:
    """Long answer labels (EPDS options) read best one per row on a phone."""
    return tuple((button,) for button in buttons)


# A stored message keeps each button as [label, kind, first, second, action]: the two numbers
# are the question and option of an answer button, the alert and action of a staff one. Used
# for what a crisis reply held back (``deferred_messages``) and for the crisis reply's outbox
# row, so one encoding is read back in both places.
def message_to_json(message: Outgoing) -> dict[str, Any]:
    rows = [
        [[b.label, b.ref.kind, *_numbers(b.ref), b.ref.action] for b in row]
        for row in message.buttons
    ]
    return {"text": message.text, "buttons": rows}


def message_from_json(chat_id: int, data: dict[str, Any]) -> Outgoing:
    rows = tuple(
        tuple(
            Button(label, _ref(kind, first, second, action))
            for label, kind, first, second, action in row
        )
        for row in data["buttons"]
    )
    return Outgoing(chat_id, data["text"], rows)


def _numbers(ref: ButtonRef) -> tuple[int, int]:
    if ref.kind == "answer":
        return ref.question_seq, ref.option_index
    if ref.kind == "staff":
        return ref.alert_id, ref.action_index
    return 0, 0


def _ref(kind: str, first: int, second: int, action: str) -> ButtonRef:
    if kind == "answer":
        return ButtonRef.answer(first, second)
    if kind == "staff":
        return ButtonRef.staff(first, second)
    return ButtonRef.menu(action)

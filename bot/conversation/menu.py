"""Menu buttons that are not answers to a question: "more on this topic", "start it over"...

A menu button carries a short action string (``learn:self_care``); the part before the colon
names a handler in the table the service holds (``bot/conversation/menu_actions.py``), the rest
is its argument. Telegram
allows 64 bytes of callback data including a 10-character signature, so actions stay short.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.conversation.turn import Turn

MenuHandler = Callable[["Turn", str], Awaitable[None]]


def menu_ref(name: str, argument: str = "") -> str:
    """The action string for a button; the inverse of :func:`run_menu_action`'s parsing."""
    return f"{name}:{argument}" if argument else name


async def run_menu_action(turn: Turn, action: str, handlers: Mapping[str, MenuHandler]) -> bool:
    """Run the action's handler; False when the action is unknown (an outdated button)."""
    name, _, argument = action.partition(":")
    handler = handlers.get(name)
    if handler is None:
        return False
    if not turn.consented:
        turn.say("ui.need_consent")
        return True
    await handler(turn, argument)
    return True

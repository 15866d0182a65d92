"""Keeping what she writes: every text, caption or edit, with what the bot did with it.

Called once per update, after routing, in the turn's transaction: her words commit with the
alert they triggered, or not at all. Nothing is kept before she consented (nor after /delete or
a withdrawal in the same turn). Buttons and bare commands are not her words and are not kept;
the words she adds after a command are ("/help I can't sleep").
"""

from __future__ import annotations

from bot.conversation.turn import Turn
from bot.storage import messages
from bot.storage.dialog import StoredSession


def message_kind(turn: Turn) -> str | None:
    """``text``, ``caption``, ``edit`` or ``command`` (words after one: "/help I can't") for
    an update that carries her words, else None."""
    incoming = turn.incoming
    if incoming.kind == "command":
        return "command" if incoming.args.strip() else None
    if not incoming.text.strip():
        return None
    if incoming.kind == "text":
        return "text"
    if incoming.kind == "other":
        return "edit" if incoming.other == "edited" else "caption"
    return None


def _written(turn: Turn, kind: str) -> str:
    incoming = turn.incoming
    if kind == "command":
        return f"/{incoming.command} {incoming.args.strip()}"
    return incoming.text


def handled_label(turn: Turn, before: StoredSession | None) -> str:
    """What the bot did, in a few words staff can read: the crisis reply, what the free-text
    screening answered, the key of the reply she got, or the flow step that took it."""
    if turn.crisis_fired:
        return "crisis_reply"
    if turn.outcome:  # the free-text screening's answer: distress, topic:<id>, unmatched
        return turn.outcome
    if turn.said:
        return turn.said[-1]
    if turn.incoming.kind == "command":
        return f"command:{turn.incoming.command}"
    if before is not None and before.state.waiting and not before.paused:
        where = f"{before.state.flow}.{before.state.step}"
        return f"answer:{where}" if turn.incoming.kind == "text" else f"during:{where}"
    return "none"


async def record_message(
    turn: Turn, before: StoredSession | None, label: str | None = None
) -> int | None:
    """Store her message if she consented; ``label`` overrides the derived one."""
    kind = message_kind(turn)
    if kind is None or not turn.consented or turn.mother is None:
        return None
    return await messages.add(
        turn.tx,
        turn.mother.id,
        _written(turn, kind),
        label or handled_label(turn, before),
        turn.now,
        kind=kind,
    )

"""The crisis reply's durable copy: the help lines reach her even if the bot dies after COMMIT.

The crisis reply goes to the sender at once, first (the fast path). But the turn is recorded
as processed when it commits, so Telegram's update is never handled again: if the process dies
after COMMIT and before Telegram accepted the reply (kill -9, OOM, power, a 429 holding it in
the sender's queue at shutdown), the fast path alone would lose it. So for a mother who
consented, the same message is also written to the outbox in the turn's transaction, due
:data:`GRACE` later:

- the fast path delivered it: the row is marked sent (:func:`confirm`) and never sent again;
- the fast path failed (she blocked the bot, Telegram refused the text): the row is due now
  (:func:`hand_to_outbox`), and the outbox worker goes on with its usual reactions (a refused
  text goes plain; an unreachable chat ends ``dead``);
- neither within the grace (the process died, or a 429 still holds it): the worker delivers
  it, with the outbox's retries.

A process that died after Telegram accepted the reply and before the mark leaves the row
pending: she then gets the reply twice. That is accepted: a second copy of the help lines is
far better than none. Before consent nothing may be stored, so a stranger's crisis reply (an
"I want to die" before /start) stays best-effort, as the fast path alone.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.conversation.messages import Outgoing, message_from_json, message_to_json
from bot.priority import CRISIS_REPLY_OUTBOX_PLACE, Priority
from bot.storage import alerts
from bot.storage.alerts import OutboxItem
from bot.storage.tx import Store, Tx

CRISIS_REPLY = "crisis_reply"  # the outbox kind
# How long the fast path has to confirm before the worker sends the copy: a send takes well
# under a second; a 429 on her chat (about a second per message) rarely holds one longer.
GRACE = timedelta(seconds=15)


async def keep(tx: Tx, mother_id: int, message: Outgoing, now: datetime) -> int:
    """Write the durable copy in the turn's transaction; returns its outbox row."""
    return await alerts.enqueue(
        tx,
        CRISIS_REPLY,
        CRISIS_REPLY_OUTBOX_PLACE,
        message_to_json(message),
        now,
        mother_id=mother_id,
        chat_id=message.chat_id,
        due=now + GRACE,
    )


def message_of(item: OutboxItem) -> Outgoing:
    """The stored reply, as the fast path sent it (urgent, her chat, the same buttons)."""
    assert item.chat_id is not None
    return replace(message_from_json(item.chat_id, item.payload), priority=Priority.URGENT)


async def confirm(store: Store, item_id: int, message_id: int | None, now: datetime) -> None:
    """The fast path delivered it: a small transaction of its own, so the worker never sends
    the copy."""
    async with store.transaction() as tx:
        await alerts.mark_sent(tx, item_id, message_id, now)


async def hand_to_outbox(store: Store, item_id: int, error: str, now: datetime) -> None:
    """The fast path gave up: the outbox worker takes over now rather than after the grace."""
    async with store.transaction() as tx:
        if await alerts.item_status(tx, item_id) == "pending":
            await alerts.mark_retry(tx, item_id, f"fast path: {error}", now)


async def take_over(store: Store, started: datetime, now: datetime) -> int:
    """At the outbox worker's start: copies written before it started have no fast path in
    this process (it died with the one before), so they are due now, not at their grace's
    end, and go out in the same sweep as the alerts of their turns, before them. With
    several workers on PostgreSQL, a worker starting while another's fast path is under way
    may send that copy too: a duplicate, never a loss."""
    async with store.transaction() as tx:
        return await alerts.bring_forward(tx, CRISIS_REPLY, started, now)

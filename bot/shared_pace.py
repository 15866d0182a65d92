"""One sending pace for several workers: the sender asks it before each request.

Telegram's limits are the bot's, not a process's: 30 messages a second overall (or the paid
broadcast rate configured) and about one a second per chat. With several workers on one
PostgreSQL, each sender keeps its own lanes and in-memory pacer, and before each request also
books a slot in the database (``bot/storage/pace.py``), so the sum of all workers keeps the
limits. On SQLite there is one process and no shared pace: its in-memory pacer is the pace.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from bot.pacing import LATE_TOLERANCE
from bot.storage import pace
from bot.storage.pace import Booking
from bot.storage.tx import Store

# Slots booked on the database's clock leave from different processes, each a few milliseconds
# after its booking and not by the same few: two requests booked 33 ms apart can reach Telegram
# closer together, and no process's own sliding-second guard sees the other's requests. Spacing
# the shared slots 10% apart (rather than the in-memory pacer's 3%) leaves 110 ms of that jitter
# in any second before a 31st message could arrive (a 2-worker benchmark run saw three 429s at 3%).
SHARED_HEADROOM = 0.90
PER_CHAT_SECONDS = 1.0
CHAT_HOLD_SECONDS = 30.0  # a chat's slot while its message is under way (a dead worker's: this)
HELD_RECHECK_SECONDS = 0.25  # her message is under way elsewhere: its answer frees her soon


class SharedPace(Protocol):
    async def book(self, chat_id: int, *, per_chat: bool) -> Booking:
        """A slot for one request to ``chat_id`` now, or how long to wait for one;
        ``per_chat``: keep one second since her chat's last message."""
        ...

    async def sent(self, chat_id: int) -> None:
        """Telegram answered a request to ``chat_id`` (whatever it said)."""
        ...


class DatabasePace:
    """Slots ``1 / (rate × headroom)`` apart on the database's clock, as the in-memory pacer
    spaces them, for all workers together."""

    def __init__(self, store: Store, rate: float, headroom: float = SHARED_HEADROOM) -> None:
        self.store = store
        self.step = 1.0 / (rate * headroom)

    async def book(self, chat_id: int, *, per_chat: bool) -> Booking:
        async with self.store.reading() as tx:  # one statement, atomic on its own
            booking = await pace.book_send(
                tx,
                chat_id,
                per_chat=per_chat,
                step=self.step,
                chat_hold=CHAT_HOLD_SECONDS,
                late=LATE_TOLERANCE,
            )
        if booking.chat_wait > PER_CHAT_SECONDS:  # held, not booked: ask again soon
            return replace(booking, chat_wait=HELD_RECHECK_SECONDS)
        return booking

    async def sent(self, chat_id: int) -> None:
        """Her second counts from the answer, as the in-memory sender counts it: the request
        arrived before it, so the next one, a second later, arrives more than a second later."""
        async with self.store.reading() as tx:
            await pace.sent(tx, chat_id, PER_CHAT_SECONDS)


def shared_pace_for(store: Store, rate: float) -> SharedPace | None:
    """The database's pace when several workers may share it (PostgreSQL), else None."""
    return DatabasePace(store, rate) if store.dialect == "postgres" else None

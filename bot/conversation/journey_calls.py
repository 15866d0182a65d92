"""The host actions of the mother's journey: /learn, /mood, /export and /delete.

Each is named in a flow (``call: learn_next``), listed in the registry (``host_calls.py``) and
checked by ``main.py check``; the work is done in the modules they call, so this file is just
the entries.
"""

from __future__ import annotations

from functools import partial

from bot.conversation import learn_menu, mood_chart
from bot.conversation.messages import Outgoing
from bot.conversation.turn import Turn
from bot.storage import erase, export


async def learn_next(turn: Turn) -> list[Outgoing]:
    """The next unseen read and the topic menu."""
    return await learn_menu.learn_next(turn)


async def show_mood_chart(turn: Turn) -> list[Outgoing]:
    """Her mood chart (sent after COMMIT) or a kind note that there is nothing yet."""
    return await mood_chart.mood_chart(turn)


async def export_my_data(turn: Turn) -> list[Outgoing]:
    """Everything stored about her, as a JSON document."""
    if turn.mother is None:
        return []
    data = await export.collect(turn.tx, turn.mother.id, turn.now)
    document = export.as_file(data, turn.local_today().isoformat())
    return [Outgoing(turn.chat_id, document=document)]


async def erase_my_data(turn: Turn) -> list[Outgoing]:
    """Erase her; after COMMIT the store reclaims the freed space, so no copy of her rows
    survives there (the WAL on SQLite, dead row versions on PostgreSQL)."""
    if turn.mother is None:
        return []
    await erase.erase_mother(turn.tx, turn.mother.id, turn.now)
    turn.mother = None
    turn.unstored.clear()
    turn.after_commit.append(partial(erase.forget_freed, turn.services.db))
    return []

"""The host actions of the mother's journey: /learn, /mood, /export and /delete.

Each is named in a flow (``call: learn_next``), listed in the registry (``host_calls.py``) and
checked by ``main.py check``; the work is done in the modules they call, so this file is just
the entries.
"""

from __future__ import annotations

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
    """Erase her; the WAL is checkpointed after COMMIT so no copy of her pages survives."""
    if turn.mother is None:
        return []
    await erase.erase_mother(turn.tx, turn.mother.id, turn.now)
    turn.mother = None
    turn.unstored.clear()
    turn.after_commit.append(turn.services.db.checkpoint)
    return []

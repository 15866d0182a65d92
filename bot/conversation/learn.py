"""Showing psychoeducation snippets and remembering which ones she has read."""

from __future__ import annotations

from bot.content.snippets import next_unseen, snippet_text, snippets
from bot.conversation.messages import Outgoing
from bot.conversation.turn import Turn
from bot.storage import snippet_views


async def seen_ids(turn: Turn) -> set[str]:
    if turn.mother is None:
        return set()
    return await snippet_views.seen(turn.tx, turn.mother_id)


async def next_snippet(
    turn: Turn, topic: str | None, snippet_id: str | None = None
) -> Outgoing | None:
    """The next unseen snippet of ``topic`` (or ``snippet_id``), marked read; None if none is
    left. The caller places the message: among a flow's texts, under an acknowledgement, or
    with an introduction.

    With both, the named snippet is a preference (a check-in's "guilt" answer prefers the text
    on expectations): once she has read it, the topic's next unseen snippet is shown instead,
    so a daily check-in never repeats the same text.
    """
    content = turn.services.catalog.content
    all_snippets = snippets(content)
    seen = await seen_ids(turn)
    chosen = next((s for s in all_snippets if s.id == snippet_id), None)
    if snippet_id is None or (topic is not None and (chosen is None or chosen.id in seen)):
        chosen = next_unseen(all_snippets, seen, topic)
    if chosen is None:
        return None
    if turn.consented:
        await snippet_views.mark_seen(turn.tx, turn.mother_id, chosen.id, turn.now)
    return Outgoing(turn.chat_id, snippet_text(content, chosen, turn.lang))

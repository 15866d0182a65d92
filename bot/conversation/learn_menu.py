"""/learn: the next unseen read, a topic menu, and starting a finished topic over.

Reads are never repeated until every read of a topic has been seen (``snippet_views``); when a
topic is finished she is told so kindly and may start it over, which forgets only that topic's
views. The words come from ``content/learn.yaml`` and the topic names from ``snippets.yaml``.
"""

from __future__ import annotations

from dataclasses import replace

from bot.content.snippets import next_unseen, snippets, topics
from bot.conversation.learn import next_snippet, seen_ids
from bot.conversation.menu import menu_ref
from bot.conversation.messages import Button, ButtonRef, Outgoing, one_per_row
from bot.conversation.turn import Turn
from bot.storage import snippet_views

READ = "learn"  # learn:<topic> — the next unseen read of that topic
RESTART = "learn_reset"  # learn_reset:<topic> — forget that topic's views, then read
MENU = "learn_menu"  # the topic menu


def _button(turn: Turn, key: str, action: str, **variables: str) -> Button:
    return Button(turn.text(key, **variables), ButtonRef.menu(action))


def _topic_name(turn: Turn, topic: str) -> str:
    return turn.text(f"snippets.topics.{topic}")


async def topic_menu(turn: Turn, key: str) -> Outgoing:
    """The menu message: every topic as a button, finished ones marked."""
    all_snippets = snippets(turn.services.catalog.content)
    seen = await seen_ids(turn)
    buttons = []
    for topic in topics(turn.services.catalog.content):
        label = _topic_name(turn, topic)
        if next_unseen(all_snippets, seen, topic) is None:
            label = turn.text("learn.finished_topic_label", topic=label)
        buttons.append(Button(label, ButtonRef.menu(menu_ref(READ, topic))))
    return Outgoing(turn.chat_id, turn.text(key), one_per_row(buttons))


async def learn_next(turn: Turn) -> list[Outgoing]:
    """/learn: the first read she has not seen in any topic, then the topic menu."""
    snippet = await next_snippet(turn, None)
    menu = await topic_menu(turn, "learn.menu" if snippet else "learn.all_read")
    return [menu] if snippet is None else [snippet, menu]


def _known_topic(turn: Turn, topic: str) -> bool:
    if topic in topics(turn.services.catalog.content):
        return True
    turn.say("ui.expired")  # a button from before the topics were renamed
    return False


async def read_topic(turn: Turn, topic: str) -> None:
    """The next unseen read of ``topic`` with "more" and "other topics" under it."""
    if not _known_topic(turn, topic):
        return
    snippet = await next_snippet(turn, topic)
    if snippet is not None:
        turn.replies.append(snippet)
        _help_lines(turn, topic)
        buttons = [
            _button(turn, "learn.more_button", menu_ref(READ, topic)),
            _button(turn, "learn.topics_button", MENU),
        ]
        turn.replies[-1] = replace(turn.replies[-1], buttons=one_per_row(buttons))
        return
    _help_lines(turn, topic)
    name = _topic_name(turn, topic)
    buttons = [
        _button(turn, "learn.restart_button", menu_ref(RESTART, topic), topic=name),
        _button(turn, "learn.topics_button", MENU),
    ]
    turn.say("learn.topic_done", buttons, topic=name)


def _help_lines(turn: Turn, topic: str) -> None:
    """In the topics of ``learn.with_help_lines`` ("When it's urgent"), every help line."""
    if topic in (turn.services.catalog.content.lookup("learn.with_help_lines") or ()):
        turn.say("clinic.crisis.resources")


async def restart_topic(turn: Turn, topic: str) -> None:
    """Forget which reads of ``topic`` she has seen, and show its first one again."""
    if not _known_topic(turn, topic):
        return
    ids = [s.id for s in snippets(turn.services.catalog.content) if topic in s.topics]
    await snippet_views.forget(turn.tx, turn.mother_id, ids)
    await read_topic(turn, topic)


async def show_menu(turn: Turn, _argument: str) -> None:
    turn.replies.append(await topic_menu(turn, "learn.menu"))

"""How urgently something must reach its reader, and the queue places that follow from it.

One word, spelled once: an escalation rule's ``priority`` (``content/escalation.yaml``), the
stored alert's, and the message that carries it (``Outgoing.priority``). The two queues that
order deliveries — outbox rows in the database and the sender's lanes in memory — derive their
places from it here, so "urgent goes first" cannot mean one thing in one queue and another in
the other.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Priority(StrEnum):
    URGENT = "urgent"
    ROUTINE = "routine"


class Lane(IntEnum):
    """The sender's queues, most urgent first: crisis replies and urgent staff alerts; replies
    to her own messages (and routine staff alerts); scheduled prompts."""

    URGENT = 0
    REPLY = 1
    SCHEDULED = 2


# Outbox rows are taken in this order (``outbox.priority``, lowest first); a notice to a
# mother that her alert reached the team goes between urgent and routine alerts. Her crisis
# reply (the durable copy, ``bot/safety/crisis_reply.py``) goes before every alert: the help
# lines reach her before the team is told, also when the outbox sends both after a restart.
_OUTBOX_PLACE = {Priority.URGENT: 0, Priority.ROUTINE: 5}
NOTICE_OUTBOX_PLACE = 1
CRISIS_REPLY_OUTBOX_PLACE = -1


def outbox_place(priority: Priority) -> int:
    return _OUTBOX_PLACE[priority]


def send_lane(priority: Priority) -> Lane:
    return Lane.URGENT if priority == Priority.URGENT else Lane.REPLY

"""How far a pattern can reach across words, and refusing repeats that would make it slow."""

from __future__ import annotations

from typing import Any

from bot.safety.lexicon import sre
from bot.safety.lexicon.patterns import PatternError

FAR = 10**6  # "no bound": the whole message is scanned


def measure(items: sre.Tree) -> tuple[bool, int]:
    """Can this part of a regex match a space, and across how many spaces at most (its reach)?

    One bottom-up pass that also refuses unbounded repeats that can run across words (``.*``,
    ``[^x]+``, ``(\\w+ )+``): on a 20,000-character message such a repeat rescans the rest of
    the text from every word; a bounded gap like ``(\\w+ ){0,3}`` says the same thing safely.
    The reach counts look-arounds too; :data:`FAR` means "no bound".
    """
    spans, total = False, 0
    for op, arg in items:
        if op in sre.REPEATS:
            inner_spans, inner = measure(arg[2])
            if arg[1] == sre.MAXREPEAT and inner_spans:
                raise PatternError(
                    "an unbounded repeat that can run across words (like .* or (\\w+ )+) makes "
                    "long messages slow; use a bounded gap such as (\\w+ ){0,3}"
                )
            spans = spans or inner_spans
            total += inner * arg[1] if inner else 0
        elif op in sre.GROUPS or op in sre.LOOKAROUNDS:
            measured = [measure(sub) for sub in sre.children(op, arg)]
            spans = spans or any(m[0] for m in measured)
            total += max((m[1] for m in measured), default=0)
        elif _leaf_spans(op, arg):
            spans = True
            total += 1
    return spans, min(total, FAR)


def _leaf_spans(op: Any, arg: Any) -> bool:
    """Can this single node (not a group or repeat) match a space?"""
    if op is sre.ANY or op is sre.NOT_LITERAL or (op is sre.LITERAL and arg == sre.SPACE):
        return True
    return op is sre.IN and any(
        kind is sre.NEGATE
        or (kind is sre.CATEGORY and value not in sre.WORDY_CATEGORIES)
        or (kind is sre.LITERAL and value == sre.SPACE)
        or (kind is sre.RANGE and value[0] <= sre.SPACE <= value[1])
        for kind, value in arg
    )

"""Anchors: the word beginnings that every match of a pattern must contain.

"(want|wish) to die" needs a word beginning "want" or "wish", one beginning "to" and one
beginning "die"; a message lacking any one of them is never scanned by that pattern. Being wrong
here would hide a crisis, so every step is conservative: anything unclear gives no set, which
only costs speed.
"""

from __future__ import annotations

from typing import Any

from bot.safety.lexicon import sre

HEAD = 5  # anchors are word beginnings of at most this many letters
_MAX_HEADS = 400
# Words so frequent that anchoring on them saves nothing ("хочу" in "хочу померти" is a worse
# anchor than "померти"). Only speed depends on this list, never what is detected.
_COMMON_WORDS = {
    "en": "i im id a an the to and or but so my me it its is was be been am are he she they we "
    "you him her his this that what just dont not no do have had in on at of for with want wana "
    "like fel think know can cant wil would could get go going gona realy time baby day night "
    "slep today now al when if how",
    "uk": "я не і й та а але що шо як це то так вже ще мене мені мій моя моє він вона воно вони ми "
    "ви ти його її їй йому в у на з із зі до від за по про хочу дуже все усе дитина дитину "
    "дитині малий коли бо би б є був була буде може можу треба теж тут там сьогодні ніч",
    "ru": "и но что это уже еще меня мне мой он она они мы вы его ее ей ему с из от о очень "
    "ребенок ребенка когда бы есть был была будет могу надо тоже сегодня ночь",
}
_COMMON_HEADS = frozenset(
    word[:n]
    for words in _COMMON_WORDS.values()
    for word in words.split()
    for n in range(1, HEAD + 1)
)


def anchors(tree: sre.Tree) -> tuple[frozenset[str], ...]:
    """Sets of word beginnings (≤ 5 letters): every match contains a word from each set.

    "(be dead|stop living)" needs "dead" or "livin". Rarest-looking first.
    """
    slots = _slots(tree, True, 0)
    return tuple(sorted(set(slots), key=cost))


def cost(heads: frozenset[str]) -> int:
    """A guess at how often some word begins with one of ``heads``: short and common is bad."""
    return sum(8 ** (HEAD - len(h)) + (4096 if h in _COMMON_HEADS else 0) for h in heads)


def _slots(items: sre.Tree, word_start: bool, depth: int) -> list[frozenset[str]]:
    """Every set of word beginnings that a match of ``items`` must contain one of."""
    slots: list[frozenset[str]] = []
    if depth > 20:
        return slots
    for index, (op, arg) in enumerate(items):
        if op in sre.ZERO_WIDTH:
            continue
        if word_start:
            heads = _heads(items[index:], "", 0)
            if heads:
                slots.append(frozenset(heads))
        if op in sre.GROUPS:
            options = [_slots(sub, word_start, depth + 1) for sub in sre.children(op, arg)]
            if all(options):
                merged = frozenset[str]().union(*(min(option, key=cost) for option in options))
                if len(merged) <= _MAX_HEADS:
                    slots.append(merged)
        elif op in sre.REPEATS and arg[0] >= 1:
            slots += _slots(arg[2], word_start, depth + 1)
        word_start = _word_start_after(word_start, op, arg)
    return slots


def _word_start_after(word_start: bool, op: Any, arg: Any) -> bool:
    """Is a new word certainly starting after this node?"""
    if op is sre.LITERAL:
        return bool(arg == sre.SPACE)
    if op in sre.REPEATS:
        ends = _ends_with_space(arg[2])
        return (word_start and ends) if arg[0] == 0 else ends
    if op in sre.GROUPS:
        return all(_ends_with_space(sub) for sub in sre.children(op, arg))
    return False


def _ends_with_space(items: sre.Tree) -> bool:
    for op, arg in reversed(items):
        if op in sre.ZERO_WIDTH:
            continue
        if op is sre.LITERAL:
            return bool(arg == sre.SPACE)
        if op in sre.REPEATS:
            return bool(arg[0] > 0 and _ends_with_space(arg[2]))
        if op in sre.GROUPS:
            return all(_ends_with_space(sub) for sub in sre.children(op, arg))
        return False
    return False


def _heads(items: sre.Tree, acc: str, depth: int) -> set[str] | None:
    """Possible beginnings of the word a match of ``items`` starts with, given ``acc`` so far."""
    fallback = {acc} if acc else None
    if len(acc) >= HEAD or depth > 40:
        return fallback
    for index, (op, arg) in enumerate(items):
        if op in sre.ZERO_WIDTH:
            continue
        rest = items[index + 1 :]
        if op is sre.LITERAL:
            return fallback if arg == sre.SPACE else _heads(rest, acc + chr(arg), depth + 1)
        if op is sre.IN and all(kind is sre.LITERAL and value != sre.SPACE for kind, value in arg):
            return _union([_heads(rest, acc + chr(value), depth + 1) for _, value in arg], acc)
        if op in sre.GROUPS:
            options = [_heads(sub + rest, acc, depth + 1) for sub in sre.children(op, arg)]
            return _union(options, acc)
        if op in sre.REPEATS:
            if arg[1] == 0:
                continue
            return _repeat_heads(op, arg, rest, acc, depth, fallback)
        return fallback
    return fallback


def _repeat_heads(
    op: Any, arg: Any, rest: sre.Tree, acc: str, depth: int, fallback: set[str] | None
) -> set[str] | None:
    """:func:`_heads` through a repeat: one more round of it, or (when optional) none."""
    low, high, inner = arg
    more = [(op, (max(low - 1, 0), high if high == sre.MAXREPEAT else high - 1, inner))]
    taken = _heads(inner + (more if high != 1 else []) + rest, acc, depth + 1)
    if low > 0:
        return taken if taken is not None else fallback
    return _union([taken, _heads(rest, acc, depth + 1)], acc)


def _union(options: list[set[str] | None], acc: str) -> set[str] | None:
    if any(option is None for option in options):
        return {acc} if acc else None
    merged: set[str] = set().union(*(o for o in options if o is not None))
    if len(merged) > _MAX_HEADS:
        return {acc} if acc else None
    return merged

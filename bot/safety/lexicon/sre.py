"""CPython's private regex parser and compiler, used in this one module only.

Each pattern is parsed once, and that one tree is both analysed (:mod:`.reach`, :mod:`.anchors`)
and compiled: parsing was most of what building the lexicon cost, and the public ``re`` API
would parse every pattern twice. The price is reliance on ``re._parser``, ``re._compiler`` and
``re._constants``, which may change between Python versions. Every name and tree shape used
here is pinned by ``tests/safety/lexicon/test_sre.py``, so such a change fails a named test
rather than quietly hiding a crisis behind a wrong anchor.
"""

from __future__ import annotations

import re
from re import _compiler, _constants, _parser  # type: ignore[attr-defined]
from typing import Any

# A parsed node is ``(op, arg)``; the shape of ``arg`` depends on ``op`` (see :func:`children`).
Node = tuple[Any, Any]
Tree = list[Node]

ANY = _constants.ANY
ASSERT = _constants.ASSERT
ASSERT_NOT = _constants.ASSERT_NOT
AT = _constants.AT
ATOMIC_GROUP = _constants.ATOMIC_GROUP
BRANCH = _constants.BRANCH
CATEGORY = _constants.CATEGORY
IN = _constants.IN
LITERAL = _constants.LITERAL
MAX_REPEAT = _constants.MAX_REPEAT
MAXREPEAT = _constants.MAXREPEAT
MIN_REPEAT = _constants.MIN_REPEAT
NEGATE = _constants.NEGATE
NOT_LITERAL = _constants.NOT_LITERAL
POSSESSIVE_REPEAT = _constants.POSSESSIVE_REPEAT
RANGE = _constants.RANGE
SUBPATTERN = _constants.SUBPATTERN

REPEATS = (MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT)
ZERO_WIDTH = (AT, ASSERT, ASSERT_NOT)
GROUPS = (BRANCH, SUBPATTERN, ATOMIC_GROUP)
LOOKAROUNDS = (ASSERT, ASSERT_NOT)
# Character classes that can never match a space.
WORDY_CATEGORIES = (
    _constants.CATEGORY_WORD,
    _constants.CATEGORY_DIGIT,
    _constants.CATEGORY_NOT_SPACE,
)
SPACE = ord(" ")

_WORD_END = list(_parser.parse(r"(?!\w)"))


def parse(prepared: str) -> Any:
    """The parsed tree of a prepared pattern (``re``'s SubPattern); raises ``re.error``."""
    return _parser.parse(prepared)


def compile_words(tree: Any) -> re.Pattern[str]:
    """Compile a parsed pattern as `` (?:…)(?!\\w)``: whole words, after a leading space.

    The leading space stands for the word boundary: a lookbehind would keep ``re`` from
    skipping quickly to the places where a pattern can start.
    """
    wrapped = _parser.SubPattern(
        tree.state, [(LITERAL, SPACE), (SUBPATTERN, (None, 0, 0, tree)), *_WORD_END]
    )
    regex: re.Pattern[str] = _compiler.compile(wrapped)
    return regex


def plain(items: Any) -> Tree:
    """The parsed tree as nested lists: ``re``'s SubPattern indexes slowly, and the analysis
    walks each tree many times."""
    out: Tree = []
    for op, arg in items:
        if op in REPEATS:
            arg = (arg[0], arg[1], plain(arg[2]))
        elif op is SUBPATTERN:
            arg = (*arg[:3], plain(arg[3]))
        elif op is BRANCH:
            arg = (arg[0], [plain(sub) for sub in arg[1]])
        elif op in LOOKAROUNDS:
            arg = (arg[0], plain(arg[1]))
        elif op is ATOMIC_GROUP:
            arg = plain(arg)
        out.append((op, arg))
    return out


def children(op: Any, arg: Any) -> list[Tree]:
    """The nested op lists of one node of a :func:`plain` tree."""
    if op in REPEATS:
        return [arg[2]]
    if op is SUBPATTERN:
        return [arg[3]]
    if op is BRANCH:
        return list(arg[1])
    if op in LOOKAROUNDS:
        return [arg[1]]
    if op is ATOMIC_GROUP:
        return [arg]
    return []

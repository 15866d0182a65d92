"""A prepared pattern compiled for matching, with what analysis learnt about it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.safety.lexicon import sre
from bot.safety.lexicon.anchors import anchors as find_anchors
from bot.safety.lexicon.patterns import PatternError
from bot.safety.lexicon.reach import measure


@dataclass(frozen=True)
class Compiled:
    """One prepared pattern, ready to run over the matching form padded with a leading space."""

    regex: re.Pattern[str]
    anchors: tuple[frozenset[str], ...]  # see bot.safety.lexicon.anchors
    reach: int  # see bot.safety.lexicon.reach


def compile_pattern(prepared: str, anchored: bool = True) -> Compiled:
    """Compile a prepared pattern to match whole words only; refuse empty and slow patterns.

    The pattern is parsed once: the same tree is analysed (repeats, reach, anchors) and then
    compiled (see :mod:`.sre`). Benign phrases (idioms, ``unless``, retractions) are only ever
    tried where a match already is, so they get no anchors (``anchored=False``): working them
    out was a fifth of the build for nothing.
    """
    tree = sre.parse(prepared)
    plain = sre.plain(tree)
    reach = measure(plain)[1]
    anchors = find_anchors(plain) if anchored else ()
    regex = sre.compile_words(tree)
    if regex.fullmatch(" "):
        raise PatternError("the pattern can match empty text")
    return Compiled(regex, anchors, reach)


def any_of(compiled: list[tuple[str, Compiled]]) -> Compiled:
    """One pattern that matches where any of a list of prepared patterns does."""
    return compile_pattern("|".join(f"(?:{prepared})" for prepared, _ in compiled))

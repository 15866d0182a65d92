"""The form of a text that lexicon patterns run against."""

from __future__ import annotations

from bot.safety.normalize import normalize

_DROPPED = str.maketrans("", "", "'ьъ")


def matching_form(text: str) -> str:
    """The text patterns run against: normalised, apostrophes and soft signs dropped.

    "dont" = "don't", and "умерет" = "умереть", "вбю" = "вб'ю" = "убью": the soft and hard signs
    (ь, ъ) are left out so often in chat, and are always missing from transliterated text, that
    a pattern should not depend on them.
    """
    return normalize(text).translate(_DROPPED)

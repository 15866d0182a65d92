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


def her_words(text: str, searched: str, span: str) -> str:
    """The words of ``text`` as she wrote them behind ``span``, a stretch of ``searched``.

    Staff read the words that fired an alert; the matching form is not hers («pils here» for
    "pills here", casefolded, soft signs dropped, a Latin text read in Cyrillic). ``searched``
    is her text's matching form or one of its readings, word for word the same length, so the
    span's word positions are her tokens' positions once each token's share of words is known.
    Where that does not line up (a reading that changed the word count), the span is kept.
    """
    at = searched.find(span.strip())
    tokens = text.split()
    sizes = [len(matching_form(token).split()) for token in tokens]
    if at < 0 or sum(sizes) != len(searched.split()):
        return span
    first = searched[:at].count(" ")
    last = first + len(span.split())
    picked, index = [], 0
    for token, size in zip(tokens, sizes, strict=True):
        if size and index < last and index + size > first:
            picked.append(token)
        index += size
    return " ".join(picked) or span

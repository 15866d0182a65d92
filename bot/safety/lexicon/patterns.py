"""Preparing a lexicon pattern: staff write plain words, the text is normalised, so are they.

Staff write ordinary lower-case words ("kill myself", "вб'ю себе"); :func:`prepare` gives the
pattern the same normalisation as :func:`~bot.safety.lexicon.form.matching_form` gives the text,
so doubled letters, apostrophes, ``ё`` and the soft and hard signs take care of themselves.
"""

from __future__ import annotations

import re

_MACRO = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_APOSTROPHE_CHARS = frozenset("'\u2019\u2018\u02bc\u02bb`\u00b4\u2032\uff07\u201b")
_SOFT_SIGNS = frozenset("ьъЬЪ")
_GROUPS = ("(?:", "(?=", "(?!", "(?<=", "(?<!")
_MIXED_WORD = re.compile(r"[^\W\d_]*(?:[a-z][^\W\d_]*[а-яёіїєґ]|[а-яёіїєґ][^\W\d_]*[a-z])")
_ESCAPES_AND_CLASSES = re.compile(r"\\.|\[(?:\\.|[^\]])*\]")
_CLASS_PIECE = re.compile(r"\\.|.", re.DOTALL)
_CLASS = re.compile(r"\[((?:\\.|[^\]\\])+)\]")
_OPTIONAL = ("?", "*", "+")


class PatternError(ValueError):
    """A pattern staff wrote cannot be used; the message says why, for ``main.py check``."""


def prepare(pattern: str, macros: dict[str, str]) -> str:
    """Expand ``{macros}`` and normalise the literal letters of ``pattern`` like the text.

    Escapes (``\\w``, ``\\b``) pass through untouched; plain groups become non-capturing (they
    are only ever used for alternatives). A word mixing Latin and Cyrillic letters is refused:
    it is almost always a look-alike letter typed by mistake, and would never match.
    """
    source = _expand(pattern, macros)
    mixed = _MIXED_WORD.search(_ESCAPES_AND_CLASSES.sub(" ", source.casefold()))
    if mixed:
        raise PatternError(f"'{mixed.group()}' mixes Latin and Cyrillic letters")
    return _normalise(source)


def _expand(pattern: str, macros: dict[str, str]) -> str:
    def expand(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in macros:
            raise PatternError(f"unknown macro {{{name}}}; known: {sorted(macros)}")
        return f"(?:{macros[name]})"

    return _MACRO.sub(expand, pattern)


def _normalise(source: str) -> str:
    """One pass over the pattern: letters normalised and squeezed, signs dropped, groups plain."""
    out: list[str] = []
    last_letter = ""
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "[":
            i = _prepare_class(source, i, out)
            last_letter = ""
        elif ch in _SOFT_SIGNS or ch in _APOSTROPHE_CHARS:
            i += 2 if source[i + 1 : i + 2] in _OPTIONAL else 1
        elif ch == "\\":
            i = _escape(source, i, out)
            last_letter = ""
        elif ch == "(":
            i = _group(source, i, out)
            last_letter = ""
        elif ch.isalpha():
            letter = _letter(ch)
            if letter != last_letter:
                out.append(letter)
            last_letter = letter
            i += 1
        else:
            if not (ch == " " and out and out[-1] == " "):
                out.append(ch)
            last_letter = ""
            i += 1
    return "".join(out)


def _escape(source: str, start: int, out: list[str]) -> int:
    escape = source[start : start + 2]
    if escape[1:].isdigit():
        raise PatternError("back-references like \\1 are not supported")
    out.append(escape)
    return start + 2


def _group(source: str, start: int, out: list[str]) -> int:
    group = next((g for g in _GROUPS if source.startswith(g, start)), None)
    if group is None and source.startswith("(?", start):
        raise PatternError("only (?:…), (?=…), (?!…), (?<=…), (?<!…) groups are allowed")
    out.append(group or "(?:")
    return start + (len(group) if group else 1)


def _prepare_class(source: str, start: int, out: list[str]) -> int:
    """Copy the character class starting at ``source[start]``; return the index after it.

    Letters are normalised like the text. Soft signs are dropped from the text, so ``с[ья]``
    must mean "с, maybe followed by я": a class that loses a soft sign becomes optional (a
    negated one simply stops mentioning it).
    """
    match = _CLASS.match(source, start)
    if match is None:  # unterminated: let re report it
        out.append("[")
        return start + 1
    body, end = match.group(1), match.end()
    kept: list[str] = []
    dropped = False
    for piece in _CLASS_PIECE.findall(body):
        if piece in _SOFT_SIGNS:
            dropped = True
        elif piece not in _APOSTROPHE_CHARS:
            kept.append(piece if piece.startswith("\\") else _letter(piece))
    text = "".join(kept)
    negated = text.startswith("^")
    quantifier = source[end : end + 1]
    if text == "^":
        raise PatternError("a negated class of soft signs or apostrophes only matches anything")
    if not text:  # only signs that the text never has: nothing to match
        return end + 1 if quantifier in _OPTIONAL else end
    out.append(f"[{text}]")
    if not dropped or negated or quantifier in ("?", "*"):
        return end
    if quantifier == "+":
        out.append("*")
        return end + 1
    out.append("?")
    return end


def _letter(ch: str) -> str:
    return ch.lower().replace("ё", "е").replace("ґ", "г")

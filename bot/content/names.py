"""Her name as the bot addresses her: the Ukrainian vocative («Олено», not «Олена»).

Ukrainian addresses a person in the vocative case; the nominative in "Дякую, Олена" reads as a
mistake. pymorphy3 with its Ukrainian dictionary inflects a name it knows as a woman's first
name. When it does not know the name, knows it only as something else (a man's name, a word),
or offers two different vocatives, the bot leaves the name out rather than guess: "Дякую!"
is always right, "Дякую, Олеже!" to a mother never is. English uses the name as written.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

log = logging.getLogger("poruch.names")

CYRILLIC_NAME = re.compile(r"^[А-ЩЬЮЯҐЄІЇа-щьюяґєії'’ʼ]+(?:-[А-ЩЬЮЯҐЄІЇа-щьюяґєії'’ʼ]+)*$")
MAX_NAME = 40


@functools.cache
def _analyzer() -> Any:
    """The Ukrainian analyzer, loaded once on first use (None if it cannot be loaded)."""
    try:
        import pymorphy3

        return pymorphy3.MorphAnalyzer(lang="uk")
    except Exception:  # a missing dictionary must not break a reply: no name instead
        log.warning("vocative_unavailable")
        return None


def _part_vocative(word: str) -> str | None:
    morph = _analyzer()
    if morph is None:
        return None
    forms = set()
    for parse in morph.parse(word):
        tag = parse.tag
        if "Name" in tag and "femn" in tag and "nomn" in tag:
            inflected = parse.inflect({"voct"})
            if inflected is not None:
                forms.add(inflected.word)
    if len(forms) != 1:
        return None  # unknown as a woman's first name, or ambiguous: leave it out
    form = forms.pop()
    if word.isupper() and len(word) > 1:
        return form.upper()
    return form[:1].upper() + form[1:] if word[:1].isupper() else form


@functools.lru_cache(maxsize=4096)
def vocative(name: str) -> str | None:
    """The vocative of a Ukrainian woman's first name, or None when unsure."""
    name = name.strip()
    if not name or len(name) > MAX_NAME or not CYRILLIC_NAME.match(name):
        return None
    parts = [_part_vocative(part) for part in name.split("-")]
    if any(part is None for part in parts):
        return None
    return "-".join(p for p in parts if p is not None)


def address_form(name: Any, lang: str) -> str:
    """How to address her in ``lang``: the name as written in English, the vocative in
    Ukrainian, or "" (no name) when there is none or the vocative is uncertain."""
    if not isinstance(name, str) or not name.strip():
        return ""
    if lang != "uk":
        return name.strip()
    return vocative(name) or ""

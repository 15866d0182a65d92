"""Benign phrases (idioms, an entry's ``unless``) that cancel a crisis match."""

from __future__ import annotations

import re

from bot.safety.lexicon.compiled import Compiled


class Exclusions:
    """Phrases that cancel a match when they run through the match's last word.

    "dying to sleep" cancels "dying", and "disappear for a weekend" cancels "I wish I could
    disappear", which starts earlier. A phrase that ends before the match does not, so "dying to
    sleep, I want to die" still fires.
    """

    _WINDOW = 200  # characters: idioms are short phrases, so only look near the match

    def __init__(self, patterns: list[tuple[str, Compiled]]) -> None:
        self.regexes = [compiled.regex for _, compiled in patterns]
        self.any = re.compile(" (?:" + "|".join(f"(?:{p})(?!\\w)" for p, _ in patterns) + ")")

    def occur_in(self, form: str) -> bool:
        """Does any phrase occur anywhere in ``form`` (which starts with a space)?"""
        return self.any.search(form) is not None

    def cancels(self, form: str, start: int, end: int) -> bool:
        """Does a phrase run through ``form[start:end]``'s end? ``form`` starts with a space."""
        pos = max(0, form.rfind(" ", 0, max(1, start - self._WINDOW)))
        stop = form.find(" ", min(len(form), end + self._WINDOW))
        stop = len(form) if stop < 0 else stop
        while (hit := self.any.search(form, pos, stop)) is not None and hit.start() < end - 1:
            for regex in self.regexes:
                match = regex.match(form, hit.start())
                if match is not None and match.end() >= end:
                    return True
            pos = hit.start() + 1
        return False

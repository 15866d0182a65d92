"""A message in matching form, indexed by word beginnings so that anchors are cheap to test."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate

from bot.safety.lexicon.anchors import HEAD
from bot.safety.lexicon.compiled import Compiled
from bot.safety.lexicon.model import Concept

_NEGATION_REACH = 2  # words before a concept that a negator may stand in ("dont really want")


@dataclass(frozen=True)
class Hit:
    """One occurrence of a concept: first and last word index, character span, negation."""

    first: int
    last: int
    start: int
    end: int
    negated: bool


class Words:
    """The words of one message, for the matcher (``form`` starts with a space).

    Short messages are simply scanned whole. In a long one a pattern is only run near the words
    that contain its rarest anchor, within the number of words a match can span.
    """

    _SHORT = 300  # words; below this, indexing costs more than scanning
    _MAX_WINDOWS = 64  # measured: beyond this many windows one scan of the whole text is cheaper

    def __init__(self, form: str) -> None:
        self.form = form
        self.words = form.split()
        self.heads: dict[str, list[str]] = {}
        for word in set(self.words):
            for n in range(1, min(len(word), HEAD) + 1):
                self.heads.setdefault(word[:n], []).append(word)
        self.head_set = set(self.heads)
        self._occurrences: dict[str, list[int]] = {}
        self._counts: dict[str, int] = {}
        self._starts: list[int] = []
        self._spaces: list[int] = []
        self._hits: dict[str, list[Hit]] = {}
        self._found: dict[re.Pattern[str], list[tuple[int, int]]] = {}

    def spaces(self) -> list[int]:
        """Offsets of the spaces in ``form``: word ``i`` starts after ``spaces()[i]``."""
        if not self._spaces:
            self._spaces = [i for i, ch in enumerate(self.form) if ch == " "]
        return self._spaces

    def hits(
        self, concept: Concept, negator: re.Pattern[str] | None, narrow: bool = True
    ) -> list[Hit]:
        """Every occurrence of ``concept`` in the text, in order, each marked negated or not.

        Found once per message and shared by all the rules that use the concept; the text is
        searched once per regex, so a word list shared by two languages costs one search. In a
        long message only the stretches around the concept's rarest anchor are searched
        (:meth:`windows`, as for entries); ``narrow=False`` searches all of it.
        """
        found = self._hits.get(concept.key)
        if found is not None:
            return found
        form, spaces = self.form, self.spaces()
        regex = concept.compiled.regex
        matches = self._found.get(regex)
        if matches is None:
            spans = self.windows(concept.compiled) if narrow else [(0, len(form))]
            matches = [m.span() for start, end in spans for m in regex.finditer(form, start, end)]
            self._found[regex] = matches
        found = []
        for start, end in matches:
            first = bisect_left(spaces, start)
            last = bisect_left(spaces, end) - 1
            negated = False
            if negator is not None and first > 0:
                before = spaces[max(0, first - _NEGATION_REACH)]
                negated = negator.search(form, before, start) is not None
            found.append(Hit(first, last, start + 1, end, negated))
        self._hits[concept.key] = found
        return found

    def may_match(self, anchors: tuple[frozenset[str], ...]) -> bool:
        return all(not anchor.isdisjoint(self.head_set) for anchor in anchors)

    def windows(self, compiled: Compiled) -> list[tuple[int, int]]:
        """Stretches of ``form`` (start at a space, end at a word end) where a match can lie.

        The anchor set with the fewest occurrences in this text decides; a match must contain
        one of them and spans at most ``reach`` words on either side.
        """
        everything = [(0, len(self.form))]
        if len(self.words) < self._SHORT or not compiled.anchors:
            return everything
        if not self._occurrences:
            for index, word in enumerate(self.words):
                self._occurrences.setdefault(word, []).append(index)
            self._starts = list(accumulate((len(w) + 1 for w in self.words), initial=1))
        fewest, limit = None, self._MAX_WINDOWS
        for anchor in compiled.anchors:
            count = self._total(anchor, limit)
            if count <= limit:
                fewest, limit = anchor, count
        if fewest is None:
            return everything
        return self._around(
            {word for head in fewest for word in self.heads.get(head, ())}, compiled.reach
        )

    def _around(self, words: set[str], reach: int) -> list[tuple[int, int]]:
        """Merged stretches of ``reach`` words on either side of each occurrence of ``words``."""
        last_word = len(self.words) - 1
        spans: list[tuple[int, int]] = []
        for index in sorted(i for word in words for i in self._occurrences[word]):
            first, last = max(0, index - reach), min(last_word, index + reach)
            start, end = self._starts[first] - 1, self._starts[last] + len(self.words[last])
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        return spans

    def _total(self, heads: frozenset[str], limit: int) -> int:
        """How many words begin with one of ``heads``; counting stops once past ``limit``."""
        total, counts = 0, self._counts
        for head in heads:
            count = counts.get(head)
            if count is None:
                count = self._count(head) if head in self.heads else 0
                counts[head] = count
            total += count
            if total > limit:
                break
        return total

    def _count(self, head: str) -> int:
        """How many words of the text begin with ``head`` (counted once, then remembered)."""
        count = self._counts.get(head)
        if count is None:
            count = sum(len(self._occurrences[word]) for word in self.heads[head])
            self._counts[head] = count
        return count

"""Running a compiled lexicon over one message in matching form.

Entries run only where their anchors occur (:mod:`.index`, :meth:`.Words.windows`). A rule runs
only when every one of its concepts has its anchors in the message; each concept is searched
once per message (shared by all rules, and by both languages when Ukrainian and Russian spell a
word list the same way), and the window search tries a bounded number of occurrences around each
pivot, so no rule is ever quadratic in the message length.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import pairwise, product

from bot.safety.lexicon.anchors import cost
from bot.safety.lexicon.index import AnchorIndex
from bot.safety.lexicon.model import Alternative, Concept, Entry, Lexicon, Rule
from bot.safety.lexicon.words import Hit, Words

SPAN_LIMIT = 120  # characters of the matched text kept for staff


class Matcher:
    """Finds the best entry or rule of one lexicon in a matching form.

    ``prefilter=False`` runs every pattern and rule over the whole text: the baseline that
    shows the anchors never hide a match (tests) and what they save (the benchmark).
    """

    # Occurrences per concept tried around each pivot of a rule: enough for any real message,
    # and a bound on the work when a long text repeats the same words.
    _NEAREST = 6

    def __init__(self, lexicon: Lexicon, prefilter: bool = True) -> None:
        self._alternatives = lexicon.alternatives
        self._idioms = lexicon.idioms
        self._rules = lexicon.rules
        self._index = AnchorIndex(lexicon.alternatives)
        self._narrow = prefilter

    def best(self, form: str) -> tuple[int, Entry, str] | None:
        """Rank, entry and span of the best match in one matching form.

        Best means the category listed first in the lexicon; among equals, the earliest.
        """
        words = Words(" " + form)
        best: tuple[int, int, int, Entry] | None = None
        for index in self._candidates(words):
            alternative = self._alternatives[index]
            entry = alternative.entry
            if best is not None and entry.rank > best[0]:
                break
            if self._narrow and not words.may_match(alternative.compiled.anchors):
                continue
            found = self._first_match(alternative, words)
            if found is not None and (best is None or (entry.rank, found[0]) < best[:2]):
                best = (entry.rank, found[0], found[1], entry)
        for rule in self._rules:
            if best is not None and rule.entry.rank > best[0]:
                break
            found = self.rule_match(rule, words)
            if found is not None and (best is None or (rule.entry.rank, found[0]) < best[:2]):
                best = (rule.entry.rank, found[0], found[1], rule.entry)
        if best is None:
            return None
        rank, start, end, entry = best
        return rank, entry, words.form[start:end][:SPAN_LIMIT]

    def idiom_in(self, form: str) -> bool:
        """Does any idiom (a wording the lexicon names everyday) occur in ``form``?"""
        return self._idioms is not None and self._idioms.occur_in(" " + form)

    def raw_match(self, form: str) -> bool:
        """Does any entry or rule match, whether or not an idiom or ``unless`` cancels it?"""
        words = Words(" " + form)
        for index in self._candidates(words):
            compiled = self._alternatives[index].compiled
            if self._narrow and not words.may_match(compiled.anchors):
                continue
            windows = words.windows(compiled) if self._narrow else [(0, len(form))]
            if any(compiled.regex.search(words.form, start, end) for start, end in windows):
                return True
        return any(self.rule_match(rule, words, cancel=False) is not None for rule in self._rules)

    def _candidates(self, words: Words) -> list[int]:
        """Indexes (in lexicon order) of the alternatives worth running on this message."""
        if not self._narrow:
            return list(range(len(self._alternatives)))
        return self._index.candidates(words)

    def _first_match(self, alternative: Alternative, words: Words) -> tuple[int, int] | None:
        """Start and end of the first match that no idiom or ``unless`` phrase cancels."""
        entry, form = alternative.entry, words.form
        windows = words.windows(alternative.compiled) if self._narrow else [(0, len(form))]
        for window_start, window_end in windows:
            pos = window_start
            while (match := alternative.compiled.regex.search(form, pos, window_end)) is not None:
                start, end = match.start() + 1, match.end()
                cancelled = (
                    entry.unless is not None and entry.unless.cancels(form, start, end)
                ) or (self._idioms is not None and self._idioms.cancels(form, start, end))
                if not cancelled:
                    return start, end
                pos = start
        return None

    def rule_match(self, rule: Rule, words: Words, cancel: bool = True) -> tuple[int, int] | None:
        """Start and end of a window holding every concept of ``rule`` that nothing cancels.

        Each occurrence of the rarest concept is tried as the pivot, with the few nearest
        occurrences of every other concept; words may not be shared between concepts. Whether a
        word is cancelled by an idiom is worked out once per word.
        """
        lists = self._concept_hits(rule, words)
        if lists is None:
            return None
        order = sorted(range(len(lists)), key=lambda i: len(lists[i]))
        pivots, others = lists[order[0]], [lists[i] for i in order[1:]]
        starts = [[hit.first for hit in hits] for hits in others]
        within = rule.within
        seen: dict[Hit, bool] = {}
        for pivot in pivots:
            near = []
            for hits, firsts in zip(others, starts, strict=True):
                low = bisect_left(firsts, pivot.first - within)
                high = bisect_right(firsts, pivot.last + within)
                window = sorted(hits[low:high], key=lambda hit: abs(hit.first - pivot.first))
                near.append(window[: self._NEAREST])
            for combination in product(*near):
                chosen = [pivot, *combination]
                if not _disjoint(chosen):
                    continue
                first = min(hit.first for hit in chosen)
                if max(hit.last for hit in chosen) - first >= within:
                    continue
                start = min(hit.start for hit in chosen)
                end = max(hit.end for hit in chosen)
                if not cancel or not self._rule_cancelled(rule, words, chosen, seen):
                    return start, end
        return None

    def _concept_hits(self, rule: Rule, words: Words) -> list[list[Hit]] | None:
        """The counting occurrences of each of the rule's concepts; ``None`` if one has none."""
        if self._narrow and not all(words.may_match(c.compiled.anchors) for c in rule.concepts):
            return None
        lists: list[list[Hit]] = []
        # Rarest-looking concept first: a message lacking it costs one search, not several.
        for concept in sorted(rule.concepts, key=_rarity):
            wanted = concept.key in rule.negated
            found = words.hits(concept, rule.negator, self._narrow)
            hits = [hit for hit in found if hit.negated == wanted]
            if not hits:
                return None
            lists.append(hits)
        return lists

    def _rule_cancelled(
        self, rule: Rule, words: Words, chosen: list[Hit], seen: dict[Hit, bool]
    ) -> bool:
        """Is this window cancelled by an idiom, or by the rule's ``unless``?

        An idiom cancels when it runs through any of the matched words: "suicidal thoughts" is
        a rule match, "my sister who has suicidal thoughts" is not. A rule's ``unless`` is
        context: it cancels when it occurs anywhere within ``within`` words of the match, so
        "stood by the railway waiting for the delayed train" needs no phrase that reaches back
        into the matched words.
        """
        if any(self._cancelled(words.form, hit, seen) for hit in chosen):
            return True
        unless = rule.entry.unless
        if unless is None:
            return False
        first = max(0, min(hit.first for hit in chosen) - rule.within)
        last = max(hit.last for hit in chosen) + rule.within
        spaces = words.spaces()
        stop = spaces[last + 1] if last + 1 < len(spaces) else len(words.form)
        return unless.any.search(words.form, spaces[first], stop) is not None

    def _cancelled(self, form: str, hit: Hit, seen: dict[Hit, bool]) -> bool:
        """Does an idiom run through this word? Worked out once per word (``seen``)."""
        found = seen.get(hit)
        if found is None:
            found = self._idioms is not None and self._idioms.cancels(form, hit.start, hit.end)
            seen[hit] = found
        return found


def _rarity(concept: Concept) -> int:
    """How common a concept's words look (see :func:`.anchors.cost`); unanchored ones last."""
    anchors = concept.compiled.anchors
    return cost(anchors[0]) if anchors else 1 << 30


def _disjoint(hits: list[Hit]) -> bool:
    """Do no two of ``hits`` share a word? One word must not count for two concepts."""
    ordered = sorted(hits, key=lambda hit: hit.first)
    return all(a.last < b.first for a, b in pairwise(ordered))

"""What the analysis of a parsed pattern concludes: anchors, reach, and slow repeats refused."""

from __future__ import annotations

import pytest

from bot.safety.lexicon import sre
from bot.safety.lexicon.anchors import anchors
from bot.safety.lexicon.compiled import compile_pattern
from bot.safety.lexicon.patterns import PatternError, prepare
from bot.safety.lexicon.reach import FAR, measure


def plain(pattern: str) -> sre.Tree:
    return sre.plain(sre.parse(pattern))


def test_every_word_of_a_phrase_is_an_anchor_set() -> None:
    found = set(anchors(plain("(?:want|wish) to die")))
    assert found == {frozenset({"want", "wish"}), frozenset({"to"}), frozenset({"die"})}


def test_anchors_are_word_beginnings_of_at_most_five_letters() -> None:
    assert frozenset({"dead", "livin"}) in anchors(plain("(?:be dead|stop living)"))


def test_an_optional_word_is_no_anchor() -> None:
    assert frozenset({"very"}) not in anchors(plain("i (?:very )?want"))


def test_a_leading_class_of_anything_gives_no_anchor_for_that_word() -> None:
    assert all("x" not in head for heads in anchors(plain(r"\w+x die")) for head in heads)


def test_reach_counts_the_spaces_a_match_can_cross() -> None:
    assert measure(plain("kil myself")) == (True, 1)
    assert measure(plain(r"a (?:\w+ ){0,3}b")) == (True, 4)
    assert measure(plain("alone")) == (False, 0)


def test_an_unbounded_repeat_of_a_letter_is_fine_and_reach_is_bounded() -> None:
    assert measure(plain(r"di\w*")) == (False, 0)
    assert measure(plain(r"(?:\w+ ){0,999999}x"))[1] <= FAR


@pytest.mark.parametrize("pattern", [r"want.*die", r"want[^x]+die", r"(?:\w+ )+die"])
def test_an_unbounded_repeat_across_words_is_refused(pattern: str) -> None:
    with pytest.raises(PatternError, match="unbounded repeat"):
        measure(plain(pattern))


def test_a_compiled_pattern_matches_whole_words_after_a_space() -> None:
    compiled = compile_pattern(prepare("want to die", {}))
    assert compiled.regex.search(" i want to die")
    assert not compiled.regex.search(" i want to diet")
    assert compiled.reach == 2


def test_benign_phrases_get_no_anchors() -> None:
    assert compile_pattern("dying to slep", anchored=False).anchors == ()

"""Pinning tests: every private ``re`` API the lexicon relies on (bot/safety/lexicon/sre.py).

CPython may change ``re._parser``, ``re._compiler`` and ``re._constants`` in any release. The
analysis reads their trees to decide which patterns a message is scanned with, so a silent
change could hide a crisis. Each test here names one API and the exact shape relied on: after a
Python upgrade, a failure here says what to adapt before the detector is trusted again.
"""

from __future__ import annotations

import re
from re import _compiler, _constants, _parser  # type: ignore[attr-defined]
from typing import Any

import pytest

from bot.safety.lexicon import sre


def tree(pattern: str) -> list[Any]:
    """A parsed pattern as plain nested lists and tuples, to compare with literal shapes."""
    return sre.plain(_parser.parse(pattern))


# ── re._constants ────────────────────────────────────────────────────────────────────────────

CONSTANTS = [
    "ANY",
    "ASSERT",
    "ASSERT_NOT",
    "AT",
    "ATOMIC_GROUP",
    "BRANCH",
    "CATEGORY",
    "CATEGORY_DIGIT",
    "CATEGORY_NOT_SPACE",
    "CATEGORY_WORD",
    "IN",
    "LITERAL",
    "MAX_REPEAT",
    "MAXREPEAT",
    "MIN_REPEAT",
    "NEGATE",
    "NOT_LITERAL",
    "POSSESSIVE_REPEAT",
    "RANGE",
    "SUBPATTERN",
]


@pytest.mark.parametrize("name", CONSTANTS)
def test_re_constants_defines(name: str) -> None:
    assert hasattr(_constants, name)
    if hasattr(sre, name):
        assert getattr(sre, name) is getattr(_constants, name)


# ── re._parser.parse: the node shapes the analysis reads ─────────────────────────────────────


def test_re_parser_parse_returns_a_subpattern_of_op_arg_pairs_with_state() -> None:
    parsed = _parser.parse("ab")
    assert isinstance(parsed, _parser.SubPattern)
    assert list(parsed) == [(_constants.LITERAL, ord("a")), (_constants.LITERAL, ord("b"))]
    assert isinstance(parsed.state, _parser.State)


def test_re_parser_parse_raises_re_error_on_a_bad_pattern() -> None:
    with pytest.raises(re.error):
        _parser.parse("(ab")


@pytest.mark.parametrize(
    ("pattern", "shape"),
    [
        ("a", [(_constants.LITERAL, 97)]),
        ("[^a]", [(_constants.NOT_LITERAL, 97)]),
        (".", [(_constants.ANY, None)]),
        (r"\b", [(_constants.AT, _constants.AT_BOUNDARY)]),
    ],
)
def test_re_parser_leaves(pattern: str, shape: list[Any]) -> None:
    assert tree(pattern) == shape


@pytest.mark.parametrize(
    ("pattern", "op", "low", "high"),
    [
        ("a{2,5}", _constants.MAX_REPEAT, 2, 5),
        ("a*", _constants.MAX_REPEAT, 0, _constants.MAXREPEAT),
        ("a+", _constants.MAX_REPEAT, 1, _constants.MAXREPEAT),
        ("a?", _constants.MAX_REPEAT, 0, 1),
        ("a*?", _constants.MIN_REPEAT, 0, _constants.MAXREPEAT),
        ("a*+", _constants.POSSESSIVE_REPEAT, 0, _constants.MAXREPEAT),
    ],
)
def test_re_parser_repeat_is_min_max_and_the_repeated_tree(
    pattern: str, op: Any, low: int, high: int
) -> None:
    assert tree(pattern) == [(op, (low, high, [(_constants.LITERAL, 97)]))]


def test_re_parser_group_is_subpattern_of_group_flags_and_tree() -> None:
    assert tree("(ab)") == [
        (_constants.SUBPATTERN, (1, 0, 0, [(_constants.LITERAL, 97), (_constants.LITERAL, 98)]))
    ]


def test_re_parser_alternatives_are_a_branch_of_trees() -> None:
    ab, cd = (
        [(_constants.LITERAL, 97), (_constants.LITERAL, 98)],
        [
            (_constants.LITERAL, 99),
            (_constants.LITERAL, 100),
        ],
    )
    assert tree("ab|cd") == [(_constants.BRANCH, (None, [ab, cd]))]


def test_re_parser_single_letter_alternatives_become_a_class() -> None:
    assert tree("a|b") == [(_constants.IN, [(_constants.LITERAL, 97), (_constants.LITERAL, 98)])]


def test_re_parser_class_items_are_kind_value_pairs() -> None:
    assert tree(r"[a-c\w ]") == [
        (
            _constants.IN,
            [
                (_constants.RANGE, (97, 99)),
                (_constants.CATEGORY, _constants.CATEGORY_WORD),
                (_constants.LITERAL, 32),
            ],
        )
    ]
    assert tree("[^ab]")[0][1][0] == (_constants.NEGATE, None)
    assert tree(r"\d") == [(_constants.IN, [(_constants.CATEGORY, _constants.CATEGORY_DIGIT)])]
    assert tree(r"\S") == [(_constants.IN, [(_constants.CATEGORY, _constants.CATEGORY_NOT_SPACE)])]


@pytest.mark.parametrize(
    ("pattern", "op", "direction"),
    [
        ("(?=a)", _constants.ASSERT, 1),
        ("(?!a)", _constants.ASSERT_NOT, 1),
        ("(?<=a)", _constants.ASSERT, -1),
        ("(?<!a)", _constants.ASSERT_NOT, -1),
    ],
)
def test_re_parser_lookaround_is_direction_and_tree(pattern: str, op: Any, direction: int) -> None:
    assert tree(pattern) == [(op, (direction, [(_constants.LITERAL, 97)]))]


def test_re_parser_atomic_group_is_the_tree_itself() -> None:
    assert tree("(?>ab)") == [
        (_constants.ATOMIC_GROUP, [(_constants.LITERAL, 97), (_constants.LITERAL, 98)])
    ]


# ── re._parser.SubPattern and re._compiler.compile: compiling a tree we built ────────────────


def test_re_parser_subpattern_takes_a_state_and_a_list_of_nodes() -> None:
    parsed = _parser.parse("ab")
    built = _parser.SubPattern(parsed.state, [(_constants.LITERAL, 120), *parsed])
    assert list(built) == [(_constants.LITERAL, 120), *parsed]
    assert built.state is parsed.state


def test_re_compiler_compile_accepts_a_parsed_tree() -> None:
    regex = _compiler.compile(_parser.parse("a(?:b|c)d"))
    assert isinstance(regex, re.Pattern)
    assert regex.fullmatch("acd") and not regex.fullmatch("aed")


@pytest.mark.parametrize(
    "pattern", ["want to die", r"(?:kil|hurt) (?:\w+ ){0,2}(?:myself|me)", "die(?=s)", "[а-я]+ть"]
)
@pytest.mark.parametrize(
    "text", [" i want to die", " want to dies", " kil my very myself", " хотіть", " a kil me"]
)
def test_compile_words_is_the_public_whole_word_pattern(pattern: str, text: str) -> None:
    """The tree sre.compile_words builds matches exactly where the string form would."""
    ours = sre.compile_words(sre.parse(pattern))
    public = re.compile(f" (?:{pattern})(?!\\w)")
    assert [m.span() for m in ours.finditer(text)] == [m.span() for m in public.finditer(text)]

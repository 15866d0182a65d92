"""Text normalisation: the variants mothers really type all reduce to one canonical form."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.safety.normalize import normalize

# Letters that exercise case-folding, both scripts, look-alikes, apostrophes and punctuation.
MIXED = st.text(
    alphabet=st.sampled_from(
        list("aeopcxyikmthbdlsrAEOPCXYIKMTHBаеорсхуікмтнвлжиїєґёАЕОРСХУІКМТНВЁҐ")
        + list("'’ʼ`´′ .,!?-_\n\t0123456789😭́")
    ),
    max_size=200,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I WANT TO SLEEP", "i want to slep"),
        ("Хочу СПАТИ", "хочу спати"),
        ("i...want   to\n\ndie!!!", "i want to die"),
        ("self-harm", "self harm"),
        ("😭😭 i want to die 😭", "i want to die"),
        ("ｄｉｅ", "die"),
        ("  ", ""),
        ("", ""),
    ],
)
def test_case_punctuation_and_whitespace(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize("apostrophe", ["'", "’", "ʼ", "`", "´", "′", "‘", "＇"])
def test_every_apostrophe_variant_becomes_one(apostrophe: str) -> None:
    assert normalize(f"don{apostrophe}t") == "don't"
    assert normalize(f"вб{apostrophe}ю себе") == "вб'ю себе"


def test_apostrophes_are_kept_only_inside_words() -> None:
    assert normalize("'quoted' ''x'' п''ять") == "quoted x п ять"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dieeeee", "die"),
        ("помрууу", "помру"),
        ("kiiiilll myself", "kil myself"),
        ("життя", "житя"),
        ("1000 hours", "1000 hours"),
    ],
)
def test_repeated_letters_collapse_but_digits_do_not(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("хочу пoмepти", "хочу померти"),  # Latin o, e, p inside a Cyrillic word
        ("ХOЧУ ПOМEРТИ", "хочу померти"),  # upper-case Latin look-alikes
        ("i want to kіll myself", "i want to kil myself"),  # Cyrillic і inside an English word
        ("i want to dіе", "i want to die"),  # Cyrillic і and е
        ("Hе хочу", "не хочу"),  # only look-alikes: Cyrillic wins a tie
        ("helloпривіт", "heloпривіт"),  # letters only one script has, on both sides: left alone
    ],
)
def test_look_alike_letters_are_mapped_to_the_words_script(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Ёлка", "елка"), ("ґанок", "ганок"), ("по\u0301мер", "помер")],
)
def test_yo_ghe_and_stress_marks(text: str, expected: str) -> None:
    assert normalize(text) == expected


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), MIXED))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), MIXED))
def test_output_is_single_spaced_lower_case_and_one_apostrophe(text: str) -> None:
    result = normalize(text)
    assert result == result.strip()
    assert "  " not in result
    assert not any(ch in result for ch in "’ʼ`´′\n\t")
    assert result == result.casefold() or not result.isascii()


@settings(max_examples=20, deadline=None)
@given(st.text(min_size=1, max_size=50))
def test_twenty_thousand_characters_are_handled_quickly(chunk: str) -> None:
    text = (chunk * (20_000 // len(chunk) + 1))[:20_000]
    started = time.process_time()
    normalize(text)
    assert time.process_time() - started < 0.5

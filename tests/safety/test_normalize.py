"""Text normalisation: the variants mothers really type all reduce to one canonical form."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.safety.normalize import cyrillic_readings, normalize

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
def test_twenty_thousand_characters_are_normalised_like_short_ones(chunk: str) -> None:
    """How fast is a benchmark figure (the detector rows of docs/performance.md)."""
    text = (chunk * (20_000 // len(chunk) + 1))[:20_000]
    result = normalize(text)
    assert "  " not in result and result == result.strip()
    assert result.startswith(normalize(chunk * 3)[:20]) or not normalize(chunk).strip()


# ── Transliterated Ukrainian and Russian ─────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("ya hochu pomerty", "я хочу померти"),  # Ukrainian reading: y → и
        ("ne hochu zhyty vzhe", "не хочу жити вже"),
        ("pokinchyty z soboyu", "покінчити з собою"),
        ("ya ne hochu zhit", "я не хочу жит"),  # Russian reading: i → и, no soft sign
        ("pokonchit s soboy", "покончит с собой"),
        ("Ya ne mozhu, хочу спати", "я не можу хочу спати"),  # Cyrillic words stay
    ],
)
def test_transliterated_text_has_a_cyrillic_reading(text: str, reading: str) -> None:
    assert reading in cyrillic_readings(normalize(text))


@pytest.mark.parametrize(
    "text",
    [
        "i want to die",
        "my friend self-harmed as a teen",  # English words that are not common ones
        "postpartum anxiety medication",
        "хочу спати",
        "",
    ],
)
def test_english_and_cyrillic_texts_have_no_reading(text: str) -> None:
    assert cyrillic_readings(normalize(text)) == []

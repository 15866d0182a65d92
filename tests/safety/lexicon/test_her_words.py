"""Staff read the words that fired an alert as she wrote them, not the matching form."""

from __future__ import annotations

import pytest

from bot.safety.lexicon.detector import CrisisDetector
from bot.safety.lexicon.form import her_words, matching_form


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("I have the PILLS here, all of them", "PILLS here,"),  # not «pils here»
        ("ya ne hochu zhyty bilshe", "ne hochu zhyty"),  # not the Cyrillic reading
        ("Я вже не хочу жити... чесно", "не хочу жити..."),
        ("таблєткі вже тут", "таблєткі вже тут"),  # surzhyk, read the Russian way
    ],
)
def test_the_span_is_her_own_words(detector: CrisisDetector, text: str, shown: str) -> None:
    found = detector.detect(text)
    assert found is not None and found.span == shown


def test_a_reading_that_does_not_line_up_keeps_the_span() -> None:
    form = matching_form("want to die")
    assert her_words("want to die", form + " extra", "die") == "die"
    assert her_words("want to die", form, "nowhere") == "nowhere"

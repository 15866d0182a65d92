"""The kinds of lexicon file and the categories and languages each may use.

The same machinery reads the crisis lexicon, the distress lexicon (a tier below crisis) and the
topic lexicon (everyday subjects); each kind of file has its own categories, and only crisis
lexicons must list retractions.
"""

from __future__ import annotations

from pathlib import Path

CATEGORIES = ("suicidal", "self_harm", "not_exist", "harm_baby", "psychosis", "danger_abuse")
DISTRESS_CATEGORIES = (
    "hopeless",
    "breaking_point",
    "worthless",
    "numb_baby",
    "dark_thoughts",
    "regret_baby",
    "second_opinion",  # no lexicon words: the character n-gram model (bot/safety/ngram.py)
)
# kind → (its categories, or None when the file names its own (topics); retractions required)
KINDS: dict[str, tuple[tuple[str, ...] | None, bool]] = {
    "crisis": (CATEGORIES, True),
    "distress": (DISTRESS_CATEGORIES, False),
    "topics": (None, False),
}
# The languages a lexicon entry may be written in: those mothers write in, Russian included;
# not the bot's own languages (``bot.content.LANGUAGES``), which it speaks.
DETECTION_LANGUAGES = ("en", "uk", "ru")
DEFAULT_LEXICON = Path(__file__).resolve().parents[3] / "content" / "crisis_lexicon.yaml"

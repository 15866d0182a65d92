"""Wording the issue tracker caught once and that must not come back (issue 11, part 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import Content, require_content
from bot.content.snippets import snippets

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(scope="module")
def content() -> Content:
    return require_content(CONTENT)


def _all_texts(node: object) -> list[str]:
    if isinstance(node, dict):
        return [t for value in node.values() for t in _all_texts(value)]
    if isinstance(node, list):
        return [t for value in node for t in _all_texts(value)]
    return [node] if isinstance(node, str) else []


def test_no_ketamine_therapy_in_the_catalogue(content: Content) -> None:
    """Clinical notes §7.1: nothing from the article's ketamine section."""
    ids = {s.id for s in snippets(content)}
    assert "ketamine-assisted-therapy" not in ids
    for snippet in snippets(content):
        for lang in ("en", "uk"):
            text = snippet.text[lang].lower()
            assert "ketamine-assisted" not in text and "терапію з кетаміном" not in text


@pytest.mark.parametrize(
    "phrase",
    [
        "at the core of",
        "основа відновлення",
        "thinking of you",
        "думаю про вас",
        "you can write here",
        "можна написати тут",
        "write to me any time",
        "write to me at any time",
        "пишіть мені будь-коли",
        "Postpartum depression does not always begin",
        "лякливі переконання",
        "Я вас чую",
        "відмітк",  # one word for the check-in in Ukrainian: «щоденне запитання»
        "keep talking",
        "поговоримо ще",
        "Поговорімо про це",
        "write it here",
        "написати тут",
        "the clinic or me",
        "або мені",
        "this chat are here",
    ],
)
def test_phrases_that_promised_or_claimed_too_much_are_gone(content: Content, phrase: str) -> None:
    for stem, data in content.files.items():
        if stem == "crisis_lexicon":
            continue
        for text in _all_texts(data):
            assert phrase.lower() not in text.lower(), f"{stem}: {phrase!r}"


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_the_text_that_names_the_continue_button_uses_its_label(
    content: Content, lang: str
) -> None:
    label = content.text("ui.continue_button", lang)
    assert label in content.text("ui.crisis_paused", lang)


def test_ppd_signs_say_the_same_in_both_languages(content: Content) -> None:
    [signs] = [s for s in snippets(content) if s.id == "ppd-signs"]
    assert "several of these" in signs.text["en"] and "кілька з цих ознак" in signs.text["uk"]
    assert "two weeks" in signs.text["en"] and "два тижні" in signs.text["uk"]

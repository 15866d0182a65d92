"""Her name in the vocative for Ukrainian texts, and no name rather than a wrong one."""

from __future__ import annotations

import pytest

from bot.content import names
from bot.content.names import address_form, vocative


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Олена", "Олено"),
        ("Оксана", "Оксано"),
        ("Марія", "Маріє"),
        ("Ольга", "Ольго"),
        ("Настя", "Насте"),
        ("Олеся", "Олесю"),
        ("Любов", "Любове"),
        ("Оленка", "Оленко"),
        ("Мар'яна", "Мар'яно"),
        ("Анна-Марія", "Анно-Маріє"),
        ("ОЛЕНА", "ОЛЕНО"),
        ("  Ірина ", "Ірино"),
    ],
)
def test_known_womens_names(name: str, expected: str) -> None:
    assert vocative(name) == expected


@pytest.mark.parametrize(
    "name",
    ["Олег", "Marta", "Олена Петрівна", "Qwerty", "Мама123", "", "Абвгдейка", "х" * 50],
)
def test_unknown_or_unsure_names_are_left_out(name: str) -> None:
    assert vocative(name) is None
    assert address_form(name, "uk") == ""


def test_english_uses_the_name_as_written() -> None:
    assert address_form("Olena", "en") == "Olena"
    assert address_form("Олена", "en") == "Олена"
    assert address_form(None, "uk") == address_form("", "en") == ""


def test_without_the_dictionary_she_is_addressed_without_a_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(names, "_analyzer", lambda: None)
    names.vocative.cache_clear()
    try:
        assert address_form("Олена", "uk") == ""
    finally:
        names.vocative.cache_clear()

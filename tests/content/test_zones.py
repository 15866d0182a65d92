"""content/timezones.yaml: real zones, one zone per typed name, names in both languages."""

from __future__ import annotations

import zoneinfo
from pathlib import Path

import pytest

from bot.content import Content, require_content
from bot.content.zones import zone_for_city, zone_words

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(scope="module")
def content() -> Content:
    return require_content(CONTENT)


def test_every_listed_zone_exists_and_every_name_finds_it(content: Content) -> None:
    zones = content.files["timezones"]["zones"]
    assert set(zones) <= zoneinfo.available_timezones()
    for zone, entry in zones.items():
        for name in [*entry["name"].values(), *entry["aliases"]]:
            assert zone_for_city(content, name) == zone, (zone, name)


@pytest.mark.parametrize(
    ("zone", "lang", "words"),
    [
        ("Europe/Kyiv", "uk", ("Київ", "за київським часом")),
        ("Europe/Kyiv", "en", ("Kyiv", "Kyiv time")),
        ("Europe/Warsaw", "uk", ("Варшава", "за варшавським часом")),
        ("Asia/Tokyo", "uk", ("Asia/Tokyo", "за часом Asia/Tokyo")),
        ("Asia/Tokyo", "en", ("Asia/Tokyo", "Asia/Tokyo time")),
    ],
)
def test_zone_words(content: Content, zone: str, lang: str, words: tuple[str, str]) -> None:
    assert zone_words(content, zone, lang) == words


def test_unknown_text_finds_no_city(content: Content) -> None:
    assert zone_for_city(content, "Хогвартс") is None
    assert zone_for_city(content, "") is None

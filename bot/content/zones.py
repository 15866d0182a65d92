"""Time zones in her language: «Київ», «за київським часом», and Cyrillic city names typed.

The words are in ``content/timezones.yaml``; a zone not listed there is named by its IANA
name. What she types in /settings is first looked up among the cities and aliases listed
there (so «Варшава» and «Киев» work), then among the IANA names (``bot/engine/timezones.py``).
"""

from __future__ import annotations

from typing import Any

from bot.content import Content

FILE = "timezones"


def _zones(content: Content) -> dict[str, Any]:
    zones = (content.files.get(FILE) or {}).get("zones")
    return zones if isinstance(zones, dict) else {}


def zone_words(content: Content, zone: Any, lang: str) -> tuple[str, str]:
    """(city name, "… time" phrase) for ``zone`` in ``lang``."""
    if not isinstance(zone, str) or not zone:
        return "", ""
    if not content.has_text(f"{FILE}.unlisted.time"):
        return zone, zone  # no timezones.yaml (a test's minimal content): the IANA name
    entry = _zones(content).get(zone)
    if isinstance(entry, dict) and "name" in entry and "time" in entry:
        return content.text(f"{FILE}.zones.{zone}.name", lang), content.text(
            f"{FILE}.zones.{zone}.time", lang
        )
    variables = {"zone": zone}
    return (
        content.text(f"{FILE}.unlisted.name", lang, variables),
        content.text(f"{FILE}.unlisted.time", lang, variables),
    )


def _key(text: str) -> str:
    return " ".join(text.replace("-", " ").replace("’", "'").split()).casefold()


def zone_for_city(content: Content, text: str) -> str | None:
    """The zone whose city name (either language) or alias she typed, or None."""
    wanted = _key(text)
    if not wanted or len(wanted) > 64:
        return None
    for zone, entry in _zones(content).items():
        if not isinstance(entry, dict):
            continue
        names = list((entry.get("name") or {}).values()) + list(entry.get("aliases") or [])
        if any(_key(str(name)) == wanted for name in names):
            return str(zone)
    return None

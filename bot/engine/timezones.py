"""Reading a time zone a mother typed: ``Europe/Warsaw``, ``europe/warsaw`` or just ``Warsaw``.

Mothers abroad rarely know IANA names, but they know their city, and most zone names end in a
city. The lookup only compares the text against the installed zone names (no file is opened
for what she typed), so any text at all is safe to check.
"""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

# Where a city name is ambiguous or also a legacy alias, prefer the geographic regions.
_PREFERRED_REGIONS = ("Europe", "America", "Asia", "Africa", "Australia", "Pacific", "Atlantic")


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, str], dict[str, str]]:
    """Zone names by lower-case full name and by lower-case city."""
    full: dict[str, str] = {}
    cities: dict[str, str] = {}
    for zone in sorted(zoneinfo.available_timezones(), key=_rank):
        full[zone.casefold()] = zone
        city = zone.rsplit("/", 1)[-1].casefold()
        cities.setdefault(city, zone)
    return full, cities


def _rank(zone: str) -> tuple[int, str]:
    region = zone.split("/", 1)[0]
    if region in _PREFERRED_REGIONS and "/" in zone:
        return _PREFERRED_REGIONS.index(region), zone
    return len(_PREFERRED_REGIONS), zone


def resolve_zone(text: str) -> str | None:
    """The IANA zone name she means, or None when nothing matches."""
    key = "_".join(text.strip().split()).casefold()
    if not key or len(key) > 64:
        return None
    full, cities = _index()
    return full.get(key) or cities.get(key)

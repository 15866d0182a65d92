"""Which plural form a number takes, so YAML can hold "1 day / 2 дні / 5 днів" as words.

The forms themselves live in content files as ``one``/``few``/``many`` texts; only the rule
for choosing among them is code (the CLDR rules for English and Ukrainian).
"""

from __future__ import annotations

PLURAL_FORMS = ("one", "few", "many")


def plural_form(count: int, lang: str) -> str:
    """``one``, ``few`` or ``many`` for ``count`` in ``lang`` (English has no ``few``)."""
    count = abs(count)
    if lang != "uk":
        return "one" if count == 1 else "many"
    if count % 10 == 1 and count % 100 != 11:
        return "one"
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return "few"
    return "many"

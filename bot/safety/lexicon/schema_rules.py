"""Reading a lexicon file's concepts (named word lists) and proximity rules.

Phrases memorise; people do not repeat them. So beside its entries a lexicon has *concepts*
(named word lists per language: wishing, dying, the baby, harming …) and *rules* that fire when
one word of each listed concept occurs within a few words of the others, in any order (see
:class:`~bot.safety.lexicon.model.Rule`).
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from bot.safety.lexicon.compiled import Compiled, any_of
from bot.safety.lexicon.exclusions import Exclusions
from bot.safety.lexicon.kinds import DETECTION_LANGUAGES
from bot.safety.lexicon.model import Concept, Entry, Lexicon, Rule
from bot.yamlsrc import Problem, YMap


class RuleReader(Protocol):
    """What reading concepts and rules needs from the file's loader (``schema.Loader``, which
    calls this module: named here so the two modules are not a circle)."""

    data: YMap
    problems: list[Problem]
    allowed: tuple[str, ...]
    negators: dict[str, re.Pattern[str]]
    concepts: dict[str, Concept]
    lexicon: Lexicon

    def error(self, line: int, message: str) -> None: ...

    def patterns(
        self, raw: Any, line: int, entry_id: str, anchored: bool = True
    ) -> list[tuple[str, Compiled]]: ...

    def claim_id(self, item: YMap, kind: str, allowed: set[str]) -> str | None: ...

    def examples(self, item: YMap, kind: str, owner: str) -> None: ...

    def unless(self, item: YMap, owner: str) -> Exclusions | None: ...


_RULE_KEYS = {
    "id",
    "category",
    "lang",
    "near",
    "within",
    "negated",
    "ignore_negation",
    "unless",
    "examples",
    "note",
}
_MAX_WITHIN = 20  # words: a wider window links words from unrelated sentences
_CONCEPT_NAME = re.compile(r"([a-z]{2})-([a-z][a-z0-9_]*)")


def concepts(loader: RuleReader) -> dict[str, Concept]:
    """``concepts: {en-wish: 'want|wish|…', uk-death: …}``, compiled and keyed ``lang:name``.

    Keys carry the language as a prefix rather than nesting ``en: {…}``: elsewhere in the
    content files a mapping with ``en``/``uk`` keys means "a text in every language". The
    concept ``not`` of a language (``en-not``) is its negator list; the loader keeps those.
    """
    raw = loader.data.get("concepts")
    if raw is None:
        return {}
    if not isinstance(raw, YMap):
        message = "concepts: expected lang-name: pattern pairs (en-wish: 'want|wish')"
        loader.error(loader.data.line_of("concepts"), message)
        return {}
    result: dict[str, Concept] = {}
    # Ukrainian and Russian share many word lists: a concept written the same way in both
    # languages is compiled once, and a message is searched for it once (see Words.hits).
    shared: dict[str, Compiled] = {}
    for name, pattern in raw.items():
        key = _concept_key(loader, name, raw.line_of(name))
        if key is None:
            continue
        same = shared.get(pattern) if isinstance(pattern, str) else None
        if same is not None:
            result[key] = Concept(key, same)
            continue
        compiled = loader.patterns(pattern, raw.line_of(name), f"concept {name}")
        if compiled:
            result[key] = Concept(key, compiled[0][1] if len(compiled) == 1 else any_of(compiled))
            if isinstance(pattern, str):
                shared[pattern] = result[key].compiled
    loader.negators = {
        key.split(":")[0]: concept.compiled.regex
        for key, concept in result.items()
        if key.endswith(":not")
    }
    return result


def _concept_key(loader: RuleReader, name: str, line: int) -> str | None:
    found = _CONCEPT_NAME.fullmatch(str(name))
    if found is None or found.group(1) not in DETECTION_LANGUAGES:
        message = f"concepts: '{name}' must be a language and a name, like en-wish"
        loader.error(line, f"{message} (languages: {list(DETECTION_LANGUAGES)})")
        return None
    return f"{found.group(1)}:{found.group(2)}"


def rule(loader: RuleReader, item: YMap, ranks: dict[str, int]) -> None:
    """Check one proximity rule (its concepts must exist in its language) and add it."""
    rule_id = loader.claim_id(item, "rule", _RULE_KEYS)
    if rule_id is None:
        return
    lang, category = item.get("lang"), item.get("category")
    problems = len(loader.problems)
    if lang not in DETECTION_LANGUAGES:
        loader.error(
            item.line_of("lang"), f"{rule_id}: lang must be one of {list(DETECTION_LANGUAGES)}"
        )
    if category not in loader.allowed:
        message = f"{rule_id}: unknown category '{category}'; use {list(loader.allowed)}"
        loader.error(item.line_of("category"), message)
    near, found = _near(loader, item, rule_id, lang)
    _check_within(loader, item, rule_id, len(near))
    negated, ignore = _negation(loader, item, rule_id, lang, near)
    loader.examples(item, "rule", rule_id)
    unless = loader.unless(item, rule_id)
    if len(loader.problems) > problems:
        return
    lang, category = str(lang), str(category)  # both checked above
    rank = ranks.get(category, len(loader.allowed))
    entry = Entry(rule_id, category, lang, rank, unless)
    keys = frozenset(f"{lang}:{name}" for name in negated)
    negator = None if ignore else loader.negators.get(lang)
    loader.lexicon.rules.append(Rule(entry, tuple(found), keys, item["within"], negator))


def _near(
    loader: RuleReader, item: YMap, rule_id: str, lang: Any
) -> tuple[list[str], list[Concept]]:
    """The concept names a rule lists, and those of them its language has."""
    near = item.get("near")
    if not (isinstance(near, list) and len(near) >= 2 and all(isinstance(n, str) for n in near)):
        loader.error(item.line_of("near"), f"{rule_id}: near must list at least two concepts")
        near = []
    found = []
    for name in near:
        concept = loader.concepts.get(f"{lang}:{name}")
        if concept is None:
            known = sorted(k.split(":", 1)[1] for k in loader.concepts if k.startswith(f"{lang}:"))
            message = f"{rule_id}: unknown concept '{name}'; {lang} has {known}"
            loader.error(item.line_of("near"), message)
        else:
            found.append(concept)
    return near, found


def _check_within(loader: RuleReader, item: YMap, rule_id: str, concepts: int) -> None:
    within = item.get("within")
    if not (isinstance(within, int) and not isinstance(within, bool)):
        loader.error(item.line_of("within"), f"{rule_id}: within must be a number of words")
    elif not concepts <= within <= _MAX_WITHIN:
        message = f"{rule_id}: within must be between {concepts} and {_MAX_WITHIN} words"
        loader.error(item.line_of("within"), message)


def _negation(
    loader: RuleReader, item: YMap, rule_id: str, lang: Any, near: list[str]
) -> tuple[list[str], bool]:
    """The concepts that must be negated, and whether negation is ignored altogether."""
    negated = item.get("negated") or []
    if not isinstance(negated, list) or not set(negated) <= set(near):
        loader.error(item.line_of("negated"), f"{rule_id}: negated must name concepts from near")
        negated = []
    ignore = item.get("ignore_negation", False)
    if not isinstance(ignore, bool) or (ignore and negated):
        message = f"{rule_id}: ignore_negation must be true or false, and not with negated"
        loader.error(item.line_of("ignore_negation"), message)
    if negated and lang not in loader.negators:
        message = f"{rule_id}: negated needs negators: a concept {lang}-not"
        loader.error(item.line_of("negated"), message)
    return negated, bool(ignore)

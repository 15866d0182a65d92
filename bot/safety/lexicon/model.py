"""What a compiled lexicon file is made of: entries, their patterns, concepts and rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.safety.lexicon.compiled import Compiled
from bot.safety.lexicon.exclusions import Exclusions


@dataclass(frozen=True)
class Entry:
    """An entry or a rule of the file, as a match reports it."""

    id: str
    category: str
    language: str
    rank: int  # position of the category in the file: lower wins
    unless: Exclusions | None


@dataclass(frozen=True)
class Alternative:
    """One pattern of an entry; each is run on its own, and only where its anchors occur."""

    entry: Entry
    compiled: Compiled


@dataclass(frozen=True)
class Concept:
    """A named set of words or short phrases ("death", "wish") in one language.

    Rules combine concepts by proximity instead of spelling out every phrase: "I wish I were
    dead", "dead is what I want to be" and "хочу просто вже померти" are one rule, not three
    entries. ``key`` is ``lang:name``.
    """

    key: str
    compiled: Compiled


@dataclass(frozen=True)
class Rule:
    """Fires when one occurrence of every concept lies within ``within`` words, in any order.

    Ukrainian and Russian order words freely ("померти хочу" = "хочу померти") and all three
    languages put fillers between the parts ("I honestly just want to be dead"), so a token
    window generalises where a fixed phrase memorises. An occurrence right after a negator
    ("don't want", "не хочу") does not count, unless the concept is listed in ``negated``, in
    which case only such negated occurrences count ("I don't want to live").
    """

    entry: Entry
    concepts: tuple[Concept, ...]
    negated: frozenset[str]
    within: int
    negator: re.Pattern[str] | None  # None: negation is not looked at (ignore_negation)


@dataclass(frozen=True)
class Example:
    """An example text of the file, checked at load time (see :mod:`.examples`)."""

    file: str
    line: int
    kind: str  # entry, idiom, rule or retraction
    owner: str  # the id of the entry, idiom, rule or retraction it illustrates
    text: str


@dataclass
class Lexicon:
    """A validated, compiled lexicon file; entries and rules in rank order."""

    alternatives: list[Alternative] = field(default_factory=list)
    idioms: Exclusions | None = None
    retractions: list[tuple[str, Compiled]] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)


@dataclass(frozen=True)
class CrisisMatch:
    """Which lexicon entry fired; ``span`` is the normalised text it matched (for staff)."""

    category: str
    entry_id: str
    language: str
    span: str

"""Free-text crisis detection over a clinic-editable lexicon (``content/crisis_lexicon.yaml``).

Every incoming message is checked, whatever language the mother chose: she may write Ukrainian,
Russian, English or a mix of them. A match never decides anything clinical by itself; it makes
the bot answer with the crisis reply and lets a person at the clinic read the message, so the
lexicon errs toward escalation and only well-known everyday idioms are excluded.

The lexicon is data: a new phrase is a new YAML entry, never a Python change. Patterns are
regular expressions over :func:`matching_form` (normalised text without apostrophes);
:func:`_prepare` gives each pattern the same normalisation, so staff write ordinary lower-case
words ("kill myself", "вб'ю себе") and doubled letters, apostrophes and ``ё`` take care of
themselves; so do the soft and hard signs (ь, ъ), which chat often leaves out ("умерет",
"убю"). Ukrainian or Russian typed in Latin letters ("ya ne hochu zhyty") is also read in
Cyrillic (:func:`~bot.safety.normalize.cyrillic_readings`), so the Cyrillic patterns cover it.
The file's header comment documents the format for staff.

Phrases memorise; people do not repeat them. Measured on batches written blind, a phrase-only
lexicon that scored ~99% on its own corpus caught 50–75% of new crises, worst in Ukrainian and
Russian, whose free word order and endings multiply the phrasings. So the lexicon also has
*concepts* (named word lists per language: wishing, dying, the baby, harming, the partner …)
and *rules* that fire when one word of each listed concept occurs within a few words of the
others, in any order ("померти я хочу", "dead is all I want"). A concept word right after a
negator ("don't want", "не хочу") does not count unless the rule asks for the negated form
("I don't want to live"). Idioms and ``unless`` cancel a rule when they run through any of its
words. See :class:`_Rule` and :meth:`CrisisDetector._rule_match`.

Speed: each pattern alternative knows a few word beginnings ("anchors") that any match must
contain (:func:`_anchors`), so a message is only scanned by the alternatives whose anchors occur
in it. A 20,000-character message takes milliseconds instead of the ~100 ms that running all
several hundred alternatives would cost. A rule runs only when every one of its concepts has
its anchors in the message; each concept is searched once per message (``finditer``, shared by
all rules, and by both languages when Ukrainian and Russian spell a word list the same way), in
a long message only near its rarest anchor, like an entry; the window search tries a bounded
number of occurrences around each pivot, so no rule is ever quadratic in the message length.

Start-up: each pattern is parsed once (``re``'s parser), and that one tree is checked for slow
repeats, measured (:func:`_measure`), searched for anchors and compiled; with libyaml's parser
for the file, building the whole lexicon takes under two seconds. Each distinct pattern is
prepared and compiled once per file (Ukrainian and Russian rules often share one), and benign
phrases (idioms, ``unless``, retractions) get no anchors, which they never use.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, pairwise, product
from pathlib import Path
from re import _compiler as sre_compile  # type: ignore[attr-defined]
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import yaml

from bot.safety.normalize import cyrillic_readings, normalize, surzhyk_readings
from bot.yamlsrc import YMap as _Map
from bot.yamlsrc import display_path, parse_yaml

CATEGORIES = ("suicidal", "self_harm", "not_exist", "harm_baby", "psychosis", "danger_abuse")
# The same machinery reads the distress lexicon (a tier below crisis) and the topic lexicon
# (everyday subjects); each kind of file has its own categories, and only crisis lexicons must
# list retractions. ``None``: the file names its own categories (topics).
DISTRESS_CATEGORIES = (
    "hopeless",
    "breaking_point",
    "worthless",
    "numb_baby",
    "dark_thoughts",
    "regret_baby",
    "second_opinion",  # no lexicon words: the character n-gram model (bot/safety/ngram.py)
)
KINDS: dict[str, tuple[tuple[str, ...] | None, bool]] = {
    "crisis": (CATEGORIES, True),
    "distress": (DISTRESS_CATEGORIES, False),
    "topics": (None, False),
}
LANGUAGES = ("en", "uk", "ru")
DEFAULT_LEXICON = Path(__file__).resolve().parents[2] / "content" / "crisis_lexicon.yaml"

_TOP_KEYS = {
    "reviewed",
    "categories",
    "macros",
    "idioms",
    "concepts",
    "entries",
    "rules",
    "retractions",
}
_ENTRY_KEYS = {"id", "category", "lang", "pattern", "unless", "examples", "note"}
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
_MAX_WITHIN = 20
_CONCEPT_NAME = re.compile(
    r"([a-z]{2})-([a-z][a-z0-9_]*)"
)  # words: a wider window links words from unrelated sentences
_NEGATION_REACH = 2  # words before a concept that a negator may stand in ("dont really want")
_PHRASE_KEYS = {"id", "lang", "pattern", "examples", "note"}
_SPAN_LIMIT = 120


class LexiconError(ValueError):
    """The lexicon file is invalid; ``errors`` lists every problem as ``file:line: message``."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class CrisisMatch:
    """Which lexicon entry fired; ``span`` is the normalised text it matched (for staff)."""

    category: str
    entry_id: str
    language: str
    span: str


def matching_form(text: str) -> str:
    """The text patterns run against: normalised, apostrophes and soft signs dropped.

    "dont" = "don't", and "умерет" = "умереть", "вбю" = "вб'ю" = "убью": the soft and hard signs
    (ь, ъ) are left out so often in chat, and are always missing from transliterated text, that
    a pattern should not depend on them.
    """
    return normalize(text).translate(_DROPPED)


_DROPPED = str.maketrans("", "", "'ьъ")


# ── Preparing patterns ───────────────────────────────────────────────────────────────────────

_MACRO = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_APOSTROPHE_CHARS = frozenset("'\u2019\u2018\u02bc\u02bb`\u00b4\u2032\uff07\u201b")
_GROUPS = ("(?:", "(?=", "(?!", "(?<=", "(?<!")
_MIXED_WORD = re.compile(r"[^\W\d_]*(?:[a-z][^\W\d_]*[а-яёіїєґ]|[а-яёіїєґ][^\W\d_]*[a-z])")
_ESCAPES_AND_CLASSES = re.compile(r"\\.|\[(?:\\.|[^\]])*\]")


class _PatternError(ValueError):
    pass


def _prepare(pattern: str, macros: dict[str, str]) -> str:
    """Expand ``{macros}`` and normalise the literal letters of ``pattern`` like the text.

    Escapes (``\\w``, ``\\b``) pass through untouched; plain groups become non-capturing (they
    are only ever used for alternatives). A word mixing Latin and Cyrillic letters is refused:
    it is almost always a look-alike letter typed by mistake, and would never match.
    """

    def expand(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in macros:
            raise _PatternError(f"unknown macro {{{name}}}; known: {sorted(macros)}")
        return f"(?:{macros[name]})"

    source = _MACRO.sub(expand, pattern)
    mixed = _MIXED_WORD.search(_ESCAPES_AND_CLASSES.sub(" ", source.casefold()))
    if mixed:
        raise _PatternError(f"'{mixed.group()}' mixes Latin and Cyrillic letters")
    out: list[str] = []
    last_letter = ""
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "[":
            i = _prepare_class(source, i, out)
            last_letter = ""
            continue
        if ch in _SOFT_SIGNS:
            i += 2 if source[i + 1 : i + 2] in ("?", "*", "+") else 1
            continue
        if ch == "\\":
            escape = source[i : i + 2]
            if escape[1:].isdigit():
                raise _PatternError("back-references like \\1 are not supported")
            out.append(escape)
            i += 2
            last_letter = ""
            continue
        if ch in _APOSTROPHE_CHARS:
            i += 2 if source[i + 1 : i + 2] in ("?", "*", "+") else 1
            continue
        if ch == "(":
            group = next((g for g in _GROUPS if source.startswith(g, i)), None)
            if group is None and source.startswith("(?", i):
                raise _PatternError("only (?:…), (?=…), (?!…), (?<=…), (?<!…) groups are allowed")
            out.append(group or "(?:")
            i += len(group) if group else 1
            last_letter = ""
            continue
        if ch.isalpha():
            letter = _letter(ch)
            if letter != last_letter:
                out.append(letter)
            last_letter = letter
        else:
            if not (ch == " " and out and out[-1] == " "):
                out.append(ch)
            last_letter = ""
        i += 1
    return "".join(out)


_SOFT_SIGNS = frozenset("ьъЬЪ")


def _prepare_class(source: str, start: int, out: list[str]) -> int:
    """Copy the character class starting at ``source[start]``; return the index after it.

    Letters are normalised like the text. Soft signs are dropped from the text, so ``с[ья]``
    must mean "с, maybe followed by я": a class that loses a soft sign becomes optional (a
    negated one simply stops mentioning it).
    """
    match = _CLASS.match(source, start)
    if match is None:  # unterminated: let re report it
        out.append("[")
        return start + 1
    body, end = match.group(1), match.end()
    kept: list[str] = []
    dropped = False
    for piece in _CLASS_PIECE.findall(body):
        if piece in _SOFT_SIGNS:
            dropped = True
        elif piece not in _APOSTROPHE_CHARS:
            kept.append(piece if piece.startswith("\\") else _letter(piece))
    text = "".join(kept)
    negated = text.startswith("^")
    quantifier = source[end : end + 1]
    if text == "^":
        raise _PatternError("a negated class of soft signs or apostrophes only matches anything")
    if not text:  # only signs that the text never has: nothing to match
        return end + 1 if quantifier in ("?", "*", "+") else end
    out.append(f"[{text}]")
    if not dropped or negated or quantifier in ("?", "*"):
        return end
    if quantifier == "+":
        out.append("*")
        return end + 1
    out.append("?")
    return end


def _letter(ch: str) -> str:
    return ch.lower().replace("ё", "е").replace("ґ", "г")


_CLASS_PIECE = re.compile(r"\\.|.", re.DOTALL)
_CLASS = re.compile(r"\[((?:\\.|[^\]\\])+)\]")


@dataclass(frozen=True)
class _Compiled:
    """One prepared pattern, ready to run over the matching form padded with a leading space.

    The leading space stands for the word boundary: a lookbehind would keep ``re`` from
    skipping quickly to the places where a pattern can start.
    """

    regex: re.Pattern[str]
    anchors: tuple[frozenset[str], ...]  # see _anchors
    reach: int  # see _measure


def _compile(prepared: str, anchored: bool = True) -> _Compiled:
    """Compile a prepared pattern to match whole words only; refuse empty and slow patterns.

    The pattern is parsed once: the same tree is analysed (repeats, reach, anchors) and then
    wrapped as `` (?:…)(?!\\w)`` and turned into the regex. Parsing was most of what building
    the detector cost, and it used to be done twice. Benign phrases (idioms, ``unless``,
    retractions) are only ever tried where a match already is, so they get no anchors
    (``anchored=False``): working them out was a fifth of the build for nothing.
    """
    tree = sre_parse.parse(prepared)
    plain = _plain(tree)
    reach = _measure(plain)[1]
    anchors = _anchors(plain) if anchored else ()
    wrapped = sre_parse.SubPattern(
        tree.state, [(sre.LITERAL, _SPACE), (sre.SUBPATTERN, (None, 0, 0, tree)), *_WORD_END]
    )
    regex = sre_compile.compile(wrapped)
    if regex.fullmatch(" "):
        raise _PatternError("the pattern can match empty text")
    return _Compiled(regex, anchors, reach)


_WORD_END = list(sre_parse.parse(r"(?!\w)"))


# ── Regex analysis: slow repeats and anchors ─────────────────────────────────────────────────

_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)
_SPACE = ord(" ")
_HEAD = 5  # anchors are word beginnings of at most this many letters
_MAX_HEADS = 400
# Words so frequent that anchoring on them saves nothing ("хочу" in "хочу померти" is a worse
# anchor than "померти"). Only speed depends on this list, never what is detected.
_COMMON_WORDS = {
    "en": "i im id a an the to and or but so my me it its is was be been am are he she they we "
    "you him her his this that what just dont not no do have had in on at of for with want wana "
    "like fel think know can cant wil would could get go going gona realy time baby day night "
    "slep today now al when if how",
    "uk": "я не і й та а але що шо як це то так вже ще мене мені мій моя моє він вона воно вони ми "
    "ви ти його її їй йому в у на з із зі до від за по про хочу дуже все усе дитина дитину "
    "дитині малий коли бо би б є був була буде може можу треба теж тут там сьогодні ніч",
    "ru": "и но что это уже еще меня мне мой он она они мы вы его ее ей ему с из от о очень "
    "ребенок ребенка когда бы есть был была будет могу надо тоже сегодня ночь",
}
_COMMON_HEADS = frozenset(
    word[:n]
    for words in _COMMON_WORDS.values()
    for word in words.split()
    for n in range(1, _HEAD + 1)
)
# Character classes that can never match a space.
_WORDY_CATEGORIES = (sre.CATEGORY_WORD, sre.CATEGORY_DIGIT, sre.CATEGORY_NOT_SPACE)


def _plain(items: Any) -> list[Any]:
    """The parsed tree as nested lists: ``re``'s SubPattern indexes slowly, and the analysis
    below walks each tree many times."""
    out = []
    for op, arg in items:
        if op in _REPEATS:
            arg = (arg[0], arg[1], _plain(arg[2]))
        elif op is sre.SUBPATTERN:
            arg = (*arg[:3], _plain(arg[3]))
        elif op is sre.BRANCH:
            arg = (arg[0], [_plain(sub) for sub in arg[1]])
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            arg = (arg[0], _plain(arg[1]))
        elif op is sre.ATOMIC_GROUP:
            arg = _plain(arg)
        out.append((op, arg))
    return out


def _children(op: Any, arg: Any) -> list[Any]:
    """The nested op lists of one parsed regex node."""
    if op in _REPEATS:
        return [arg[2]]
    if op is sre.SUBPATTERN:
        return [arg[3]]
    if op is sre.BRANCH:
        return list(arg[1])
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return [arg[1]]
    if op is sre.ATOMIC_GROUP:
        return [arg]
    return []


def _measure(items: Any) -> tuple[bool, int]:
    """Can this part of a regex match a space, and across how many spaces at most (its reach)?

    One bottom-up pass that also refuses unbounded repeats that can run across words (``.*``,
    ``[^x]+``, ``(\\w+ )+``): on a 20,000-character message such a repeat rescans the rest of
    the text from every word; a bounded gap like ``(\\w+ ){0,3}`` says the same thing safely.
    The reach counts look-arounds too; :data:`_FAR` means "no bound".
    """
    spans, total = False, 0
    for op, arg in items:
        if op in _REPEATS:
            inner_spans, inner = _measure(arg[2])
            if arg[1] == sre.MAXREPEAT and inner_spans:
                raise _PatternError(
                    "an unbounded repeat that can run across words (like .* or (\\w+ )+) makes "
                    "long messages slow; use a bounded gap such as (\\w+ ){0,3}"
                )
            spans = spans or inner_spans
            total += inner * arg[1] if inner else 0
        elif op in (sre.BRANCH, sre.SUBPATTERN, sre.ATOMIC_GROUP, sre.ASSERT, sre.ASSERT_NOT):
            measured = [_measure(sub) for sub in _children(op, arg)]
            spans = spans or any(m[0] for m in measured)
            total += max((m[1] for m in measured), default=0)
        elif _leaf_spans(op, arg):
            spans = True
            total += 1
    return spans, min(total, _FAR)


def _leaf_spans(op: Any, arg: Any) -> bool:
    """Can this single node (not a group or repeat) match a space?"""
    if op is sre.ANY or op is sre.NOT_LITERAL or (op is sre.LITERAL and arg == _SPACE):
        return True
    return op is sre.IN and any(
        kind is sre.NEGATE
        or (kind is sre.CATEGORY and value not in _WORDY_CATEGORIES)
        or (kind is sre.LITERAL and value == _SPACE)
        or (kind is sre.RANGE and value[0] <= _SPACE <= value[1])
        for kind, value in arg
    )


def _anchors(tree: Any) -> tuple[frozenset[str], ...]:
    """Sets of word beginnings (≤ 5 letters): every match contains a word from each set.

    "(want|wish) to die" needs a word beginning "want" or "wish", one beginning "to" and one
    beginning "die"; "(be dead|stop living)" needs "dead" or "livin". A message lacking any one
    set is not scanned by that pattern. Being wrong here would hide a crisis, so every step is
    conservative: anything unclear gives no set, which only costs speed. Rarest-looking first.
    """
    slots = _slots(tree, True, 0)
    return tuple(sorted(set(slots), key=_cost))


def _cost(heads: frozenset[str]) -> int:
    """A guess at how often some word begins with one of ``heads``: short and common is bad."""
    return sum(8 ** (_HEAD - len(h)) + (4096 if h in _COMMON_HEADS else 0) for h in heads)


def _slots(items: list[Any], word_start: bool, depth: int) -> list[frozenset[str]]:
    """Every set of word beginnings that a match of ``items`` must contain one of."""
    slots: list[frozenset[str]] = []
    if depth > 20:
        return slots
    for index, (op, arg) in enumerate(items):
        if op in _ZERO_WIDTH:
            continue
        if word_start:
            heads = _heads(items[index:], "", 0)
            if heads:
                slots.append(frozenset(heads))
        if op in (sre.BRANCH, sre.SUBPATTERN, sre.ATOMIC_GROUP):
            options = [_slots(sub, word_start, depth + 1) for sub in _children(op, arg)]
            if all(options):
                merged = frozenset().union(*(min(option, key=_cost) for option in options))
                if len(merged) <= _MAX_HEADS:
                    slots.append(merged)
        elif op in _REPEATS and arg[0] >= 1:
            slots += _slots(arg[2], word_start, depth + 1)
        word_start = _word_start_after(word_start, op, arg)
    return slots


def _word_start_after(word_start: bool, op: Any, arg: Any) -> bool:
    """Is a new word certainly starting after this node?"""
    if op is sre.LITERAL:
        return bool(arg == _SPACE)
    if op in _REPEATS:
        ends = _ends_with_space(arg[2])
        return (word_start and ends) if arg[0] == 0 else ends
    if op in (sre.SUBPATTERN, sre.BRANCH, sre.ATOMIC_GROUP):
        return all(_ends_with_space(sub) for sub in _children(op, arg))
    return False


def _ends_with_space(items: list[Any]) -> bool:
    for op, arg in reversed(items):
        if op in _ZERO_WIDTH:
            continue
        if op is sre.LITERAL:
            return bool(arg == _SPACE)
        if op in _REPEATS:
            return bool(arg[0] > 0 and _ends_with_space(arg[2]))
        if op in (sre.SUBPATTERN, sre.BRANCH, sre.ATOMIC_GROUP):
            return all(_ends_with_space(sub) for sub in _children(op, arg))
        return False
    return False


def _heads(items: list[Any], acc: str, depth: int) -> set[str] | None:
    """Possible beginnings of the word a match of ``items`` starts with, given ``acc`` so far."""
    fallback = {acc} if acc else None
    if len(acc) >= _HEAD or depth > 40:
        return fallback
    for index, (op, arg) in enumerate(items):
        if op in _ZERO_WIDTH:
            continue
        rest = items[index + 1 :]
        if op is sre.LITERAL:
            return fallback if arg == _SPACE else _heads(rest, acc + chr(arg), depth + 1)
        if op is sre.IN and all(kind is sre.LITERAL and value != _SPACE for kind, value in arg):
            return _union([_heads(rest, acc + chr(value), depth + 1) for _, value in arg], acc)
        if op in (sre.BRANCH, sre.SUBPATTERN, sre.ATOMIC_GROUP):
            options = [_heads(sub + rest, acc, depth + 1) for sub in _children(op, arg)]
            return _union(options, acc)
        if op in _REPEATS:
            low, high, inner = arg
            if high == 0:
                continue
            more = [(op, (max(low - 1, 0), high if high == sre.MAXREPEAT else high - 1, inner))]
            taken = _heads(inner + (more if high != 1 else []) + rest, acc, depth + 1)
            if low > 0:
                return taken if taken is not None else fallback
            return _union([taken, _heads(rest, acc, depth + 1)], acc)
        return fallback
    return fallback


def _union(options: list[set[str] | None], acc: str) -> set[str] | None:
    if any(option is None for option in options):
        return {acc} if acc else None
    merged: set[str] = set().union(*(o for o in options if o is not None))
    if len(merged) > _MAX_HEADS:
        return {acc} if acc else None
    return merged


_FAR = 10**6  # "no bound": the whole message is scanned


# ── The compiled lexicon ─────────────────────────────────────────────────────────────────────


class _Exclusions:
    """Benign phrases (idioms, an entry's ``unless``) that cancel a crisis match.

    A phrase cancels a match when it runs through the match's last word: "dying to sleep" cancels
    "dying", and "disappear for a weekend" cancels "I wish I could disappear", which starts
    earlier. A phrase that ends before the match does not, so "dying to sleep, I want to die"
    still fires.
    """

    _WINDOW = 200  # characters: idioms are short phrases, so only look near the match

    def __init__(self, patterns: list[tuple[str, _Compiled]]) -> None:
        self.regexes = [compiled.regex for _, compiled in patterns]
        self.any = re.compile(" (?:" + "|".join(f"(?:{p})(?!\\w)" for p, _ in patterns) + ")")

    def cancels(self, form: str, start: int, end: int) -> bool:
        """Does a phrase run through ``form[start:end]``'s end? ``form`` starts with a space."""
        pos = max(0, form.rfind(" ", 0, max(1, start - self._WINDOW)))
        stop = form.find(" ", min(len(form), end + self._WINDOW))
        stop = len(form) if stop < 0 else stop
        while (hit := self.any.search(form, pos, stop)) is not None and hit.start() < end - 1:
            for regex in self.regexes:
                match = regex.match(form, hit.start())
                if match is not None and match.end() >= end:
                    return True
            pos = hit.start() + 1
        return False


@dataclass(frozen=True)
class _Entry:
    id: str
    category: str
    language: str
    rank: int  # position of the category in the file: lower wins
    unless: _Exclusions | None


@dataclass(frozen=True)
class _Alternative:
    """One pattern of an entry; each is run on its own, and only where its anchors occur."""

    entry: _Entry
    compiled: _Compiled


@dataclass(frozen=True)
class _Concept:
    """A named set of words or short phrases ("death", "wish") in one language.

    Rules combine concepts by proximity instead of spelling out every phrase: "I wish I were
    dead", "dead is what I want to be" and "хочу просто вже померти" are one rule, not three
    entries. ``key`` is ``lang:name``.
    """

    key: str
    compiled: _Compiled


@dataclass(frozen=True)
class _Rule:
    """Fires when one occurrence of every concept lies within ``within`` words, in any order.

    Ukrainian and Russian order words freely ("померти хочу" = "хочу померти") and all three
    languages put fillers between the parts ("I honestly just want to be dead"), so a token
    window generalises where a fixed phrase memorises. An occurrence right after a negator
    ("don't want", "не хочу") does not count, unless the concept is listed in ``negated``, in
    which case only such negated occurrences count ("I don't want to live").
    """

    entry: _Entry
    concepts: tuple[_Concept, ...]
    negated: frozenset[str]
    within: int
    negator: re.Pattern[str] | None  # None: negation is not looked at (ignore_negation)


@dataclass
class _Parsed:
    alternatives: list[_Alternative]
    idioms: _Exclusions | None
    retractions: list[tuple[str, _Compiled]]
    examples: list[tuple[str, int, str, str, str]]  # (file, line, kind, id, text)
    rules: list[_Rule] = field(default_factory=list)


def _load(name: str, text: str, kind: str = "crisis") -> tuple[_Parsed | None, list[str]]:
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return None, [f"{name}:{line}: not valid YAML: {getattr(exc, 'problem', exc)}"]
    if not isinstance(data, _Map):
        return None, [f"{name}:1: expected a mapping with categories, entries and retractions"]
    return _Loader(name, data, kind).run()


class _Loader:
    """Checks one parsed lexicon file and compiles it, collecting every error with its line."""

    def __init__(self, name: str, data: _Map, kind: str = "crisis") -> None:
        self.name = name
        self.data = data
        fixed, self.retractions_required = KINDS[kind]
        raw = data.get("categories")
        self.allowed: tuple[str, ...] = (
            fixed if fixed is not None else tuple(raw) if isinstance(raw, _Map) else ()
        )
        self.errors: list[str] = []
        self.seen_ids: dict[str, int] = {}
        self.macros: dict[str, str] = {}
        self.negators: dict[str, re.Pattern[str]] = {}
        self.concepts: dict[str, _Concept] = {}
        self.parsed = _Parsed([], None, [], [])
        # Ukrainian and Russian rules often share a word list or an `unless` context written
        # the same way: each distinct prepared pattern is compiled once per file.
        self.compiled: dict[tuple[str, bool], _Compiled] = {}
        self.prepared: dict[str, str] = {}

    def error(self, line: int, message: str) -> None:
        self.errors.append(f"{self.name}:{line}: {message}")

    def run(self) -> tuple[_Parsed | None, list[str]]:
        data = self.data
        for key in sorted(set(data) - _TOP_KEYS):
            self.error(data.line_of(key), f"unknown top-level key '{key}'")
        ranks = self.categories()
        macros = data.get("macros") or {}
        if isinstance(macros, dict) and all(isinstance(v, str) for v in macros.values()):
            self.macros = {str(k): v for k, v in macros.items()}
        else:
            self.error(data.line_of("macros"), "macros: expected name: pattern pairs")
        idioms = [p for item in self.items("idioms", False) for p in self.phrase(item, "idiom")]
        self.parsed.idioms = _Exclusions(idioms) if idioms else None
        for item in self.items("entries", True):
            self.entry(item, ranks)
        self.concepts = self.concept_lists()
        for item in self.items("rules", False):
            self.rule(item, ranks)
        self.parsed.rules.sort(key=lambda rule: rule.entry.rank)
        for item in self.items("retractions", self.retractions_required):
            self.parsed.retractions += self.phrase(item, "retraction")
        self.parsed.alternatives.sort(key=lambda alt: alt.entry.rank)
        return (None if self.errors else self.parsed), self.errors

    def categories(self) -> dict[str, int]:
        raw = self.data.get("categories")
        if not isinstance(raw, _Map):
            self.error(
                self.data.line_of("categories"), f"categories: expected {list(self.allowed)}"
            )
            return {}
        for key in raw:
            if key not in self.allowed:
                self.error(raw.line_of(key), f"unknown category '{key}'; use {list(self.allowed)}")
        for missing in (c for c in self.allowed if c not in raw):
            self.error(raw.line, f"category '{missing}' is missing")
        for key, label in raw.items():
            if not (isinstance(label, dict) and all(label.get(lang) for lang in ("en", "uk"))):
                message = f"category '{key}': give its label as {{en: …, uk: …}}"
                self.error(raw.line_of(key), message)
        return {key: rank for rank, key in enumerate(raw) if key in self.allowed}

    def items(self, key: str, required: bool) -> list[_Map]:
        raw = self.data.get(key)
        if raw is None and not required:
            return []
        if not isinstance(raw, list) or not raw:
            self.error(self.data.line_of(key), f"{key}: expected a non-empty list")
            return []
        good = [item for item in raw if isinstance(item, _Map)]
        if len(good) != len(raw):
            self.error(self.data.line_of(key), f"{key}: every item must be a mapping (id: …)")
        return good

    def phrase(self, item: _Map, kind: str) -> list[tuple[str, _Compiled]]:
        """Check the fields shared by idioms, entries and retractions; compile the pattern."""
        allowed = _ENTRY_KEYS if kind == "entry" else _PHRASE_KEYS
        for key in sorted(set(item) - allowed):
            self.error(item.line_of(key), f"{kind}: unknown field '{key}'")
        entry_id = item.get("id")
        if not isinstance(entry_id, str) or not entry_id.strip():
            self.error(item.line, f"{kind}: missing id")
            return []
        if entry_id in self.seen_ids:
            first = self.seen_ids[entry_id]
            self.error(item.line, f"duplicate id '{entry_id}' (first on line {first})")
        self.seen_ids.setdefault(entry_id, item.line)
        if item.get("lang") not in LANGUAGES:
            self.error(item.line_of("lang"), f"{entry_id}: lang must be one of {list(LANGUAGES)}")
        examples = item.get("examples") or []
        if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
            self.error(item.line_of("examples"), f"{entry_id}: examples must be a list of texts")
            examples = []
        line = item.line_of("examples")
        self.parsed.examples += [(self.name, line, kind, entry_id, text) for text in examples]
        anchored = kind == "entry"
        return self.patterns(item.get("pattern"), item.line_of("pattern"), entry_id, anchored)

    def patterns(
        self, raw: Any, line: int, entry_id: str, anchored: bool = True
    ) -> list[tuple[str, _Compiled]]:
        """Prepare and compile a pattern (or a list of them); report each bad one.

        ``anchored=False`` for benign phrases, which never need anchors (see :func:`_compile`).
        """
        parts = [raw] if isinstance(raw, str) else raw
        if not isinstance(parts, list) or not parts or not all(isinstance(p, str) for p in parts):
            self.error(line, f"{entry_id}: pattern must be a regex or a list of regexes")
            return []
        compiled = []
        for part in parts:
            try:
                prepared = self.prepared.get(part)
                if prepared is None:
                    prepared = self.prepared[part] = _prepare(part, self.macros)
                known = self.compiled.get((prepared, anchored))
                if known is None:
                    known = self.compiled[prepared, anchored] = _compile(prepared, anchored)
                compiled.append((prepared, known))
            except (_PatternError, re.error) as exc:
                self.error(line, f"{entry_id}: bad pattern {part!r}: {exc}")
        return compiled if len(compiled) == len(parts) else []

    def entry(self, item: _Map, ranks: dict[str, int]) -> None:
        compiled = self.phrase(item, "entry")
        entry_id = str(item.get("id"))
        category = item.get("category")
        if category not in self.allowed:
            message = f"{entry_id}: unknown category '{category}'; use {list(self.allowed)}"
            self.error(item.line_of("category"), message)
            return
        unless = None
        if "unless" in item:
            unless_parts = self.patterns(item["unless"], item.line_of("unless"), entry_id, False)
            unless = _Exclusions(unless_parts) if unless_parts else None
        if not compiled or item.get("lang") not in LANGUAGES:
            return
        rank = ranks.get(category, len(self.allowed))
        entry = _Entry(entry_id, category, item["lang"], rank, unless)
        self.parsed.alternatives += [_Alternative(entry, c) for _, c in compiled]

    def concept_lists(self) -> dict[str, _Concept]:
        """``concepts: {en-wish: 'want|wish|…', uk-death: …}``, compiled and keyed ``lang:name``.

        Keys carry the language as a prefix rather than nesting ``en: {…}``: elsewhere in the
        content files a mapping with ``en``/``uk`` keys means "a text in every language". The
        concept ``not`` of a language (``en-not``) is its negator list (see :class:`_Rule`).
        """
        raw = self.data.get("concepts")
        if raw is None:
            return {}
        if not isinstance(raw, _Map):
            message = "concepts: expected lang-name: pattern pairs (en-wish: 'want|wish')"
            self.error(self.data.line_of("concepts"), message)
            return {}
        result = {}
        # Ukrainian and Russian share many word lists: a concept written the same way in both
        # languages is compiled once, and a message is searched for it once (see _Words.hits).
        shared: dict[str, _Compiled] = {}
        for name, pattern in raw.items():
            line = raw.line_of(name)
            found = _CONCEPT_NAME.fullmatch(str(name))
            if found is None or found.group(1) not in LANGUAGES:
                message = f"concepts: '{name}' must be a language and a name, like en-wish"
                self.error(line, f"{message} (languages: {list(LANGUAGES)})")
                continue
            key = f"{found.group(1)}:{found.group(2)}"
            same = shared.get(pattern) if isinstance(pattern, str) else None
            if same is not None:
                result[key] = _Concept(key, same)
                continue
            compiled = self.patterns(pattern, line, f"concept {name}")
            if compiled:
                result[key] = _Concept(
                    key, compiled[0][1] if len(compiled) == 1 else _any(compiled)
                )
                if isinstance(pattern, str):
                    shared[pattern] = result[key].compiled
        self.negators = {
            key.split(":")[0]: concept.compiled.regex
            for key, concept in result.items()
            if key.endswith(":not")
        }
        return result

    def rule(self, item: _Map, ranks: dict[str, int]) -> None:
        """Check one proximity rule: its concepts must exist in its language."""
        for key in sorted(set(item) - _RULE_KEYS):
            self.error(item.line_of(key), f"rule: unknown field '{key}'")
        rule_id = item.get("id")
        if not isinstance(rule_id, str) or not rule_id.strip():
            self.error(item.line, "rule: missing id")
            return
        if rule_id in self.seen_ids:
            self.error(
                item.line, f"duplicate id '{rule_id}' (first on line {self.seen_ids[rule_id]})"
            )
        self.seen_ids.setdefault(rule_id, item.line)
        lang, category = item.get("lang"), item.get("category")
        problems = len(self.errors)
        if lang not in LANGUAGES:
            self.error(item.line_of("lang"), f"{rule_id}: lang must be one of {list(LANGUAGES)}")
        if category not in self.allowed:
            message = f"{rule_id}: unknown category '{category}'; use {list(self.allowed)}"
            self.error(item.line_of("category"), message)
        near = item.get("near")
        if not (
            isinstance(near, list) and len(near) >= 2 and all(isinstance(n, str) for n in near)
        ):
            self.error(item.line_of("near"), f"{rule_id}: near must list at least two concepts")
            near = []
        concepts = []
        for name in near:
            concept = self.concepts.get(f"{lang}:{name}")
            if concept is None:
                known = sorted(
                    k.split(":", 1)[1] for k in self.concepts if k.startswith(f"{lang}:")
                )
                self.error(
                    item.line_of("near"), f"{rule_id}: unknown concept '{name}'; {lang} has {known}"
                )
            else:
                concepts.append(concept)
        within = item.get("within")
        if not (isinstance(within, int) and not isinstance(within, bool)):
            self.error(item.line_of("within"), f"{rule_id}: within must be a number of words")
        elif not len(near) <= within <= _MAX_WITHIN:
            message = f"{rule_id}: within must be between {len(near)} and {_MAX_WITHIN} words"
            self.error(item.line_of("within"), message)
        negated = item.get("negated") or []
        if not isinstance(negated, list) or not set(negated) <= set(near):
            self.error(item.line_of("negated"), f"{rule_id}: negated must name concepts from near")
            negated = []
        ignore = item.get("ignore_negation", False)
        if not isinstance(ignore, bool) or (ignore and negated):
            message = f"{rule_id}: ignore_negation must be true or false, and not with negated"
            self.error(item.line_of("ignore_negation"), message)
        if negated and lang not in self.negators:
            message = f"{rule_id}: negated needs negators: a concept {lang}-not"
            self.error(item.line_of("negated"), message)
        examples = item.get("examples") or []
        if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
            self.error(item.line_of("examples"), f"{rule_id}: examples must be a list of texts")
            examples = []
        line = item.line_of("examples")
        self.parsed.examples += [(self.name, line, "rule", rule_id, text) for text in examples]
        unless = None
        if "unless" in item:
            unless_parts = self.patterns(item["unless"], item.line_of("unless"), rule_id, False)
            unless = _Exclusions(unless_parts) if unless_parts else None
        if len(self.errors) > problems:
            return
        entry = _Entry(rule_id, category, lang, ranks.get(category, len(self.allowed)), unless)
        keys = frozenset(f"{lang}:{name}" for name in negated)
        self.parsed.rules.append(
            _Rule(entry, tuple(concepts), keys, within, None if ignore else self.negators.get(lang))
        )


def _any(compiled: list[tuple[str, _Compiled]]) -> _Compiled:
    """One pattern that matches where any of a concept's list of patterns does."""
    return _compile("|".join(f"(?:{prepared})" for prepared, _ in compiled))


# ── Detection ────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class _Hit:
    """One occurrence of a concept: first and last word index, character span, negation."""

    first: int
    last: int
    start: int
    end: int
    negated: bool


class _Words:
    """A message in matching form, indexed by word beginnings so that anchors are cheap to test.

    Short messages are simply scanned whole. In a long one an alternative is only run near the
    words that contain its rarest anchor, within the number of words a match can span.
    """

    _SHORT = 300  # words; below this, indexing costs more than scanning
    _MAX_WINDOWS = 64  # measured: beyond this many windows one scan of the whole text is cheaper

    def __init__(self, form: str) -> None:
        self.form = form
        self.words = form.split()
        self.heads: dict[str, list[str]] = {}
        for word in set(self.words):
            for n in range(1, min(len(word), _HEAD) + 1):
                self.heads.setdefault(word[:n], []).append(word)
        self.head_set = set(self.heads)
        self._occurrences: dict[str, list[int]] = {}
        self._counts: dict[str, int] = {}
        self._starts: list[int] = []
        self._spaces: list[int] = []
        self._hits: dict[str, list[_Hit]] = {}
        self._found: dict[re.Pattern[str], list[tuple[int, int]]] = {}

    def spaces(self) -> list[int]:
        """Offsets of the spaces in ``form``: word ``i`` starts after ``spaces()[i]``."""
        if not self._spaces:
            self._spaces = [i for i, ch in enumerate(self.form) if ch == " "]
        return self._spaces

    def hits(
        self, concept: _Concept, negator: re.Pattern[str] | None, narrow: bool = True
    ) -> list[_Hit]:
        """Every occurrence of ``concept`` in the text, in order, each marked negated or not.

        Found once per message and shared by all the rules that use the concept; the text is
        searched once per regex, so a word list shared by two languages costs one search. In a
        long message only the stretches around the concept's rarest anchor are searched
        (:meth:`windows`, as for entries); ``narrow=False`` searches all of it.
        """
        found = self._hits.get(concept.key)
        if found is not None:
            return found
        form, spaces = self.form, self.spaces()
        regex = concept.compiled.regex
        matches = self._found.get(regex)
        if matches is None:
            spans = self.windows(concept.compiled) if narrow else [(0, len(form))]
            matches = [m.span() for start, end in spans for m in regex.finditer(form, start, end)]
            self._found[regex] = matches
        found = []
        for start, end in matches:
            first = bisect_left(spaces, start)
            last = bisect_left(spaces, end) - 1
            negated = False
            if negator is not None and first > 0:
                before = spaces[max(0, first - _NEGATION_REACH)]
                negated = negator.search(form, before, start) is not None
            found.append(_Hit(first, last, start + 1, end, negated))
        self._hits[concept.key] = found
        return found

    def may_match(self, anchors: tuple[frozenset[str], ...]) -> bool:
        return all(not anchor.isdisjoint(self.head_set) for anchor in anchors)

    def windows(self, compiled: _Compiled) -> list[tuple[int, int]]:
        """Stretches of ``form`` (start at a space, end at a word end) where a match can lie.

        The anchor set with the fewest occurrences in this text decides; a match must contain
        one of them and spans at most ``reach`` words on either side.
        """
        everything = [(0, len(self.form))]
        if len(self.words) < self._SHORT or not compiled.anchors:
            return everything
        if not self._occurrences:
            for index, word in enumerate(self.words):
                self._occurrences.setdefault(word, []).append(index)
            self._starts = list(accumulate((len(w) + 1 for w in self.words), initial=1))
        fewest, limit = None, self._MAX_WINDOWS
        for anchor in compiled.anchors:
            count = self._total(anchor, limit)
            if count <= limit:
                fewest, limit = anchor, count
        if fewest is None:
            return everything
        words = {word for head in fewest for word in self.heads.get(head, ())}
        reach, last_word = compiled.reach, len(self.words) - 1
        spans: list[tuple[int, int]] = []
        for index in sorted(i for word in words for i in self._occurrences[word]):
            first, last = max(0, index - reach), min(last_word, index + reach)
            start, end = self._starts[first] - 1, self._starts[last] + len(self.words[last])
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        return spans

    def _total(self, heads: frozenset[str], limit: int) -> int:
        """How many words begin with one of ``heads``; counting stops once past ``limit``."""
        total, counts = 0, self._counts
        for head in heads:
            count = counts.get(head)
            if count is None:
                count = self._count(head) if head in self.heads else 0
                counts[head] = count
            total += count
            if total > limit:
                break
        return total

    def _count(self, head: str) -> int:
        """How many words of the text begin with ``head`` (counted once, then remembered)."""
        count = self._counts.get(head)
        if count is None:
            count = sum(len(self._occurrences[word]) for word in self.heads[head])
            self._counts[head] = count
        return count


class CrisisDetector:
    """Finds crisis phrases in free text; build it with :meth:`from_yaml`."""

    # Occurrences per concept tried around each pivot of a rule: enough for any real message,
    # and a bound on the work when a long text repeats the same words.
    _NEAREST = 6

    def __init__(self, parsed: _Parsed) -> None:
        self._alternatives = parsed.alternatives
        self._idioms = parsed.idioms
        # Each alternative is filed under the beginnings of its rarest anchor set, so a message
        # only looks at the alternatives that some word of it could start.
        self._unanchored: list[int] = []
        self._by_head: dict[str, list[int]] = {}
        for index, alternative in enumerate(self._alternatives):
            anchors = alternative.compiled.anchors
            if not anchors:
                self._unanchored.append(index)
            for head in anchors[0] if anchors else ():
                self._by_head.setdefault(head, []).append(index)
        self._heads = set(self._by_head)
        self._rules = parsed.rules
        self._retractions = _Exclusions(parsed.retractions).any if parsed.retractions else None
        self._prefilter = True  # tests switch it off to prove the anchors never hide a match

    @classmethod
    def from_yaml(cls, path: Path, kind: str = "crisis") -> CrisisDetector:
        """Load, validate and compile a lexicon; raises :class:`LexiconError` if it is invalid.

        Compiling takes a second or two, and start-up both validates and loads the file, so the
        result for the same file content is kept and reused. ``kind`` (see :data:`KINDS`) says
        which categories the file may use: a crisis, distress or topic lexicon.
        """
        name = display_path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise LexiconError([f"{name}:1: cannot read the lexicon: {exc.strerror}"]) from exc
        built = _built(name, text, kind)
        if isinstance(built, tuple):
            raise LexiconError(list(built))
        return built

    def detect(self, text: str) -> CrisisMatch | None:
        """The best crisis match in ``text``, or ``None``.

        Best means the category listed first in the lexicon; among equals, the earliest in the
        text. Ukrainian or Russian typed in Latin letters ("ya ne hochu zhyty") is also read in
        Cyrillic (:func:`cyrillic_readings`); a match there has the Cyrillic reading as its span.
        """
        form = matching_form(text)
        best = self._best(form)
        for reading in cyrillic_readings(form) + surzhyk_readings(form):
            found = self._best(reading)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
        if best is None:
            return None
        _, entry, span = best
        return CrisisMatch(entry.category, entry.id, entry.language, span)

    def _best(self, form: str) -> tuple[int, _Entry, str] | None:
        """Rank, entry and span of the best match in one matching form."""
        text_words = _Words(" " + form)
        best: tuple[int, int, int, _Entry] | None = None
        for index in self._candidates(text_words):
            alternative = self._alternatives[index]
            entry = alternative.entry
            if best is not None and entry.rank > best[0]:
                break
            if self._prefilter and not text_words.may_match(alternative.compiled.anchors):
                continue
            found = self._first_match(alternative, text_words)
            if found is not None and (best is None or (entry.rank, found[0]) < best[:2]):
                best = (entry.rank, found[0], found[1], entry)
        for rule in self._rules:
            if best is not None and rule.entry.rank > best[0]:
                break
            found = self._rule_match(rule, text_words)
            if found is not None and (best is None or (rule.entry.rank, found[0]) < best[:2]):
                best = (rule.entry.rank, found[0], found[1], rule.entry)
        if best is None:
            return None
        rank, start, end, entry = best
        return rank, entry, text_words.form[start:end][:_SPAN_LIMIT]

    def judged_benign(self, text: str) -> bool:
        """Did an entry or rule match ``text`` only to be cancelled by an idiom or its ``unless``?

        Call it where :meth:`detect` found nothing: then any match here was cancelled, i.e. the
        lexicon saw its words and judged this use of them everyday ("dying to sleep", "I can't do
        this anymore, the nappies leak"). The n-gram second opinion does not overrule that.
        """
        form = matching_form(text)
        return any(
            self._raw_match(reading)
            for reading in [form, *cyrillic_readings(form), *surzhyk_readings(form)]
        )

    def _raw_match(self, form: str) -> bool:
        words = _Words(" " + form)
        for index in self._candidates(words):
            alternative = self._alternatives[index]
            if self._prefilter and not words.may_match(alternative.compiled.anchors):
                continue
            windows = words.windows(alternative.compiled) if self._prefilter else [(0, len(form))]
            regex = alternative.compiled.regex
            if any(regex.search(words.form, start, end) for start, end in windows):
                return True
        return any(self._rule_match(rule, words, cancel=False) is not None for rule in self._rules)

    def is_retraction(self, text: str) -> bool:
        """True when the message takes back an earlier one ("I didn't mean it", "я пожартувала").

        A message that itself matches the crisis lexicon is never a retraction: "I was joking,
        but I do want to die" must stay a crisis.
        """
        if self._retractions is None or not self._retractions.search(" " + matching_form(text)):
            return False
        return self.detect(text) is None

    def _candidates(self, words: _Words) -> list[int]:
        """Indexes (in lexicon order) of the alternatives worth running on this message."""
        if not self._prefilter:
            return list(range(len(self._alternatives)))
        found = set(self._unanchored)
        for head in words.head_set & self._heads:
            found.update(self._by_head[head])
        return sorted(found)

    def _first_match(self, alternative: _Alternative, words: _Words) -> tuple[int, int] | None:
        """Start and end of the first match that no idiom or ``unless`` phrase cancels."""
        entry, form = alternative.entry, words.form
        windows = words.windows(alternative.compiled) if self._prefilter else [(0, len(form))]
        for window_start, window_end in windows:
            pos = window_start
            while (match := alternative.compiled.regex.search(form, pos, window_end)) is not None:
                start, end = match.start() + 1, match.end()
                cancelled = (
                    entry.unless is not None and entry.unless.cancels(form, start, end)
                ) or (self._idioms is not None and self._idioms.cancels(form, start, end))
                if not cancelled:
                    return start, end
                pos = start
        return None

    def _rule_match(
        self, rule: _Rule, words: _Words, cancel: bool = True
    ) -> tuple[int, int] | None:
        """Start and end of a window holding every concept of ``rule`` that nothing cancels.

        Each occurrence of the rarest concept is tried as the pivot, with the few nearest
        occurrences of every other concept; words may not be shared between concepts. Whether a
        word is cancelled by an idiom is worked out once per word.
        """
        if self._prefilter and not all(words.may_match(c.compiled.anchors) for c in rule.concepts):
            return None
        lists: list[list[_Hit]] = []
        # Rarest-looking concept first: a message lacking it costs one search, not several.
        for concept in sorted(rule.concepts, key=_rarity):
            wanted = concept.key in rule.negated
            found = words.hits(concept, rule.negator, self._prefilter)
            hits = [hit for hit in found if hit.negated == wanted]
            if not hits:
                return None
            lists.append(hits)
        order = sorted(range(len(lists)), key=lambda i: len(lists[i]))
        pivots, others = lists[order[0]], [lists[i] for i in order[1:]]
        starts = [[hit.first for hit in hits] for hits in others]
        within = rule.within
        seen: dict[_Hit, bool] = {}
        for pivot in pivots:
            near = []
            for hits, firsts in zip(others, starts, strict=True):
                low = bisect_left(firsts, pivot.first - within)
                high = bisect_right(firsts, pivot.last + within)
                window = sorted(hits[low:high], key=lambda hit: abs(hit.first - pivot.first))
                near.append(window[: self._NEAREST])
            for combination in product(*near):
                chosen = [pivot, *combination]
                if not _disjoint(chosen):
                    continue
                first = min(hit.first for hit in chosen)
                if max(hit.last for hit in chosen) - first >= within:
                    continue
                start = min(hit.start for hit in chosen)
                end = max(hit.end for hit in chosen)
                if not cancel or not self._rule_cancelled(rule, words, chosen, seen):
                    return start, end
        return None

    def _rule_cancelled(
        self, rule: _Rule, words: _Words, chosen: list[_Hit], seen: dict[_Hit, bool]
    ) -> bool:
        """Is this window cancelled by an idiom, or by the rule's ``unless``?

        An idiom cancels when it runs through any of the matched words: "suicidal thoughts" is
        a rule match, "my sister who has suicidal thoughts" is not. A rule's ``unless`` is
        context: it cancels when it occurs anywhere within ``within`` words of the match, so
        "stood by the railway waiting for the delayed train" needs no phrase that reaches back
        into the matched words.
        """
        if any(self._cancelled(words.form, hit, seen) for hit in chosen):
            return True
        unless = rule.entry.unless
        if unless is None:
            return False
        first = max(0, min(hit.first for hit in chosen) - rule.within)
        last = max(hit.last for hit in chosen) + rule.within
        spaces = words.spaces()
        stop = spaces[last + 1] if last + 1 < len(spaces) else len(words.form)
        return unless.any.search(words.form, spaces[first], stop) is not None

    def _cancelled(self, form: str, hit: _Hit, seen: dict[_Hit, bool]) -> bool:
        """Does an idiom run through this word? Worked out once per word (``seen``)."""
        found = seen.get(hit)
        if found is None:
            found = self._idioms is not None and self._idioms.cancels(form, hit.start, hit.end)
            seen[hit] = found
        return found

    def _check_examples(self, parsed: _Parsed) -> list[str]:
        """Entries' and retractions' examples must be detected; idioms' examples must not be."""
        errors = []
        own_patterns: dict[str, list[re.Pattern[str]]] = {}
        for alternative in parsed.alternatives:
            own_patterns.setdefault(alternative.entry.id, []).append(alternative.compiled.regex)
        own_rules: dict[str, list[_Rule]] = {}
        for rule in parsed.rules:
            own_rules.setdefault(rule.entry.id, []).append(rule)
        for file, line, kind, entry_id, text in parsed.examples:
            problem = ""
            found = self.detect(text)
            form = " " + matching_form(text)
            own = own_patterns.get(entry_id, [])
            if kind == "entry" and not any(regex.search(form) for regex in own):
                problem = "does not match its pattern"
            elif kind == "entry" and found is None:
                problem = "matches, but an idiom or 'unless' pattern cancels it"
            elif kind == "idiom" and found is not None:
                problem = f"is still detected as a crisis by {found.entry_id} ({found.span!r})"
            elif kind == "rule" and not any(
                self._rule_match(rule, _Words(form), cancel=False) is not None
                for rule in own_rules.get(entry_id, [])
            ):
                problem = "does not match its rule"
            elif kind == "rule" and found is None:
                problem = "matches, but an idiom or 'unless' pattern cancels it"
            elif kind == "retraction" and not self.is_retraction(text):
                problem = "is not recognised as a retraction"
            if problem:
                errors.append(f"{file}:{line}: {entry_id}: example {text!r} {problem}")
        return errors


def _rarity(concept: _Concept) -> int:
    """How common a concept's words look (see :func:`_cost`); unanchored ones go last."""
    anchors = concept.compiled.anchors
    return _cost(anchors[0]) if anchors else 1 << 30


def _disjoint(hits: list[_Hit]) -> bool:
    """Do no two of ``hits`` share a word? One word must not count for two concepts."""
    ordered = sorted(hits, key=lambda hit: hit.first)
    return all(a.last < b.first for a, b in pairwise(ordered))


@lru_cache(maxsize=8)
def _built(name: str, text: str, kind: str = "crisis") -> CrisisDetector | tuple[str, ...]:
    parsed, errors = _load(name, text, kind)
    if parsed is None:
        return tuple(errors)
    detector = CrisisDetector(parsed)
    errors = detector._check_examples(parsed)
    return tuple(errors) if errors else detector


def validate_lexicon(path: Path, kind: str = "crisis") -> list[str]:
    """Every problem in the lexicon file as ``file:line: message``; ``[]`` when it is clean."""
    try:
        CrisisDetector.from_yaml(path, kind)
    except LexiconError as exc:
        return exc.errors
    return []

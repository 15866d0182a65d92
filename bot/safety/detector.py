"""Free-text crisis detection over a clinic-editable lexicon (``content/crisis_lexicon.yaml``).

Every incoming message is checked, whatever language the mother chose: she may write Ukrainian,
Russian, English or a mix of them. A match never decides anything clinical by itself; it makes
the bot answer with the crisis reply and lets a human at the clinic look at the message, so the
lexicon errs toward escalation and only well-known everyday idioms are excluded.

The lexicon is data: a new phrase is a new YAML entry, never a Python change. Patterns are
regular expressions over :func:`bot.safety.normalize.normalize`'d text with apostrophes
removed; :func:`_prepare` applies the same normalisation to each pattern, so staff write
ordinary lower-case words ("kill myself", "вб'ю себе") and doubled letters, apostrophes and
``ё`` take care of themselves. The file's header comment documents the format for staff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.safety.normalize import normalize

CATEGORIES = ("suicidal", "self_harm", "not_exist", "harm_baby", "psychosis", "danger_abuse")
LANGUAGES = ("en", "uk", "ru")
DEFAULT_LEXICON = Path(__file__).resolve().parents[2] / "content" / "crisis_lexicon.yaml"

_TOP_KEYS = {"reviewed", "categories", "macros", "idioms", "entries", "retractions"}
_ENTRY_KEYS = {"id", "category", "lang", "pattern", "unless", "examples", "note"}
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


# ── YAML with line numbers ───────────────────────────────────────────────────────────────────


class _Map(dict[str, Any]):
    """A YAML mapping that remembers its own line and the line of each key (1-based)."""

    line: int = 1
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> _Map:  # type: ignore[override]
        result = _Map(super().construct_mapping(node, deep=True))
        result.line = node.start_mark.line + 1
        result.key_lines = {str(key.value): key.start_mark.line + 1 for key, _ in node.value}
        return result


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# ── Patterns ─────────────────────────────────────────────────────────────────────────────────

_MACRO = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_APOSTROPHE_CHARS = frozenset("'\u2019\u2018\u02bc\u02bb`\u00b4\u2032\uff07\u201b")
_LOOKAROUND = ("(?:", "(?=", "(?!", "(?<=", "(?<!")
_MIXED_WORD = re.compile(r"[^\W\d_]*(?:[a-z][^\W\d_]*[а-яёіїєґ]|[а-яёіїєґ][^\W\d_]*[a-z])")
_ESCAPES_AND_CLASSES = re.compile(r"\\.|\[(?:\\.|[^\]])*\]")


class _PatternError(ValueError):
    pass


def matching_form(text: str) -> str:
    """The text patterns run against: normalised, with apostrophes dropped (so "dont" = "don't")."""
    return normalize(text).replace("'", "")


def _prepare(pattern: str, macros: dict[str, str]) -> str:
    """Expand ``{macros}`` and normalise the literal letters of ``pattern`` like the text.

    Escapes (``\\w``, ``\\b``) pass through untouched; plain groups become non-capturing, because
    one combined regex with hundreds of entries must stay small and fast.
    """

    def expand(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in macros:
            raise _PatternError(f"unknown macro {{{name}}}; known: {sorted(macros)}")
        return f"(?:{macros[name]})"

    source = _MACRO.sub(expand, pattern)
    without_escapes = _ESCAPES_AND_CLASSES.sub(" ", source.casefold())
    mixed = _MIXED_WORD.search(without_escapes)
    if mixed:
        raise _PatternError(f"'{mixed.group()}' mixes Latin and Cyrillic letters")
    out: list[str] = []
    last_letter = ""
    i = 0
    while i < len(source):
        ch = source[i]
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
            group = next((g for g in _LOOKAROUND if source.startswith(g, i)), None)
            if group is None and source.startswith("(?", i):
                raise _PatternError(
                    "only (?:…), (?=…), (?!…), (?<=…) and (?<!…) groups are allowed"
                )
            out.append(group or "(?:")
            i += len(group) if group else 1
            last_letter = ""
            continue
        if ch.isalpha():
            letter = ch.lower().replace("ё", "е").replace("ґ", "г")
            if letter != last_letter:
                out.append(letter)
            last_letter = letter
        else:
            if not (ch == " " and out and out[-1] == " "):
                out.append(ch)
            last_letter = ""
        i += 1
    return "".join(out)


def _compile(prepared: str) -> re.Pattern[str]:
    compiled = re.compile(rf"(?<!\w)(?:{prepared})(?!\w)")
    if compiled.search("") or compiled.search(" "):
        raise _PatternError("the pattern can match empty text")
    _check_repeats(prepared)
    return compiled


def _check_repeats(prepared: str) -> None:
    """Refuse unbounded repeats that can run across words (``.*``, ``[^x]+``, ``(\\w+ )+``).

    On a 20,000-character message such a repeat rescans the rest of the text from every word and
    makes detection slow; a bounded gap like ``(\\w+ ){0,3}`` says the same thing safely.
    """
    from re import _constants as c  # type: ignore[attr-defined]
    from re import _parser  # type: ignore[attr-defined]

    repeats = (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT)

    def spans_words(items: Any) -> bool:
        for op, arg in items:
            if op is c.ANY or (op is c.LITERAL and arg == 32) or op is c.NOT_LITERAL:
                return True
            if op is c.IN and any(
                kind is c.NEGATE
                or (kind is c.CATEGORY and value in (c.CATEGORY_SPACE, c.CATEGORY_NOT_WORD))
                or (kind is c.LITERAL and value == 32)
                or (kind is c.RANGE and value[0] <= 32 <= value[1])
                for kind, value in arg
            ):
                return True
            if any(spans_words(sub) for sub in _children(op, arg, c)):
                return True
        return False

    def walk(items: Any) -> None:
        for op, arg in items:
            if op in repeats and arg[1] == c.MAXREPEAT and spans_words(arg[2]):
                raise _PatternError(
                    "an unbounded repeat that can run across words (like .* or (\\w+ )+) makes "
                    "long messages slow; use a bounded gap such as (\\w+ ){0,3}"
                )
            for sub in _children(op, arg, c):
                walk(sub)

    walk(_parser.parse(prepared))


def _children(op: Any, arg: Any, c: Any) -> list[Any]:
    """The nested op lists of one parsed regex node."""
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        return [arg[2]]
    if op is c.SUBPATTERN:
        return [arg[3]]
    if op is c.BRANCH:
        return list(arg[1])
    if op in (c.ASSERT, c.ASSERT_NOT):
        return [arg[1]]
    if op is c.ATOMIC_GROUP:
        return [arg]
    return []


# ── Loading and validation ───────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class _Entry:
    id: str
    category: str
    language: str
    regex: re.Pattern[str]
    prepared: str
    unless: _Exclusions | None
    rank: int


class _Exclusions:
    """Benign phrases (idioms, an entry's ``unless``) that cancel a crisis match.

    A phrase cancels a match when it runs through the match's last word: "dying to sleep" cancels
    "dying", and "disappear for a weekend" cancels "I wish I could disappear", which starts
    earlier. A phrase that ends before the match does not, so "dying to sleep, I want to die"
    still fires.
    """

    _WINDOW = 200  # characters: idioms are short phrases, so only look near the match

    def __init__(self, prepared: list[str]) -> None:
        self.regexes = [_compile(p) for p in prepared]
        self.any = re.compile(r"(?<!\w)(?:" + "|".join(f"(?:{p})" for p in prepared) + r")(?!\w)")

    def cancels(self, form: str, start: int, end: int) -> bool:
        pos = max(0, form.rfind(" ", 0, max(0, start - self._WINDOW)))
        stop = min(len(form), end + self._WINDOW)
        while (hit := self.any.search(form, pos, stop)) is not None and hit.start() < end:
            for regex in self.regexes:
                match = regex.match(form, hit.start())
                if match is not None and match.end() >= end:
                    return True
            pos = hit.start() + 1
        return False


@dataclass
class _Parsed:
    entries: list[_Entry]
    idioms: _Exclusions | None
    retractions: list[re.Pattern[str]]
    examples: list[tuple[str, int, str, str, str]]  # (file, line, kind, id, text)


def _load(path: Path) -> tuple[_Parsed | None, list[str]]:
    name = _display(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except OSError as exc:
        return None, [f"{name}:1: cannot read the lexicon: {exc.strerror}"]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return None, [f"{name}:{line}: not valid YAML: {getattr(exc, 'problem', exc)}"]
    if not isinstance(data, _Map):
        return None, [f"{name}:1: expected a mapping with categories, entries and retractions"]
    return _Loader(name, data).run()


class _Loader:
    """Checks one parsed lexicon file and compiles it, collecting every error with its line."""

    def __init__(self, name: str, data: _Map) -> None:
        self.name = name
        self.data = data
        self.errors: list[str] = []
        self.seen_ids: dict[str, int] = {}
        self.macros: dict[str, str] = {}

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
        parsed = _Parsed([], None, [], [])
        idioms = [self.phrase(item, "idiom", parsed) for item in self.items("idioms", False)]
        valid_idioms = [p for p in idioms if p is not None]
        parsed.idioms = self.exclusions(valid_idioms, data.line_of("idioms"))
        for item in self.items("entries", True):
            entry = self.entry(item, ranks, parsed)
            if entry is not None:
                parsed.entries.append(entry)
        for item in self.items("retractions", True):
            prepared = self.phrase(item, "retraction", parsed)
            if prepared is not None:
                parsed.retractions.append(_compile(prepared))
        return (None if self.errors else parsed), self.errors

    def categories(self) -> dict[str, int]:
        raw = self.data.get("categories")
        if not isinstance(raw, _Map):
            self.error(self.data.line_of("categories"), f"categories: expected {list(CATEGORIES)}")
            return {}
        for key in raw:
            if key not in CATEGORIES:
                self.error(raw.line_of(key), f"unknown category '{key}'; use {list(CATEGORIES)}")
        for missing in (c for c in CATEGORIES if c not in raw):
            self.error(raw.line, f"category '{missing}' is missing")
        for key, label in raw.items():
            if not (isinstance(label, dict) and all(label.get(lang) for lang in ("en", "uk"))):
                self.error(
                    raw.line_of(key), f"category '{key}': give its label as {{en: …, uk: …}}"
                )
        return {key: rank for rank, key in enumerate(raw) if key in CATEGORIES}

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

    def phrase(self, item: _Map, kind: str, parsed: _Parsed) -> str | None:
        """Check the fields shared by idioms, entries and retractions; return the prepared regex."""
        allowed = _ENTRY_KEYS if kind == "entry" else _PHRASE_KEYS
        for key in sorted(set(item) - allowed):
            self.error(item.line_of(key), f"{kind}: unknown field '{key}'")
        entry_id = item.get("id")
        if not isinstance(entry_id, str) or not entry_id.strip():
            self.error(item.line, f"{kind}: missing id")
            return None
        if entry_id in self.seen_ids:
            self.error(
                item.line, f"duplicate id '{entry_id}' (first on line {self.seen_ids[entry_id]})"
            )
        self.seen_ids.setdefault(entry_id, item.line)
        if item.get("lang") not in LANGUAGES:
            self.error(item.line_of("lang"), f"{entry_id}: lang must be one of {list(LANGUAGES)}")
        examples = item.get("examples") or []
        if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
            self.error(item.line_of("examples"), f"{entry_id}: examples must be a list of texts")
            examples = []
        parsed.examples += [
            (self.name, item.line_of("examples"), kind, entry_id, e) for e in examples
        ]
        return self.pattern(item.get("pattern"), item.line_of("pattern"), entry_id)

    def pattern(self, raw: Any, line: int, entry_id: str) -> str | None:
        parts = [raw] if isinstance(raw, str) else raw
        if not isinstance(parts, list) or not parts or not all(isinstance(p, str) for p in parts):
            self.error(line, f"{entry_id}: pattern must be a regex or a list of regexes")
            return None
        try:
            prepared = "|".join(f"(?:{_prepare(p, self.macros)})" for p in parts)
            _compile(prepared)
        except (_PatternError, re.error) as exc:
            self.error(line, f"{entry_id}: bad pattern: {exc}")
            return None
        return prepared

    def entry(self, item: _Map, ranks: dict[str, int], parsed: _Parsed) -> _Entry | None:
        prepared = self.phrase(item, "entry", parsed)
        category = item.get("category")
        if category not in CATEGORIES:
            self.error(
                item.line_of("category"),
                f"{item.get('id')}: unknown category '{category}'; use {list(CATEGORIES)}",
            )
            return None
        unless = None
        if "unless" in item:
            raw = item["unless"]
            parts = [raw] if isinstance(raw, str) else raw
            if not isinstance(parts, list):
                parts = []
            entry_id = str(item.get("id"))
            prepared_unless = [self.pattern(p, item.line_of("unless"), entry_id) for p in parts]
            unless = self.exclusions([p for p in prepared_unless if p], item.line_of("unless"))
        if prepared is None or item.get("lang") not in LANGUAGES:
            return None
        return _Entry(
            id=item["id"],
            category=category,
            language=item["lang"],
            regex=_compile(prepared),
            prepared=prepared,
            unless=unless,
            rank=ranks.get(category, len(CATEGORIES)),
        )

    def exclusions(self, prepared: list[str], line: int) -> _Exclusions | None:
        if not prepared:
            return None
        try:
            return _Exclusions(prepared)
        except (_PatternError, re.error) as exc:  # pragma: no cover - each part compiled already
            self.error(line, f"bad exclusion pattern: {exc}")
            return None


# ── Detection ────────────────────────────────────────────────────────────────────────────────


class CrisisDetector:
    """Finds crisis phrases in free text; build it with :meth:`from_yaml`."""

    def __init__(self, parsed: _Parsed) -> None:
        self._entries = parsed.entries
        self._idioms = parsed.idioms
        self._by_group = {f"e{i}": entry for i, entry in enumerate(parsed.entries)}
        body = "|".join(
            f"(?:{entry.prepared})(?!\\w)(?P<e{i}>)" for i, entry in enumerate(parsed.entries)
        )
        self._any = re.compile(rf"(?<!\w)(?:{body})")
        self._retractions = re.compile(
            r"|".join(f"(?:{r.pattern})" for r in parsed.retractions) or r"(?!)"
        )

    @classmethod
    def from_yaml(cls, path: Path) -> CrisisDetector:
        """Load, validate and compile a lexicon; raises :class:`LexiconError` if it is invalid."""
        parsed, errors = _load(path)
        if parsed is None:
            raise LexiconError(errors)
        detector = cls(parsed)
        errors = detector._check_examples(parsed)
        if errors:
            raise LexiconError(errors)
        return detector

    def detect(self, text: str) -> CrisisMatch | None:
        """The best crisis match in ``text``, or ``None``.

        Best means the category listed first in the lexicon; among equals, the earliest in the
        text. Scanning stops early at a match of the first category.
        """
        form = matching_form(text)
        best: tuple[int, _Entry, int, int] | None = None
        pos = 0
        while (hit := self._any.search(form, pos)) is not None:
            start = hit.start()
            found = self._accept(form, start, self._by_group[str(hit.lastgroup)], hit.end())
            if found is None:
                found = self._retry(form, start)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
                if best[0] == 0:
                    break
            pos = start + 1
        if best is None:
            return None
        _, entry, start, end = best
        return CrisisMatch(entry.category, entry.id, entry.language, form[start:end][:_SPAN_LIMIT])

    def is_retraction(self, text: str) -> bool:
        """True when the message takes back an earlier one ("I didn't mean it", "я пожартувала").

        A message that itself matches the crisis lexicon is never a retraction: "I was joking,
        but I do want to die" must stay a crisis.
        """
        return self._retractions.search(matching_form(text)) is not None and not self.detect(text)

    def _accept(
        self, form: str, start: int, entry: _Entry, end: int
    ) -> tuple[int, _Entry, int, int] | None:
        if entry.unless is not None and entry.unless.cancels(form, start, end):
            return None
        if self._idioms is not None and self._idioms.cancels(form, start, end):
            return None
        return entry.rank, entry, start, end

    def _retry(self, form: str, start: int) -> tuple[int, _Entry, int, int] | None:
        """The first match at ``start`` was an idiom; another entry may still match there."""
        for entry in self._entries:
            match = entry.regex.match(form, start)
            if match is not None:
                found = self._accept(form, start, entry, match.end())
                if found is not None:
                    return found
        return None

    def _check_examples(self, parsed: _Parsed) -> list[str]:
        """Each entry's examples must be detected, each idiom's must not, each retraction's must be."""
        errors = []
        patterns = {e.id: e.regex for e in parsed.entries}
        for file, line, kind, entry_id, text in parsed.examples:
            form = matching_form(text)
            problem = ""
            if kind == "entry" and not patterns[entry_id].search(form):
                problem = "does not match its pattern"
            elif kind == "entry" and self.detect(text) is None:
                problem = "matches, but an idiom or 'unless' pattern cancels it"
            elif kind == "idiom" and self.detect(text) is not None:
                problem = f"is still detected as a crisis ({self.detect(text)})"
            elif kind == "retraction" and not self._retractions.search(form):
                problem = "is not recognised as a retraction"
            if problem:
                errors.append(f"{file}:{line}: {entry_id}: example {text!r} {problem}")
        return errors


def validate_lexicon(path: Path) -> list[str]:
    """Every problem in the lexicon file as ``file:line: message``; ``[]`` when it is clean."""
    try:
        CrisisDetector.from_yaml(path)
    except LexiconError as exc:
        return exc.errors
    return []

"""Reading a lexicon file: every problem found with its line, and the patterns compiled.

The file's header comment documents the format for staff. Validation never stops at the first
problem: ``main.py check`` lists them all, each as ``file:line: message``.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from bot.content import LANGUAGES
from bot.safety.lexicon import schema_rules
from bot.safety.lexicon.compiled import Compiled, compile_pattern
from bot.safety.lexicon.exclusions import Exclusions
from bot.safety.lexicon.kinds import DETECTION_LANGUAGES, KINDS
from bot.safety.lexicon.model import Alternative, Concept, Entry, Example, Lexicon
from bot.safety.lexicon.patterns import PatternError, prepare
from bot.yamlsrc import Problem, YMap, parse_yaml

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
_PHRASE_KEYS = {"id", "lang", "pattern", "examples", "note"}


def load(name: str, text: str, kind: str = "crisis") -> tuple[Lexicon | None, list[Problem]]:
    """The compiled lexicon of one file's text, or ``None`` and every problem in it."""
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return None, [Problem(name, line, f"not valid YAML: {getattr(exc, 'problem', exc)}")]
    if not isinstance(data, YMap):
        message = "expected a mapping with categories, entries and retractions"
        return None, [Problem(name, 1, message)]
    return Loader(name, data, kind).run()


class Loader:
    """Checks one parsed lexicon file and compiles it, collecting every problem with its line.

    Concepts and rules are read by :mod:`.schema_rules`, with this loader's helpers.
    """

    def __init__(self, name: str, data: YMap, kind: str = "crisis") -> None:
        self.name = name
        self.data = data
        fixed, self.retractions_required = KINDS[kind]
        raw = data.get("categories")
        self.allowed: tuple[str, ...] = (
            fixed if fixed is not None else tuple(raw) if isinstance(raw, YMap) else ()
        )
        self.problems: list[Problem] = []
        self.seen_ids: dict[str, int] = {}
        self.macros: dict[str, str] = {}
        self.negators: dict[str, re.Pattern[str]] = {}
        self.concepts: dict[str, Concept] = {}
        self.lexicon = Lexicon()
        # Ukrainian and Russian rules often share a word list or an `unless` context written
        # the same way: each distinct prepared pattern is compiled once per file.
        self.compiled: dict[tuple[str, bool], Compiled] = {}
        self.prepared: dict[str, str] = {}

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.name, line, message))

    def run(self) -> tuple[Lexicon | None, list[Problem]]:
        data, lexicon = self.data, self.lexicon
        for key in sorted(set(data) - _TOP_KEYS):
            self.error(data.line_of(key), f"unknown top-level key '{key}'")
        ranks = self.categories()
        self.read_macros()
        idioms = [p for item in self.items("idioms", False) for p in self.phrase(item, "idiom")]
        lexicon.idioms = Exclusions(idioms) if idioms else None
        for item in self.items("entries", True):
            self.entry(item, ranks)
        self.concepts = schema_rules.concepts(self)
        for item in self.items("rules", False):
            schema_rules.rule(self, item, ranks)
        lexicon.rules.sort(key=lambda rule: rule.entry.rank)
        for item in self.items("retractions", self.retractions_required):
            lexicon.retractions += self.phrase(item, "retraction")
        lexicon.alternatives.sort(key=lambda alt: alt.entry.rank)
        return (None if self.problems else lexicon), self.problems

    def categories(self) -> dict[str, int]:
        """Check the categories; each one's rank is its place in the file (lower wins)."""
        raw = self.data.get("categories")
        if not isinstance(raw, YMap):
            message = f"categories: expected {list(self.allowed)}"
            self.error(self.data.line_of("categories"), message)
            return {}
        for key in raw:
            if key not in self.allowed:
                self.error(raw.line_of(key), f"unknown category '{key}'; use {list(self.allowed)}")
        for missing in (c for c in self.allowed if c not in raw):
            self.error(raw.line, f"category '{missing}' is missing")
        for key, label in raw.items():
            if not (isinstance(label, dict) and all(label.get(lang) for lang in LANGUAGES)):
                message = f"category '{key}': give its label as {{en: …, uk: …}}"
                self.error(raw.line_of(key), message)
        return {key: rank for rank, key in enumerate(raw) if key in self.allowed}

    def read_macros(self) -> None:
        macros = self.data.get("macros") or {}
        if isinstance(macros, dict) and all(isinstance(v, str) for v in macros.values()):
            self.macros = {str(k): v for k, v in macros.items()}
        else:
            self.error(self.data.line_of("macros"), "macros: expected name: pattern pairs")

    def items(self, key: str, required: bool) -> list[YMap]:
        raw = self.data.get(key)
        if raw is None and not required:
            return []
        if not isinstance(raw, list) or not raw:
            self.error(self.data.line_of(key), f"{key}: expected a non-empty list")
            return []
        good = [item for item in raw if isinstance(item, YMap)]
        if len(good) != len(raw):
            self.error(self.data.line_of(key), f"{key}: every item must be a mapping (id: …)")
        return good

    def claim_id(self, item: YMap, kind: str, allowed: set[str]) -> str | None:
        """Check an item's fields and id; the id, unless it is missing."""
        for key in sorted(set(item) - allowed):
            self.error(item.line_of(key), f"{kind}: unknown field '{key}'")
        item_id = item.get("id")
        if not isinstance(item_id, str) or not item_id.strip():
            self.error(item.line, f"{kind}: missing id")
            return None
        if item_id in self.seen_ids:
            first = self.seen_ids[item_id]
            self.error(item.line, f"duplicate id '{item_id}' (first on line {first})")
        self.seen_ids.setdefault(item_id, item.line)
        return item_id

    def examples(self, item: YMap, kind: str, owner: str) -> None:
        examples = item.get("examples") or []
        if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
            self.error(item.line_of("examples"), f"{owner}: examples must be a list of texts")
            examples = []
        line = item.line_of("examples")
        self.lexicon.examples += [Example(self.name, line, kind, owner, e) for e in examples]

    def phrase(self, item: YMap, kind: str) -> list[tuple[str, Compiled]]:
        """Check the fields shared by idioms, entries and retractions; compile the pattern."""
        entry_id = self.claim_id(item, kind, _ENTRY_KEYS if kind == "entry" else _PHRASE_KEYS)
        if entry_id is None:
            return []
        if item.get("lang") not in DETECTION_LANGUAGES:
            self.error(
                item.line_of("lang"), f"{entry_id}: lang must be one of {list(DETECTION_LANGUAGES)}"
            )
        self.examples(item, kind, entry_id)
        anchored = kind == "entry"
        return self.patterns(item.get("pattern"), item.line_of("pattern"), entry_id, anchored)

    def patterns(
        self, raw: Any, line: int, entry_id: str, anchored: bool = True
    ) -> list[tuple[str, Compiled]]:
        """Prepare and compile a pattern (or a list of them); report each bad one.

        ``anchored=False`` for benign phrases, which never need anchors (see
        :func:`~bot.safety.lexicon.compiled.compile_pattern`).
        """
        parts = [raw] if isinstance(raw, str) else raw
        if not isinstance(parts, list) or not parts or not all(isinstance(p, str) for p in parts):
            self.error(line, f"{entry_id}: pattern must be a regex or a list of regexes")
            return []
        compiled = []
        for part in parts:
            try:
                compiled.append(self.compile(part, anchored))
            except (PatternError, re.error) as exc:
                self.error(line, f"{entry_id}: bad pattern {part!r}: {exc}")
        return compiled if len(compiled) == len(parts) else []

    def compile(self, part: str, anchored: bool) -> tuple[str, Compiled]:
        """One pattern prepared and compiled, or the same one from earlier in the file."""
        prepared = self.prepared.get(part)
        if prepared is None:
            prepared = self.prepared[part] = prepare(part, self.macros)
        known = self.compiled.get((prepared, anchored))
        if known is None:
            known = self.compiled[prepared, anchored] = compile_pattern(prepared, anchored)
        return prepared, known

    def unless(self, item: YMap, owner: str) -> Exclusions | None:
        if "unless" not in item:
            return None
        parts = self.patterns(item["unless"], item.line_of("unless"), owner, False)
        return Exclusions(parts) if parts else None

    def entry(self, item: YMap, ranks: dict[str, int]) -> None:
        compiled = self.phrase(item, "entry")
        entry_id = str(item.get("id"))
        category = item.get("category")
        if category not in self.allowed:
            message = f"{entry_id}: unknown category '{category}'; use {list(self.allowed)}"
            self.error(item.line_of("category"), message)
            return
        unless = self.unless(item, entry_id)
        if not compiled or item.get("lang") not in DETECTION_LANGUAGES:
            return
        rank = ranks.get(category, len(self.allowed))
        entry = Entry(entry_id, category, item["lang"], rank, unless)
        self.lexicon.alternatives += [Alternative(entry, c) for _, c in compiled]

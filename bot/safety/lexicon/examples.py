"""The self-check of a lexicon's examples, run whenever a file is loaded.

Every entry, rule and retraction lists texts it must catch, and every idiom texts it must leave
alone: a clinician changing a pattern learns at ``main.py check`` that it stopped doing its job.
"""

from __future__ import annotations

import re
from typing import Protocol

from bot.safety.lexicon.form import matching_form
from bot.safety.lexicon.matcher import Matcher
from bot.safety.lexicon.model import Example, Lexicon, Rule
from bot.safety.lexicon.words import Words
from bot.yamlsrc import Problem


class FoundMatch(Protocol):
    @property
    def entry_id(self) -> str: ...

    @property
    def span(self) -> str: ...


class ExampleChecker(Protocol):
    """The detector the examples are run through (``detector.CrisisDetector``, which calls this
    module: named here so the two modules are not a circle)."""

    @property
    def matcher(self) -> Matcher: ...

    def detect(self, text: str) -> FoundMatch | None: ...

    def is_retraction(self, text: str) -> bool: ...


def check_examples(detector: ExampleChecker, lexicon: Lexicon) -> list[Problem]:
    """Entries' and retractions' examples must be detected; idioms' examples must not be."""
    own_patterns: dict[str, list[re.Pattern[str]]] = {}
    for alternative in lexicon.alternatives:
        own_patterns.setdefault(alternative.entry.id, []).append(alternative.compiled.regex)
    own_rules: dict[str, list[Rule]] = {}
    for rule in lexicon.rules:
        own_rules.setdefault(rule.entry.id, []).append(rule)
    matcher, problems = detector.matcher, []
    for example in lexicon.examples:
        rules = own_rules.get(example.owner, [])
        problem = _problem(detector, matcher, example, own_patterns.get(example.owner, []), rules)
        if problem:
            message = f"{example.owner}: example {example.text!r} {problem}"
            problems.append(Problem(example.file, example.line, message))
    return problems


def _problem(
    detector: ExampleChecker,
    matcher: Matcher,
    example: Example,
    patterns: list[re.Pattern[str]],
    rules: list[Rule],
) -> str:
    """What is wrong with one example ("" when nothing is)."""
    kind, text = example.kind, example.text
    found = detector.detect(text)
    form = " " + matching_form(text)
    if kind == "entry" and not any(regex.search(form) for regex in patterns):
        return "does not match its pattern"
    if kind == "entry" and found is None:
        return "matches, but an idiom or 'unless' pattern cancels it"
    if kind == "idiom" and found is not None:
        return f"is still detected as a crisis by {found.entry_id} ({found.span!r})"
    if kind == "rule" and not any(
        matcher.rule_match(rule, Words(form), cancel=False) is not None for rule in rules
    ):
        return "does not match its rule"
    if kind == "rule" and found is None:
        return "matches, but an idiom or 'unless' pattern cancels it"
    if kind == "retraction" and not detector.is_retraction(text):
        return "is not recognised as a retraction"
    return ""

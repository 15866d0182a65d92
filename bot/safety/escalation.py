"""Escalation rules from ``content/escalation.yaml``: which answers, scores and messages reach
the clinic's staff, and how urgently.

Thresholds are data (defaults from the clinical notes) so the clinic can change a cut-off without
a Python change; conditions are safe expressions over the trigger's values and the thresholds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content import check_text_leaf
from bot.engine.expr import ExpressionError, evaluate, names_in, type_clash
from bot.priority import Priority
from bot.yamlsrc import Problem, YMap, display_path, line_of, load_yaml

PRIORITIES = tuple(priority.value for priority in Priority)
SOURCES = ("answer", "assessment", "text", "schedule", "distress", "request")
# Values each kind of trigger offers to conditions, besides the thresholds.
SOURCE_VARIABLES = {
    "answer": {"value", "low_streak"},
    "assessment": {"score", "previous_score", "epds_3a"} | {f"q{n}" for n in range(1, 11)},
    "text": {"category"},
    "schedule": {"days_since_low"},
    # a distressed message (bot/conversation/free_text.py): on how many separate days lately
    "distress": {"days", "category"},
    # she asked for something with a button ("ask the clinic to contact me"): kind says what
    "request": set(),
}


@dataclass(frozen=True)
class Rule:
    id: str
    priority: Priority
    source: str
    when: str | None
    flow: str | None = None
    key: str | None = None
    kind: str | None = None
    crisis_reply: bool = False
    label: dict[str, str] = field(default_factory=dict)
    line: int = 1  # of its ``when:`` in content/escalation.yaml


@dataclass(frozen=True)
class Trigger:
    rule: Rule
    detail: dict[str, Any]
    category: str | None = None

    @property
    def priority(self) -> Priority:
        return self.rule.priority


@dataclass
class Escalation:
    rules: list[Rule]
    thresholds: dict[str, float]
    file: str = "content/escalation.yaml"

    def _fire(self, source: str, values: dict[str, Any], **match: str | None) -> list[Rule]:
        fired = []
        for rule in self.rules:
            if rule.source != source:
                continue
            if any(getattr(rule, name) not in (None, wanted) for name, wanted in match.items()):
                continue
            if rule.when is None or evaluate(rule.when, {**self.thresholds, **values}):
                fired.append(rule)
        return fired

    def on_answer(self, flow: str, key: str, values: dict[str, Any]) -> list[Trigger]:
        rules = self._fire("answer", values, flow=flow, key=key)
        return [Trigger(rule, {"flow": flow, "key": key, **values}) for rule in rules]

    def on_assessment(self, kind: str, values: dict[str, Any]) -> list[Trigger]:
        rules = self._fire("assessment", values, kind=kind)
        return [Trigger(rule, {"kind": kind, **values}) for rule in rules]

    def on_text(self, category: str) -> list[Trigger]:
        rules = self._fire("text", {"category": category})
        return [Trigger(rule, {"category": category}, category) for rule in rules]

    def on_schedule(self, kind: str, values: dict[str, Any]) -> list[Trigger]:
        rules = self._fire("schedule", values, kind=kind)
        return [Trigger(rule, {"kind": kind, **values}) for rule in rules]

    def on_distress(self, values: dict[str, Any]) -> list[Trigger]:
        rules = self._fire("distress", values)
        return [Trigger(rule, dict(values), values.get("category")) for rule in rules]

    def on_request(self, kind: str) -> list[Trigger]:
        rules = self._fire("request", {}, kind=kind)
        return [Trigger(rule, {"kind": kind}) for rule in rules]

    def threshold(self, name: str) -> float:
        return self.thresholds[name]


def _parse_rule(raw: Any, file: str, thresholds: set[str], problems: list[Problem]) -> Rule | None:
    line = line_of(raw)
    if not isinstance(raw, YMap):
        problems.append(Problem(file, line, "a rule must be a mapping"))
        return None
    before = len(problems)
    if not raw.get("id"):
        problems.append(Problem(file, line, "a rule needs an 'id'"))
    if raw.get("priority") not in PRIORITIES:
        problems.append(Problem(file, line, f"priority must be one of {PRIORITIES}"))
    source = raw.get("on")
    if source not in SOURCES:
        problems.append(Problem(file, line, f"'on' must be one of {SOURCES}"))
        return None
    when = raw.get("when")
    if when is not None:
        try:
            unknown = names_in(str(when)) - thresholds - SOURCE_VARIABLES[source]
        except ExpressionError as exc:
            problems.append(Problem(file, raw.line_of("when"), str(exc)))
        else:
            for name in sorted(unknown):
                problems.append(Problem(file, raw.line_of("when"), f"unknown name '{name}'"))
    if "label" in raw:
        problems += check_text_leaf(raw["label"], file, f"rule '{raw.get('id')}' label")
    if len(problems) > before:
        return None
    return Rule(
        id=str(raw["id"]),
        priority=Priority(raw["priority"]),
        source=str(source),
        when=None if when is None else str(when),
        flow=raw.get("flow"),
        key=raw.get("key"),
        kind=raw.get("kind"),
        crisis_reply=bool(raw.get("crisis_reply", False)),
        label=dict(raw.get("label") or {}),
        line=raw.line_of("when"),
    )


def load_escalation(path: Path) -> tuple[Escalation | None, list[Problem]]:
    data, problems = load_yaml(path)
    if problems:
        return None, problems
    file = display_path(path)
    if not isinstance(data, YMap):
        return None, [Problem(file, 1, "expected 'thresholds' and 'rules'")]
    raw_thresholds = data.get("thresholds") or YMap()
    thresholds: dict[str, float] = {}
    for name, value in raw_thresholds.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            line = raw_thresholds.line_of(name) if isinstance(raw_thresholds, YMap) else data.line
            problems.append(Problem(file, line, f"{name} must be a number"))
        else:
            thresholds[str(name)] = value
    rules = []
    seen: set[str] = set()
    for raw in data.get("rules") or []:
        rule = _parse_rule(raw, file, set(thresholds), problems)
        if rule is None:
            continue
        if rule.id in seen:
            problems.append(Problem(file, line_of(raw), f"duplicate rule id '{rule.id}'"))
        seen.add(rule.id)
        rules.append(rule)
    if not rules:
        problems.append(Problem(file, data.line, "no valid rules"))
    return Escalation(rules, thresholds, file), problems


# A value of the kind each trigger really carries, for the type check of every ``when:``. An
# answer's values come from the flow's options (``check_conditions``).
SAMPLES: dict[str, dict[str, Any]] = {
    "answer": {"low_streak": 3},
    "assessment": {"score": 14, "previous_score": 11, "epds_3a": 6}
    | {f"q{n}": 1 for n in range(1, 11)},
    "text": {"category": "suicidal"},
    "schedule": {"days_since_low": 3},
    "distress": {"days": 3, "category": "hopelessness"},
    "request": {},
}


def check_conditions(
    escalation: Escalation, answer_values: Callable[[Rule], list[Any]]
) -> list[Problem]:
    """Evaluate every ``when:`` with values of the kinds its trigger carries; a type clash
    (``value <= 2`` where the answer is a word) is reported with file and line, since at run
    time it would silently never fire. ``answer_values`` gives an answer rule's possible
    values (the options of the question that saves it)."""
    problems = []
    for rule in escalation.rules:
        if rule.when is None:
            continue
        values = [None] if rule.source != "answer" else answer_values(rule) or [None]
        for value in values:
            sample = {**escalation.thresholds, **SAMPLES[rule.source]}
            if value is not None:
                sample["value"] = value
            clash = type_clash(rule.when, sample)
            if clash is not None:
                shown = "" if value is None else f" with the answer {value!r}"
                problems.append(
                    Problem(
                        escalation.file,
                        rule.line,
                        f"rule '{rule.id}': '{rule.when}' cannot be evaluated{shown}: {clash}",
                    )
                )
                break
    return problems

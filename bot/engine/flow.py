"""The flow model: flows, steps, the step-type registry and the parse/run contexts.

Each step type lives in its own module under ``steps/`` and registers itself with
:func:`register`; a new step type is a new file and nothing else changes (as in goflow).
Parsing validates a step completely, so a broken flow is refused before any mother sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, ClassVar

from bot.content import (
    LANGUAGES,
    Content,
    check_text_leaf,
    clinic_variables,
    is_text_leaf,
    pick,
    render,
)
from bot.content.names import address_form
from bot.content.promises import NO_TEAM_SUFFIX
from bot.content.zones import zone_words
from bot.engine.events import Ask, Event, Say
from bot.engine.expr import ExpressionError, names_in
from bot.engine.state import Input, SessionState
from bot.yamlsrc import Problem, YMap, line_of

# Variables the host provides to every flow besides its own saved answers.
KNOWN_VARIABLES = frozenset(
    {
        "name",
        "name_address",  # her name as she is addressed: the vocative in Ukrainian, or ""
        "language",
        "today",
        "days_postpartum",
        "weeks_postpartum",
        "checkin_time",
        "timezone",
        "timezone_name",  # her zone's city in her language («Київ»), from content/timezones.yaml
        "timezone_time",  # "Kyiv time" / «за київським часом»
        # cut-offs from content/escalation.yaml, so result wording follows the alert rules
        "epds_possible",
        "epds_routine",
    }
)


@dataclass(frozen=True)
class TextRef:
    """Either a key into ``content/`` or an inline ``{en: ..., uk: ...}`` text."""

    key: str | None = None
    inline: dict[str, str] | None = None


@dataclass(frozen=True)
class Env:
    """What the host knows at this moment; passed in so the engine stays pure."""

    lang: str
    today: date
    variables: dict[str, Any] = field(default_factory=dict)
    # The clinic's wording variables per language, computed by the host for this moment
    # (bot/content/promises.py); without them, the fixed wording of content/clinic.yaml.
    clinic: dict[str, dict[str, str]] = field(default_factory=dict)
    care_team: bool = True  # a staff chat is configured: texts may promise contact


@dataclass(frozen=True)
class Wait:
    pass


@dataclass(frozen=True)
class Goto:
    """Continue at ``target``, or at the following step when ``target`` is None."""

    target: str | None = None


@dataclass(frozen=True)
class Switch:
    flow: str


@dataclass(frozen=True)
class End:
    pass


Outcome = Wait | Goto | Switch | End
END_TARGET = "end"


@dataclass
class Run:
    """One engine call's working area: the state being advanced and the events produced."""

    flow: Flow
    state: SessionState
    env: Env
    content: Content
    events: list[Event] = field(default_factory=list)
    _derived_cache: dict[tuple[Any, Any, str], dict[str, str]] = field(
        default_factory=dict, repr=False
    )

    @cached_property
    def _fixed_clinic(self) -> dict[str, dict[str, str]]:
        return {lang: clinic_variables(self.content, lang) for lang in LANGUAGES}

    @property
    def clinic(self) -> dict[str, str]:
        """The clinic's wording in the language of this moment: an action step may switch the
        language mid-run (she picks English at /start), and what follows is in the new one."""
        lang = self.env.lang
        return self.env.clinic.get(lang) or self._fixed_clinic.get(lang, {})

    def variables(self) -> dict[str, Any]:
        today = self.env.today.isoformat()
        found = {**self.clinic, "today": today, **self.env.variables, **self.state.answers}
        found.update(self._derived(found.get("name"), found.get("timezone"), self.env.lang))
        return found

    def _derived(self, name: Any, zone: Any, lang: str) -> dict[str, str]:
        """Her name as addressed and her zone in words: derived from the name and zone of
        this moment (an answer may have just changed them), once per engine call."""
        key = (name, zone, lang)
        if key not in self._derived_cache:
            derived = {"name_address": address_form(name, lang)}
            if zone is not None:
                zone_name, zone_time = zone_words(self.content, zone, lang)
                derived.update(timezone_name=zone_name, timezone_time=zone_time)
            self._derived_cache[key] = derived
        return self._derived_cache[key]

    def text(self, ref: TextRef) -> str:
        if ref.inline is not None:
            return render(pick(ref.inline, self.env.lang), self.variables())
        assert ref.key is not None
        key = ref.key
        if not self.env.care_team and self.content.has_text(key + NO_TEAM_SUFFIX):
            key += NO_TEAM_SUFFIX  # no staff chat: the text that promises no contact
        return self.content.text(key, self.env.lang, self.variables())

    def ui(self, key: str) -> str:
        return self.content.text(f"ui.{key}", self.env.lang, self.variables())

    def say(self, ref: TextRef) -> None:
        self.events.append(Say(self.text(ref)))

    def ask(self, ref: TextRef, options: list[str], free_text: bool, hint: str = "") -> None:
        self.events.append(
            Ask(
                text=self.text(ref),
                options=tuple(options),
                seq=self.state.seq,
                free_text=free_text,
                hint=hint,
                reask=self.state.reasks > 0,
            )
        )


class Step:
    """Base class of step types. Subclasses declare ``type_name`` and override what they need."""

    type_name: ClassVar[str] = ""
    waits: ClassVar[bool] = False

    def __init__(self, step_id: str, line: int, next_step: str | None) -> None:
        self.id = step_id
        self.line = line
        self.next = next_step

    @classmethod
    def parse(cls, raw: YMap, ctx: ParseContext) -> Step:
        return cls(raw["id"], raw.line, raw.get("next"))

    def enter(self, run: Run) -> Outcome:
        return Goto(self.next)

    def receive(self, run: Run, answer: Input) -> Outcome:
        return Goto(self.next)

    def targets(self) -> list[str]:
        return [self.next] if self.next else []

    def saves(self) -> list[str]:
        return []

    def switches(self) -> list[str]:
        return []


STEP_TYPES: dict[str, type[Step]] = {}


def register(cls: type[Step]) -> type[Step]:
    STEP_TYPES[cls.type_name] = cls
    return cls


@dataclass
class ParseContext:
    """Collects problems while parsing one flow file; every problem carries file and line."""

    file: str
    content: Content
    host_calls: frozenset[str]
    problems: list[Problem] = field(default_factory=list)
    expressions: list[tuple[int, set[str]]] = field(default_factory=list)

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    def text(self, raw: YMap, key: str, required: bool = True) -> TextRef | None:
        value = raw.get(key)
        line = raw.line_of(key)
        if value is None:
            if required:
                self.error(raw.line, f"step '{raw.get('id')}' needs '{key}'")
            return None
        if isinstance(value, str):
            if not self.content.has_text(value):
                self.error(line, f"unknown content key '{value}'")
                return None
            return TextRef(key=value)
        if is_text_leaf(value):
            errors = check_text_leaf(value, self.file, f"'{key}'")
            self.problems += errors
            return None if errors else TextRef(inline={lang: value[lang] for lang in LANGUAGES})
        self.error(line, f"'{key}' must be a content key or a mapping of {list(LANGUAGES)}")
        return None

    def expression(self, source: Any, line: int) -> str:
        try:
            self.expressions.append((line, names_in(str(source))))
        except ExpressionError as exc:
            self.error(line, str(exc))
        return str(source)

    def options(self, raw: YMap) -> list[tuple[Any, TextRef, str | None]]:
        """Options are inline, or taken from a content list such as EPDS answer options."""
        items = raw.get("options")
        line = raw.line_of("options")
        if "options_from" in raw:
            items = self.content.lookup(str(raw["options_from"]))
            line = raw.line_of("options_from")
            if not isinstance(items, list):
                self.error(line, f"options_from '{raw['options_from']}' is not a list in content")
                return []
        if not isinstance(items, list):
            return []
        parsed = []
        for item in items:
            if not isinstance(item, YMap) or "text" not in item:
                self.error(line_of(item, line), "an option needs 'text' (and 'value')")
                continue
            value = item.get("value", item.get("score"))
            text = self.text(item, "text")
            if text is not None:
                parsed.append((value, text, item.get("goto")))
        return parsed


@dataclass
class Flow:
    id: str
    file: str
    steps: dict[str, Step]
    command: str | None = None
    description: TextRef | None = None
    requires_consent: bool = True

    @property
    def first(self) -> str:
        return next(iter(self.steps))

    def after(self, step_id: str) -> str | None:
        ids = list(self.steps)
        position = ids.index(step_id) + 1
        return ids[position] if position < len(ids) else None


StepFactory = Callable[[YMap, ParseContext], Step]

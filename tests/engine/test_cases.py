"""Table-driven golden cases: each ``cases/<step_type>.yaml`` lists flow fragments, the inputs
given, and the events and answers expected. Adding a case is adding data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content import Content, load_content
from bot.engine import (
    AnswerSaved,
    Ask,
    ButtonInput,
    Engine,
    Env,
    Escalate,
    Event,
    FlowEnded,
    HostCall,
    Input,
    OtherInput,
    RecordAssessment,
    Say,
    Schedule,
    SetProfile,
    ShowSnippet,
    TextInput,
)
from bot.engine.loader import parse_flow
from bot.yamlsrc import load_yaml

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


@pytest.fixture(scope="module")
def content() -> Content:
    loaded, problems = load_content(ROOT / "content")
    assert not problems
    return loaded


def describe(event: Event) -> str | None:
    """A compact, readable form of an event for the expectations in the case files."""
    if isinstance(event, Say):
        return f"say: {event.text}"
    if isinstance(event, Ask):
        return f"ask: {event.text} {list(event.options)}"
    if isinstance(event, AnswerSaved):
        return f"answer: {event.key}={event.value!r}"
    if isinstance(event, SetProfile):
        return f"profile: {event.field}={event.value!r}"
    if isinstance(event, RecordAssessment):
        return f"assessment: {event.kind} {event.score} {event.items}"
    if isinstance(event, Escalate):
        return f"escalate: {event.rule}"
    if isinstance(event, Schedule):
        return f"schedule: {event.kind} {event.in_days}"
    if isinstance(event, ShowSnippet):
        return f"snippet: {event.topic or event.snippet_id}"
    if isinstance(event, HostCall):
        return f"call: {event.name}"
    if isinstance(event, FlowEnded):
        return "end"
    return None


def to_input(raw: dict[str, Any], seq: int) -> Input:
    if "button" in raw:
        return ButtonInput(raw.get("seq", seq), int(raw["button"]))
    if "other" in raw:
        return OtherInput(str(raw["other"]))
    return TextInput(str(raw["text"]))


def load_cases() -> list[Any]:
    params = []
    for path in CASES:
        cases, problems = load_yaml(path)
        assert not problems, problems
        for case in cases:
            params.append(pytest.param(case, id=f"{path.stem}: {case['description']}"))
    return params


@pytest.mark.parametrize("case", load_cases())
def test_golden_case(case: dict[str, Any], content: Content, tmp_path: Path) -> None:
    flow_file = tmp_path / "case.yaml"
    plain = json.loads(json.dumps({"id": "case", "steps": case["steps"]}))
    flow_file.write_text(
        yaml.safe_dump(plain, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    # The case files are read with the project's loader too, so yes/no stay strings.
    flow, problems = parse_flow(flow_file, content, frozenset({"give_consent", "mood_chart"}))
    assert not problems, problems
    assert flow is not None
    engine = Engine({"case": flow}, content)
    env = Env(lang=case.get("lang", "en"), today=date(2026, 11, 25), variables=case.get("vars", {}))
    state, events = engine.start("case", env)
    seen = [d for d in map(describe, events) if d]
    for raw in case.get("inputs", []):
        assert state is not None, "the flow ended before all inputs were given"
        state, events = engine.handle(state, to_input(raw, state.seq), env)
        seen += [d for d in map(describe, events) if d]
    assert seen == case["expect"]
    if "answers" in case:
        assert state is not None
        assert state.answers == case["answers"]

"""Loading and validating every flow in ``dialogs/``.

Validation is separate from execution (as in goflow): the whole set of flows is checked before
any runs — step types, translations, content keys, ``goto`` targets, flows started by other
flows, and the names used in conditions — and every problem names its file and line.
"""

from __future__ import annotations

from pathlib import Path

import bot.engine.steps  # noqa: F401 - registers the step types
from bot.content import Content
from bot.engine.flow import END_TARGET, KNOWN_VARIABLES, STEP_TYPES, Flow, ParseContext, Step
from bot.yamlsrc import Problem, YMap, display_path, line_of, load_yaml

FLOW_KEYS = frozenset({"id", "command", "description", "requires_consent", "steps"})


def _parse_steps(raw_steps: list[object], ctx: ParseContext) -> dict[str, Step]:
    steps: dict[str, Step] = {}
    for index, raw in enumerate(raw_steps):
        line = line_of(raw)
        if not isinstance(raw, YMap):
            ctx.error(line, "a step must be a mapping")
            continue
        raw.setdefault("id", f"step{index + 1}")
        kind = raw.get("type")
        if kind not in STEP_TYPES:
            ctx.error(line, f"unknown step type '{kind}' (known: {sorted(STEP_TYPES)})")
            continue
        if str(raw["id"]) in steps:
            ctx.error(line, f"duplicate step id '{raw['id']}'")
            continue
        raw["id"] = str(raw["id"])
        steps[raw["id"]] = STEP_TYPES[kind].parse(raw, ctx)
    return steps


def _check_references(flow: Flow, ctx: ParseContext) -> None:
    known = KNOWN_VARIABLES | {key for step in flow.steps.values() for key in step.saves()}
    for step in flow.steps.values():
        for target in step.targets():
            if target != END_TARGET and target not in flow.steps:
                ctx.error(step.line, f"goto to missing step '{target}'")
    for line, names in ctx.expressions:
        for name in sorted(names - known):
            ctx.error(line, f"condition uses '{name}', which this flow never saves")


def parse_flow(
    path: Path, content: Content, host_calls: frozenset[str]
) -> tuple[Flow | None, list[Problem]]:
    data, problems = load_yaml(path)
    if problems:
        return None, problems
    ctx = ParseContext(display_path(path), content, host_calls)
    if not isinstance(data, YMap) or not isinstance(data.get("steps"), list) or not data["steps"]:
        ctx.error(line_of(data), "a flow needs 'id' and a non-empty list of 'steps'")
        return None, ctx.problems
    for key in sorted(set(data) - FLOW_KEYS):
        ctx.error(data.line_of(key), f"unknown flow key '{key}'")
    flow = Flow(
        id=str(data.get("id") or path.stem),
        file=ctx.file,
        steps=_parse_steps(data["steps"], ctx),
        command=data.get("command"),
        description=ctx.text(data, "description", required=bool(data.get("command"))),
        requires_consent=bool(data.get("requires_consent", True)),
    )
    if not flow.steps:
        ctx.error(data.line, "the flow has no valid steps")
        return None, ctx.problems
    _check_references(flow, ctx)
    return flow, ctx.problems


def load_flows(
    directory: Path, content: Content, host_calls: frozenset[str]
) -> tuple[dict[str, Flow], list[Problem]]:
    flows: dict[str, Flow] = {}
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.yaml")):
        flow, errors = parse_flow(path, content, host_calls)
        problems += errors
        if flow is None:
            continue
        if flow.id in flows:
            problems.append(Problem(flow.file, 1, f"flow id '{flow.id}' is already used"))
            continue
        flows[flow.id] = flow
    problems += _check_switches(flows)
    return flows, problems


def _check_switches(flows: dict[str, Flow]) -> list[Problem]:
    problems = []
    commands: dict[str, str] = {}
    for flow in flows.values():
        for step in flow.steps.values():
            problems += [
                Problem(flow.file, step.line, f"start_flow of unknown flow '{target}'")
                for target in step.switches()
                if target not in flows
            ]
        if flow.command:
            if flow.command in commands:
                problems.append(Problem(flow.file, 1, f"command '/{flow.command}' is taken"))
            commands[flow.command] = flow.id
    return problems

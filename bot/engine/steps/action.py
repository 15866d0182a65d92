"""``action``: emit host actions — escalate, start another flow, set her profile, record an
assessment, schedule something, show a snippet, or call a named host action.

```yaml
- id: finish
  type: action
  do:
    - set_profile: {language: "lang"}          # profile field: expression over answers
    - assessment: {kind: epds, score: "epds_total", items: [q1, q2, q3]}
    - escalate: checkin_safety                 # a rule id from content/escalation.yaml
    - schedule: {kind: epds_offer, in_days: 14}
    - snippet: {topic: self_care}              # or {id: ppd-is-common} or {tag_from: mood_tag}
    - snippet: {id: small-steps, topic: self_care}  # that one unless seen, else the topic's next
    - call: mood_chart                         # a host action the service implements
    - start_flow: checkin                      # ends this flow and starts another
```
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.content.snippets import topics
from bot.engine.events import (
    Escalate,
    Event,
    HostCall,
    RecordAssessment,
    Schedule,
    SetProfile,
    ShowSnippet,
)
from bot.engine.expr import evaluate
from bot.engine.flow import Goto, Outcome, ParseContext, Run, Step, Switch, register
from bot.yamlsrc import YMap, line_of

PROFILE_FIELDS = frozenset(
    {"language", "name", "baby_birth_date", "checkin_time", "timezone", "consent", "status"}
)
ACTIONS = ("set_profile", "assessment", "escalate", "schedule", "snippet", "call", "start_flow")


@register
class ActionStep(Step):
    type_name = "action"

    def __init__(
        self, step_id: str, line: int, next_step: str | None, actions: list[tuple[str, Any]]
    ) -> None:
        super().__init__(step_id, line, next_step)
        self.actions = actions

    @classmethod
    def parse(cls, raw: YMap, ctx: ParseContext) -> Step:
        actions = []
        items = raw.get("do")
        if not isinstance(items, list) or not items:
            ctx.error(raw.line, f"action '{raw['id']}' needs a list 'do'")
            items = []
        for item in items:
            line = line_of(item, raw.line)
            if not isinstance(item, dict) or len(item) != 1 or next(iter(item)) not in ACTIONS:
                ctx.error(line, f"each 'do' item is one of {list(ACTIONS)}")
                continue
            name, arg = next(iter(item.items()))
            _check(name, arg, line, ctx)
            actions.append((name, arg))
        return cls(raw["id"], raw.line, raw.get("next"), actions)

    def enter(self, run: Run) -> Outcome:
        for name, arg in self.actions:
            if name == "start_flow":
                return Switch(str(arg))
            events = _emit(name, arg, run)
            run.events.extend(events)
            for event in events:
                if isinstance(event, SetProfile) and event.field == "language" and event.value:
                    run.env = replace(run.env, lang=str(event.value))
        return Goto(self.next)

    def switches(self) -> list[str]:
        return [str(arg) for name, arg in self.actions if name == "start_flow"]


def _check(name: str, arg: Any, line: int, ctx: ParseContext) -> None:
    if name == "set_profile":
        if not isinstance(arg, dict) or not set(arg) <= PROFILE_FIELDS:
            ctx.error(line, f"set_profile fields must be among {sorted(PROFILE_FIELDS)}")
            return
        for source in arg.values():
            ctx.expression(source, line)
    elif name == "assessment":
        if not isinstance(arg, dict) or not {"kind", "score"} <= set(arg):
            ctx.error(line, "assessment needs 'kind' and 'score' (and optional 'items')")
            return
        ctx.expression(arg["score"], line)
        for key in arg.get("items") or []:
            ctx.expression(key, line)
    elif name == "schedule":
        if not isinstance(arg, dict) or "kind" not in arg or "in_days" not in arg:
            ctx.error(line, "schedule needs 'kind' and 'in_days'")
    elif name == "snippet":
        if not isinstance(arg, dict) or not set(arg) & {"topic", "id", "tag_from"}:
            ctx.error(line, "snippet needs 'topic', 'id' or 'tag_from'")
        else:
            _check_snippet(arg, line, ctx)
    elif name == "call" and str(arg) not in ctx.host_calls:
        ctx.error(line, f"unknown host call '{arg}' (known: {sorted(ctx.host_calls)})")
    elif name in ("escalate", "start_flow") and not isinstance(arg, str):
        ctx.error(line, f"{name} takes a name")


def _check_snippet(arg: dict[str, Any], line: int, ctx: ParseContext) -> None:
    """A misspelt snippet id or topic would silently show nothing, so refuse it here."""
    raw = ctx.content.lookup("snippets.snippets")
    ids = {str(item.get("id")) for item in raw or [] if isinstance(item, dict)}
    if "id" in arg and str(arg["id"]) not in ids:
        ctx.error(line, f"unknown snippet id '{arg['id']}'")
    if "topic" in arg and str(arg["topic"]) not in topics(ctx.content):
        ctx.error(line, f"unknown snippet topic '{arg['topic']}'")


def _emit(name: str, arg: Any, run: Run) -> list[Event]:
    variables = run.variables()
    if name == "set_profile":
        return [SetProfile(key, evaluate(source, variables)) for key, source in arg.items()]
    if name == "assessment":
        items = {str(key): evaluate(str(key), variables) for key in arg.get("items") or []}
        score = evaluate(str(arg["score"]), variables)
        return [RecordAssessment(str(arg["kind"]), int(score or 0), items)]
    if name == "escalate":
        return [Escalate(str(arg), {"flow": run.flow.id})]
    if name == "schedule":
        return [Schedule(str(arg["kind"]), float(arg["in_days"]))]
    if name == "snippet":
        topic = arg.get("topic") or variables.get(str(arg.get("tag_from")))
        return [ShowSnippet(topic and str(topic), arg.get("id"))]
    return [HostCall(str(arg))]

"""``compose``: one message built from the parts whose conditions hold.

A reply that reflects several answers ("a hard day", "little sleep", "no one to help") would
otherwise need a tree of ``say`` steps for every combination, or several messages in a row.
Here each part is a sentence with an optional condition; ``first_of`` picks the first part of
a group whose condition holds. The chosen sentences are joined with spaces into one message.

```yaml
- id: reply
  type: compose
  parts:
    - first_of:                                  # at most one of these
        - {when: "mood >= 4", text: checkin.reply.mood_good}
        - {when: "mood == 3", text: checkin.reply.mood_mixed}
        - {text: checkin.reply.mood_low}         # no condition: always true
    - {when: "support == 'no'", text: {en: "...", uk: "..."}}
```
When no part applies, nothing is said.
"""

from __future__ import annotations

from typing import Any

from bot.engine.events import Say
from bot.engine.expr import evaluate
from bot.engine.flow import Goto, Outcome, ParseContext, Run, Step, TextRef, register
from bot.yamlsrc import YMap, line_of

Part = tuple[str | None, TextRef]
PART_KEYS = frozenset({"when", "text"})


@register
class ComposeStep(Step):
    type_name = "compose"

    def __init__(
        self, step_id: str, line: int, next_step: str | None, groups: list[list[Part]]
    ) -> None:
        super().__init__(step_id, line, next_step)
        self.groups = groups

    @classmethod
    def parse(cls, raw: YMap, ctx: ParseContext) -> Step:
        items = raw.get("parts")
        if not isinstance(items, list) or not items:
            ctx.error(raw.line, f"compose '{raw['id']}' needs a list of 'parts'")
            items = []
        groups = []
        for item in items:
            if isinstance(item, YMap) and "first_of" in item:
                group = _group(item, ctx)
            else:
                group = [part] if (part := _part(item, ctx)) else []
            if group:
                groups.append(group)
        return cls(raw["id"], raw.line, raw.get("next"), groups)

    def enter(self, run: Run) -> Outcome:
        variables = run.variables()
        sentences = []
        for group in self.groups:
            for condition, text in group:
                if condition is None or evaluate(condition, variables):
                    sentences.append(run.text(text).strip())
                    break
        message = " ".join(sentence for sentence in sentences if sentence)
        if message:
            run.events.append(Say(message))
        return Goto(self.next)


def _group(item: YMap, ctx: ParseContext) -> list[Part]:
    options = item["first_of"]
    if not isinstance(options, list) or not options:
        ctx.error(item.line_of("first_of"), "'first_of' needs a list of parts")
        return []
    return [part for option in options if (part := _part(option, ctx))]


def _part(item: Any, ctx: ParseContext) -> Part | None:
    if not isinstance(item, YMap) or "text" not in item or set(item) - PART_KEYS:
        ctx.error(line_of(item), "a part is {when: condition, text: ...} or {first_of: [...]}")
        return None
    text = ctx.text(item, "text")
    condition = ctx.expression(item["when"], item.line_of("when")) if "when" in item else None
    return (condition, text) if text is not None else None

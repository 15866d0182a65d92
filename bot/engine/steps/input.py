"""``input``: a typed answer checked by a validator, with optional quick-pick buttons.

```yaml
- id: birth_date
  type: input
  text: onboarding.birth_date
  hint: {en: "For example 14.03.2026", uk: "Наприклад, 14.03.2026"}
  validate: {type: date, not_future: true}   # date | time | int (min, max) | text (max_len)
                                             # | timezone (a zone name or a city)
  options:                                   # optional buttons that answer directly
    - {value: "08:00", text: {en: "Morning", uk: "Зранку"}}
  skip: {en: "Skip", uk: "Пропустити"}       # optional: a button that saves no answer
  save: baby_birth_date
```
"""

from __future__ import annotations

from typing import Any

from bot.content.zones import zone_for_city
from bot.engine import validators
from bot.engine.flow import Goto, Outcome, ParseContext, Run, Step, register
from bot.engine.state import Input, OtherInput, TextInput
from bot.engine.steps.asking import AskingStep
from bot.yamlsrc import YMap

SKIP = object()


@register
class InputStep(AskingStep):
    type_name = "input"
    kind = "text"
    rules: dict[str, Any]

    @classmethod
    def parse(cls, raw: YMap, ctx: ParseContext) -> Step:
        step = cls(**AskingStep.common(raw, ctx))
        rules = raw.get("validate") or {"type": "text"}
        if not isinstance(rules, dict) or rules.get("type") not in validators.KINDS:
            ctx.error(raw.line_of("validate"), f"validate.type must be one of {validators.KINDS}")
            rules = {"type": "text"}
        step.kind = str(rules["type"])
        step.rules = dict(rules)
        if "skip" in raw:
            skip = ctx.text(raw, "skip")
            if skip is not None:
                step.options.append((SKIP, skip, None))
        return step

    def free_text(self) -> bool:
        return True

    def receive(self, run: Run, answer: Input) -> Outcome:
        index = self.matched_option(run, answer)
        if index is not None:
            if self.options[index][0] is SKIP:
                run.state.reasks = 0
                return Goto(self.next)
            return self.choose(run, index)
        if isinstance(answer, OtherInput):
            return self.reask(run, "other")
        if not isinstance(answer, TextInput):
            return self.reask(run, "stale")
        text = answer.text
        if self.kind == "timezone":  # a city as she writes it: «Варшава», «Киев»
            text = zone_for_city(run.content, text) or text
        result = validators.validate(self.kind, self.rules, text, run.env.today)
        if isinstance(result, validators.Invalid):
            return self.reask(run, result.reason)
        self.store(run, result.value, free_text=self.kind == "text")
        return Goto(self.next)

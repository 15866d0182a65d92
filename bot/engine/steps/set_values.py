"""``set``: compute and save values (scores, flags) from earlier answers.

```yaml
- id: score
  type: set
  values:
    epds_total: "q1 + q2 + q3 + q4 + q5 + q6 + q7 + q8 + q9 + q10"
    epds_3a: "q3 + q4 + q5"
```
"""

from __future__ import annotations

from bot.engine.events import AnswerSaved
from bot.engine.expr import evaluate
from bot.engine.flow import Goto, Outcome, ParseContext, Run, Step, register
from bot.yamlsrc import YMap


@register
class SetStep(Step):
    type_name = "set"

    def __init__(
        self, step_id: str, line: int, next_step: str | None, values: dict[str, str]
    ) -> None:
        super().__init__(step_id, line, next_step)
        self.values = values

    @classmethod
    def parse(cls, raw: YMap, ctx: ParseContext) -> Step:
        values = raw.get("values")
        if not isinstance(values, YMap) or not values:
            ctx.error(raw.line, f"set '{raw['id']}' needs a mapping of 'values'")
            return cls(raw["id"], raw.line, raw.get("next"), {})
        parsed = {
            str(key): ctx.expression(source, values.line_of(key)) for key, source in values.items()
        }
        return cls(raw["id"], raw.line, raw.get("next"), parsed)

    def enter(self, run: Run) -> Outcome:
        for key, source in self.values.items():
            value = evaluate(source, run.variables())
            run.state.answers[key] = value
            run.events.append(AnswerSaved(run.flow.id, key, value))
        return Goto(self.next)

    def saves(self) -> list[str]:
        return list(self.values)

"""``branch``: go to the first case whose condition holds, else to ``else`` (or the next step).

```yaml
- id: low_mood
  type: branch
  cases:
    - {when: "mood <= 2", goto: safety}
  else: support
```
Conditions read saved answers and host variables; a missing answer is ``None``.
"""

from __future__ import annotations

from bot.engine.expr import evaluate
from bot.engine.flow import Goto, Outcome, ParseContext, Run, Step, register
from bot.yamlsrc import YMap, line_of


@register
class BranchStep(Step):
    type_name = "branch"

    def __init__(
        self,
        step_id: str,
        line: int,
        next_step: str | None,
        cases: list[tuple[str, str]],
        otherwise: str | None,
    ) -> None:
        super().__init__(step_id, line, next_step)
        self.cases = cases
        self.otherwise = otherwise

    @classmethod
    def parse(cls, raw: YMap, ctx: ParseContext) -> Step:
        cases = []
        raw_cases = raw.get("cases")
        if not isinstance(raw_cases, list) or not raw_cases:
            ctx.error(raw.line, f"branch '{raw['id']}' needs a list of 'cases'")
            raw_cases = []
        for case in raw_cases:
            if not isinstance(case, dict) or "when" not in case or "goto" not in case:
                ctx.error(line_of(case, raw.line), "a case needs 'when' and 'goto'")
                continue
            cases.append((ctx.expression(case["when"], line_of(case)), str(case["goto"])))
        otherwise = raw.get("else")
        return cls(raw["id"], raw.line, raw.get("next"), cases, otherwise and str(otherwise))

    def enter(self, run: Run) -> Outcome:
        variables = run.variables()
        for condition, target in self.cases:
            if evaluate(condition, variables):
                return Goto(target)
        return Goto(self.otherwise or self.next)

    def targets(self) -> list[str]:
        found = [target for _, target in self.cases]
        return found + [t for t in (self.otherwise, self.next) if t]

"""``end``: finish the flow here, even if steps follow (the end of a branch).

```yaml
- id: done
  type: end
```
"""

from __future__ import annotations

from bot.engine.flow import End, Outcome, Run, Step, register


@register
class EndStep(Step):
    type_name = "end"

    def enter(self, run: Run) -> Outcome:
        return End()

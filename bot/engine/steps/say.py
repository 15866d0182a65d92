"""``say``: send a text and continue.

```yaml
- id: welcome
  type: say
  text: {en: "Hello, {name}!", uk: "Вітаю, {name}!"}   # or a content key: clinic.disclaimer
```
"""

from __future__ import annotations

from bot.engine.flow import Goto, Outcome, ParseContext, Run, Step, TextRef, register
from bot.yamlsrc import YMap


@register
class SayStep(Step):
    type_name = "say"

    def __init__(self, step_id: str, line: int, next_step: str | None, text: TextRef) -> None:
        super().__init__(step_id, line, next_step)
        self.text = text

    @classmethod
    def parse(cls, raw: YMap, ctx: ParseContext) -> Step:
        text = ctx.text(raw, "text") or TextRef(inline={"en": "", "uk": ""})
        return cls(raw["id"], raw.line, raw.get("next"), text)

    def enter(self, run: Run) -> Outcome:
        run.say(self.text)
        return Goto(self.next)

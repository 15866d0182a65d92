"""``choice``: a question answered with buttons.

```yaml
- id: mood
  type: choice
  text: checkin.mood              # content key or {en: ..., uk: ...}
  save: mood                      # answer name (defaults to the step id)
  options:
    - {value: 5, text: {en: "😊 Good", uk: "😊 Добре"}}
    - {value: 1, text: {en: "😞 Very low", uk: "😞 Дуже погано"}, goto: safety}
  # or: options_from: epds.items.q1.options   (a content list of {score|value, text})
  free_text: false                # true: typed text is accepted and saved as the answer
```
"""

from __future__ import annotations

from bot.engine.flow import Goto, Outcome, ParseContext, Run, Step, register
from bot.engine.state import ButtonInput, Input, OtherInput, TextInput
from bot.engine.steps.asking import AskingStep
from bot.yamlsrc import YMap


@register
class ChoiceStep(AskingStep):
    type_name = "choice"
    accepts_text = False

    @classmethod
    def parse(cls, raw: YMap, ctx: ParseContext) -> Step:
        step = cls(**AskingStep.common(raw, ctx))
        if len(step.options) < 1:
            ctx.error(raw.line, f"choice '{raw['id']}' needs at least one option")
        step.accepts_text = bool(raw.get("free_text", False))
        return step

    def free_text(self) -> bool:
        return self.accepts_text

    def receive(self, run: Run, answer: Input) -> Outcome:
        index = self.matched_option(run, answer)
        if index is not None:
            return self.choose(run, index)
        if isinstance(answer, OtherInput):
            return self.reask(run, "other")
        if isinstance(answer, TextInput) and self.accepts_text and answer.text.strip():
            self.store(run, answer.text.strip()[:4000], free_text=True)
            return Goto(self.next)
        return self.reask(run, "stale" if isinstance(answer, ButtonInput) else "choice")

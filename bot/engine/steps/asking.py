"""What the two question types (``choice`` and ``input``) share: buttons, matching, re-asks.

A button press is matched by the question's ``seq`` so an old button cannot answer a newer
question. Typed text that equals a button label, or its number (the terminal chat shows numbered
options), counts as pressing it. Anything else gets a short, kind re-ask, never silence.
"""

from __future__ import annotations

from typing import Any

from bot.engine.events import AnswerSaved, Say
from bot.engine.flow import Goto, Outcome, ParseContext, Run, Step, TextRef, Wait
from bot.engine.state import ButtonInput, Input, TextInput
from bot.yamlsrc import YMap

Option = tuple[Any, TextRef, str | None]


class AskingStep(Step):
    waits = True

    def __init__(
        self,
        step_id: str,
        line: int,
        next_step: str | None,
        text: TextRef,
        options: list[Option],
        save: str,
        hint: TextRef | None,
    ) -> None:
        super().__init__(step_id, line, next_step)
        self.text = text
        self.options = options
        self.save = save
        self.hint = hint

    @staticmethod
    def common(raw: YMap, ctx: ParseContext) -> dict[str, Any]:
        return {
            "step_id": raw["id"],
            "line": raw.line,
            "next_step": raw.get("next"),
            "text": ctx.text(raw, "text") or TextRef(inline={"en": "", "uk": ""}),
            "options": ctx.options(raw),
            "save": str(raw.get("save", raw["id"])),
            "hint": ctx.text(raw, "hint", required=False),
        }

    def free_text(self) -> bool:
        return False

    def enter(self, run: Run) -> Outcome:
        run.state.seq += 1
        run.state.reasks = 0
        self.prompt(run)
        return Wait()

    def prompt(self, run: Run) -> None:
        hint = run.text(self.hint) if self.hint else ""
        labels = [run.text(text) for _, text, _ in self.options]
        run.ask(self.text, labels, self.free_text(), hint)

    def reask(self, run: Run, reason: str) -> Outcome:
        run.state.reasks += 1
        run.events.append(Say(run.ui(f"reask.{reason}")))
        self.prompt(run)
        return Wait()

    def matched_option(self, run: Run, answer: Input) -> int | None:
        if isinstance(answer, ButtonInput):
            if answer.seq == run.state.seq and 0 <= answer.index < len(self.options):
                return answer.index
            return None
        if isinstance(answer, TextInput):
            typed = answer.text.strip().casefold()
            for index, (_, text, _) in enumerate(self.options):
                if typed in (str(index + 1), run.text(text).strip().casefold()):
                    return index
        return None

    def choose(self, run: Run, index: int) -> Outcome:
        value, _, goto = self.options[index]
        self.store(run, value, free_text=False)
        return Goto(goto or self.next)

    def store(self, run: Run, value: Any, free_text: bool) -> None:
        run.state.answers[self.save] = value
        run.state.reasks = 0
        run.events.append(AnswerSaved(run.flow.id, self.save, value, free_text))

    def targets(self) -> list[str]:
        gotos = [goto for _, _, goto in self.options if goto]
        return gotos + ([self.next] if self.next else [])

    def saves(self) -> list[str]:
        return [self.save]

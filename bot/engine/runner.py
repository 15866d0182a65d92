"""The engine: ``(state, input) -> (new state, events)``, with no I/O.

The host passes everything the engine needs (language, today's date, profile variables) in an
``Env``; the engine never reads a clock, a database or Telegram.
"""

from __future__ import annotations

from bot.content import Content
from bot.engine.events import Event, FlowEnded, FlowStarted
from bot.engine.flow import END_TARGET, End, Env, Flow, Goto, Run, Switch, Wait
from bot.engine.state import Input, SessionState

MAX_TRANSITIONS = 500
StepResult = tuple[SessionState | None, list[Event]]


class FlowLoopError(RuntimeError):
    """A flow moved through too many steps without waiting: a loop in the YAML."""


class Engine:
    def __init__(self, flows: dict[str, Flow], content: Content) -> None:
        self.flows = flows
        self.content = content

    def start(self, flow_id: str, env: Env, seq: int = 0) -> StepResult:
        """Start ``flow_id``; ``seq`` continues her question numbering so old buttons go stale."""
        flow = self.flows[flow_id]
        state = SessionState(flow=flow.id, step=flow.first, seq=seq)
        run = Run(flow, state, env, self.content, [FlowStarted(flow.id)])
        return self._advance(run, flow.first)

    def handle(self, state: SessionState, answer: Input, env: Env) -> StepResult:
        flow = self.flows[state.flow]
        step = flow.steps[state.step]
        run = Run(flow, _copy(state), env, self.content)
        outcome = step.receive(run, answer)
        if isinstance(outcome, Wait):
            return run.state, run.events
        return self._follow(run, step.id, outcome)

    def reprompt(self, state: SessionState, env: Env) -> list[Event]:
        """Ask the current question again (after a pause), keeping its buttons valid."""
        flow = self.flows[state.flow]
        step = flow.steps[state.step]
        run = Run(flow, _copy(state), env, self.content)
        prompt = getattr(step, "prompt", None)
        if prompt is not None:
            prompt(run)
        return run.events

    def _follow(self, run: Run, current: str, outcome: Goto | Switch | End) -> StepResult:
        if isinstance(outcome, Switch):
            return self._switch(run, outcome.flow)
        if isinstance(outcome, End):
            return self._end(run)
        target = outcome.target or run.flow.after(current)
        if target is None or target == END_TARGET:
            return self._end(run)
        return self._advance(run, target)

    def _advance(self, run: Run, step_id: str) -> StepResult:
        for _ in range(MAX_TRANSITIONS):
            step = run.flow.steps[step_id]
            run.state.step = step.id
            run.state.waiting = False
            outcome = step.enter(run)
            if isinstance(outcome, Wait):
                run.state.waiting = True
                return run.state, run.events
            if isinstance(outcome, Switch):
                return self._switch(run, outcome.flow)
            if isinstance(outcome, End):
                return self._end(run)
            target = outcome.target or run.flow.after(step.id)
            if target is None or target == END_TARGET:
                return self._end(run)
            step_id = target
        raise FlowLoopError(f"flow '{run.flow.id}' did not wait within {MAX_TRANSITIONS} steps")

    def _switch(self, run: Run, flow_id: str) -> StepResult:
        run.events.append(FlowEnded(run.flow.id))
        state, events = self.start(flow_id, run.env, run.state.seq)
        return state, run.events + events

    def _end(self, run: Run) -> StepResult:
        run.events.append(FlowEnded(run.flow.id))
        return None, run.events


def _copy(state: SessionState) -> SessionState:
    return SessionState.from_json(state.to_json())

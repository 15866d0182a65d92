"""Figure 1: the dialog engine alone — check-in steps per second, state serialised each step.

Baseline: the least a dialog step could cost — update a dict and serialise it. The ratio says
how much the engine's validation, expressions and rendering cost on top of bookkeeping.
"""

from __future__ import annotations

import json
import time
from datetime import date

from benchmarks.common import Row
from bot.engine import ButtonInput, Env, SessionState
from bot.services import Catalog

FLOW = "checkin"


def engine_steps(catalog: Catalog, seconds: float) -> float:
    engine = catalog.engine
    env = Env(lang="uk", today=date(2026, 1, 15), variables={"name": "Олена", "language": "uk"})
    steps = 0
    state: SessionState | None = None
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        for _ in range(200):
            if state is None:
                state, _events = engine.start(FLOW, env, steps)
            else:
                state, _events = engine.handle(state, ButtonInput(state.seq, 0), env)
            if state is not None:
                state = SessionState.from_json(state.to_json())
            steps += 1
    return steps / (time.perf_counter() - started)


def baseline_steps(seconds: float) -> float:
    state: dict[str, object] = {"flow": FLOW, "step": "mood", "seq": 0, "values": {}}
    steps = 0
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        for _ in range(2000):
            state["seq"] = steps
            state["step"] = f"s{steps % 7}"
            state = json.loads(json.dumps(state))
            steps += 1
    return steps / (time.perf_counter() - started)


def run(catalog: Catalog, quick: bool) -> list[Row]:
    seconds = 0.5 if quick else 2.0
    engine = engine_steps(catalog, seconds)
    baseline = baseline_steps(seconds)
    return [
        Row(
            "1. Engine: check-in steps/s (step + state JSON round trip)",
            f"{engine:,.0f}/s",
            f"{baseline:,.0f}/s (dict update + JSON)",
            f"{engine / baseline:.3f}",
            note=f"{1e6 / engine:.0f} µs a step",
        )
    ]

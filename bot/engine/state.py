"""A mother's place in a flow, and the inputs that move it on.

The state is small and JSON-serialisable because it is written to the database after every step:
a restart, even ``kill -9``, resumes her exactly where she was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SessionState:
    flow: str
    step: str
    answers: dict[str, Any] = field(default_factory=dict)
    seq: int = 0
    waiting: bool = False
    reasks: int = 0

    def to_json(self) -> str:
        """Written after every step; built directly, as ``asdict`` deep-copies the answers
        only for them to be serialised."""
        data = {
            "flow": self.flow,
            "step": self.step,
            "answers": self.answers,
            "seq": self.seq,
            "waiting": self.waiting,
            "reasks": self.reasks,
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> SessionState:
        data = json.loads(raw)
        return cls(
            flow=str(data["flow"]),
            step=str(data["step"]),
            answers=dict(data.get("answers") or {}),
            seq=int(data.get("seq", 0)),
            waiting=bool(data.get("waiting", False)),
            reasks=int(data.get("reasks", 0)),
        )


@dataclass(frozen=True)
class TextInput:
    text: str


@dataclass(frozen=True)
class ButtonInput:
    """A pressed option of the question numbered ``seq``."""

    seq: int
    index: int


@dataclass(frozen=True)
class OtherInput:
    """Anything she sent that is not text: a sticker, photo, voice note, location..."""

    kind: str


Input = TextInput | ButtonInput | OtherInput

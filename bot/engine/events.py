"""What a flow step produces. The engine only appends events; hosts act on them.

The Telegram and terminal adapters turn ``Say``/``Ask`` into messages, the conversation service
turns the rest into database writes, alerts and schedules. Keeping these plain dataclasses means
the engine can be tested without a bot, a clock or a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Ask:
    """A question waiting for an answer. ``seq`` identifies it so stale buttons can be refused."""

    text: str
    options: tuple[str, ...]
    seq: int
    free_text: bool = False
    hint: str = ""
    reask: bool = False


@dataclass(frozen=True)
class AnswerSaved:
    flow: str
    key: str
    value: Any
    free_text: bool = False


@dataclass(frozen=True)
class SetProfile:
    field: str
    value: Any


@dataclass(frozen=True)
class RecordAssessment:
    kind: str
    score: int
    items: dict[str, Any]


@dataclass(frozen=True)
class Escalate:
    """An explicit escalation requested by a flow (rules in escalation.yaml add their own)."""

    rule: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Schedule:
    kind: str
    in_days: float


@dataclass(frozen=True)
class ShowSnippet:
    topic: str | None = None
    snippet_id: str | None = None


@dataclass(frozen=True)
class HostCall:
    """A named host action (export, delete, chart...) that only the service can carry out."""

    name: str


@dataclass(frozen=True)
class FlowStarted:
    flow: str


@dataclass(frozen=True)
class FlowEnded:
    flow: str


Event = (
    Say
    | Ask
    | AnswerSaved
    | SetProfile
    | RecordAssessment
    | Escalate
    | Schedule
    | ShowSnippet
    | HostCall
    | FlowStarted
    | FlowEnded
)

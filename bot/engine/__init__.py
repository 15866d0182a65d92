"""The dialog engine: YAML flows in, events out. No Telegram, no database, no clock."""

from bot.engine.events import (
    AnswerSaved,
    Ask,
    Escalate,
    Event,
    FlowEnded,
    FlowStarted,
    HostCall,
    RecordAssessment,
    Say,
    Schedule,
    SetProfile,
    ShowSnippet,
)
from bot.engine.flow import Env, Flow
from bot.engine.loader import load_flows
from bot.engine.runner import Engine, FlowLoopError
from bot.engine.state import ButtonInput, Input, OtherInput, SessionState, TextInput

__all__ = [
    "AnswerSaved",
    "Ask",
    "ButtonInput",
    "Engine",
    "Env",
    "Escalate",
    "Event",
    "Flow",
    "FlowEnded",
    "FlowLoopError",
    "FlowStarted",
    "HostCall",
    "Input",
    "OtherInput",
    "RecordAssessment",
    "Say",
    "Schedule",
    "SessionState",
    "SetProfile",
    "ShowSnippet",
    "TextInput",
    "load_flows",
]

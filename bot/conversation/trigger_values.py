"""What an escalation rule's ``when:`` sees besides the thresholds: an answer with the streak
of low moods it extends, a questionnaire with its previous score and sub-scores. Read in the
turn's transaction, so the answer just saved counts."""

from __future__ import annotations

from typing import Any

from bot.conversation.turn import Turn
from bot.storage import dialog

LOW_MOOD_KEY = "mood"


async def answer_values(turn: Turn, key: str, value: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"value": value}
    if key == LOW_MOOD_KEY:
        values["low_streak"] = await low_mood_streak(turn)
    return values


async def low_mood_streak(turn: Turn) -> int:
    """How many of her latest check-in moods in a row were low (the newest included)."""
    limit = turn.services.catalog.escalation.threshold("low_mood_max")
    values = await dialog.recent_values(turn.tx, turn.mother_id, LOW_MOOD_KEY, limit=30)
    streak = 0
    for value in values:
        try:
            low = float(value) <= limit
        except (TypeError, ValueError):
            low = False
        if not low:
            break
        streak += 1
    return streak


async def assessment_values(
    turn: Turn, kind: str, score: int, items: dict[str, Any]
) -> dict[str, Any]:
    history = await dialog.assessments(turn.tx, turn.mother_id, kind, limit=2)
    previous = history[1][0] if len(history) > 1 else None
    values: dict[str, Any] = {"score": score, "previous_score": previous, **items}
    if all(isinstance(items.get(f"q{n}"), int) for n in (3, 4, 5)):
        values["epds_3a"] = items["q3"] + items["q4"] + items["q5"]
    return values

"""Step types; importing this package registers every one of them."""

from bot.engine.steps import action, branch, choice, compose, end, input, say, set_values

__all__ = ["action", "branch", "choice", "compose", "end", "input", "say", "set_values"]

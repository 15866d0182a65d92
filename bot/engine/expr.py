"""Conditions and scores in flows, evaluated safely.

Flows are edited by clinic staff, so expressions must never reach ``eval``. simpleeval walks the
AST with a whitelist; we add a parse-time check that names only what the flow can know, so a typo
is refused by ``main.py check`` instead of silently evaluating to false for a mother.
"""

from __future__ import annotations

import ast
import threading
from datetime import date
from functools import lru_cache
from typing import Any

from simpleeval import EvalWithCompoundTypes, InvalidExpression, NameNotDefined


def days_between(start: Any, end: Any) -> int | None:
    """Whole days from one ISO date to another; None when either is missing or malformed."""
    try:
        return (date.fromisoformat(str(end)) - date.fromisoformat(str(start))).days
    except ValueError:
        return None


FUNCTIONS: dict[str, Any] = {
    "days_between": days_between,
    "min": min,
    "max": max,
    "sum": sum,
    "len": len,
    "abs": abs,
    "int": int,
    "round": round,
}

_ALLOWED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.Call,
    ast.IfExp,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.And,
    ast.Or,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
)


class ExpressionError(ValueError):
    pass


def names_in(source: str) -> set[str]:
    """Parse ``source`` and return the variable names it reads; raise on anything not allowed."""
    try:
        tree = ast.parse(str(source), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"condition does not parse: {source!r} ({exc.msg})") from exc
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionError(f"{type(node).__name__} is not allowed in {source!r}")
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
        ):
            raise ExpressionError(f"only {sorted(FUNCTIONS)} may be called in {source!r}")
        if isinstance(node, ast.Name) and node.id not in FUNCTIONS:
            names.add(node.id)
    return names - {"None", "True", "False"}


def evaluate(source: str, variables: dict[str, Any]) -> Any:
    """Evaluate with unknown or missing answers as ``None``; a type clash counts as false."""
    evaluator = _evaluator()
    evaluator.names = _Defaulting(variables)
    try:
        return evaluator.eval(str(source), previously_parsed=_parsed(str(source)))
    except (TypeError, ZeroDivisionError, NameNotDefined, InvalidExpression):
        return None


def type_clash(source: str, variables: dict[str, Any]) -> str | None:
    """What goes wrong evaluating ``source`` with these (typical) values, or None.

    ``evaluate`` must not crash a turn, so it takes a type clash as false; a rule whose
    condition always clashes then never fires and says nothing. ``main.py check`` asks this
    with a sample of each kind of value instead, and reports the clash with file and line."""
    evaluator = _evaluator()
    evaluator.names = _Defaulting(variables)
    try:
        evaluator.eval(str(source), previously_parsed=_parsed(str(source)))
    except (TypeError, ZeroDivisionError) as exc:
        return str(exc)
    except (NameNotDefined, InvalidExpression):
        return None
    return None


_local = threading.local()


def _evaluator() -> EvalWithCompoundTypes:
    """One evaluator per thread, given each call's names: building one costs more than most
    evaluations. Evaluating never awaits, so calls on one thread cannot interleave."""
    evaluator: EvalWithCompoundTypes | None = getattr(_local, "evaluator", None)
    if evaluator is None:
        evaluator = _local.evaluator = EvalWithCompoundTypes(functions=dict(FUNCTIONS))
    return evaluator


@lru_cache(maxsize=4096)
def _parsed(source: str) -> ast.AST:
    """The flows' conditions are fixed once loaded: each is parsed once, not at every step."""
    tree: ast.AST = EvalWithCompoundTypes.parse(source)  # simpleeval ships no types
    return tree


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> None:
        return None

    def __contains__(self, key: object) -> bool:
        return True

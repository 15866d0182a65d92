"""YAML loading that remembers line numbers.

Clinic staff edit the YAML by hand, so every validation error must point at a file and a line.
PyYAML forgets positions after construction; these subclasses keep the line of each mapping and
sequence so validators can say ``dialogs/checkin.yaml:12: ...``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml


class YMap(dict[str, Any]):
    """A mapping that knows the line it started on (1-based)."""

    line: int = 1
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class YList(list[Any]):
    """A sequence that knows the line it started on (1-based)."""

    line: int = 1


# libyaml's parser is ~5x faster than the pure-Python one: the content is parsed at every
# start-up, and the crisis lexicon alone is thousands of lines. Marks and resolvers are the same.
# The checker sees the pure-Python loader: both share the constructor and resolver used here.
if TYPE_CHECKING:
    _BaseLoader = yaml.SafeLoader
else:
    _BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_BaseLoader):
    # YAML allows any hashable key and the stubs say so; our files key by words, and YMap's str keys
    # are what every reader of the content relies on. Hence the two ignores.
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> YMap:  # type: ignore[override]
        result = YMap(super().construct_mapping(node, deep=True))  # type: ignore[arg-type]
        result.line = node.start_mark.line + 1
        result.key_lines = {
            str(key_node.value): key_node.start_mark.line + 1 for key_node, _ in node.value
        }
        return result

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> YList:
        result = YList(super().construct_sequence(node, deep=True))
        result.line = node.start_mark.line + 1
        return result


def _yaml12_booleans() -> None:
    """Only ``true``/``false`` are booleans, as in YAML 1.2.

    Under YAML 1.1 ``value: no`` or ``goto: yes`` silently become booleans; in a safety rule
    such as ``value != 'no'`` that would turn every "No" into an alert.
    """
    resolvers = {
        key: [(tag, regexp) for tag, regexp in entries if tag != "tag:yaml.org,2002:bool"]
        for key, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _LineLoader.yaml_implicit_resolvers = resolvers
    _LineLoader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )


_yaml12_booleans()
_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)
_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LineLoader.construct_sequence
)


@dataclass(frozen=True)
class Problem:
    """One validation error, printed as ``file:line: message``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ValidationFailed(Exception):
    """Raised at start-up when the YAML data is not valid; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def display_path(path: Path) -> str:
    """Paths relative to the working directory read better in error lines."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """Load one file; a syntax error becomes a Problem instead of an exception."""
    name = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(name, 1, f"cannot read file: {exc}")]
    try:
        return parse_yaml(text), []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return None, [Problem(name, line, f"invalid YAML: {getattr(exc, 'problem', exc)}")]


def load_data(path: Path) -> Any:
    """A file's plain data (no line numbers, YAML 1.1 as ``yaml.safe_load`` reads it) through
    libyaml: the labelled corpora, tens of thousands of lines, are read by training, by
    cross-validation and by many tests, where the pure-Python parser took seconds each time."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_BaseLoader)


def parse_yaml(text: str) -> Any:
    """YAML text to ``YMap``/``YList`` with lines; raises ``yaml.YAMLError`` when invalid."""
    return yaml.load(text, Loader=_LineLoader)


def line_of(value: Any, default: int = 1) -> int:
    return getattr(value, "line", default)

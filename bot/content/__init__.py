"""Reviewed texts from ``content/*.yaml``, looked up by key.

Every reply on a clinical path must come from reviewed YAML, never from code, so the only way to
turn a key into words is :meth:`Content.text`. A text is a mapping with one string per language;
its key is ``<file stem>.<dotted path>`` (``clinic.crisis.reply``).
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.yamlsrc import Problem, ValidationFailed, YMap, display_path, line_of, load_yaml

LANGUAGES: tuple[str, ...] = ("en", "uk")
DEFAULT_LANGUAGE = "uk"


class _KeepMissing(dict[str, Any]):
    """Leaves unknown placeholders visible instead of raising: a typo must not crash a reply."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, variables: dict[str, Any] | None = None) -> str:
    if not variables or "{" not in template:
        return template
    try:
        return string.Formatter().vformat(template, (), _KeepMissing(variables))
    except (ValueError, IndexError, AttributeError, KeyError):
        return template


def is_text_leaf(value: Any) -> bool:
    return isinstance(value, dict) and any(lang in value for lang in LANGUAGES)


@dataclass
class Content:
    """All content files, indexed by file stem."""

    files: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)

    def lookup(self, key: str) -> Any:
        stem, _, rest = key.partition(".")
        node: Any = self.files.get(stem)
        for part in rest.split(".") if rest else []:
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def has_text(self, key: str) -> bool:
        return is_text_leaf(self.lookup(key))

    def text(self, key: str, lang: str, variables: dict[str, Any] | None = None) -> str:
        leaf = self.lookup(key)
        if not is_text_leaf(leaf):
            raise KeyError(f"no content text {key!r}")
        return render(pick(leaf, lang), variables)


def pick(leaf: dict[str, str], lang: str) -> str:
    """The text in ``lang``; validation guarantees every language is present."""
    return str(leaf.get(lang) or leaf.get(DEFAULT_LANGUAGE) or next(iter(leaf.values())))


def check_text_leaf(leaf: Any, file: str, where: str) -> list[Problem]:
    """A translatable text must give every language, each a non-empty string."""
    if not isinstance(leaf, dict):
        return [Problem(file, line_of(leaf), f"{where}: expected a text with {list(LANGUAGES)}")]
    problems = []
    line = line_of(leaf)
    for lang in LANGUAGES:
        value = leaf.get(lang)
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(file, line, f"{where}: missing '{lang}' translation"))
    extra = set(leaf) - set(LANGUAGES)
    if extra:
        problems.append(Problem(file, line, f"{where}: unknown language(s) {sorted(extra)}"))
    return problems


def _walk_texts(node: Any, file: str, path: str) -> list[Problem]:
    if is_text_leaf(node):
        return check_text_leaf(node, file, path)
    problems: list[Problem] = []
    if isinstance(node, dict):
        for key, value in node.items():
            problems += _walk_texts(value, file, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            problems += _walk_texts(value, file, f"{path}[{index}]")
    return problems


def load_content(directory: Path) -> tuple[Content, list[Problem]]:
    """Load every ``*.yaml`` in ``directory`` and check each text has every language."""
    content = Content()
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.yaml")):
        data, errors = load_yaml(path)
        problems += errors
        if errors:
            continue
        name = display_path(path)
        if not isinstance(data, YMap):
            problems.append(Problem(name, 1, "expected a mapping at the top level"))
            continue
        content.files[path.stem] = data
        content.paths[path.stem] = name
        problems += _walk_texts(data, name, "")
    return content, problems


def require_content(directory: Path) -> Content:
    content, problems = load_content(directory)
    if problems:
        raise ValidationFailed(problems)
    return content


CLINIC_VARIABLES = {
    "clinic_contact": "clinic.clinic.contact",
}


def clinic_variables(content: Content, lang: str) -> dict[str, str]:
    """The clinic's fixed wording (``{clinic_contact}``). What depends on the moment — contact
    times and whether anyone is told — is added by :mod:`bot.content.promises`."""
    return {
        name: content.text(key, lang)
        for name, key in CLINIC_VARIABLES.items()
        if content.has_text(key)
    }

"""Psychoeducation snippets from ``content/snippets.yaml``: validation and choosing the next one.

A snippet is never repeated until she has seen every snippet of its topic, so the choice needs
only the set of ids she has already seen.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.content import LANGUAGES, Content, render
from bot.yamlsrc import Problem, YMap, line_of

MAX_CHARS = 600
SNIPPETS_KEY = "snippets"


@dataclass(frozen=True)
class Snippet:
    id: str
    topics: tuple[str, ...]
    section: str
    text: dict[str, str]
    mentions_treatment: bool


def snippets(content: Content) -> list[Snippet]:
    data = content.files.get(SNIPPETS_KEY) or {}
    return [
        Snippet(
            id=str(raw["id"]),
            topics=tuple(raw.get("topics") or ()),
            section=str(raw.get("section", "")),
            text={lang: str(raw["text"][lang]) for lang in LANGUAGES},
            mentions_treatment=bool(raw.get("mentions_treatment", False)),
        )
        for raw in data.get("snippets") or []
    ]


def topics(content: Content) -> list[str]:
    data = content.files.get(SNIPPETS_KEY) or {}
    return list(data.get("topics") or {})


def next_unseen(all_snippets: list[Snippet], seen: set[str], topic: str | None) -> Snippet | None:
    """The first snippet of ``topic`` she has not seen; None when the topic is exhausted."""
    pool = [s for s in all_snippets if topic is None or topic in s.topics]
    for snippet in pool:
        if snippet.id not in seen:
            return snippet
    return None


def _contact(content: Content, lang: str) -> str:
    key = "clinic.clinic.contact"
    return content.text(key, lang) if content.has_text(key) else ""


def snippet_text(content: Content, snippet: Snippet, lang: str) -> str:
    return render(snippet.text[lang], {"clinic_contact": _contact(content, lang)})


def check_snippets(content: Content) -> list[Problem]:
    """Structure, ids, topics and length; translations are checked with all content."""
    data = content.files.get(SNIPPETS_KEY)
    if data is None:
        return []
    file = content.paths[SNIPPETS_KEY]
    known_topics = set(data.get("topics") or {})
    problems: list[Problem] = []
    seen: set[str] = set()
    for raw in data.get("snippets") or []:
        line = line_of(raw)
        if not isinstance(raw, YMap) or not raw.get("id") or not isinstance(raw.get("text"), dict):
            problems.append(Problem(file, line, "a snippet needs 'id' and 'text'"))
            continue
        if raw["id"] in seen:
            problems.append(Problem(file, line, f"duplicate snippet id '{raw['id']}'"))
        seen.add(raw["id"])
        for topic in raw.get("topics") or []:
            if topic not in known_topics:
                problems.append(Problem(file, raw.line_of("topics"), f"unknown topic '{topic}'"))
        if not raw.get("topics"):
            problems.append(Problem(file, line, f"snippet '{raw['id']}' needs 'topics'"))
        if "reviewed" not in raw:
            problems.append(Problem(file, line, f"snippet '{raw['id']}' needs 'reviewed'"))
        if not raw.get("section"):
            problems.append(
                Problem(file, line, f"snippet '{raw['id']}' needs its article 'section'")
            )
        if raw.get("mentions_treatment") and not all(
            "{clinic_contact}" in str(raw["text"].get(lang, "")) for lang in LANGUAGES
        ):
            problems.append(
                Problem(
                    file,
                    line,
                    f"snippet '{raw['id']}' mentions treatment: end with {{clinic_contact}}",
                )
            )
        for lang in LANGUAGES:
            text = render(
                str(raw["text"].get(lang, "")), {"clinic_contact": _contact(content, lang)}
            )
            if len(text) > MAX_CHARS:
                where = raw["text"].line
                message = f"snippet '{raw['id']}' ({lang}) is over {MAX_CHARS} characters"
                problems.append(Problem(file, where, message))
    return problems

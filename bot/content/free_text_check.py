"""``main.py check`` for content/free_text.yaml: every distress and topic category of the
lexicons has its acknowledgement, and every read it names exists (file and line)."""

from __future__ import annotations

from bot.content import Content
from bot.content.snippets import SNIPPETS_KEY
from bot.yamlsrc import Problem, YMap, line_of

FILE_KEY = "free_text"
# (lexicon file stem, the section of free_text.yaml that answers its categories)
SECTIONS = (("distress_lexicon", "distress.categories"), ("topic_lexicon", "topics"))


def check_free_text(content: Content) -> list[Problem]:
    data = content.files.get(FILE_KEY)
    if data is None:
        return []
    file = content.paths[FILE_KEY]
    snippet_data = content.files.get(SNIPPETS_KEY) or {}
    snippet_ids = {s.get("id") for s in snippet_data.get("snippets") or [] if isinstance(s, dict)}
    topics = set(snippet_data.get("topics") or {})
    problems = []
    for lexicon, section in SECTIONS:
        categories = (content.files.get(lexicon) or {}).get("categories") or {}
        answers = content.lookup(f"{FILE_KEY}.{section}")
        where = answers if isinstance(answers, YMap) else data
        for category in categories:
            entry = answers.get(category) if isinstance(answers, dict) else None
            if not isinstance(entry, dict) or not content.has_text(
                f"{FILE_KEY}.{section}.{category}.ack"
            ):
                message = f"{section}.{category}: needs an 'ack' text ({lexicon}.yaml has it)"
                problems.append(Problem(file, line_of(where), message))
                continue
            snippet = entry.get("snippet")
            if snippet is not None and snippet not in snippet_ids:
                problems.append(Problem(file, line_of(entry), f"unknown snippet '{snippet}'"))
            learn_topic = entry.get("learn_topic")
            if learn_topic is not None and learn_topic not in topics:
                problems.append(Problem(file, line_of(entry), f"unknown topic '{learn_topic}'"))
    return problems

"""Everything the bot needs, loaded and validated once: configuration, content, flows, rules.

``main.py check`` and start-up share :func:`validate_all`, so the bot refuses to start on exactly
the problems ``check`` reports, each with file and line. The names of the actions a flow may
``call`` are handed in by the composition root (``bot/runtime.py``): this module knows the data,
not the conversation that acts on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from bot.config import Config
from bot.content import Content, load_content
from bot.engine import Engine, Flow, load_flows
from bot.engine.steps.asking import AskingStep
from bot.safety.escalation import Escalation, Rule, check_conditions, load_escalation
from bot.safety.staff_chats import StaffChats
from bot.storage.open import open_store
from bot.storage.tx import Store
from bot.yamlsrc import Problem

LEXICON_FILE = "crisis_lexicon.yaml"
DISTRESS_FILE = "distress_lexicon.yaml"
TOPICS_FILE = "topic_lexicon.yaml"
ESCALATION_FILE = "escalation.yaml"


class CrisisMatchLike(Protocol):
    @property
    def category(self) -> str: ...

    @property
    def entry_id(self) -> str: ...

    @property
    def language(self) -> str: ...


class Detector(Protocol):
    def detect(self, text: str) -> CrisisMatchLike | None: ...

    def is_retraction(self, text: str) -> bool: ...

    def judged_benign(self, text: str) -> bool: ...


class Scorer(Protocol):
    def score(self, text: str) -> float: ...

    def top_words(self, text: str, count: int = 3) -> list[str]: ...


@dataclass
class Catalog:
    """The validated YAML data: content, flows, escalation rules and the crisis lexicon."""

    content: Content
    flows: dict[str, Flow]
    escalation: Escalation
    detector: Detector
    # The tiers below a crisis (bot/conversation/free_text.py): distress words, everyday topics.
    distress: Detector | None = None
    topics: Detector | None = None
    # The character n-gram models (bot/safety/ngram.py): concern (may ask the distress
    # question) and crisis (may raise an urgent alert).
    second_opinion: Scorer | None = None
    urgent_opinion: Scorer | None = None

    @property
    def engine(self) -> Engine:
        return Engine(self.flows, self.content)


def _lexicon(
    content_dir: Path, file: str = LEXICON_FILE, kind: str = "crisis"
) -> tuple[Detector | None, list[Problem]]:
    from bot.safety.lexicon import CrisisDetector, validate_lexicon

    path = content_dir / file
    problems = validate_lexicon(path, kind)
    if problems:
        return None, problems
    return CrisisDetector.from_yaml(path, kind), []


def validate_all(
    dialogs_dir: Path, content_dir: Path, host_calls: frozenset[str]
) -> tuple[Catalog | None, list[Problem]]:
    """Every problem in the YAML; ``host_calls`` are the names a flow's ``call:`` may use."""
    content, problems = load_content(content_dir)
    flows, flow_problems = load_flows(dialogs_dir, content, host_calls)
    escalation, rule_problems = load_escalation(content_dir / ESCALATION_FILE)
    detector, lexicon_problems = _lexicon(content_dir)
    distress, distress_problems = _lexicon(content_dir, DISTRESS_FILE, "distress")
    topic_lexicon, topic_problems = _lexicon(content_dir, TOPICS_FILE, "topics")
    problems += flow_problems + rule_problems + lexicon_problems
    problems += distress_problems + topic_problems
    from bot.content.clinic_hours import check_working_hours
    from bot.content.snippets import check_snippets, topics
    from bot.scheduling.cadence import check_cadence

    problems += check_snippets(content) + check_cadence(content, set(topics(content)))
    problems += check_working_hours(content)
    if escalation is not None:
        problems += check_conditions(escalation, partial(_answer_values, flows))
    from bot.content.free_text_check import check_free_text

    problems += check_free_text(content)
    if problems or escalation is None or detector is None:
        return None, problems
    from bot.safety.ngram import CRISIS_MODEL_FILE, MODEL_FILE, NgramModel

    models = NgramModel.load(MODEL_FILE), NgramModel.load(CRISIS_MODEL_FILE)
    return Catalog(content, flows, escalation, detector, distress, topic_lexicon, *models), []


def _answer_values(flows: dict[str, Flow], rule: Rule) -> list[Any]:
    """The values an answer rule can see: the options of every question that saves its key."""
    values: list[Any] = []
    for flow in flows.values():
        if rule.flow is not None and flow.id != rule.flow:
            continue
        for step in flow.steps.values():
            if rule.key is not None and rule.key not in step.saves():
                continue
            if isinstance(step, AskingStep):
                values += [value for value, _, _ in step.options]
    return values


@dataclass
class Services:
    config: Config
    db: Store
    catalog: Catalog
    engine: Engine
    staff_chats: StaffChats = field(default_factory=StaffChats)

    @classmethod
    async def start(cls, config: Config, catalog: Catalog) -> Services:
        db = await open_store(config.database_url, config.database_path)
        return cls(config, db, catalog, catalog.engine, await StaffChats.load(db))

    @property
    def staff_chat_id(self) -> int | None:
        """The staff chat as Telegram knows it now (``STAFF_CHAT_ID``, followed if it moved)."""
        return self.staff_chats.primary(self.config)

    @property
    def staff_backup_chat_id(self) -> int | None:
        return self.staff_chats.backup(self.config)

    async def close(self) -> None:
        await self.db.close()

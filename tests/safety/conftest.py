"""Shared fixtures for the crisis-detector tests, and the corpus table in the terminal summary.

The corpus test measures recall and false-positive rate per language; those numbers matter
more than pass/fail, so they are printed at the end of every run (also with ``-q``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.safety.detector import DEFAULT_LEXICON, CrisisDetector


@dataclass(frozen=True)
class CorpusRow:
    """Detection results for one corpus file."""

    language: str
    crisis: int
    detected: int
    benign: int
    false_positives: int
    right_category: int

    @property
    def recall(self) -> float:
        return self.detected / self.crisis if self.crisis else 1.0

    @property
    def false_positive_rate(self) -> float:
        return self.false_positives / self.benign if self.benign else 0.0


_ROWS = pytest.StashKey[list[CorpusRow]]()


@pytest.fixture(scope="session")
def detector() -> CrisisDetector:
    return CrisisDetector.from_yaml(DEFAULT_LEXICON)


@pytest.fixture
def record_corpus_result(request: pytest.FixtureRequest) -> Callable[..., CorpusRow]:
    """Keep one corpus file's results for the table printed at the end of the run."""
    rows = request.config.stash.setdefault(_ROWS, [])

    def record(**fields: Any) -> CorpusRow:
        row = CorpusRow(**fields)
        rows.append(row)
        return row

    return record


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    rows = sorted(config.stash.get(_ROWS, []), key=lambda row: row.language)
    if not rows:
        return
    total = CorpusRow(
        "all",
        *(
            sum(getattr(row, field) for row in rows)
            for field in ("crisis", "detected", "benign", "false_positives", "right_category")
        ),
    )
    terminalreporter.section("crisis detection corpus (tests/safety/corpus)")
    columns = "{:<5} {:>6} {:>6} {:>7} {:>7} {:>4} {:>6} {:>9}"
    terminalreporter.write_line(
        columns.format("lang", "crisis", "found", "recall", "benign", "FP", "FPR", "category")
    )
    for row in [*rows, total]:
        category = row.right_category / row.detected if row.detected else 1.0
        cells = (row.language, row.crisis, row.detected, f"{row.recall:.1%}", row.benign)
        rates = (row.false_positives, f"{row.false_positive_rate:.1%}", f"{category:.1%}")
        terminalreporter.write_line(columns.format(*cells, *rates))

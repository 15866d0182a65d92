"""Shared fixtures for the crisis-detector tests, and the corpus table in the terminal summary.

The corpus test measures recall and false-positive rate per language; those numbers matter
more than pass/fail, so they are printed at the end of every run (also with ``-q``). The blind
batches (``tests/safety/corpus/blind``) get their own table: they were written without looking
at the lexicon, and the number that estimates held-out performance is the *first check* recorded
at the top of each file before the lexicon was tuned on it. The summary prints it under the
current numbers, so the gap between the two (memorising, not generalising) stays visible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.safety.lexicon import DEFAULT_LEXICON, CrisisDetector


@dataclass(frozen=True)
class CorpusRow:
    """Detection results for one corpus file."""

    language: str
    crisis: int
    detected: int
    benign: int
    false_positives: int
    right_category: int
    group: str = "corpus"  # "corpus", or a blind batch ("batch1")
    first_check: str = ""  # a blind batch file's recorded first-check line

    @property
    def recall(self) -> float:
        return self.detected / self.crisis if self.crisis else 1.0

    @property
    def false_positive_rate(self) -> float:
        return self.false_positives / self.benign if self.benign else 0.0


_ROWS = pytest.StashKey[list[CorpusRow]]()
_TIERS = pytest.StashKey[list[dict[str, Any]]]()


@pytest.fixture
def record_tier_result(request: pytest.FixtureRequest) -> Callable[..., None]:
    """Keep one tiered file's counts (test_tiers.py) for the table printed at the end."""
    rows = request.config.stash.setdefault(_TIERS, [])

    def record(**fields: Any) -> None:
        rows.append(fields)

    return record


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
    all_rows = config.stash.get(_ROWS, [])
    rows = sorted((row for row in all_rows if row.group == "corpus"), key=lambda row: row.language)
    if rows:
        _table(terminalreporter, "crisis detection corpus (tests/safety/corpus)", rows)
    blind = sorted((row for row in all_rows if row.group != "corpus"), key=_blind_order)
    if blind:
        title = "blind batches (tests/safety/corpus/blind), current numbers"
        _table(terminalreporter, title, blind)
        terminalreporter.write_line(
            "first checks, before any tuning on each batch (from the files):"
        )
        for group in sorted({row.group for row in blind}):
            first = next(row.first_check for row in blind if row.group == group)
            terminalreporter.write_line(f"  {group}: {first or 'not recorded'}")
    tiers = config.stash.get(_TIERS, [])
    if tiers:
        _tier_table(terminalreporter, tiers)


def _tier_table(terminalreporter: pytest.TerminalReporter, rows: list[dict[str, Any]]) -> None:
    """Issue 11's figures per file: acute recall, distress met (question or alert), everyday
    messages met with the question and with an alert; then each blind batch's first check."""
    terminalreporter.section("tiered screening: acute / distress / everyday (issue 11)")
    columns = "{:<24} {:>16} {:>16} {:>16} {:>16}"
    terminalreporter.write_line(
        columns.format("file", "acute recall", "distress met", "everyday: asked", "everyday: alert")
    )

    def cell(part: int, whole: int) -> str:
        return f"{part / whole:.2f} ({part}/{whole})" if whole else "-"

    order = {"tuning": 0, "crisis corpus": 1}
    ordered = sorted(rows, key=lambda r: (order.get(r["group"], 2), r["group"], r["language"]))
    for row in ordered:
        c = row["counts"]
        terminalreporter.write_line(
            columns.format(
                f"{row['group']} {row['language']}",
                cell(c["acute_met"], c["acute"]),
                cell(c["distress_met"], c["distress"]),
                cell(c["question"], c["everyday"]),
                cell(c["alert"], c["everyday"]),
            )
        )
    terminalreporter.write_line(
        "aims: acute ≥ 0.95, distress met ≥ 0.90, everyday asked ≤ 0.05, alert ≤ 0.02"
    )
    terminalreporter.write_line("first checks, before any tuning on each batch (from the files):")
    terminalreporter.write_line(
        "(rows 'n-gram': the concern model alone — held out unless marked 'trained on';"
        " its acute/distress columns count messages it would ask about, it never alerts;"
        " rows 'crisis model': the crisis model alone, its columns count messages it would"
        " alert on (four words or more), the everyday ones in the alert column)"
    )
    for row in ordered:
        if row["group"].startswith("batch") and " " not in row["group"]:
            first = row.get("first_check") or "not recorded"
            terminalreporter.write_line(f"  {row['group']} {row['language']}: {first}")


def _blind_order(row: CorpusRow) -> tuple[str, str]:
    return row.group, {"en": "0", "uk": "1", "ru": "2"}.get(row.language, row.language)


def _table(terminalreporter: pytest.TerminalReporter, title: str, rows: list[CorpusRow]) -> None:
    """One recall / false-positive table, with a total line."""
    total = CorpusRow(
        "all",
        *(
            sum(getattr(row, field) for row in rows)
            for field in ("crisis", "detected", "benign", "false_positives", "right_category")
        ),
    )
    terminalreporter.section(title)
    columns = "{:<12} {:>6} {:>6} {:>7} {:>7} {:>4} {:>6} {:>9}"
    terminalreporter.write_line(
        columns.format("lang", "crisis", "found", "recall", "benign", "FP", "FPR", "category")
    )
    for row in [*rows, total]:
        category = row.right_category / row.detected if row.detected else 1.0
        name = row.language if row.group == "corpus" else f"{row.group} {row.language}"
        cells = (name, row.crisis, row.detected, f"{row.recall:.1%}", row.benign)
        rates = (row.false_positives, f"{row.false_positive_rate:.1%}", f"{category:.1%}")
        terminalreporter.write_line(columns.format(*cells, *rates))

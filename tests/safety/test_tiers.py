"""The tiers below a crisis, measured (issue 11): acute danger must reach the crisis reply,
distress the direct safety question (or an alert), and everyday messages neither.

Two kinds of labelled files (``expect: crisis | distress | none``): the tuning corpus in
``corpus/tiers`` (written with the lexicons: training data, held to the targets) and the blind
batches from 8 on in ``corpus/blind`` (written without the lexicons; the figure that estimates
held-out performance is the *first check* recorded at the top of each file before any tuning on
it). Both are printed in the summary at the end of every run (see conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.conversation.free_text import lexicons_only, model_threshold, screen
from bot.safety.ngram import CRISIS_ENTRY, HELD_OUT_FROM, acts_on
from bot.services import Catalog
from bot.yamlsrc import load_data
from tests.safety.test_detector import BLIND, CORPUS_DIR, LANGUAGES, first_check

TIERS_DIR = Path(__file__).parent / "corpus" / "tiers"
TUNING = sorted(TIERS_DIR.glob("*.yaml"))
TIERED_BLIND = sorted(
    p for p in (CORPUS_DIR / "blind").glob("batch*_*.yaml") if "expect:" in p.read_text("utf-8")
)
EXPECT = ("crisis", "distress", "none")
# The aims: acute recall ≥ 0.95; distress met ≥ 0.9; everyday: question ≤ 0.05, alert ≤ 0.02.
AIMS = {"acute": 0.95, "distress": 0.90, "question": 0.05, "alert": 0.02}
# Our own trap messages (the tuning corpora's everyday ones and the crisis corpora's near
# misses) were written against the lexicons' rules to look like a crisis or distress ("if im
# going out im taking him with me"). The lexicons are held to the aims on them; the models,
# whose thresholds are chosen out of fold on the blind batches' everyday messages (benign traps
# among them, written without the lexicons) to meet the aims there with a margin, are held
# to these looser bounds on them: measured at the thresholds of round 17, en asked 0.074 and
# alerted 0.039 of the tuning corpus's everyday messages, the near misses were asked 0.086.
TRAPS = {"question": 0.10, "alert": 0.05}


def load(path: Path) -> list[dict[str, Any]]:
    items = load_data(path) or []
    for item in items:
        assert isinstance(item.get("text"), str) and item["text"].strip(), item
        assert item.get("expect") in EXPECT, item
    return items


def measure(catalog: Catalog, items: list[dict[str, Any]]) -> tuple[dict[str, int], list[str]]:
    """Counts per tier; the misses as ``expect ← what happened`` lines (for tuning files only)."""
    counts = dict.fromkeys(("acute", "acute_met", "distress", "distress_met"), 0)
    counts.update(everyday=0, question=0, alert=0)
    misses = []
    for item in items:
        tier = screen(catalog, item["text"]).tier
        expect = item["expect"]
        if expect == "crisis":
            counts["acute"] += 1
            counts["acute_met"] += tier == "crisis"
            ok = tier == "crisis"
        elif expect == "distress":
            counts["distress"] += 1
            counts["distress_met"] += tier in ("crisis", "distress")
            ok = tier in ("crisis", "distress")
        else:
            counts["everyday"] += 1
            counts["question"] += tier == "distress"
            counts["alert"] += tier == "crisis"
            ok = tier not in ("crisis", "distress")
        if not ok:
            misses.append(f"{expect} ← {tier}: {item['text']!r}")
    return counts, misses


def rates(counts: dict[str, int]) -> dict[str, float]:
    def rate(part: str, whole: str, empty: float) -> float:
        return counts[part] / counts[whole] if counts[whole] else empty

    return {
        "acute": rate("acute_met", "acute", 1.0),
        "distress": rate("distress_met", "distress", 1.0),
        "question": rate("question", "everyday", 0.0),
        "alert": rate("alert", "everyday", 0.0),
    }


def meets_aims(counts: dict[str, int]) -> list[str]:
    found = rates(counts)
    problems = [
        f"{k} {found[k]:.2f} < {AIMS[k]}" for k in ("acute", "distress") if found[k] < AIMS[k]
    ]
    problems += [
        f"{k} {found[k]:.2f} > {AIMS[k]}" for k in ("question", "alert") if found[k] > AIMS[k]
    ]
    return problems


@pytest.mark.parametrize("path", TUNING, ids=[p.stem for p in TUNING])
def test_tier_tuning_corpus(
    catalog: Catalog, record_tier_result: Callable[..., Any], path: Path
) -> None:
    """Every crisis and distress paraphrase is met as the aims ask; its everyday messages are
    traps (see :data:`TRAPS`): the lexicons alone are held to the aims on them, the bot with
    its models to the trap bounds."""
    counts, misses = measure(catalog, load(path))
    record_tier_result(group="tuning", language=path.stem, counts=counts)
    found = rates(counts)
    problems = [p for p in meets_aims(counts) if p.split()[0] in ("acute", "distress")]
    problems += [f"{k} {found[k]:.2f} > {TRAPS[k]}" for k in TRAPS if found[k] > TRAPS[k]]
    lexicons, _ = measure(lexicons_only(catalog), load(path))
    problems += [f"lexicons alone: {p}" for p in meets_aims(lexicons)]
    assert not problems, "; ".join(problems) + "\n" + "\n".join(misses)


def tuned_on(path: Path) -> bool:
    """Whether the lexicon was tuned on this batch after its first check (a ``# tuned on``
    line in its header). Until then it is held out: measured and printed, never failed."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            return False
        if line.startswith("# tuned on"):
            return True
    return False


@pytest.mark.parametrize("path", TIERED_BLIND, ids=[p.stem for p in TIERED_BLIND])
def test_tiered_blind_batch(
    catalog: Catalog, record_tier_result: Callable[..., Any], path: Path
) -> None:
    """Measured and printed; a batch not tuned on yet is never failed, only measured."""
    group, language = path.stem.split("_", 1)
    counts, misses = measure(catalog, load(path))
    recorded = first_check(path)
    record_tier_result(group=group, language=language, counts=counts, first_check=recorded)
    if recorded and tuned_on(path):  # tuned on since its first check: held to the aims
        problems = meets_aims(counts)
        assert not problems, "; ".join(problems) + "\n" + "\n".join(misses)


@pytest.mark.parametrize("path", TIERED_BLIND, ids=[p.stem for p in TIERED_BLIND])
def test_second_opinion_alone_on_held_out_batches(
    catalog: Catalog, record_tier_result: Callable[..., Any], path: Path
) -> None:
    """The concern model's own figures on each tiered batch: held out for batches numbered
    HELD_OUT_FROM or later (see bot/safety/ngram.py), trained on for the earlier ones (rows
    marked "trained on"). "acute" and "distress" count messages it would have asked about; it
    never alerts. Measured and printed: the aims are checked over each language's trained-on
    batches together (below), where a batch of fifty everyday messages is not too few to judge."""
    model = catalog.second_opinion
    assert model is not None

    def asks(text: str) -> bool:
        return acts_on(text) and model.score(text) >= threshold_for(
            catalog, "second_opinion_score", text
        )

    counts = _alone(path, asks, "question")
    record_tier_result(group=_model_row(path, "n-gram"), language=_language(path), counts=counts)


@pytest.mark.parametrize("path", TIERED_BLIND, ids=[p.stem for p in TIERED_BLIND])
def test_crisis_model_alone_on_held_out_batches(
    catalog: Catalog, record_tier_result: Callable[..., Any], path: Path
) -> None:
    """The crisis model's own figures, held out as above: "acute" and "distress" count the
    messages it would alert on (four words or more), everyday ones are counted as alerts."""
    model = catalog.urgent_opinion
    assert model is not None

    def alerts(text: str) -> bool:
        least = threshold_for(catalog, "urgent_second_opinion_score", text)
        return acts_on(text) and model.score(text) >= least

    counts = _alone(path, alerts, "alert")
    row = _model_row(path, "crisis model")
    record_tier_result(group=row, language=_language(path), counts=counts)


@pytest.mark.parametrize("language", ["en", "uk"])
def test_on_the_batches_they_trained_on_the_models_keep_to_the_everyday_aims(
    catalog: Catalog, language: str
) -> None:
    """Over a language's trained-on batches together: the concern model alone asks about at
    most 5 % of the everyday messages, and the alerts the crisis model raises in the bot (where
    no lexicon matched and none judged the wording everyday) are at most 2 % of them."""
    model = catalog.second_opinion
    assert model is not None
    everyday = [
        item["text"]
        for path in TIERED_BLIND
        if _language(path) == language and "trained on" in _model_row(path, "")
        for item in load(path)
        if item["expect"] == "none"
    ]
    asked = [
        t
        for t in everyday
        if acts_on(t) and model.score(t) >= threshold_for(catalog, "second_opinion_score", t)
    ]
    raised = [t for t in everyday if screen(catalog, t).entry_id == CRISIS_ENTRY]
    assert len(everyday) >= 1000
    assert len(asked) <= AIMS["question"] * len(everyday), asked
    assert len(raised) <= AIMS["alert"] * len(everyday), raised


def threshold_for(catalog: Catalog, name: str, text: str) -> float:
    """The shipped threshold ``name`` for the language ``text`` is written in."""
    least = model_threshold(catalog, name, text)
    assert least is not None
    return least


def _alone(path: Path, flags: Callable[[str], bool], everyday: str) -> dict[str, int]:
    counts = dict.fromkeys(("acute", "acute_met", "distress", "distress_met"), 0)
    counts.update(everyday=0, question=0, alert=0)
    met = {"acute": "acute_met", "distress": "distress_met", "everyday": everyday}
    for item in load(path):
        key = {"crisis": "acute", "distress": "distress", "none": "everyday"}[item["expect"]]
        counts[key] += 1
        counts[met[key]] += flags(item["text"])
    return counts


def _model_row(path: Path, model: str) -> str:
    group = path.stem.split("_", 1)[0]
    seen = int(group.removeprefix("batch")) < HELD_OUT_FROM
    return f"{group} {model}{' (trained on)' if seen else ''}"


def _language(path: Path) -> str:
    return path.stem.split("_", 1)[1]


def test_near_miss_everyday_messages_are_rarely_asked(
    catalog: Catalog, record_tier_result: Callable[..., Any]
) -> None:
    """The crisis corpus's everyday messages (and batches 1–7's) are near misses written to
    look like a crisis: idioms, worries, past episodes. The direct question stays rare there:
    the lexicons alone within the aim, the bot within the trap bound (:data:`TRAPS`)."""
    paths = [CORPUS_DIR / f"{language}.yaml" for language in LANGUAGES] + BLIND
    items = [
        {"text": item["text"], "expect": "none"}
        for path in paths
        for item in load_data(path)
        if not item["crisis"]
    ]
    counts, _ = measure(catalog, items)
    record_tier_result(group="crisis corpus", language="near-miss", counts=counts)
    assert rates(counts)["question"] <= TRAPS["question"]
    lexicons, _ = measure(lexicons_only(catalog), items)
    assert rates(lexicons)["question"] <= AIMS["question"]

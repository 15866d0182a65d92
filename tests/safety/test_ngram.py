"""The learned second opinion (bot/safety/ngram.py): reproducible from the corpus, never
trained on the held-out blind batches (numbered HELD_OUT_FROM or later), scored in pure Python
as it was trained, and never a reason for an alert by itself."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from sklearn.linear_model import LogisticRegression

from bot.conversation.free_text import screen
from bot.safety.ngram import (
    CORPUS,
    HELD_OUT_FROM,
    LABELS,
    MODEL_FILE,
    NgramModel,
    features,
    training_items,
)
from bot.safety.ngram_train import describe, fitted, matrix
from bot.services import Catalog
from tests.safety.test_detector import first_check
from tests.safety.test_tiers import TIERED_BLIND


@pytest.fixture(scope="module")
def trained() -> tuple[list[str], LogisticRegression]:
    return fitted(training_items())


def test_the_shipped_model_is_what_the_corpus_trains(
    trained: tuple[list[str], LogisticRegression],
) -> None:
    shipped = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert describe(training_items(), *trained) == shipped, "retrain: python -m bot.safety.ngram"


def test_the_shipped_file_stays_small() -> None:
    assert MODEL_FILE.stat().st_size < 2_000_000


def batch_number(path: Path) -> int:
    return int(path.stem.split("_")[0].removeprefix("batch"))


def test_a_batch_is_trained_on_only_after_its_first_check() -> None:
    """Raising HELD_OUT_FROM past a batch hides its held-out figure unless it was recorded."""
    for path in TIERED_BLIND:
        if batch_number(path) < HELD_OUT_FROM:
            assert first_check(path), f"{path.name}: record its first check before training on it"


def test_the_held_out_batches_are_never_trained_on() -> None:
    """Every trained text comes from a file other than the held-out batches (a held-out text
    may still repeat one written independently for an older file)."""
    held_out = {p for p in TIERED_BLIND if batch_number(p) >= HELD_OUT_FROM}
    other_files = [p for p in CORPUS.rglob("*.yaml") if p not in held_out]
    elsewhere = {item["text"] for path in other_files for item in yaml.safe_load(path.read_text())}
    assert {text for text, _ in training_items()} <= elsewhere


def test_the_bot_scores_as_the_model_was_trained(
    trained: tuple[list[str], LogisticRegression],
) -> None:
    """The pure-Python score of the shipped (rounded, pruned) weights against scikit-learn's
    own probabilities on the same features: the scaling of each block must match training's."""
    names, fitted_model = trained
    index = {name: i for i, name in enumerate(names)}
    sample = [text for text, _ in training_items()[::50]]
    probabilities = fitted_model.predict_proba(matrix([features(t) for t in sample], index))
    none = list(fitted_model.classes_).index(LABELS.index("none"))
    model = NgramModel.load()
    for text, p in zip(sample, probabilities, strict=True):
        expected = math.log((1 - p[none]) / p[none])
        assert abs(model.score(text) - expected) < 0.05, text


def test_staff_see_the_features_that_weighed_most() -> None:
    model = NgramModel.load()
    text = "i have the pills counted out and i am saying goodbye tonight"
    top = model.top_grams(text, count=3)
    assert len(top) == 3
    chars, words = features(text)
    assert set(top) <= chars | words
    assert all(max(model.weights[feature]) > 0 for feature in top)
    assert model.top_grams("", count=3) == []


def test_it_may_ask_the_question_but_never_alerts(catalog: Catalog) -> None:
    model = catalog.second_opinion
    assert isinstance(model, NgramModel)
    least = catalog.escalation.thresholds["second_opinion_score"]
    # round 4: "nobody would even notice" is now a distress entry (en-i11e-dark)
    text = "nobody would even blink"
    assert catalog.detector.detect(text) is None and catalog.distress is not None
    assert catalog.distress.detect(text) is None
    assert model.score(text) >= least
    found = screen(catalog, text)
    assert (found.tier, found.category, found.entry_id) == ("distress", "second_opinion", "ngram")
    assert found.span  # staff see the features that weighed most
    assert screen(catalog, "we went to the park and had ice cream").tier != "distress"

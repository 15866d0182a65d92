"""The character n-gram second opinion (bot/safety/ngram.py): reproducible from the corpus,
never trained on the held-out blind batches, and never a reason for an alert by itself."""

from __future__ import annotations

import json

import yaml

from bot.conversation.free_text import screen
from bot.safety.ngram import CORPUS, HELD_OUT_FROM, MODEL_FILE, NgramModel, train, training_items
from bot.services import Catalog
from tests.safety.test_tiers import TIERED_BLIND


def test_the_shipped_model_is_what_the_corpus_trains() -> None:
    shipped = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert train(training_items()) == shipped, "retrain: python -m bot.safety.ngram"


def test_the_held_out_batches_are_never_trained_on() -> None:
    """Every trained text comes from a file other than the held-out batches (a held-out text
    may still repeat one written independently for an older file)."""
    held_out = set(TIERED_BLIND)
    assert all(int(p.stem.split("_")[0].removeprefix("batch")) >= HELD_OUT_FROM for p in held_out)
    other_files = [p for p in CORPUS.rglob("*.yaml") if p not in held_out]
    elsewhere = {item["text"] for path in other_files for item in yaml.safe_load(path.read_text())}
    assert {text for text, _ in training_items()} <= elsewhere


def test_it_may_ask_the_question_but_never_alerts(catalog: Catalog) -> None:
    model = catalog.second_opinion
    assert isinstance(model, NgramModel)
    least = catalog.escalation.thresholds["second_opinion_score"]
    text = "nobody would even notice"
    assert catalog.detector.detect(text) is None and catalog.distress is not None
    assert catalog.distress.detect(text) is None
    assert model.score(text) >= least
    found = screen(catalog, text)
    assert (found.tier, found.category, found.entry_id) == ("distress", "second_opinion", "ngram")
    assert found.span  # staff see the n-grams that weighed most
    assert screen(catalog, "we went to the park and had ice cream").tier != "distress"

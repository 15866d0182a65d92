"""The character n-gram second opinion (bot/safety/ngram.py): reproducible from the corpus,
never trained on the held-out blind batches (numbered HELD_OUT_FROM or later), and never a
reason for an alert by itself."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from bot.conversation.free_text import screen
from bot.safety.ngram import (
    CONCERN_ENTRY,
    CORPUS,
    CRISIS_ENTRY,
    CRISIS_MODEL_FILE,
    HELD_OUT_FROM,
    MIN_WORDS,
    MODEL_FILE,
    NgramModel,
    in_cyrillic,
    train,
    training_items,
)
from bot.services import Catalog
from bot.yamlsrc import load_data
from tests.safety.test_detector import first_check
from tests.safety.test_tiers import TIERED_BLIND, TRAPS, threshold_for


def test_the_shipped_model_is_what_the_corpus_trains() -> None:
    shipped = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert train(training_items()) == shipped, "retrain: python -m bot.safety.ngram"


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
    elsewhere = {item["text"] for path in other_files for item in load_data(path)}
    assert {text for text, _ in training_items()} <= elsewhere


def test_it_may_ask_the_question_but_never_alerts(catalog: Catalog) -> None:
    model = catalog.second_opinion
    assert isinstance(model, NgramModel)
    # round 4: "nobody would even notice" is now a distress entry (en-i11e-dark)
    text = "nobody would even blink"
    least = threshold_for(catalog, "second_opinion_score", text)
    assert catalog.detector.detect(text) is None and catalog.distress is not None
    assert catalog.distress.detect(text) is None
    assert model.score(text) >= least
    found = screen(catalog, text)
    assert (found.tier, found.category, found.entry_id) == ("distress", "second_opinion", "ngram")
    assert found.span  # staff see the n-grams that weighed most
    assert screen(catalog, "we went to the park and had ice cream").tier != "distress"


def test_short_typed_answers_are_not_asked_about(catalog: Catalog) -> None:
    """Answers typed at the bot's own questions are never flagged by a model: under four words
    out of its reach, the rest below the threshold. A learned candidate that beat this model on
    the blind batches once asked about every one of them (see bot/safety/ngram_train.py). ("I
    just feel so alone", once on this list, is now asked about: loneliness is distress, and
    the question is what the distress tier asks.)"""
    answers = ["no", "not sure", "half past seven", "7:45", "не знаю", "не знаю, мабуть о восьмій"]
    assert {text for text in answers if by_a_model(catalog, text)} == set()


def test_no_short_answer_of_the_tuning_corpus_is_asked_about(catalog: Catalog) -> None:
    """Every short typed answer the tuning corpus holds ("i dont know", «краще ніж вчора»): a
    few strong n-grams once carried one over the threshold, before a model needed four words."""
    answers = [
        item["text"]
        for path in sorted((CORPUS / "tiers").glob("*.yaml"))
        for item in load_data(path)
        if item.get("category") == "short_answer"
    ]
    assert len(answers) >= 80
    assert {text for text in answers if by_a_model(catalog, text)} == set()


def test_a_model_never_acts_on_fewer_than_four_words(catalog: Catalog) -> None:
    """«краще ніж вчора» and "i dont know" score above the concern threshold, and every
    message of under four words in every corpus is out of both models' reach."""
    model = catalog.second_opinion
    assert model is not None
    least = threshold_for(catalog, "second_opinion_score", "i dont know")
    assert model.score("i dont know") >= least  # else this test would show nothing
    texts = {
        item["text"]
        for path in CORPUS.rglob("*.yaml")
        for item in load_data(path)
        if len(item["text"].split()) < MIN_WORDS
    }
    assert len(texts) >= 150
    assert {text for text in texts if by_a_model(catalog, text)} == set()


def by_a_model(catalog: Catalog, text: str) -> bool:
    return screen(catalog, text).entry_id in (CONCERN_ENTRY, CRISIS_ENTRY)


# ── The crisis model: may raise an urgent alert where no lexicon words matched ──────────────

# Arranging the baby's care as if she will be gone, in words no lexicon entry holds (batch 7).
ARRANGED = "sorted out who will take the baby and gave my sister all my passwords. i'm ready now"


def test_the_shipped_crisis_model_is_what_the_corpus_trains() -> None:
    shipped = json.loads(CRISIS_MODEL_FILE.read_text(encoding="utf-8"))
    expected = train(training_items(crisis_only=True), ("crisis", "the rest"))
    assert expected == shipped, "retrain: python -m bot.safety.ngram"


def test_the_crisis_model_raises_the_crisis_tier_and_shows_her_words(catalog: Catalog) -> None:
    assert catalog.detector.detect(ARRANGED) is None and catalog.distress is not None
    assert catalog.distress.detect(ARRANGED) is None
    found = screen(catalog, ARRANGED)
    assert (found.tier, found.category, found.entry_id) == (
        "crisis",
        "second_opinion",
        CRISIS_ENTRY,
    )
    words = (found.span or "").split(", ")
    assert words and all(word in ARRANGED for word in words)  # her words, not n-grams


def test_the_crisis_model_does_not_overrule_an_idiom_the_lexicon_judged_everyday(
    catalog: Catalog,
) -> None:
    text = "I've decided this is the last bottle before bed, she'll be with her dad tonight"
    model = catalog.urgent_opinion
    assert model is not None
    assert model.score(text) >= threshold_for(catalog, "urgent_second_opinion_score", text)
    assert catalog.detector.detect(text) is None and catalog.detector.judged_benign(text)
    assert screen(catalog, text).tier not in ("crisis", "distress")


def test_everyday_messages_of_the_tuning_corpus_are_never_alerted_by_the_model(
    catalog: Catalog,
) -> None:
    """Written with the lexicons to look like a crisis (knives hidden from the toddler, sitting
    in the car in the garage), and trained on as the rest: held to the trap bound for alerts
    (tests/safety/test_tiers.py ``TRAPS``; the held-out figures are the blind batches' rows
    'crisis model' in the summary)."""
    model = catalog.urgent_opinion
    assert model is not None
    everyday = [
        item["text"]
        for path in sorted((CORPUS / "tiers").glob("*.yaml"))
        for item in load_data(path)
        if item["expect"] == "none" and len(item["text"].split()) >= MIN_WORDS
    ]
    alerted = [
        t
        for t in everyday
        if model.score(t) >= threshold_for(catalog, "urgent_second_opinion_score", t)
        and screen(catalog, t).tier == "crisis"
    ]
    assert len(everyday) >= 250
    assert len(alerted) <= TRAPS["alert"] * len(everyday), alerted


def test_an_idiom_alone_keeps_the_models_from_acting(catalog: Catalog) -> None:
    """A letter for the daughter to open when she comes of age: no crisis entry reaches it, the
    crisis model scores it as a crisis (letters are how many goodbyes read), and the lexicon
    holds it as an idiom, an everyday wording — which the models do not overrule."""
    text = "пишу листа доньці, щоб відкрила на повноліття. що туди написати?"
    model = catalog.urgent_opinion
    assert model is not None
    assert model.score(text) >= threshold_for(catalog, "urgent_second_opinion_score", text)
    assert catalog.detector.detect(text) is None
    assert catalog.detector.judged_benign(text)
    assert screen(catalog, text).tier not in ("crisis", "distress")


def test_cross_validation_leaves_out_the_paraphrases_written_after_each_batch_of_a_range() -> None:
    """A tuning section "after blind batches 15–19's first checks" paraphrases all five: left in
    while batch 17 is scored, it would flatter every candidate on 17."""
    from bot.safety.ngram_cv import paraphrases

    round_9 = paraphrases(15) - paraphrases(14)
    assert round_9
    assert all(round_9 <= paraphrases(batch) for batch in (16, 17, 18, 19))
    assert not round_9 & paraphrases(20)


def test_the_concern_threshold_is_the_one_for_the_language_she_wrote_in(catalog: Catalog) -> None:
    """Ukrainian or Russian (in Cyrillic or in Latin letters) meets ``second_opinion_score_uk``,
    English ``second_opinion_score``: each language's everyday messages are asked about at the
    same rate although the model scores them on different scales."""
    model = catalog.second_opinion
    assert model is not None
    quiet = replace(catalog, urgent_opinion=None)
    for text in ("втомилась і все якось не так", "vtomylas i vse yakos ne tak"):
        score = model.score(text)
        for uk, en, asked in ((score, score + 1, True), (score + 0.01, score - 1, False)):
            thresholds = {"second_opinion_score": en, "second_opinion_score_uk": uk}
            escalation = replace(
                catalog.escalation, thresholds={**catalog.escalation.thresholds, **thresholds}
            )
            screening = screen(replace(quiet, escalation=escalation), text)
            assert (screening.entry_id == CONCERN_ENTRY) is asked, (text, uk)
    english = "tired and everything feels a bit off"
    assert not in_cyrillic(english)
    assert in_cyrillic("мне плохо, okay?") and in_cyrillic("ya ne mozhu bilshe tak")

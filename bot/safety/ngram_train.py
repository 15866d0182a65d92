"""A learned candidate for the second opinion, compared with the shipped Naive Bayes
(bot/safety/ngram.py) by ``python -m bot.safety.ngram_cv`` and not shipped: a development-time
tool, never imported by the bot, so scikit-learn is needed only where it is run.

Logistic regression (L2-regularised, the classes weighted to count equally; crisis, distress and
none as three classes, or concern against everyday) over the character 2–5-grams of each word
and the word unigrams and bigrams (:func:`features`), each block scaled by :func:`scale`. Round
12 gave the corpus about fifty short typed answers per language ("no", "half past seven",
«не знаю»), and the cross-validation a fold of them. At the everyday-question ≤ 0.05 point of
each language (blind batches 1–12 left out in turn) it beat the Naive Bayes in Ukrainian only
(three classes, shrink 10: acute 0.82, distress 0.82 against 0.77, 0.68) and lost in English
(acute 0.82 against 0.89, distress 0.85 against 0.84), and it still asked about the
short answers held out (en 13/50, uk 5/51 there): not shipped.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from bot.safety.lexicon import matching_form
from bot.safety.normalize import cyrillic_readings

LABELS = ("crisis", "distress", "none")
SIZES = (2, 3, 4, 5)
MIN_COUNT = 2  # features seen in fewer training messages are left out
DIGITS = 3  # weights are rounded to this many decimals, as a shipped file would hold them
SMALLEST = 0.002  # and a weight smaller than this (in absolute value) is dropped


def features(text: str) -> tuple[set[str], set[str]]:
    """The character n-grams of each word (``<di``, ``die>``) and the words and word pairs
    (``[die]``, ``[to die]``) of the matching form and its first Cyrillic reading: two blocks,
    since they are scaled separately."""
    form = matching_form(text)
    chars: set[str] = set()
    words: set[str] = set()
    for reading in [form, *cyrillic_readings(form)[:1]]:
        tokens = reading.split()
        for word in set(tokens):  # a long message repeats its words: each once
            padded = f"<{word}>"
            for size in SIZES:
                chars.update(padded[i : i + size] for i in range(len(padded) - size + 1))
        words.update(f"[{word}]" for word in tokens)
        words.update(f"[{a} {b}]" for a, b in pairwise(tokens))
    return chars, words


def scale(size: int, shrink: float) -> float:
    """The value of each feature of a block of ``size`` features (every feature of the message
    counted, weighed or not): one over the square root of the size plus ``shrink``, so a long
    message does not win by length alone, nor (the hope) a short one by a few features."""
    return 1 / math.sqrt(size + shrink) if size else 0.0


def fit(
    items: Sequence[tuple[str, str]],
    c: float,
    three_class: bool = True,
    words: bool = True,
    shrink: float = 0.0,
) -> dict[str, object]:
    """The model's weights, rounded and pruned. Three classes (multinomial, so distress keeps
    words of its own rather than being averaged into crisis) are kept as each concern class's
    log-odds against none, two numbers per feature (softmax is unchanged by adding one number to
    every class's weight of a feature); with ``three_class`` false, one head of concern against
    everyday; with ``words`` false, character n-grams alone."""
    extracted = [features(text) for text, _ in items]
    if not words:
        extracted = [(chars, set()) for chars, _ in extracted]
    counts: Counter[str] = Counter()
    for chars, found in extracted:
        counts.update(chars | found)
    names = sorted(f for f, n in counts.items() if n >= MIN_COUNT)
    x = _matrix(extracted, {name: i for i, name in enumerate(names)}, shrink)
    if three_class:
        y = np.array([LABELS.index(label) for _, label in items])
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000).fit(x, y)
        none = LABELS.index("none")
        concern = [LABELS.index("crisis"), LABELS.index("distress")]
        bias = model.intercept_[concern] - model.intercept_[none]
        return {
            "shrink": shrink,
            "bias": [round(float(b), DIGITS) for b in bias],
            "weights": _kept(names, (model.coef_[concern] - model.coef_[none]).T.tolist()),
        }
    y = np.array([label != "none" for _, label in items], dtype=int)
    # The dual solver, for far more features than messages; seeded, so a retraining repeats.
    model = LogisticRegression(
        C=c,
        class_weight="balanced",
        solver="liblinear",
        dual=True,
        tol=1e-6,
        max_iter=20000,
        random_state=0,
    ).fit(x, y)
    return {
        "shrink": shrink,
        "bias": round(float(model.intercept_[0]), DIGITS),
        "weights": _kept(names, [[w] for w in model.coef_[0].tolist()]),
    }


def score(model: dict[str, object], text: str) -> float:
    """Log-odds of concern, in pure Python from the pruned weights, as the bot would score it;
    three classes: log(e^crisis + e^distress) of the two log-odds against none."""
    weights, bias, shrink = model["weights"], model["bias"], model["shrink"]
    assert isinstance(weights, dict) and isinstance(shrink, float)
    assert isinstance(bias, list | float)
    heads: list[float] = [float(b) for b in bias] if isinstance(bias, list) else [bias]
    for block in features(text):
        value = scale(len(block), shrink)
        for feature in block:
            weight = weights.get(feature)
            if weight is not None:
                for k, w in enumerate(weight if isinstance(weight, list) else [weight]):
                    heads[k] += w * value
    if len(heads) == 1:
        return heads[0]
    high, low = max(heads), min(heads)
    return high + math.log1p(math.exp(low - high))


def _matrix(
    extracted: Sequence[tuple[set[str], set[str]]], index: dict[str, int], shrink: float
) -> csr_matrix:
    rows, cols, values = [], [], []
    for row, blocks in enumerate(extracted):
        for block in blocks:
            value = scale(len(block), shrink)
            for feature in block:
                column = index.get(feature)
                if column is not None:
                    rows.append(row)
                    cols.append(column)
                    values.append(value)
    return csr_matrix((values, (rows, cols)), shape=(len(extracted), len(index)))


def _kept(names: list[str], rows: list[list[float]]) -> dict[str, object]:
    kept: dict[str, object] = {}
    for name, row in zip(names, rows, strict=True):
        rounded = [round(w, DIGITS) for w in row]
        if max(abs(w) for w in rounded) >= SMALLEST:
            kept[name] = rounded[0] if len(rounded) == 1 else rounded
    return kept

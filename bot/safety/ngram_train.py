"""Training the second opinion (bot/safety/ngram.py): a development-time tool, never imported by
the bot, so scikit-learn is needed only where the model is retrained or its test runs.

Logistic regression (L2-regularised, the classes weighted to count equally; crisis, distress and
none) over the features of :func:`bot.safety.ngram.features`, each block scaled as
:meth:`NgramModel.score` scales it. The shipped file keeps the weights of the features seen in
at least :data:`MIN_COUNT` training messages, rounded, and drops those too small to move a
score: the bot scores in pure Python.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from bot.safety.ngram import LABELS, features

MIN_COUNT = 2  # features seen in fewer training messages are left out
# Inverse regularisation strength, chosen by cross-validation on the training data
# (python -m bot.safety.ngram_cv).
C = 16.0
DIGITS = 3  # weights are rounded to this many decimals in the shipped file
SMALLEST = 0.002  # and a weight smaller than this (in absolute value) is dropped


def train(items: Sequence[tuple[str, str]]) -> dict[str, object]:
    """The shipped file's contents (``python -m bot.safety.ngram`` writes them)."""
    return describe(items, *fitted(items))


def describe(
    items: Sequence[tuple[str, str]], names: list[str], model: LogisticRegression
) -> dict[str, object]:
    return {
        "about": "bot/safety/ngram.py: logistic-regression weights of concern; retrain with "
        "python -m bot.safety.ngram",
        "trained_on": len(items),
        **weights_of(names, model),
    }


def vocabulary(extracted: Sequence[tuple[set[str], set[str]]]) -> list[str]:
    counts: Counter[str] = Counter()
    for chars, words in extracted:
        counts.update(chars)
        counts.update(words)
    return sorted(f for f, n in counts.items() if n >= MIN_COUNT)


def matrix(extracted: Sequence[tuple[set[str], set[str]]], index: dict[str, int]) -> csr_matrix:
    """Each block (character n-grams, words) divided by the square root of its size, counting
    every feature of the message, kept or not (as the bot does: pruning must not rescale)."""
    rows, cols, values = [], [], []
    for row, (chars, words) in enumerate(extracted):
        for block in (chars, words):
            if not block:
                continue
            value = 1 / math.sqrt(len(block))
            for feature in block:
                column = index.get(feature)
                if column is not None:
                    rows.append(row)
                    cols.append(column)
                    values.append(value)
    return csr_matrix((values, (rows, cols)), shape=(len(extracted), len(index)))


def fit(
    items: Sequence[tuple[str, str]], c: float = C, three_class: bool = True, words: bool = True
) -> dict[str, object]:
    """The model's weights (see :func:`fitted` and :func:`weights_of`)."""
    return weights_of(*fitted(items, c, three_class, words))


def fitted(
    items: Sequence[tuple[str, str]], c: float = C, three_class: bool = True, words: bool = True
) -> tuple[list[str], LogisticRegression]:
    """The features kept and the fitted model. Three classes (crisis, distress, none:
    multinomial, so distress keeps words of its own rather than being averaged into crisis);
    with ``three_class`` false, one head of concern against everyday, and with ``words`` false,
    character n-grams alone (the candidates they were compared with by cross-validation)."""
    extracted = [features(text) for text, _ in items]
    if not words:
        extracted = [(chars, set()) for chars, _ in extracted]
    names = vocabulary(extracted)
    x = matrix(extracted, {name: i for i, name in enumerate(names)})
    if three_class:
        y = np.array([LABELS.index(label) for _, label in items])
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
    else:
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
        )
    return names, model.fit(x, y)


def weights_of(names: list[str], model: LogisticRegression) -> dict[str, object]:
    """Three classes: each concern class's log-odds against none (softmax is unchanged by
    adding one number to every class's weight of a feature), two numbers per feature."""
    if len(model.classes_) == 2:
        return {
            "bias": round(float(model.intercept_[0]), DIGITS),
            "weights": _kept(names, [[w] for w in model.coef_[0].tolist()]),
        }
    none = LABELS.index("none")
    concern = [LABELS.index("crisis"), LABELS.index("distress")]
    bias = model.intercept_[concern] - model.intercept_[none]
    weights = model.coef_[concern] - model.coef_[none]
    return {
        "classes": ["crisis", "distress"],
        "bias": [round(float(b), DIGITS) for b in bias],
        "weights": _kept(names, weights.T.tolist()),
    }


def _kept(names: list[str], rows: list[list[float]]) -> dict[str, object]:
    kept: dict[str, object] = {}
    for name, row in zip(names, rows, strict=True):
        rounded = [round(w, DIGITS) for w in row]
        if max(abs(w) for w in rounded) >= SMALLEST:
            kept[name] = rounded[0] if len(rounded) == 1 else rounded
    return kept

"""A second opinion where the lexicons cannot generalise: a learned model of concern.

Logistic regression (crisis, distress, none) over the character 2–5-grams of each word (``<``
and ``>`` mark its edges) and the word unigrams and bigrams, all taken from the detector's
matching form and its first Cyrillic reading when she typed Ukrainian or Russian in Latin
letters. It is trained on the labelled corpus (crisis, distress and everyday messages) by
:mod:`bot.safety.ngram_train`, shipped as a file of per-feature weights (``ngram_model.json``)
and retrained with ``python -m bot.safety.ngram``; scoring here is pure Python.

It never raises an alert by itself. A message that no lexicon matched but that the model scores
at or above ``second_opinion_score`` (content/escalation.yaml) gets the distress tier: an
acknowledgement and the direct safety question. Only her answer can make it urgent, and staff
then see the features that weighed most (:meth:`NgramModel.top_grams`). Held-out figures: the
training data never includes a blind batch numbered :data:`HELD_OUT_FROM` or later, so a new
batch is measured before the model has seen it; once a batch's first check is recorded it is
trained on. ``tests/safety/test_tiers.py`` prints what the second opinion adds on each batch,
marking the ones it trained on. How the model was chosen (cross-validation on the training data
alone): ``python -m bot.safety.ngram_cv``.

Each block of features (character n-grams, words) counts divided by the square root of its
size, so a long message does not win by length alone. The classes are weighted to count
equally: how many concern and everyday messages the corpus holds is set by how its files were
written, not by how often mothers write either. ``second_opinion_score`` alone sets how readily
it asks.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import yaml

from bot.safety.lexicon import matching_form
from bot.safety.normalize import cyrillic_readings

MODEL_FILE = Path(__file__).with_name("ngram_model.json")
ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "safety" / "corpus"
# Blind batches numbered from here on are never trained on. Raise it only after a batch's first
# check is recorded in its header (batches 8, 9 and 10: 2026-12-04), never before.
HELD_OUT_FROM = 12
LABELS = ("crisis", "distress", "none")
_SIZES = (2, 3, 4, 5)


def features(text: str) -> tuple[set[str], set[str]]:
    """The character n-grams of each word (``<di``, ``die>``) and the words and word pairs
    (``[die]``, ``[to die]``): two blocks, since they are scaled separately."""
    form = matching_form(text)
    chars: set[str] = set()
    words: set[str] = set()
    for reading in [form, *cyrillic_readings(form)[:1]]:
        tokens = reading.split()
        for word in set(tokens):  # a long message repeats its words: each once
            padded = f"<{word}>"
            for size in _SIZES:
                chars.update(padded[i : i + size] for i in range(len(padded) - size + 1))
        words.update(f"[{word}]" for word in tokens)
        words.update(f"[{a} {b}]" for a, b in pairwise(tokens))
    return chars, words


@dataclass(frozen=True)
class NgramModel:
    """Each concern class's log-odds against everyday, as a bias and a weight per feature:
    ``bias[k] + Σ weight[k] · value``, for crisis (k = 0) and distress (k = 1)."""

    bias: tuple[float, float]
    weights: dict[str, tuple[float, float]]

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> NgramModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        crisis, distress = data["bias"]
        weights = {k: (float(c), float(d)) for k, (c, d) in data["weights"].items()}
        return cls((float(crisis), float(distress)), weights)

    def score(self, text: str) -> float:
        """Log-odds of concern: crisis or distress, against everyday."""
        crisis, distress = self.bias
        weights = self.weights
        for block in features(text):
            block_crisis = block_distress = 0.0
            for feature in block:
                weight = weights.get(feature)
                if weight is not None:
                    block_crisis += weight[0]
                    block_distress += weight[1]
            if block:
                crisis += block_crisis / math.sqrt(len(block))
                distress += block_distress / math.sqrt(len(block))
        return _log_add(crisis, distress)

    def top_grams(self, text: str, count: int = 5) -> list[str]:
        """The features of ``text`` that weighed most towards concern (shown to staff): each
        one's pull on :meth:`score`, its two weights mixed as the two classes share the
        concern in this message."""
        values = self._values(text)
        crisis, distress = self._log_odds(values)
        share = 1 / (1 + math.exp(min(distress - crisis, 700.0)))  # crisis's part of concern
        pull = {
            f: value * (share * self.weights[f][0] + (1 - share) * self.weights[f][1])
            for f, value in values.items()
        }
        ranked = sorted((f for f in pull if pull[f] > 0), key=lambda f: (-pull[f], f))
        return ranked[:count]

    def _values(self, text: str) -> dict[str, float]:
        """The message's features that the model weighs, each with its value: one over the
        square root of its block's size (every feature counted, weighed or not)."""
        found: dict[str, float] = {}
        for block in features(text):
            value = 1 / math.sqrt(len(block)) if block else 0.0
            found.update((f, value) for f in block if f in self.weights)
        return found

    def _log_odds(self, values: dict[str, float]) -> tuple[float, float]:
        crisis, distress = self.bias
        for feature, value in values.items():
            weight = self.weights[feature]
            crisis += weight[0] * value
            distress += weight[1] * value
        return crisis, distress


def _log_add(a: float, b: float) -> float:
    """log(eᵃ + eᵇ), without overflow."""
    high, low = max(a, b), min(a, b)
    return high + math.log1p(math.exp(low - high))


def training_items() -> list[tuple[str, str]]:
    """Every trained message with its label (:data:`LABELS`); see :func:`labelled_sources`."""
    return [item for _, items in labelled_sources() for item in items]


def labelled_sources() -> list[tuple[str, list[tuple[str, str]]]]:
    """The training data by file: the crisis corpora, the blind batches before
    :data:`HELD_OUT_FROM` (crisis-only 1–7, tiered from 8 on) and the tier tuning files."""
    sources = []
    for path in sorted(CORPUS.glob("*.yaml")):
        sources.append((path.stem, _labelled(path)))
    for path in sorted((CORPUS / "blind").glob("batch*_*.yaml")):
        if int(path.stem.split("_")[0].removeprefix("batch")) < HELD_OUT_FROM:
            sources.append((path.stem, _labelled(path)))
    for path in sorted((CORPUS / "tiers").glob("*.yaml")):
        sources.append((f"tiers_{path.stem}", _labelled(path)))
    return sources


def _labelled(path: Path) -> list[tuple[str, str]]:
    """``expect`` in the tiered files; ``crisis: true | false`` (crisis or none) before them."""
    items = yaml.safe_load(path.read_text("utf-8"))
    return [
        (i["text"], str(i["expect"]) if "expect" in i else "crisis" if i["crisis"] else "none")
        for i in items
    ]


if __name__ == "__main__":
    from bot.safety.ngram_train import train

    model = train(training_items())
    MODEL_FILE.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{MODEL_FILE}: {len(model['weights'])} features from {model['trained_on']} messages")  # type: ignore[arg-type]

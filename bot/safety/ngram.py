"""A second opinion where the lexicons cannot generalise: a character n-gram model.

Naive Bayes over the character 3–5-grams of each word (in the detector's matching form, and its
first Cyrillic reading when she typed Ukrainian or Russian in Latin letters), trained on the
labelled corpus: crisis and distress messages against everyday ones. It is shipped as a small
file of per-n-gram log-odds (``ngram_model.json``) and retrained with
``python -m bot.safety.ngram``.

It never raises an alert by itself. A message that no lexicon matched but that the model scores
at or above ``second_opinion_score`` (content/escalation.yaml) gets the distress tier: an
acknowledgement and the direct safety question. Only her answer can make it urgent, and staff
then see the n-grams that weighed most (:meth:`NgramModel.top_grams`). Held-out figures: the
training data never includes a blind batch numbered :data:`HELD_OUT_FROM` or later, so a new
batch is measured before the model has seen it; once a batch's first check is recorded it is
trained on (batches 8, 9 and 10 since 2026-12-04). ``tests/safety/test_tiers.py`` prints what the
second opinion adds on each batch, marking the ones it trained on.

The two classes count equally (the prior is 0): how many concern and everyday messages the
corpus holds is set by how its files were written (the tiered batches hold about two concern
messages for each everyday one), not by how often mothers write either, so the corpus's ratio
would only move the threshold. ``second_opinion_score`` alone sets how readily it asks.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.safety.lexicon import matching_form
from bot.safety.normalize import cyrillic_readings

MODEL_FILE = Path(__file__).with_name("ngram_model.json")
ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "safety" / "corpus"
# Blind batches numbered from here on are never trained on. Raise it only after a batch's first
# check is recorded in its header (batches 8 to 13: 2026-12-04), never before.
HELD_OUT_FROM = 14
_SIZES = (3, 4, 5)
_MIN_COUNT = 2  # n-grams seen fewer times in the training data are left out of the file
# Evidence a message's n-grams must outweigh: a few strong n-grams in a short typed answer
# ("half past seven", "i dont know", «краще ніж вчора») are weak evidence, so the sum is scaled
# by the square root of the n-grams counted plus this many (about thirty words' worth). Chosen
# with the threshold by ``python -m bot.safety.ngram_cv``, which holds the short answers of the
# tuning corpus out as a fold of their own: at 40 the model asked about one in six of them.
SHRINK = 160.0


def grams(text: str) -> set[str]:
    """The character n-grams of each word, with ``<`` and ``>`` marking word edges."""
    form = matching_form(text)
    found: set[str] = set()
    for reading in [form, *cyrillic_readings(form)[:1]]:
        for word in set(reading.split()):  # a long message repeats its words: each once
            padded = f"<{word}>"
            for size in _SIZES:
                found.update(padded[i : i + size] for i in range(len(padded) - size + 1))
    return found


@dataclass(frozen=True)
class NgramModel:
    prior: float
    weights: dict[str, float]
    shrink: float = SHRINK

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> NgramModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(float(data["prior"]), {k: float(v) for k, v in data["weights"].items()})

    def score(self, text: str) -> float:
        """Log-odds of concern, scaled by the square root of the n-grams counted (plus
        :attr:`shrink`), so a long message does not win by length alone, nor a short one by a
        few strong n-grams."""
        found = [self.weights[g] for g in grams(text) if g in self.weights]
        return self.prior + sum(found) / math.sqrt(len(found) + self.shrink)

    def top_grams(self, text: str, count: int = 5) -> list[str]:
        """The n-grams of ``text`` that weighed most towards concern (shown to staff)."""
        weights = self.weights
        ranked = sorted((g for g in grams(text) if weights.get(g, 0) > 0), key=lambda g: weights[g])
        return ranked[::-1][:count]


def training_items() -> list[tuple[str, bool]]:
    """The tuning corpus, the blind batches before :data:`HELD_OUT_FROM` (crisis-only 1–7,
    tiered from 8 on: crisis and distress against everyday) and the tier tuning files."""
    items = []
    for path in sorted(CORPUS.glob("*.yaml")):
        items += [(i["text"], bool(i["crisis"])) for i in yaml.safe_load(path.read_text("utf-8"))]
    for path in sorted((CORPUS / "blind").glob("batch*_*.yaml")):
        if int(path.stem.split("_")[0].removeprefix("batch")) >= HELD_OUT_FROM:
            continue
        data = yaml.safe_load(path.read_text("utf-8"))
        items += [(i["text"], _concern(i)) for i in data]
    for path in sorted((CORPUS / "tiers").glob("*.yaml")):
        data = yaml.safe_load(path.read_text("utf-8"))
        items += [(i["text"], i["expect"] != "none") for i in data]
    return items


def _concern(item: dict[str, object]) -> bool:
    """A labelled message is a concern: ``crisis: true`` (batches 1–7) or ``expect`` other than
    ``none`` (the tiered batches)."""
    if "expect" in item:
        return item["expect"] != "none"
    return bool(item["crisis"])


def train(items: list[tuple[str, bool]]) -> dict[str, object]:
    """Naive Bayes (n-gram presence per message, add-one smoothing) as per-n-gram log-odds, the
    two classes counting equally (see the module's docstring)."""
    counts: tuple[Counter[str], Counter[str]] = (Counter(), Counter())
    docs = [0, 0]
    for text, concern in items:
        docs[concern] += 1
        counts[concern].update(grams(text))
    vocabulary = [
        g for g in set(counts[0]) | set(counts[1]) if counts[0][g] + counts[1][g] >= _MIN_COUNT
    ]
    totals = [sum(counts[0].values()), sum(counts[1].values())]
    size = len(vocabulary)
    weights = {
        g: round(
            math.log((counts[1][g] + 1) / (totals[1] + size))
            - math.log((counts[0][g] + 1) / (totals[0] + size)),
            2,
        )
        for g in vocabulary
    }
    return {
        "about": "bot/safety/ngram.py: character n-gram log-odds of concern; retrain with "
        "python -m bot.safety.ngram",
        "trained_on": len(items),
        "prior": 0.0,  # the classes count equally
        "messages": {"concern": docs[1], "everyday": docs[0]},
        "weights": {g: w for g, w in sorted(weights.items()) if w != 0},
    }


if __name__ == "__main__":
    model = train(training_items())
    MODEL_FILE.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{MODEL_FILE}: {len(model['weights'])} n-grams from {model['trained_on']} messages")  # type: ignore[arg-type]

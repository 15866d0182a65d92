"""How the second opinion was chosen: cross-validation on the training data alone.

Leave one blind batch out (every language of it at once), train each candidate on all the rest
(the tuning corpora always among them), and score the batch left out; the tuning corpora's short
typed answers ("no", "half past seven", «не знаю») are left out the same way, as a fold of their
own, since no blind batch holds many. Pooling those out-of-fold scores, each candidate gets the
threshold at which it would ask about at most 5 % of the tiered batches' everyday messages (the
issue's aim) and 2 % of the short answers, and is compared there: how many acute
and distress messages it would ask about on its own, and — with the lexicons in front of it, as
:func:`bot.conversation.free_text.screen` runs it — how many the bot would meet. The lexicons
were tuned on these batches, so the combined figures flatter every candidate alike; the
candidates' own figures are the comparison. The held-out batches (:data:`HELD_OUT_FROM` on) are
never read. Run: ``python -m bot.safety.ngram_cv`` (a few minutes).

``python -m bot.safety.ngram_cv --urgent`` does the same for the crisis model (crisis against
the rest), which may raise an urgent alert: its threshold is the lowest score at which at most
:data:`URGENT_AIM` of the tiered batches' everyday messages and of the crisis corpora's near
misses (batches 1–7 and the tuning files' everyday messages, written to look like a crisis)
would be alerted about — counting only messages of at least ``MIN_WORDS`` words, the only ones
it may act on — one threshold for each script, as for the question (:class:`Cut`). Pooled over
both (round 17, batches 1–41 out of fold) it alerted on 1.1 % of the Ukrainian everyday
messages and 0.4 % of the English ones; one per script holds each to 1 % and moves about a
point of acute recall from Ukrainian (0.961 → 0.950) to English (0.949 → 0.958).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.safety import ngram
from bot.safety.ngram import CORPUS, HELD_OUT_FROM
from bot.safety.ngram_train import fit, score
from bot.yamlsrc import load_data

QUESTION_AIM = 0.05
# The shipped threshold's point: the aim is per batch of about fifty everyday messages, where a
# pooled 0.05 would be passed about as often as not; 0.03 keeps a binomial standard error of margin.
SHIPPED_AIM = 0.03
SHORT = "short"  # the fold of the tuning corpora's short typed answers (category short_answer)
# Short answers ("no", "half past seven") must never get the question: they are held to the
# issue's strictest aim (an everyday alert, 0.02) rather than to the question's.
SHORT_AIM = 0.02
# An urgent alert on an everyday message costs a nurse a call and frightens a mother: the issue
# allows 0.02 per batch of about fifty; pooled out of fold, 0.01 keeps the margin.
URGENT_AIM = 0.01
_BLIND = re.compile(r"blind batch(?:es)? (\d+)(?:(?: and |[–-])(\d+))?")
Items = Sequence[tuple[str, str]]
Scorer = Callable[[Items, Items], list[float]]  # (train, test) → a score per test message


def naive_bayes(train: Items, test: Items, shrink: float = ngram.SHRINK) -> list[float]:
    """The shipped model (bot/safety/ngram.py), trained as it is shipped."""
    trained = ngram.train([(text, label != "none") for text, label in train])
    prior, weights = trained["prior"], trained["weights"]
    assert isinstance(prior, float) and isinstance(weights, dict)
    model = ngram.NgramModel(prior, weights, shrink)
    return [model.score(text) if ngram.acts_on(text) else -math.inf for text, _ in test]


def naive_bayes_shrink(shrink: float) -> Scorer:
    def scores(train: Items, test: Items) -> list[float]:
        return naive_bayes(train, test, shrink)

    return scores


def logistic(c: float, three_class: bool = True, words: bool = True, shrink: float = 0.0) -> Scorer:
    def scores(train: Items, test: Items) -> list[float]:
        model = fit(train, c, three_class, words, shrink)
        return [score(model, text) for text, _ in test]

    return scores


def candidates() -> dict[str, Scorer]:
    found: dict[str, Scorer] = {"naive Bayes (shipped)": naive_bayes}
    found["naive Bayes, shrink 40 (shipped until round 12)"] = naive_bayes_shrink(40.0)
    for c in (4.0, 16.0, 64.0):
        found[f"logistic, two classes, C={c:g}"] = logistic(c, three_class=False)
    found["logistic, two classes, character n-grams only, C=16"] = logistic(
        16.0, three_class=False, words=False
    )
    found["logistic, three classes, C=16"] = logistic(16.0)
    for shrink in (10.0, 40.0):
        found[f"logistic, three classes, C=16, shrink {shrink:g}"] = logistic(16.0, shrink=shrink)
    return found


def labelled_sources() -> list[tuple[str, list[tuple[str, str]]]]:
    """The shipped model's training data (:func:`bot.safety.ngram.training_items`) by file,
    each message labelled crisis, distress or none; a tuning file's short answers apart."""
    sources = [(path.stem, _labelled(path)) for path in sorted(CORPUS.glob("*.yaml"))]
    for path in sorted((CORPUS / "blind").glob("batch*_*.yaml")):
        if int(path.stem.split("_")[0].removeprefix("batch")) < HELD_OUT_FROM:
            sources.append((path.stem, _labelled(path)))
    for path in sorted((CORPUS / "tiers").glob("*.yaml")):
        items = load_data(path)
        pairs = list(zip(_labels(items), items, strict=True))
        short = [x for x, i in pairs if i.get("category") == "short_answer"]
        sources.append((f"tiers_{path.stem}", [x for x, _ in pairs if x not in short]))
        sources.append((f"{SHORT}_{path.stem}", short))
    return sources


def _labelled(path: Path) -> list[tuple[str, str]]:
    return _labels(load_data(path))


def _labels(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """``expect`` in the tiered files; ``crisis: true | false`` (crisis or none) before them."""
    return [
        (i["text"], str(i["expect"]) if "expect" in i else "crisis" if i["crisis"] else "none")
        for i in items
    ]


@dataclass
class Scored:
    source: str  # batchN_lang
    label: str
    score: float
    lexicon: str  # the lexicons' tier for it: crisis | distress | judged_benign | none
    cyrillic: bool = False  # written in Ukrainian or Russian (ngram.in_cyrillic)


def out_of_fold(scorer: Scorer, lexicon_tiers: dict[str, str]) -> list[Scored]:
    """Each blind batch scored by a model trained without it, without the same texts in other
    files, and without the tuning sections written as paraphrases of it after its first check
    (left in, they would flatter every candidate); the short answers likewise."""
    sources = labelled_sources()
    batches = sorted({int(n.split("_")[0][5:]) for n, _ in sources if n.startswith("batch")})
    scored = []
    for fold in [f"batch{batch}" for batch in batches] + [SHORT]:
        left_out = [(n, i) for n, i in sources if n.split("_")[0] == fold]
        unseen = {text for _, i in left_out for text, _ in i}
        if fold != SHORT:
            unseen |= paraphrases(int(fold.removeprefix("batch")))
        train = [
            item
            for n, i in sources
            if (n, i) not in left_out
            for item in i
            if item[0] not in unseen
        ]
        test = [(n, item) for n, i in left_out for item in i]
        scores = scorer(train, [item for _, item in test])
        scored += [
            Scored(n, label, s, lexicon_tiers[text], ngram.in_cyrillic(text))
            for (n, (text, label)), s in zip(test, scores, strict=True)
        ]
    return scored


def paraphrases(batch: int) -> set[str]:
    """The tuning corpora's texts in sections headed as written after (or for) that blind
    batch ("after blind batch 9's first check", "with blind batches 4 and 5", "after blind
    batches 15–19's first checks"); a section heading with a rule line (``# ──``) and no such
    note ends one."""
    found: set[str] = set()
    for path in sorted(CORPUS.glob("*.yaml")) + sorted((CORPUS / "tiers").glob("*.yaml")):
        tagged: set[int] = set()
        for line in path.read_text("utf-8").splitlines():
            if line.startswith("#"):
                numbers = _BLIND.search(line)
                if numbers:
                    tagged = _named(numbers)
                elif line.startswith("# ──"):
                    tagged = set()
            elif batch in tagged and line.startswith("- {text:"):
                found.add(yaml.safe_load(line)[0]["text"])
    return found


def _named(numbers: re.Match[str]) -> set[int]:
    """The batches a heading names: one, two ("4 and 5") or a range ("15–19")."""
    first, last = numbers.groups()
    if last is None:
        return {int(first)}
    if " and " in numbers.group(0):
        return {int(first), int(last)}
    return set(range(int(first), int(last) + 1))


@dataclass(frozen=True)
class Cut:
    """A model's thresholds: one for text in Latin letters, one for Ukrainian or Russian
    (Cyrillic, or Latin letters that read as them). The models score the two on different
    scales (the concern model lower on Ukrainian: at one threshold it asked about 3 % of the
    English everyday messages but 1 % of the Ukrainian ones, and missed Ukrainian distress it
    could have met at the same rate), so each language is held to the same everyday rate."""

    latin: float
    cyrillic: float

    @classmethod
    def given(cls) -> list[Cut]:
        """The thresholds asked for: ``--at=T`` (both scripts) or ``--at=T,U`` (Latin,
        Cyrillic), each adding its figures to the report."""
        found = []
        for arg in sys.argv[1:]:
            if arg.startswith("--at="):
                values = [float(t) for t in arg.removeprefix("--at=").split(",")]
                found.append(cls(values[0], values[-1]))
        return found

    def asks(self, s: Scored) -> bool:
        return s.score >= (self.cyrillic if s.cyrillic else self.latin)

    def __str__(self) -> str:
        return f"{self.latin:.3f} (Latin), {self.cyrillic:.3f} (Cyrillic)"


def threshold(scored: list[Scored], aim: float) -> Cut:
    """For each script, the lowest threshold at which at most ``aim`` of the tiered batches'
    everyday messages written in it, and at most :data:`SHORT_AIM` of the short answers, would
    be asked about by the model alone."""
    short = [s.score for s in scored if _short(s)]
    floor = _lowest(short, SHORT_AIM) if short else -math.inf
    everyday = [s for s in scored if _tiered(s) and s.label == "none"]
    latin, cyrillic = (
        max(floor, _lowest([s.score for s in everyday if s.cyrillic == script], aim))
        for script in (False, True)
    )
    return Cut(latin, cyrillic)


def _lowest(scores: list[float], aim: float) -> float:
    ranked = sorted(scores, reverse=True)
    return math.nextafter(ranked[int(aim * len(ranked))], math.inf)


def _short(s: Scored) -> bool:
    return s.source.startswith(SHORT)


def _tiered(s: Scored) -> bool:
    return not _short(s) and int(s.source.split("_")[0][5:]) >= 8


def report(name: str, scored: list[Scored]) -> None:
    """At the aim (candidates compared there) and at :data:`SHIPPED_AIM`."""
    for aim in (QUESTION_AIM, SHIPPED_AIM):
        least = threshold(scored, aim)
        print(f"\n{name}, everyday question ≤ {aim:.2f} out of fold: thresholds {least}")
        _print_rates(scored, least)
    for least in Cut.given():
        print(f"\n{name}, at thresholds {least}")
        _print_rates(scored, least)


def _print_rates(scored: list[Scored], least: Cut) -> None:
    for language in ("en", "uk", "ru", ""):
        for tiered in (True, False):
            group = [
                s
                for s in scored
                if s.source.endswith(language) and not _short(s) and _tiered(s) == tiered
            ]
            if group:
                batches = f"batches 8–{HELD_OUT_FROM - 1}" if tiered else "batches 1–7 "
                print(f"  {batches} {language or 'all'}: {_rates(group, least)}")
        short = [s for s in scored if _short(s) and s.source.endswith(language)]
        if short:
            asked = sum(map(least.asks, short))
            print(f"  short answers {language or 'all'}: model asks {asked}/{len(short)}")


def _rates(group: list[Scored], least: Cut) -> str:
    asked = least.asks

    def met(s: Scored) -> bool:  # the bot: a lexicon tier, or the model where none matched
        return s.lexicon in ("crisis", "distress") or (s.lexicon == "none" and asked(s))

    parts = []
    for label, word in (("crisis", "acute"), ("distress", "distress"), ("none", "everyday")):
        items = [s for s in group if s.label == label]
        if not items:
            continue
        alone = sum(map(asked, items)) / len(items)
        bot = sum(map(met, items)) / len(items)
        parts.append(f"{word} ({len(items)}) model {alone:.2f} bot {bot:.2f}")
    return "; ".join(parts)


def lexicon_tiers() -> dict[str, str]:
    from bot.config import Config
    from bot.conversation.free_text import judged_benign, lexicons_only, screen
    from bot.runtime import load_catalog
    from bot.safety.ngram import ROOT

    catalog = load_catalog(Config(dialogs_dir=ROOT / "dialogs", content_dir=ROOT / "content"))
    bare = lexicons_only(catalog)
    tiers = {}
    for _, items in labelled_sources():
        for text, _ in items:
            tier = screen(bare, text).tier
            benign = judged_benign(bare, text)
            tiers[text] = (
                tier if tier in ("crisis", "distress") else "judged_benign" if benign else "none"
            )
    return tiers


def crisis_naive_bayes(train: Items, test: Items) -> list[float]:
    """The shipped crisis model, trained as it is shipped (the near misses among the training
    messages counted twice); a message too short for it to alert on scores minus infinity."""
    near = set(ngram.near_misses())
    items = [(text, label == "crisis") for text, label in train]
    trained = ngram.train(items + [(text, False) for text, _ in train if text in near])
    weights = trained["weights"]
    assert isinstance(weights, dict)
    model = ngram.NgramModel(0.0, weights)
    return [model.score(text) if ngram.acts_on(text) else -math.inf for text, _ in test]


def report_urgent(scored: list[Scored]) -> None:
    """The lowest thresholds at which at most :data:`URGENT_AIM` of each script's tiered
    everyday messages, and of its near misses, would be alerted about; the figures there."""
    chosen = Cut(*(_urgent_threshold(scored, script) for script in (False, True)))
    print(f"crisis model, everyday and near misses alerted ≤ {URGENT_AIM}: thresholds {chosen}")
    for least in [chosen, *Cut.given()]:
        print(f"\nat {least}")
        for language in ("en", "uk", "ru"):
            for tiered, name in ((True, f"batches 8–{HELD_OUT_FROM - 1}"), (False, "the rest")):
                group = [s for s in scored if s.source.endswith(language) and _tiered(s) == tiered]
                parts = []
                for label in ("crisis", "distress", "none"):
                    items = [s for s in group if s.label == label]
                    if items:
                        alerted = sum(map(least.asks, items))
                        missed = [s for s in items if s.lexicon != "crisis"]
                        added = sum(map(least.asks, missed))
                        parts.append(
                            f"{label} alerted {alerted}/{len(items)} "
                            f"(lexicon missed {len(missed)}, model alerts {added})"
                        )
                if parts:
                    print(f"  {name} {language}: " + "; ".join(parts))


def _urgent_threshold(scored: list[Scored], cyrillic: bool) -> float:
    return max(
        _lowest(
            [
                s.score
                for s in scored
                if s.label == "none" and s.cyrillic == cyrillic and _tiered(s) == tiered
            ],
            URGENT_AIM,
        )
        for tiered in (True, False)
    )


if __name__ == "__main__" and "--urgent" in sys.argv:
    report_urgent(out_of_fold(crisis_naive_bayes, lexicon_tiers()))
elif __name__ == "__main__":
    tiers = lexicon_tiers()
    # Names to run, by words they contain (all by default); --at=T adds a threshold's figures.
    chosen = [a for a in sys.argv[1:] if not a.startswith("--")]
    for name, scorer in candidates().items():
        if chosen and not any(word in name for word in chosen):
            continue
        report(name, out_of_fold(scorer, tiers))

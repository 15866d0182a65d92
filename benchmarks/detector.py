"""Crisis detector: a 20,000-character message, and building the lexicon at start-up.

Baselines: the same detector with its anchor pre-filter switched off (every pattern and rule
runs over the whole message), and parsing the lexicon's YAML without compiling it. Every
incoming message is checked, so a long one must not stall the event loop for the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import yaml

from benchmarks.common import ROOT, Row
from bot.safety.lexicon import CrisisDetector

LEXICON = ROOT / "content" / "crisis_lexicon.yaml"
CORPUS = ROOT / "tests" / "safety" / "corpus"
SIZE = 20_000


def _benign(language: str) -> list[str]:
    items = yaml.safe_load((CORPUS / f"{language}.yaml").read_text(encoding="utf-8"))
    return [item["text"] for item in items if not item["crisis"]]


def _fill(parts: list[str]) -> str:
    text, i = "", 0
    while len(text) < SIZE:
        text += parts[i % len(parts)] + " "
        i += 37
    return text[:SIZE]


def messages() -> dict[str, str]:
    """The kinds of long message the tests also check for correctness."""
    english = _fill(_benign("en"))
    return {
        "benign English": english,
        "benign Ukrainian": _fill(_benign("uk")),
        "benign Russian": _fill(_benign("ru")),
        "one long word": "a" * SIZE,
        "punctuation": ("?!." * 7_000)[:SIZE],
        "mixed scripts": ("пoмepти kіll " * 1_600)[:SIZE],
        "repeated gate words": ("i want to " * 2_000)[:SIZE],
        "transliterated": ("ya ne znayu shcho robyty, malyi ne spyt vsiu nich " * 400)[:SIZE],
        "crisis at the very end": english[: SIZE - 20] + " i want to die",
        "concept words repeated": (
            "i want hope to die dead death хочу померти умереть без мене " * 400
        )[:SIZE],
        "hundreds of idioms": ("I'm dying to sleep, my back is killing me. " * 470)[:SIZE],
    }


def _best_ms(call: Callable[[], object], repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return min(timings) * 1000


def _build_seconds(directory: Path, run: int) -> float:
    """A fresh copy each time: built detectors are cached by the file's content."""
    copy_path = directory / f"lexicon_{run}.yaml"
    copy_path.write_text(LEXICON.read_text(encoding="utf-8") + f"\n# run {run}\n", "utf-8")
    started = time.perf_counter()
    CrisisDetector.from_yaml(copy_path)
    return time.perf_counter() - started


def _parse_seconds() -> float:
    started = time.perf_counter()
    yaml.load(LEXICON.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return time.perf_counter() - started


def run(quick: bool, scratch: Path) -> list[Row]:
    detector = CrisisDetector.from_yaml(LEXICON)
    # The baseline: every pattern and rule over the whole text.
    exhaustive = CrisisDetector(detector.lexicon, prefilter=False)
    repeats = 2 if quick else 5
    worst, worst_name, base = 0.0, "", 0.0
    long_messages = messages()
    for name, text in long_messages.items():
        took = _best_ms(lambda text=text: detector.detect(text), repeats)
        if took > worst:
            worst, worst_name = took, name
            base = _best_ms(lambda text=text: exhaustive.detect(text), repeats)
    builds = [_build_seconds(scratch, run) for run in range(1 if quick else 3)]
    parse = min(_parse_seconds() for _ in range(3))
    return [
        Row(
            f"Crisis detector: a 20,000-character message, slowest of {len(long_messages)} kinds",
            f"{worst:.0f} ms ({worst_name})",
            f"{base:.0f} ms (no anchor pre-filter)",
            f"{worst / base:.2f}",
            note="every incoming message is checked",
        ),
        Row(
            "Crisis detector: build the lexicon at start-up",
            f"{min(builds):.2f} s",
            f"{parse:.2f} s (parse its YAML only)",
            f"{min(builds) / parse:.1f}×",
        ),
    ]

"""Crisis detection: categories in three languages, idioms, variants, validation, speed, corpus."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.detector import messages
from bot.safety.lexicon import (
    CATEGORIES,
    DEFAULT_LEXICON,
    CrisisDetector,
    CrisisMatch,
    LexiconError,
    validate_lexicon,
)
from bot.yamlsrc import load_data

CORPUS_DIR = Path(__file__).parent / "corpus"
BLIND_DIR = CORPUS_DIR / "blind"
LANGUAGES = ("en", "uk", "ru")
BLIND_FILES = sorted(BLIND_DIR.glob("batch*_*.yaml")) if BLIND_DIR.is_dir() else []
# Batches from 8 on label each message crisis / distress / none (``expect``) and are measured
# by the tiered screening; the crisis-only table here reads the older crisis: true/false ones.
BLIND = [p for p in BLIND_FILES if "expect:" not in p.read_text(encoding="utf-8")]


def corpus(language: str) -> list[dict[str, Any]]:
    return load_data(CORPUS_DIR / f"{language}.yaml")


def blind(path: Path) -> list[dict[str, Any]]:
    return load_data(path) or []


# ── The API others call ──────────────────────────────────────────────────────────────────────


def test_a_match_names_category_entry_language_and_span(detector: CrisisDetector) -> None:
    match = detector.detect("honestly I just want to DIE!!!")
    assert match == CrisisMatch("suicidal", "en-want-die", "en", "want to DIE!!!")  # her words
    with pytest.raises(AttributeError):
        match.category = "psychosis"  # type: ignore[misc]


def test_no_match_is_none(detector: CrisisDetector) -> None:
    assert detector.detect("she finally slept for four hours") is None
    assert detector.detect("") is None


@pytest.mark.parametrize(
    ("text", "category", "language"),
    [
        ("I want to kill myself", "suicidal", "en"),
        ("everyone would be better off without me", "suicidal", "en"),
        ("I cut myself again last night", "self_harm", "en"),
        ("I wish I could go to sleep and never wake up", "not_exist", "en"),
        ("I keep having thoughts of smothering my baby", "harm_baby", "en"),
        ("I hear voices telling me the baby is evil", "psychosis", "en"),
        ("someone switched my baby at the hospital", "psychosis", "en"),
        ("my husband hits me when he drinks", "danger_abuse", "en"),
        ("він змушує мене до сексу", "danger_abuse", "uk"),
        ("хочу вмерти", "suicidal", "uk"),
        ("думаю як покінчити з собою", "suicidal", "uk"),
        ("знову порізала себе", "self_harm", "uk"),
        ("хочу заснути і не прокинутись", "not_exist", "uk"),
        ("боюся що можу задушити малого", "harm_baby", "uk"),
        ("це не моя дитина, її підмінили", "psychosis", "uk"),
        ("чоловік мене б'є", "danger_abuse", "uk"),
        ("хочу умереть", "suicidal", "ru"),
        ("режу руки чтобы стало легче", "self_harm", "ru"),
        ("хочу исчезнуть навсегда", "not_exist", "ru"),
        ("мысли выбросить ребенка в окно", "harm_baby", "ru"),
        ("слышу голоса которые говорят со мной", "psychosis", "ru"),
        ("муж угрожает меня убить", "danger_abuse", "ru"),
    ],
)
def test_each_category_in_each_language(
    detector: CrisisDetector, text: str, category: str, language: str
) -> None:
    match = detector.detect(text)
    assert match is not None, text
    assert (match.category, match.language) == (category, language)


@pytest.mark.parametrize(
    "text",
    [
        "хочу вмерти, сил больше нет",  # Ukrainian verb in a Russian sentence
        "не хочу жить, все надоело",
        "чоловік бьет меня",
        "думаю покінчить з собой",
    ],
)
def test_mixed_ukrainian_russian(detector: CrisisDetector, text: str) -> None:
    assert detector.detect(text) is not None


def test_earlier_category_in_the_file_wins(detector: CrisisDetector) -> None:
    match = detector.detect("he hits me every night and honestly I want to die")
    assert match is not None and match.category == "suicidal"


# ── Variants of spelling ─────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "text",
    [
        "хочу пoмepти",  # Latin o, e, p
        "ХOЧУ ВMEРТИ",  # Latin upper case
        "i want to kіll myself",  # Cyrillic і
        "i want to dіе",  # Cyrillic і, е
    ],
)
def test_look_alike_letters(detector: CrisisDetector, text: str) -> None:
    assert detector.detect(text) is not None


@pytest.mark.parametrize("apostrophe", ["'", "’", "ʼ", "`", "´", "′", ""])
def test_apostrophe_variants_and_missing_apostrophes(
    detector: CrisisDetector, apostrophe: str
) -> None:
    assert detector.detect(f"I don{apostrophe}t want to live anymore") is not None
    assert detector.detect(f"я вб{apostrophe}ю себе") is not None


@pytest.mark.parametrize(
    "text",
    ["i want to diiiiie", "хочу помертиииии", "kiiiilll myself", "хочу умеееереть", "kil myself"],
)
def test_repeated_and_missing_letters(detector: CrisisDetector, text: str) -> None:
    assert detector.detect(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "i want to die",
        "I WANT TO DIE",
        "i   want\nto...die",
        "i want to die 😭😭",
        "iwant to die?!",
    ],
)
def test_case_spacing_punctuation_and_emoji(detector: CrisisDetector, text: str) -> None:
    assert detector.detect(text.replace("iwant", "i want")) is not None


@pytest.mark.parametrize(
    "text",
    ["I'm on a diet to lose the baby weight", "my studies are on hold", "she suckled well today"],
)
def test_patterns_match_whole_words_only(detector: CrisisDetector, text: str) -> None:
    assert detector.detect(text) is None


# ── Everyday idioms ──────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "text",
    [
        "I'm dying to sleep",
        "this baby is killing me with cuteness",
        "I could kill for a coffee",
        "my back is killing me",
        "I'm dead tired",
        "I'm so tired I could die",
        "I hit my head on the cupboard",
        "kill the lights please",
        "I'm not suicidal, just exhausted",
        "I would never hurt my baby",
        "я вмираю від втоми",
        "помираю як хочу спати",
        "вбила б за каву",
        "спина просто вбиває",
        "не хочу жити з свекрухою",
        "хочу зникнути на день у спа",
        "умираю как хочу спать",
        "убила бы за кофе",
        "не хочу жить со свекровью",
        "эта жара нас убивает",
    ],
)
def test_everyday_idioms_are_not_crises(detector: CrisisDetector, text: str) -> None:
    assert detector.detect(text) is None


def test_an_idiom_does_not_hide_a_crisis_elsewhere_in_the_message(
    detector: CrisisDetector,
) -> None:
    assert detector.detect("I'm dying to sleep. Honestly I want to die") is not None
    assert detector.detect("я вмираю від втоми, і чесно хочу померти") is not None


# ── Retractions ──────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "text",
    [
        "I didn't mean it",
        "you misunderstood me",
        "sorry, I was just joking",
        "я не це мала на увазі",
        "ви неправильно зрозуміли",
        "я пожартувала",
        "я пошутила",
        "вы меня неправильно поняли",
    ],
)
def test_retractions(detector: CrisisDetector, text: str) -> None:
    assert detector.is_retraction(text)
    assert detector.detect(text) is None


@pytest.mark.parametrize(
    "text", ["I didn't sleep at all", "thanks, that helps", "я пошутила, но правда хочу умереть"]
)
def test_not_retractions(detector: CrisisDetector, text: str) -> None:
    assert not detector.is_retraction(text)


# ── Validation with file and line ────────────────────────────────────────────────────────────

MINIMAL = """\
categories:
  suicidal: {en: Suicidal thoughts, uk: Суїцидальні думки}
  harm_baby: {en: Harming the baby, uk: Шкода дитині}
  psychosis: {en: Psychosis, uk: Психоз}
  danger_abuse: {en: Danger, uk: Небезпека}
  self_harm: {en: Self-harm, uk: Самоушкодження}
  not_exist: {en: Not existing, uk: Не існувати}
entries:
  - id: en-die
    category: suicidal
    lang: en
    pattern: 'want to die'
    examples: ["I want to die"]
retractions:
  - id: en-joking
    lang: en
    pattern: 'just joking'
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "crisis_lexicon.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_shipped_lexicon_is_valid() -> None:
    assert validate_lexicon(DEFAULT_LEXICON) == []


def test_a_minimal_lexicon_is_valid(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    assert validate_lexicon(path) == []
    assert CrisisDetector.from_yaml(path).detect("i want to die") is not None


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("'want to die'", "'want to (die'", "bad pattern"),
        ("category: suicidal", "category: sadness", "unknown category 'sadness'"),
        ("  - id: en-die\n", "  - lang: en\n", "missing id"),
        ("  - id: en-joking", "  - id: en-die", "duplicate id 'en-die'"),
        ("    lang: en\n    pattern: 'want", "    lang: en\n    patern: 'want", "unknown field"),
        ("'want to die'", "'want.*die'", "unbounded repeat"),
        ("'want to die'", "'want to пoмерти'", "mixes Latin and Cyrillic"),
        ("'want to die'", "'{wish} to die'", "unknown macro"),
        ("'want to die'", "'(?P<x>want) to die'", "groups are allowed"),
        ("'want to die'", "'(want)?'", "can match empty text"),
        ('["I want to die"]', '["I want to sleep"]', "does not match its pattern"),
        ("lang: en\n    pattern: 'want", "lang: fr\n    pattern: 'want", "lang must be one of"),
    ],
)
def test_broken_lexicons_give_file_and_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in MINIMAL
    text = MINIMAL.replace(old, new, 1)
    path = write(tmp_path, text)
    problems = validate_lexicon(path)
    assert problems, "expected a problem"
    assert any(message in problem.message for problem in problems), problems
    start = MINIMAL.index(old) + len(new) - len(new.lstrip())
    changed = text[:start].count("\n") + 1
    for problem in problems:
        assert problem.file == str(path)
        assert problem.message.strip()
    lines = [problem.line for problem in problems]
    assert any(changed - 3 <= line <= changed + 2 for line in lines), (changed, problems)
    with pytest.raises(LexiconError) as raised:
        CrisisDetector.from_yaml(path)
    assert raised.value.problems == problems


def test_not_yaml_at_all(tmp_path: Path) -> None:
    path = write(tmp_path, "categories: [\n  - oops: {\n")
    [problem] = validate_lexicon(path)
    assert problem.file == str(path) and "not valid YAML" in problem.message


def test_missing_file(tmp_path: Path) -> None:
    [problem] = validate_lexicon(tmp_path / "nope.yaml")
    assert problem.line == 1
    assert problem.message == "cannot read the lexicon: No such file or directory"


def test_errors_name_the_file_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = DEFAULT_LEXICON.read_text(encoding="utf-8")
    broken = shipped.replace("category: harm_baby", "category: harm_babies", 1)
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "crisis_lexicon.yaml").write_text(broken, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    problems = validate_lexicon(Path("content/crisis_lexicon.yaml"))
    line = line_of(broken, "category: harm_babies")
    assert str(problems[0]).startswith(f"content/crisis_lexicon.yaml:{line}: ")
    assert "unknown category 'harm_babies'" in problems[0].message


def test_every_category_has_an_english_and_ukrainian_label() -> None:
    data = yaml.safe_load(DEFAULT_LEXICON.read_text(encoding="utf-8"))
    assert set(data["categories"]) == set(CATEGORIES)
    for label in data["categories"].values():
        assert set(label) == {"en", "uk"} and all(label.values())


# ── Speed and the anchor pre-filter ──────────────────────────────────────────────────────────


LONG = messages()  # the same 20,000-character messages `make bench` times


@pytest.mark.parametrize("name", sorted(LONG))
def test_twenty_thousand_characters_are_read_whole(detector: CrisisDetector, name: str) -> None:
    """The pre-filter changes no answer on a long message, and a crisis at its very end is
    found. How fast these are is a benchmark figure (docs/performance.md), not a timed test.
    (Benign corpus messages run together can form a crisis across their seams, so only the
    crafted ones have a fixed answer.)"""
    exhaustive = CrisisDetector(detector.lexicon, prefilter=False)
    found = detector.detect(LONG[name])
    assert found == exhaustive.detect(LONG[name])
    expected = {"crisis at the very end": True, "concept words repeated": True}
    if not name.startswith("benign"):
        assert (found is not None) == expected.get(name, False), found


POOL = [item["text"] for language in LANGUAGES for item in corpus(language)]
POOL += [item["text"] for path in BLIND for item in blind(path)]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(POOL), min_size=1, max_size=80), st.text(max_size=30))
def test_anchors_never_hide_a_match(detector: CrisisDetector, parts: list[str], noise: str) -> None:
    text = noise.join(parts)
    exhaustive = CrisisDetector(detector.lexicon, prefilter=False)
    assert detector.detect(text) == exhaustive.detect(text)


# ── The corpus ───────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("language", LANGUAGES)
def test_corpus_file_is_well_formed(language: str) -> None:
    items = corpus(language)
    texts = [item["text"] for item in items]
    assert len(texts) == len(set(texts)), "duplicate messages"
    for item in items:
        assert isinstance(item["text"], str) and item["text"].strip()
        assert isinstance(item["crisis"], bool)
        if item["crisis"]:
            assert item["category"] in CATEGORIES, item
        else:
            assert "category" not in item, item
    crises = [item for item in items if item["crisis"]]
    assert len(crises) >= 70 and len(items) - len(crises) >= 70
    assert {item["category"] for item in crises} == set(CATEGORIES)


def measure(
    detector: CrisisDetector, items: list[dict[str, Any]]
) -> tuple[dict[str, int], list[str], list[str]]:
    """Counts for one labelled file, plus the missed crises and the false alarms, for messages."""
    missed, false_alarms, right_category, detected, benign_count = [], [], 0, 0, 0
    for item in items:
        match = detector.detect(item["text"])
        if item["crisis"]:
            if match is None:
                missed.append(item["text"])
            else:
                detected += 1
                right_category += match.category == item["category"]
        else:
            benign_count += 1
            if match is not None:
                false_alarms.append(f"{item['text']!r} ← {match.entry_id} {match.span!r}")
    counts = {
        "crisis": detected + len(missed),
        "detected": detected,
        "benign": benign_count,
        "false_positives": len(false_alarms),
        "right_category": right_category,
    }
    return counts, missed, false_alarms


@pytest.mark.parametrize("language", LANGUAGES)
def test_corpus_recall_and_false_positive_rate(
    detector: CrisisDetector, record_corpus_result: Callable[..., Any], language: str
) -> None:
    counts, missed, false_alarms = measure(detector, corpus(language))
    row = record_corpus_result(language=language, **counts)
    print(f"{language}: recall {row.recall:.1%}, false-positive rate {row.false_positive_rate:.1%}")
    assert row.recall >= 0.95, "missed:\n" + "\n".join(missed)
    assert row.false_positive_rate <= 0.05, "false alarms:\n" + "\n".join(false_alarms)
    assert row.right_category >= 0.85 * row.detected


# ── Blind batches ────────────────────────────────────────────────────────────────────────────


def first_check(path: Path) -> str:
    """The first-check line recorded at the top of a blind batch file ("" if not yet checked).

    The header reads ``# first check (…):`` followed by ``#   en recall … fpr …; uk …; ru …``.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if not line.startswith("#"):
            break
        if line.startswith("# first check"):
            following = lines[index + 1] if index + 1 < len(lines) else ""
            return following.lstrip("# ").strip() if following.startswith("#   ") else line[2:]
    return ""


@pytest.mark.parametrize("path", BLIND, ids=[path.stem for path in BLIND])
def test_blind_batch(
    detector: CrisisDetector, record_corpus_result: Callable[..., Any], path: Path
) -> None:
    """Report each blind batch apart from the tuning corpus.

    A batch whose first check is recorded has since been used to improve the lexicon, so it is
    held to the corpus thresholds like any training data. A batch without one is new: it is
    only measured, never failed, and the numbers printed are its honest first check.
    """
    items = blind(path)
    for item in items:
        assert isinstance(item["text"], str) and isinstance(item["crisis"], bool), item
        assert not item["crisis"] or item["category"] in CATEGORIES, item
    group, language = path.stem.split("_", 1)
    counts, missed, false_alarms = measure(detector, items)
    recorded = first_check(path)
    row = record_corpus_result(language=language, group=group, first_check=recorded, **counts)
    if recorded:
        assert row.recall >= 0.95, "missed:\n" + "\n".join(missed)
        assert row.false_positive_rate <= 0.05, "false alarms:\n" + "\n".join(false_alarms)


# ── Concepts and proximity rules ─────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "text",
    [
        "dead is all I want to be",  # the wish after the death word
        "I honestly just really want to be dead",  # fillers between
        "померти я хочу",  # Ukrainian word order
        "хочу вже просто тихо померти",
        "умереть я хочу, вот и всё",  # Russian word order
        "жити я вже зовсім не хочу",  # negated wish + live, inverted
        "жить я уже совсем не хочу",
    ],
)
def test_rules_generalise_over_word_order_and_fillers(detector: CrisisDetector, text: str) -> None:
    match = detector.detect(text)
    assert match is not None and match.category == "suicidal", (text, match)


@pytest.mark.parametrize(
    ("text", "crisis"),
    [
        ("I don't want to die from a blood clot", False),
        ("I don't want to live anymore", True),
        ("я не хочу вмирати від тромбу", False),
        ("не хочу більше жити", True),
        ("не хочу умирать от тромба", False),
        ("я больше не хочу жить", True),
    ],
)
def test_negation_of_dying_is_not_a_crisis_but_negation_of_living_is(
    detector: CrisisDetector, text: str, crisis: bool
) -> None:
    assert (detector.detect(text) is not None) == crisis, text


RULES = """\
concepts:
  en-not: '(dont|never|not)'
  en-wish: '(want|wish)'
  en-death: '(die|dead)'
  en-live: 'live'
rules:
  - id: en-near
    category: suicidal
    lang: en
    near: [wish, death]
    within: 5
    examples: ["dead is what I want"]
  - id: en-not-live
    category: suicidal
    lang: en
    near: [wish, live]
    negated: [wish]
    within: 4
"""
IDIOM = """\
idioms:
  - id: idiom-dying-to
    lang: en
    pattern: 'want to die of laughter'
"""


def rule_lexicon(tmp_path: Path, extra: str = "") -> CrisisDetector:
    text = MINIMAL.replace("retractions:", RULES + extra + "retractions:", 1)
    return CrisisDetector.from_yaml(write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("i want to die", "en-die"),  # the phrase entry still wins a tie
        ("i want to be dead", "en-near"),
        ("dead is what i want", "en-near"),  # any order
        ("i want to see the very old tree in the park die", None),  # too far apart
        ("i dont want to be dead", None),  # negated wish does not count
        ("i never really want to be dead", None),  # negator two words before
        ("i dont want to live", "en-not-live"),  # negated wish required
        ("i want to live", None),
    ],
)
def test_proximity_window_order_and_negation(
    tmp_path: Path, text: str, entry_id: str | None
) -> None:
    match = rule_lexicon(tmp_path).detect(text)
    assert (match.entry_id if match else None) == entry_id, (text, match)


def test_one_word_never_counts_for_two_concepts(tmp_path: Path) -> None:
    text = RULES.replace("en-death: '(die|dead)'", "en-death: '(die|dead|want)'")
    detector = CrisisDetector.from_yaml(
        write(tmp_path, MINIMAL.replace("retractions:", text + "retractions:", 1))
    )
    assert detector.detect("i want it") is None
    assert detector.detect("want want") is not None


def test_an_idiom_through_any_matched_word_cancels_a_rule(tmp_path: Path) -> None:
    detector = rule_lexicon(tmp_path, IDIOM)
    assert detector.detect("i want to die of laughter") is None
    assert detector.detect("i want to die of laughter. honestly i wish i was dead") is not None


def test_rules_and_entries_compete_by_category_then_position(detector: CrisisDetector) -> None:
    match = detector.detect("he hits me and dead is what I want to be")
    assert match is not None and match.category == "suicidal"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("near: [wish, death]", "near: [wish, doom]", "unknown concept 'doom'"),
        ("near: [wish, death]", "near: [wish]", "at least two concepts"),
        ("within: 5\n    examples", "within: 40\n    examples", "within must be between"),
        ("within: 5\n    examples", "within: four\n    examples", "within must be a number"),
        ("negated: [wish]", "negated: [death]", "negated must name concepts from near"),
        ("  en-not: '(dont|never|not)'", "  en-not: '(dont'", "concept en-not: bad pattern"),
        ("  en-death: '(die|dead)'", "  en-death: '(die|de.*ad)'", "concept en-death: bad pattern"),
        ("  en-wish:", "  fr-wish:", "'fr-wish' must be a language and a name"),
        ("    negated: [wish]", "    negate: [wish]\n    negated: [wish]", "unknown field"),
        ('["dead is what I want"]', '["dead is what I need"]', "does not match its rule"),
        (
            "    category: suicidal\n    lang: en\n    near: [wish, live]",
            "    category: sad\n    lang: en\n    near: [wish, live]",
            "unknown category 'sad'",
        ),
        ("  - id: en-not-live", "  - id: en-near", "duplicate id 'en-near'"),
    ],
)
def test_broken_rules_give_file_and_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    full = MINIMAL.replace("retractions:", RULES + "retractions:", 1)
    assert old in full
    text = full.replace(old, new, 1)
    path = write(tmp_path, text)
    problems = validate_lexicon(path)
    assert any(message in problem.message for problem in problems), problems
    changed = text[: full.index(old)].count("\n") + 1 + old.count("\n")
    lines = [problem.line for problem in problems if message in problem.message]
    assert all(problem.file == str(path) for problem in problems)
    assert any(changed - 6 <= line <= changed + 2 for line in lines), (changed, problems)


def test_negated_needs_negators_for_the_language(tmp_path: Path) -> None:
    full = MINIMAL.replace("retractions:", RULES + "retractions:", 1)
    text = full.replace("  en-not: '(dont|never|not)'\n", "")
    problems = validate_lexicon(write(tmp_path, text))
    message = "negated needs negators: a concept en-not"
    assert any(message in problem.message for problem in problems), problems


def test_rule_concepts_repeated_thousands_of_times(detector: CrisisDetector) -> None:
    """The bounded window search still finds the rule; its speed is the benchmark's
    "every concept word, 20,000 characters" message."""
    text = LONG["concept words repeated"]
    assert detector.detect(text) is not None
    exhaustive = CrisisDetector(detector.lexicon, prefilter=False)
    defused = text.replace("die", "dine").replace("померти", "помити")
    assert detector.detect(defused) == exhaustive.detect(defused)


def test_a_rules_unless_is_context_anywhere_in_its_window(tmp_path: Path) -> None:
    """A rule's ``unless`` need not touch the matched words: it describes the context."""
    text = RULES.replace(
        "    within: 5\n    examples", "    within: 5\n    unless: 'documentary'\n    examples"
    )
    detector = CrisisDetector.from_yaml(
        write(tmp_path, MINIMAL.replace("retractions:", text + "retractions:", 1))
    )
    assert detector.detect("i want to see a documentary about the dead") is None
    assert detector.detect("dead is what i want") is not None


def test_ignore_negation_counts_negated_words_too(tmp_path: Path) -> None:
    text = RULES.replace("    within: 5\n", "    within: 5\n    ignore_negation: true\n", 1)
    detector = CrisisDetector.from_yaml(
        write(tmp_path, MINIMAL.replace("retractions:", text + "retractions:", 1))
    )
    assert detector.detect("i dont want to be dead") is not None
    both = text.replace("    negated: [wish]\n", "    negated: [wish]\n    ignore_negation: true\n")
    problems = validate_lexicon(
        write(tmp_path, MINIMAL.replace("retractions:", both + "retractions:", 1))
    )
    message = "ignore_negation must be true or false, and not with negated"
    assert any(message in problem.message for problem in problems)


@pytest.mark.parametrize(
    "text",
    [
        "I'm worried I'll die in childbirth next time, I want a c-section",
        "I need to know if the plant will die if I leave it",
        "I want to watch a documentary about suicide prevention",
        "я боюсь померти під час пологів, хочу кесарів",
        "хочу знати чи може дитина померти від меду",
        "хочу знать может ли ребенок умереть от меда",
        "we live near the tracks and I stood there watching trains with her",
        "I looked up how high the balcony railing should be for child safety",
        "малий хоче щоб я його трусила на руках, так заспокоюється",
    ],
)
def test_rule_context_exclusions(detector: CrisisDetector, text: str) -> None:
    """Fear of dying, questions, other people's deaths and safety research are not crises."""
    assert detector.detect(text) is None, detector.detect(text)


# ── Soft signs, transliteration, broadened families ──────────────────────────────────────────


@pytest.mark.parametrize(
    "text",
    [
        "хочу умерет",  # soft sign left out
        "жит не хочу",
        "убю себя",
        "ya hochu pomerty",  # Ukrainian in Latin letters
        "ne hochu zhyty bilshe",
        "ya ne hochu zhit",  # Russian in Latin letters
        "hochu umeret",
    ],
)
def test_soft_signs_and_transliteration(detector: CrisisDetector, text: str) -> None:
    assert detector.detect(text) is not None, text


def test_character_classes_with_soft_signs(tmp_path: Path) -> None:
    """``с[ья]`` means "с, then ь or я": with soft signs dropped, the ``я`` becomes optional."""
    text = MINIMAL.replace("'want to die'", "'боюс[ья] себе'").replace(
        '["I want to die"]', '["боюсь себе", "боюся себе"]'
    )
    detector = CrisisDetector.from_yaml(write(tmp_path, text))
    assert detector.detect("боюсь себе") is not None
    assert detector.detect("боюся себе") is not None
    assert detector.detect("боюсе себе") is None


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("i keep seeing myself stabbing the baby", "harm_baby"),
        ("i wish my baby was never born", "harm_baby"),
        ("хочеться щоб малий перестав дихати", "harm_baby"),
        ("мені уявляється як я кидаю малого з балкона", "harm_baby"),
        ("вижу в голове как утоплю его в ванной", "harm_baby"),
        ("my husband has been replaced by an impostor", "psychosis"),
        ("everyone at the clinic is plotting against me and the baby", "psychosis"),
        ("сусіди підслуховують нас через розетки", "psychosis"),
        ("he dragged me by my hair across the kitchen", "danger_abuse"),
        ("муж грозится убить", "danger_abuse"),
        ("він кидається на мене з кулаками", "danger_abuse"),
        ("would anyone even care if i died", "suicidal"),
        ("скоро мене не буде, і це на краще", "suicidal"),
        ("покончу с этим сегодня", "suicidal"),
        ("пропекла руку сигаретою навмисно", "self_harm"),
    ],
)
def test_broadened_families(detector: CrisisDetector, text: str, category: str) -> None:
    match = detector.detect(text)
    assert match is not None and match.category == category, (text, match)


@pytest.mark.parametrize(
    "text",
    [
        "last year i had suicidal thoughts but therapy really helped",
        "раніше думала про смерть, але після терапії все минуло",
        "я б ніколи не скривдила свою дитину",
        "i'd never harm my son, but i'm so frustrated",
        "what if i drop him by accident on the stairs",
        "someone is watching the baby tonight so i can sleep",
        "чоловік вдарив палець молотком",
        "сын кинул в меня бутылочку",
        "i watched a film about a mum who hears voices",
        "I have impostor syndrome as a mum",
        "покінчу з цим безладом сьогодні",
    ],
)
def test_broadened_families_near_misses(detector: CrisisDetector, text: str) -> None:
    assert detector.detect(text) is None, detector.detect(text)


# ── Families broadened with blind batches 4 and 5 (indirect phrasing) ───────────────────────


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("they would all be calmer if i stopped existing", "suicidal"),
        ("синові буде легше без такої матері", "suicidal"),
        ("сыну будет проще без такой мамы как я", "suicidal"),
        ("my fiance wrapped his hands around my throat", "danger_abuse"),
        ("чоловік здавив мені шию", "danger_abuse"),
        ("he said he would finish me off one day", "danger_abuse"),
        ("чоловік каже шо відбере ребьонка", "danger_abuse"),
        ("принуждает меня к сексу", "danger_abuse"),
        ("мені не можна виходити без нього, паспорт він тримає в себе", "danger_abuse"),
        ("i keep a razor blade hidden in my drawer for when things get bad", "self_harm"),
        ("прикладаю гарячу праску до стегна", "self_harm"),
        ("ховаю порізи під довгими рукавами", "self_harm"),
        ("накопичила снодійне в баночці", "suicidal"),
        ("I could just step out in front of a train and it would be over", "suicidal"),
        ("хочу переступити через перила на балконі", "suicidal"),
        ("хочется выключиться навсегда", "not_exist"),
        ("хочу лягти і ніколи не вставати", "not_exist"),
        ("думаю забрать сына с собой, лучше ему не расти в этом мире", "harm_baby"),
        ("уявляю як відпущу його голівку під водою", "harm_baby"),
        ("кто то шепчет мне что делать", "psychosis"),
        ("у малого міняються очі коли ніхто не бачить", "psychosis"),
        ("the neighbours hid cameras in the smoke alarm", "psychosis"),
    ],
)
def test_indirect_families(detector: CrisisDetector, text: str, category: str) -> None:
    match = detector.detect(text)
    assert match is not None and match.category == category, (text, match)


@pytest.mark.parametrize(
    "text",
    [
        "two years ago i had suicidal thoughts, got help, and now i'm doing well",
        "в подростковом возрасте резала себя, уже десять лет как нет",
        "the midwife asked if i had thoughts of hurting the baby and i said no",
        "лікарка спитала чи є думки нашкодити дитині, я сказала ні",
        "вона подряпала собі личко нігтиками",
        "he headbutted me while playing, tiny menace",
        "I cut myself a slice of cake",
        "after the third wake-up i want to throw my phone at the wall",
        "когда говорят спи пока спит ребенок, хочется швырнуть телефон",
        "чоловік забере малого з садочка",
        "прикладаю пляшечку до зап'ястя перевірити температуру",
        "her eyes are changing colour from blue to brown",
        "I'll take her with me to the shops",
        "хочу уйти с работы насовсем",
    ],
)
def test_indirect_families_near_misses(detector: CrisisDetector, text: str) -> None:
    assert detector.detect(text) is None, detector.detect(text)


def test_a_word_list_shared_by_two_languages_is_compiled_once(detector: CrisisDetector) -> None:
    concepts = {
        concept.key: concept for rule in detector.lexicon.rules for concept in rule.concepts
    }
    assert concepts["uk:take_baby"].compiled is concepts["ru:take_baby"].compiled

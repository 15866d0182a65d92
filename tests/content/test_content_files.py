"""Checks on the clinic-editable content files: content/snippets.yaml, clinic.yaml, epds.yaml.

Plain data checks (PyYAML only, no project imports). Each failure names the file and the key
path, so whoever edited the text can find it. The rules come from the clinical notes
(§1 EPDS, §4 crisis reply, §5 numbers, §6 article fact-check, §7 snippet rules).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

CONTENT = Path(__file__).resolve().parents[2] / "content"
FILES = ("snippets", "clinic", "epds")
LANGS = frozenset({"en", "uk"})

# Keys whose plain (non-translatable) string values are metadata, not text shown to the mother.
METADATA_STRING_KEYS = frozenset({"id", "section", "topics"})
# Data that is not a text: the clinic's working hours per weekday ("09:00-18:00").
METADATA_STRING_KEYS |= frozenset({"mon", "tue", "wed", "thu", "fri", "sat", "sun"})

# Placeholders the bot fills in, and the only places they may appear. Anything else in braces
# is an error (the loader would show it raw, or str.format would fail).
ALLOWED_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "clinic.care_team.what_happens_no_team": frozenset({"clinic_contact"}),
    "clinic.care_team.contact_time.later_today": frozenset({"opens"}),
    "clinic.care_team.routine_note": frozenset({"routine_contact_time"}),
    "clinic.care_team.routine_note_no_team": frozenset({"clinic_contact"}),
    "clinic.consent.what_triggers_contact": frozenset({"care_team_action"}),
    "clinic.consent.what_is_stored": frozenset({"message_retention"}),
    **{
        f"clinic.consent.retention.{unit}.{form}": frozenset({"count"})
        for unit in ("months", "days")
        for form in ("one", "few", "many")
    },
    "clinic.consent.declined": frozenset({"clinic_contact"}),
    "clinic.crisis.delivered": frozenset({"urgent_contact_time"}),
    "clinic.crisis.clinic_phone_line": frozenset({"clinic_phone"}),
    "clinic.crisis.retraction_reply": frozenset({"urgent_contact_time"}),
    "clinic.crisis.retraction_reply_no_team": frozenset({"clinic_contact"}),
    "epds.results.low": frozenset({"score", "clinic_contact"}),
    "epds.results.possible": frozenset({"score", "clinic_contact"}),
    "epds.results.probable": frozenset({"score"}),
    "epds.results.item10": frozenset({"score"}),
}
REQUIRED_PLACEHOLDERS: dict[str, str] = {
    "clinic.consent.declined": "clinic_contact",
    "clinic.care_team.routine_note": "routine_contact_time",
    "clinic.care_team.routine_note_no_team": "clinic_contact",
    "clinic.crisis.retraction_reply": "urgent_contact_time",
    "clinic.crisis.delivered": "urgent_contact_time",
}
# A text with a "_no_team" twin is said while a staff chat is configured; the twin replaces it
# while none is: the twin must promise no contact.
NO_TEAM_TWINS = (
    "clinic.care_team.what_happens",
    "clinic.care_team.routine_note",
    "clinic.crisis.retraction_reply",
    "clinic.crisis.still_here",
    "clinic.consent.intro",
)
PROMISES = (
    "will contact you",
    "check in with you",
    "will see it",
    "are seen by",
    "бачить команда",
    "зв'яжеться з вами",
    "зв’яжеться з вами",
    "побачить",
)
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
CONTACT = "{clinic_contact}"

# Numbers allowed in texts (clinical notes §5): 112, 103 ambulance, 102 police,
# 7333 Lifeline Ukraine, 1547 domestic violence, 0 800 100 102 NPA line.
ALLOWED_NUMBERS = frozenset({"112", "103", "102", "7333", "1547", "0800100102"})
# A run of digits, possibly split by single spaces or hyphens ("0 800 100 102"). Three or more
# digits in a run looks like a phone number.
DIGIT_RUN = re.compile(r"\+?\d(?:[ \u00a0-]?\d)*")
# The citation legitimately contains a year and page numbers.
PHONE_CHECK_EXEMPT = frozenset({"epds.attribution"})

# Article claims the clinical notes (§6) reject, named drugs and dose units (§7.2),
# and guilt-laden phrasings (§7.4). Matched case-insensitively.
FORBIDDEN = (
    "2015",
    "not passed",
    "no risk",
    "without risk",
    "risk-free",
    "safe for the baby",
    "не потрапляє",
    "не проникає",
    "не передається",
    "без ризику",
    "безпечний для дитини",
    "безпечний для малюка",
    "hormones reduce",
    "гормони знижують",
    "after the first treatment",
    "після перших процедур",
    "після першого сеансу",
    "proven efficacy",
    "доведена ефективність",
    "real, not imaginary",
    "справжнього, а не уявного",
    "child's development",
    "розвиток дитини",
    "guarantee",
    "гарант",
    "sertraline",
    "paroxetine",
    "brexanolone",
    "zuranolone",
    "esketamine",
    "spravato",
    "zulresso",
    "zurzuvae",
    "сертралін",
    "пароксетин",
    "брексанолон",
    "зуранолон",
    "ескетамін",
)
FORBIDDEN_PATTERNS = (
    re.compile(r"\bcur(e|es|ed)\b", re.IGNORECASE),
    re.compile(r"\d\s*(mg|ml|мг|мл)\b", re.IGNORECASE),
)

ARTICLE_SECTIONS = frozenset(
    {
        "Postpartum depression: when the joy of motherhood is overshadowed by darkness",
        "When reality differs from expectations",
        "Why do antidepressants often not help?",
        "Ketamine — a new approach to treating postpartum depression",
        "A comprehensive approach is the key to true recovery",
    }
)
SELF_CARE_SECTION = "self-care"
# Words that mean a snippet talks about treatment and must carry the clinic pointer.
TREATMENT_WORDS = re.compile(r"medicine|medication|antidepressant|therap|ketamine", re.IGNORECASE)
KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

EPDS_STEMS = {
    "q1": "I have been able to laugh and see the funny side of things",
    "q2": "I have looked forward with enjoyment to things",
    "q3": "I have blamed myself unnecessarily when things went wrong",
    "q4": "I have been anxious or worried for no good reason",
    "q5": "I have felt scared or panicky for no very good reason",
    "q6": "Things have been getting on top of me",
    "q7": "I have been so unhappy that I have had difficulty sleeping",
    "q8": "I have felt sad or miserable",
    "q9": "I have been so unhappy that I have been crying",
    "q10": "The thought of harming myself has occurred to me",
}
EPDS_INTRO_EN = (
    "As you are pregnant or have recently had a baby, we would like to know how you are "
    "feeling. Please check the answer that comes closest to how you have felt IN THE PAST 7 "
    "DAYS, not just how you feel today."
)


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _load(stem: str) -> Any:
    with (CONTENT / f"{stem}.yaml").open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_UniqueKeyLoader)  # a SafeLoader subclass: safe


@pytest.fixture(scope="module")
def docs() -> dict[str, Any]:
    return {stem: _load(stem) for stem in FILES}


def _is_translatable(node: Any) -> bool:
    return isinstance(node, dict) and bool(LANGS & set(node))


def _walk(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Yield (key path, node) for every node; list items get their index as a path part."""
    yield path, node
    if _is_translatable(node):
        return
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _walk(child, f"{path}.{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _walk(child, f"{path}.{index}")


def _texts(docs: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """Yield (key path, language, text) for every translatable text in every file."""
    for stem in FILES:
        for path, node in _walk(docs[stem], stem):
            if _is_translatable(node):
                for lang in sorted(LANGS & set(node)):
                    if isinstance(node[lang], str):
                        yield path, lang, node[lang]


def _snippet_path(index: int, snippet: dict[str, Any]) -> str:
    return f"snippets.snippets.{index} (id={snippet.get('id')!r})"


# ── All files ────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("stem", FILES)
def test_file_is_a_mapping_with_review_flag(docs: dict[str, Any], stem: str) -> None:
    assert isinstance(docs[stem], dict), f"content/{stem}.yaml must be a mapping"
    if stem != "snippets":  # snippets carry the flag one by one
        assert isinstance(docs[stem].get("reviewed"), bool), f"{stem}.reviewed must be true/false"


@pytest.mark.parametrize("stem", FILES)
def test_translatable_texts_have_exactly_en_and_uk(docs: dict[str, Any], stem: str) -> None:
    problems = []
    count = 0
    for path, node in _walk(docs[stem], stem):
        if _is_translatable(node):
            count += 1
            if set(node) != LANGS:
                problems.append(f"{path}: keys {sorted(node)}, expected exactly ['en', 'uk']")
                continue
            for lang in sorted(LANGS):
                value = node[lang]
                if not isinstance(value, str) or not value.strip():
                    problems.append(f"{path}.{lang}: must be a non-empty text")
        elif isinstance(node, str):
            last = path.rsplit(".", 2)
            key = last[-2] if last[-1].isdigit() else last[-1]
            if key not in METADATA_STRING_KEYS:
                problems.append(f"{path}: a bare text; write it as {{en: ..., uk: ...}}")
    assert count > 0
    assert not problems, "\n".join(problems)


def test_placeholders_only_where_allowed(docs: dict[str, Any]) -> None:
    treatment_paths = {
        f"snippets.snippets.{i}.text"
        for i, s in enumerate(docs["snippets"]["snippets"])
        if s.get("mentions_treatment") is True
    }
    problems = []
    for path, lang, text in _texts(docs):
        allowed = ALLOWED_PLACEHOLDERS.get(path, frozenset())
        if path in treatment_paths:
            allowed = frozenset({"clinic_contact"})
        found = set(PLACEHOLDER.findall(text))
        if found - allowed:
            problems.append(f"{path}.{lang}: placeholder(s) {sorted(found - allowed)} not allowed")
        leftover = PLACEHOLDER.sub("", text)
        if "{" in leftover or "}" in leftover:
            problems.append(f"{path}.{lang}: stray brace; placeholders look like {{name}}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("path", "name"), sorted(REQUIRED_PLACEHOLDERS.items()))
def test_required_placeholders_present(docs: dict[str, Any], path: str, name: str) -> None:
    stem, *keys = path.split(".")
    node = docs[stem]
    for key in keys:
        node = node[key]
    for lang in sorted(LANGS):
        assert f"{{{name}}}" in node[lang], f"{path}.{lang} must contain {{{name}}}"


def test_no_phone_numbers_outside_the_allowed_list(docs: dict[str, Any]) -> None:
    problems = []
    for path, lang, text in _texts(docs):
        if path in PHONE_CHECK_EXEMPT:
            continue
        for match in DIGIT_RUN.finditer(text):
            digits = re.sub(r"\D", "", match.group())
            if len(digits) >= 3 and digits not in ALLOWED_NUMBERS:
                problems.append(f"{path}.{lang}: {match.group()!r} is not an allowed number")
    assert not problems, "\n".join(problems)


def test_no_forbidden_claims(docs: dict[str, Any]) -> None:
    problems = []
    for path, lang, text in _texts(docs):
        lowered = text.lower()
        problems += [f"{path}.{lang}: contains {bad!r}" for bad in FORBIDDEN if bad in lowered]
        problems += [
            f"{path}.{lang}: matches {pattern.pattern!r}"
            for pattern in FORBIDDEN_PATTERNS
            if pattern.search(text)
        ]
    assert not problems, "\n".join(problems)


# ── snippets.yaml ────────────────────────────────────────────────────────────────────────────


def test_topics_have_short_labels(docs: dict[str, Any]) -> None:
    topics = docs["snippets"]["topics"]
    assert 6 <= len(topics) <= 8, "about 6–8 topics fit the /learn menu"
    for topic_id, label in topics.items():
        assert re.fullmatch(r"[a-z][a-z_]*", topic_id), f"topic id {topic_id!r}: use a_z and _"
        for lang in sorted(LANGS):
            assert len(label[lang]) <= 24, f"topics.{topic_id}.{lang} longer than 24 characters"


def test_snippets_count_ids_and_fields(docs: dict[str, Any]) -> None:
    snippets = docs["snippets"]["snippets"]
    topics = set(docs["snippets"]["topics"])
    assert len(snippets) >= 28
    ids = [s.get("id") for s in snippets]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate snippet ids: {duplicates}"
    expected_keys = {"id", "topics", "section", "reviewed", "mentions_treatment", "text"}
    for index, snippet in enumerate(snippets):
        where = _snippet_path(index, snippet)
        assert set(snippet) == expected_keys, f"{where}: keys {sorted(snippet)}"
        assert KEBAB.match(snippet["id"]), f"{where}: id must be kebab-case"
        assert isinstance(snippet["reviewed"], bool), f"{where}: reviewed must be true/false"
        assert isinstance(snippet["mentions_treatment"], bool), f"{where}: mentions_treatment"
        assert snippet["topics"], f"{where}: needs at least one topic"
        unknown = set(snippet["topics"]) - topics
        assert not unknown, f"{where}: unknown topics {sorted(unknown)}"
        section = snippet["section"]
        assert section in ARTICLE_SECTIONS | {SELF_CARE_SECTION}, f"{where}: section {section!r}"


def test_every_topic_has_three_snippets(docs: dict[str, Any]) -> None:
    counts = dict.fromkeys(docs["snippets"]["topics"], 0)
    for snippet in docs["snippets"]["snippets"]:
        for topic in snippet["topics"]:
            counts[topic] = counts.get(topic, 0) + 1
    thin = {topic: n for topic, n in counts.items() if n < 3}
    assert not thin, f"topics with fewer than 3 snippets: {thin}"


def test_every_article_section_and_self_care_is_covered(docs: dict[str, Any]) -> None:
    used = {s["section"] for s in docs["snippets"]["snippets"]}
    missing = (ARTICLE_SECTIONS | {SELF_CARE_SECTION}) - used
    assert not missing, f"no snippet for: {sorted(missing)}"


def test_snippet_length_after_contact_substitution(docs: dict[str, Any]) -> None:
    contact = docs["clinic"]["clinic"]["contact"]
    problems = []
    for index, snippet in enumerate(docs["snippets"]["snippets"]):
        for lang in sorted(LANGS):
            shown = snippet["text"][lang].replace(CONTACT, contact[lang])
            if len(shown) > 600:
                where = _snippet_path(index, snippet)
                problems.append(f"{where}.{lang}: {len(shown)} characters (max 600)")
    assert not problems, "\n".join(problems)


def test_treatment_snippets_end_with_clinic_pointer(docs: dict[str, Any]) -> None:
    problems = []
    for index, snippet in enumerate(docs["snippets"]["snippets"]):
        where = _snippet_path(index, snippet)
        texts = snippet["text"]
        if TREATMENT_WORDS.search(texts["en"]) and not snippet["mentions_treatment"]:
            problems.append(f"{where}: talks about treatment; set mentions_treatment: true")
        if not snippet["mentions_treatment"]:
            continue
        for lang in sorted(LANGS):
            text = texts[lang].rstrip()
            if text.count(CONTACT) != 1 or not text.endswith(CONTACT + "."):
                problems.append(f"{where}.{lang}: must end with a sentence ending '{CONTACT}.'")
    assert not problems, "\n".join(problems)


# ── clinic.yaml ──────────────────────────────────────────────────────────────────────────────


def test_clinic_keys(docs: dict[str, Any]) -> None:
    clinic = docs["clinic"]
    assert set(clinic["clinic"]) == {"name", "phone", "contact", "hours"}
    phone = clinic["clinic"]["phone"]
    assert phone is None or (isinstance(phone, str) and phone.strip()), "phone: null or a text"
    assert set(clinic["care_team"]) == {
        "what_happens",
        "what_happens_no_team",
        "contact_time",
        "routine_note",
        "routine_note_no_team",
    }
    assert set(clinic["care_team"]["contact_time"]) == {
        "today",
        "later_today",
        "next_working_day",
        "within_working_day",
        "soon",
    }
    assert set(clinic["consent"]) == {
        "intro",
        "intro_no_team",
        "what_is_stored",
        "retention",
        "what_triggers_contact",
        "question",
        "agree",
        "decline",
        "declined",
    }
    assert set(clinic["crisis"]) == {
        "reply",
        "clinic_phone_line",
        "team_notified_line",
        "still_here",
        "still_here_no_team",
        "delivered",
        "retraction_reply",
        "retraction_reply_no_team",
        "resources",
        "danger_abuse_extra",
    }
    assert _is_translatable(clinic["disclaimer"])


def test_no_team_twins_promise_no_contact(docs: dict[str, Any]) -> None:
    for key in NO_TEAM_TWINS:
        _stem, *path = key.split(".")
        node = docs["clinic"]
        for part in path[:-1]:
            node = node[part]
        twin = node[path[-1] + "_no_team"]
        for lang in sorted(LANGS):
            for promise in PROMISES:
                assert promise not in twin[lang].lower(), f"{key}_no_team.{lang}: '{promise}'"


def test_epds_item10_result_never_reassures(docs: dict[str, Any]) -> None:
    item10 = docs["epds"]["results"]["item10"]
    low = docs["epds"]["results"]["low"]
    assert "don't point to depression" in low["en"]
    assert "depression" not in item10["en"] and "депресі" not in item10["uk"]
    assert "harming yourself" in item10["en"] and "заподіяти собі шкоду" in item10["uk"]


def test_contact_fits_inside_a_sentence(docs: dict[str, Any]) -> None:
    for lang, text in docs["clinic"]["clinic"]["contact"].items():
        assert not text.rstrip().endswith((".", "!", "?")), f"clinic.contact.{lang}: no full stop"


def test_crisis_reply_numbers_and_split(docs: dict[str, Any]) -> None:
    crisis = docs["clinic"]["crisis"]
    for lang in sorted(LANGS):
        reply = crisis["reply"][lang]
        for number in ("7333", "112", "103"):
            assert number in reply, f"clinic.crisis.reply.{lang} must contain {number}"
        assert crisis["team_notified_line"][lang] not in reply, "team line is sent separately"
        assert crisis["still_here"][lang] not in reply, "still_here is sent separately"
    assert "care team" in crisis["team_notified_line"]["en"]


def test_crisis_resources_and_disclaimer_numbers(docs: dict[str, Any]) -> None:
    clinic = docs["clinic"]
    for lang in sorted(LANGS):
        resources = clinic["crisis"]["resources"][lang]
        for number in ("112", "103", "7333", "1547", "0 800 100 102"):
            assert number in resources, f"clinic.crisis.resources.{lang} must list {number}"
        danger = clinic["crisis"]["danger_abuse_extra"][lang]
        for number in ("112", "102", "1547"):
            assert number in danger, f"clinic.crisis.danger_abuse_extra.{lang} must list {number}"
        disclaimer = clinic["disclaimer"][lang]
        assert "112" in disclaimer and "103" in disclaimer
        assert "\n" not in disclaimer.strip(), "the disclaimer is one line"


# ── epds.yaml ────────────────────────────────────────────────────────────────────────────────


def test_epds_items_and_scores(docs: dict[str, Any]) -> None:
    items = docs["epds"]["items"]
    assert list(items) == [f"q{n}" for n in range(1, 11)]
    for key, item in items.items():
        assert set(item) == {"question", "options"}, f"epds.items.{key}: keys {sorted(item)}"
        assert len(item["options"]) == 4, f"epds.items.{key}: needs 4 options"
        scores = [option["score"] for option in item["options"]]
        expected = [0, 1, 2, 3] if key in {"q1", "q2", "q4"} else [3, 2, 1, 0]
        assert scores == expected, f"epds.items.{key}: scores {scores}, expected {expected}"
        for option in item["options"]:
            assert set(option) == {"score", "text"}
            assert _is_translatable(option["text"])


def test_epds_english_wording_is_verbatim(docs: dict[str, Any]) -> None:
    epds = docs["epds"]
    assert epds["intro"]["en"] == EPDS_INTRO_EN
    for key, stem in EPDS_STEMS.items():
        assert epds["items"][key]["question"]["en"] == stem, f"epds.items.{key}.question.en"
    citation = "Cox, J.L., Holden, J.M., Sagovsky, R. (1987)"
    for lang in sorted(LANGS):
        assert citation in epds["attribution"][lang]
        assert "Br J Psychiatry 150:782–786" in epds["attribution"][lang]


def test_epds_results_say_screening_not_diagnosis(docs: dict[str, Any]) -> None:
    results = docs["epds"]["results"]
    assert set(results) == {"low", "possible", "probable", "item10"}
    words = {"en": "screening, not a diagnosis", "uk": "скринінг, а не діагноз"}
    for band in ("low", "possible", "probable", "item10"):
        for lang in sorted(LANGS):
            assert words[lang] in results[band][lang], f"epds.results.{band}.{lang}"


def test_epds_offer(docs: dict[str, Any]) -> None:
    epds = docs["epds"]
    for key in ("offer", "offer_yes", "offer_later"):
        assert _is_translatable(epds[key]), f"epds.{key}"

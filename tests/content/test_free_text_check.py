"""content/free_text.yaml answers every distress and topic category, with reads that exist."""

from __future__ import annotations

from pathlib import Path

from bot.content import load_content
from bot.content.free_text_check import check_free_text

CONTENT = Path(__file__).resolve().parents[2] / "content"


def test_the_shipped_texts_answer_every_category() -> None:
    content, problems = load_content(CONTENT)
    assert problems == []
    assert check_free_text(content) == []


def test_a_missing_answer_and_an_unknown_read_are_reported_with_file_and_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "topic_lexicon.yaml").write_text(
        "categories:\n  sleep: {en: Sleep, uk: Сон}\n  work: {en: Work, uk: Робота}\n",
        encoding="utf-8",
    )
    (tmp_path / "snippets.yaml").write_text(
        "topics: {self_care: {en: Care, uk: Турбота}}\nsnippets: []\n", encoding="utf-8"
    )
    (tmp_path / "free_text.yaml").write_text(
        "topics:\n  sleep:\n    snippet: no-such-read\n    ack: {en: Hi, uk: Привіт}\n",
        encoding="utf-8",
    )
    content, _ = load_content(tmp_path)
    found = [(p.line, p.message) for p in check_free_text(content)]
    assert (3, "unknown snippet 'no-such-read'") in found
    assert any("topics.work: needs an 'ack' text" in message for _, message in found)

"""/learn in both languages: the next unseen read, the topic menu, no repeats until a topic is
finished, and starting a finished topic over."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content import Content
from bot.content.snippets import Snippet, snippet_text, snippets, topics
from bot.runtime import validate
from bot.services import Catalog, Services
from tests.journey.conftest import LANGS, Chat, rows

ROOT = Path(__file__).resolve().parents[2]


def reads(content: Content, topic: str | None = None) -> list[Snippet]:
    return [s for s in snippets(content) if topic is None or topic in s.topics]


def name_of(content: Content, topic: str, lang: str) -> str:
    return content.text(f"snippets.topics.{topic}", lang)


@pytest.mark.parametrize("lang", LANGS)
async def test_learn_gives_the_next_unseen_read_and_the_topic_menu(
    chat: Chat, services: Services, lang: str
) -> None:
    content = services.catalog.content
    await chat.onboard(lang)
    first, second = reads(content)[:2]
    await chat.command("learn")
    read, menu = chat.last
    assert read.text == snippet_text(content, first, lang)
    assert menu.text == content.text("learn.menu", lang)
    assert chat.labels() == [name_of(content, t, lang) for t in topics(content)]
    await chat.command("learn")
    assert chat.last[0].text == snippet_text(content, second, lang)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_topic_is_read_through_without_repeats_then_offered_again(
    chat: Chat, services: Services, lang: str
) -> None:
    content = services.catalog.content
    topic = "bonding"
    name = name_of(content, topic, lang)
    await chat.onboard(lang)
    await chat.command("learn")
    await chat.press(name)
    shown = []
    for _ in reads(content, topic):
        [message] = chat.last
        shown.append(message.text)
        assert chat.labels() == [
            content.text("learn.more_button", lang),
            content.text("learn.topics_button", lang),
        ]
        await chat.press_index(0)
    assert shown == [snippet_text(content, s, lang) for s in reads(content, topic)]
    assert chat.said() == content.text("learn.topic_done", lang, {"topic": name})
    assert chat.labels()[0] == content.text("learn.restart_button", lang, {"topic": name})
    await chat.press_index(1)  # other topics: the finished one is marked
    finished = content.text("learn.finished_topic_label", lang, {"topic": name})
    assert finished in chat.labels()


@pytest.mark.parametrize("lang", LANGS)
async def test_starting_a_topic_over_forgets_only_that_topic(
    chat: Chat, services: Services, lang: str
) -> None:
    content = services.catalog.content
    await chat.onboard(lang)
    await chat.press_action("learn:urgent")
    while chat.labels()[0] == content.text("learn.more_button", lang):
        await chat.press_index(0)
    await chat.press_action("learn:self_care")
    before = {r["snippet_id"] for r in await rows(services, "SELECT * FROM snippet_views")}
    await chat.press_action("learn_reset:urgent")
    first_urgent = reads(content, "urgent")[0]
    assert [m.text for m in chat.last] == [
        snippet_text(content, first_urgent, lang),
        content.text("clinic.crisis.resources", lang),  # every help line, under each read
    ]
    after = {r["snippet_id"] for r in await rows(services, "SELECT * FROM snippet_views")}
    urgent = {s.id for s in reads(content, "urgent")}
    assert before - after == urgent - {first_urgent.id}  # the first one is read again now
    assert reads(content, "self_care")[0].id in after


@pytest.mark.parametrize("lang", LANGS)
async def test_when_everything_is_read_every_topic_is_marked_finished(
    chat: Chat, services: Services, lang: str
) -> None:
    content = services.catalog.content
    await chat.onboard(lang)
    for _ in reads(content):
        await chat.command("learn")
    await chat.command("learn")
    [message] = chat.last
    assert message.text == content.text("learn.all_read", lang)
    for topic in topics(content):
        name = name_of(content, topic, lang)
        assert content.text("learn.finished_topic_label", lang, {"topic": name}) in chat.labels()


async def test_an_outdated_topic_button_is_refused_kindly(chat: Chat, services: Services) -> None:
    await chat.onboard("en")
    await chat.press_action("learn:no_such_topic")
    assert chat.said() == services.catalog.content.text("ui.expired", "en")
    await chat.press_action("nonsense:x")
    assert chat.said() == services.catalog.content.text("ui.expired", "en")


async def test_topic_buttons_fit_telegram_callback_data(services: Services) -> None:
    from bot.conversation.messages import ButtonRef
    from bot.telegram.callbacks import CallbackCodec

    codec = CallbackCodec("s" * 64)
    for topic in topics(services.catalog.content):
        for action in (f"learn:{topic}", f"learn_reset:{topic}", "learn_menu"):
            assert codec.decode(codec.encode(ButtonRef.menu(action))) is not None


def test_check_refuses_a_snippet_without_both_languages(tmp_path: Path) -> None:
    """``main.py check`` (validate) checks every snippet in both languages, with its line."""
    content_dir = tmp_path / "content"
    shutil.copytree(ROOT / "content", content_dir)
    path = content_dir / "snippets.yaml"
    source = path.read_text(encoding="utf-8")
    first = source[: source.index("  - id: ")].count("\n") + 1
    line = source[: source.index("      uk: >-")].count("\n") + 1
    path.write_text(source.replace("      uk: >-", "      ru: >-", 1), encoding="utf-8")
    catalog, problems = validate(ROOT / "dialogs", content_dir)
    assert catalog is None
    found = [str(p) for p in problems if p.file.endswith("snippets.yaml")]
    assert any("missing 'uk' translation" in p for p in found), found
    lines = [int(p.split(":")[1]) for p in found]
    assert all(first <= number <= line for number in lines), (first, line, found)


def test_shipped_flows_include_the_journey(catalog: Catalog) -> None:
    """The session catalog is the validated one (``load_catalog`` raises on any problem)."""
    expected = {"checkin", "epds", "learn", "mood", "settings", "pause", "resume", "export"}
    assert expected | {"delete"} <= set(catalog.flows)
    assert catalog.flows["epds"].command == "screening"

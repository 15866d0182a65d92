"""Broken flows are refused with file and line, before any mother sees them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import Content, load_content
from bot.engine import load_flows
from bot.engine.loader import parse_flow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def content() -> Content:
    loaded, problems = load_content(ROOT / "content")
    assert not problems
    return loaded


def problems_for(tmp_path: Path, content: Content, text: str) -> list[str]:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems = parse_flow(path, content, frozenset({"give_consent"}))
    return [f"{p.line}: {p.message}" for p in problems]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "id: x\nsteps:\n  - {id: a, type: shout, text: ui.skip}\n",
            "3: unknown step type 'shout'",
        ),
        (
            "id: x\nsteps:\n  - id: a\n    type: say\n    text: {en: Hi}\n",
            "5: 'text': missing 'uk' translation",
        ),
        (
            "id: x\nsteps:\n  - {id: a, type: say, text: ui.nope}\n",
            "3: unknown content key 'ui.nope'",
        ),
        (
            "id: x\nsteps:\n  - {id: a, type: say, text: ui.skip, next: nowhere}\n",
            "3: goto to missing step 'nowhere'",
        ),
        (
            "id: x\nsteps:\n  - id: b\n    type: branch\n    cases:\n      - {when: 'mood <=', goto: b}\n",
            "6: condition does not parse",
        ),
        (
            "id: x\nsteps:\n  - id: b\n    type: branch\n    cases:\n      - {when: 'moood < 2', goto: b}\n",
            "6: condition uses 'moood', which this flow never saves",
        ),
        (
            "id: x\nsteps:\n  - id: b\n    type: branch\n    cases:\n      - {when: '__import__(\"os\")', goto: b}\n",
            "6: only",
        ),
        (
            "id: x\nsteps:\n  - {id: a, type: action, do: [{call: rm_rf}]}\n",
            "3: unknown host call 'rm_rf'",
        ),
        ("id: x\nsteps: [\n", "invalid YAML"),
        (
            "id: x\nsteps:\n  - {id: a, type: say, text: ui.skip}\n  - {id: a, type: say, text: ui.skip}\n",
            "4: duplicate step id 'a'",
        ),
    ],
)
def test_broken_flow_is_refused_with_line(
    tmp_path: Path, content: Content, text: str, expected: str
) -> None:
    found = problems_for(tmp_path, content, text)
    assert any(expected in problem for problem in found), found


def test_start_flow_must_exist(tmp_path: Path, content: Content) -> None:
    (tmp_path / "a.yaml").write_text(
        "id: a\nsteps:\n  - {id: go, type: action, do: [{start_flow: missing}]}\n", encoding="utf-8"
    )
    _, problems = load_flows(tmp_path, content, frozenset())
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'a.yaml'}:3: start_flow of unknown flow 'missing'"
    ]


def test_shipped_dialogs_are_valid(content: Content) -> None:
    from bot.conversation.host_calls import HOST_CALLS

    flows, problems = load_flows(ROOT / "dialogs", content, frozenset(HOST_CALLS))
    assert problems == []
    assert "onboarding" in flows

"""The ``compose`` step refuses malformed parts with file and line (its runs are golden cases)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import Content, load_content
from bot.engine.loader import parse_flow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def content() -> Content:
    loaded, problems = load_content(ROOT / "content")
    assert not problems
    return loaded


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ("[]", "4: compose 'r' needs a list of 'parts'"),
        ("[{when: 'x > 1'}]", "4: a part is {when: condition, text: ...}"),
        ("[{text: ui.skip, colour: red}]", "4: a part is"),
        ("[{first_of: []}]", "4: 'first_of' needs a list of parts"),
        ("[{text: ui.nope}]", "4: unknown content key 'ui.nope'"),
        ("[{when: 'moood > 1', text: ui.skip}]", "4: condition uses 'moood'"),
        ("[{text: {en: Hi}}]", "4: 'text': missing 'uk' translation"),
    ],
)
def test_malformed_parts_are_refused(
    tmp_path: Path, content: Content, parts: str, expected: str
) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text(f"id: x\nsteps:\n  - id: r\n    type: compose\n    parts: {parts}\n")
    _, problems = parse_flow(path, content, frozenset())
    found = [f"{p.line}: {p.message}" for p in problems]
    assert any(expected.split(": ", 1)[1] in f for f in found), found

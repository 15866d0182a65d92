"""The terminal chat prints each message once: a chart's caption under its file line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.services import Services
from bot.terminal import chat as terminal

LINES = "/start\n2\n1\nOlena\n01.11.2026\n1\n/checkin\n1\n1\n1\n1\n1\n1\n/mood\n"


async def test_mood_caption_is_printed_once(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(terminal, "FILES_DIR", tmp_path / "files")
    out = io.StringIO()
    await terminal.run_chat(services, io.StringIO(LINES), out)
    printed = out.getvalue()
    after_chart = printed[printed.index("[file saved:") :]
    caption = "Good days this week: 1."
    assert printed.count(caption) == 1 and caption in after_chart
    assert list((tmp_path / "files").glob("chart-*.png"))

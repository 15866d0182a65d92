"""``main.py`` as the clinic's IT person runs it: exit codes and one clear line per problem."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def run_main(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "STAFF_"))}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        cwd=cwd,
        env={**clean, "CONFIG_FILE": "/nonexistent/config.yaml", **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_run_without_token_and_without_terminal_exits_2_naming_the_variable(
    tmp_path: Path,
) -> None:
    result = run_main("run", DATABASE_PATH=str(tmp_path / "db.sqlite3"))
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr


def test_a_bad_variable_stops_start_up_with_one_line() -> None:
    result = run_main("run", BOT_TIMEZONE="Mars/Olympus")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "BOT_TIMEZONE" in lines[0]


def test_check_passes_on_the_shipped_yaml() -> None:
    result = run_main("check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_fails_with_file_and_line_on_a_broken_copy(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "dialogs", tmp_path / "dialogs")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    flow = tmp_path / "dialogs" / "checkin.yaml"
    flow.write_text(flow.read_text(encoding="utf-8").replace("type: branch", "type: brnch", 1))
    ui = tmp_path / "content" / "ui.yaml"
    ui.write_text(ui.read_text(encoding="utf-8").replace('  uk: "Ця кнопка', '  xx: "Ця кнопка'))
    result = run_main("check", cwd=tmp_path)
    assert result.returncode == 1
    assert "dialogs/checkin.yaml:" in result.stdout and "unknown step type 'brnch'" in result.stdout
    assert "content/ui.yaml:" in result.stdout and "missing 'uk' translation" in result.stdout


def test_chat_runs_a_conversation_from_stdin(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "chat"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_PATH": str(tmp_path / "db.sqlite3"), "QUIET_HOURS": ""},
        input="/start\n2\n1\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Which language" not in result.stdout  # preselected Ukrainian greeting first
    assert "Якою мовою" in result.stdout
    assert "Do you agree?" in result.stdout
    assert "What would you like me to call you?" in result.stdout


def test_check_reports_a_condition_that_can_never_be_evaluated(tmp_path: Path) -> None:
    """A mistyped ``when:`` (a number compared with a word answer) would never fire at run
    time, silently: ``check`` evaluates it with the answers the question really gives."""
    shutil.copytree(ROOT / "dialogs", tmp_path / "dialogs")
    shutil.copytree(ROOT / "content", tmp_path / "content")
    rules = tmp_path / "content" / "escalation.yaml"
    text = rules.read_text(encoding="utf-8")
    assert "    when: \"value != 'no'\"" in text
    rules.write_text(text.replace("    when: \"value != 'no'\"", '    when: "value >= 1"', 1))
    line = next(n for n, row in enumerate(rules.read_text().splitlines(), 1) if "value >= 1" in row)
    result = run_main("check", cwd=tmp_path)
    assert result.returncode == 1
    assert f"content/escalation.yaml:{line}:" in result.stdout
    assert "rule 'checkin_safety'" in result.stdout and "cannot be evaluated" in result.stdout

"""``main.py run --workers N``: what it refuses, and the real processes it keeps running.

Why: several workers are only safe in webhook mode on PostgreSQL, so a wrong setup must stop
at once with one line saying what to set, never start half a bot. And the parent exists to
keep workers running: a worker killed with ``kill -9`` must come back on the same port while
the mother's conversation goes on, and SIGTERM to the parent must stop every worker cleanly
without taking the webhook away from Telegram. On PostgreSQL two workers share the port and
both take Telegram's connections (read from ``/proc``: which process holds which socket).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
from pathlib import Path

import pytest

import main
from bot.ops.supervisor import MAX_RESTART_SECONDS, restart_delay
from tests.fakeapi import FakeBotApi
from tests.harness import BotProcess, at_consent, process_env
from tests.ops.conftest import free_port

PUBLIC_URL = "https://bot.example.org/telegram"
SECRET = "workers-secret_0123456789"
WORKER_STARTED = re.compile(r"worker_started slot=(\d+) pid=(\d+)")


@pytest.fixture
def run_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "7000000001:AAH-unique-test-token-0123456789abcdef")
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "data" / "bot.sqlite3"))
    monkeypatch.setenv("CONFIG_FILE", str(tmp_path / "none.yaml"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("BOT_WEBHOOK_URL", raising=False)
    return monkeypatch


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_the_worker_count_is_a_whole_number_of_at_least_one(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main.main(["run", "--workers", value])
    assert exited.value.code == 2
    assert "--workers: must be a whole number of at least 1" in capsys.readouterr().err


def test_workers_is_an_option_of_run_only(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main.main(["status", "--workers", "2"])
    assert exited.value.code == 2
    assert "--workers is an option of run" in capsys.readouterr().err


def test_workers_need_webhook_mode(
    run_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], logging_restored: None
) -> None:
    assert main.main(["run", "--workers", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "--workers needs webhook mode: set BOT_WEBHOOK_URL (long polling allows one process per bot)"
    ]


def test_several_workers_refuse_sqlite(
    run_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    logging_restored: None,
    tmp_path: Path,
) -> None:
    run_env.setenv("BOT_WEBHOOK_URL", PUBLIC_URL)
    assert main.main(["run", "--workers", "3"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "--workers 3 needs PostgreSQL: set DATABASE_URL=postgresql://… (SQLite allows one worker)"
    ]
    assert not (tmp_path / "data").exists(), "nothing was started"


def test_a_worker_that_keeps_dying_is_restarted_ever_more_slowly() -> None:
    assert [restart_delay(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert restart_delay(30) == MAX_RESTART_SECONDS


def started_workers(process: BotProcess) -> dict[int, int]:
    """The pid now running in each slot, from the supervisor's log."""
    slots: dict[int, int] = {}
    for line in process.lines:
        found = WORKER_STARTED.search(line)
        if found:
            slots[int(found[1])] = int(found[2])
    return slots


@pytest.mark.slow
async def test_a_killed_worker_is_restarted_and_sigterm_stops_them_all(
    api: FakeBotApi, tmp_path: Path
) -> None:
    port = free_port()
    env = process_env(
        api,
        tmp_path / "data" / "bot.sqlite3",
        BOT_WEBHOOK_URL=PUBLIC_URL,
        BOT_WEBHOOK_LISTEN="127.0.0.1",
        BOT_WEBHOOK_PORT=str(port),
        BOT_WEBHOOK_SECRET=SECRET,
    )
    api.forward_webhook(f"http://127.0.0.1:{port}")
    mother = api.user(4301, "Olena", language_code="en")
    parent = await BotProcess(env, "run", "--workers", "1").start()
    try:
        await parent.wait_for_line("bot_started mode=webhook")
        first = started_workers(parent)[0]
        await at_consent(mother)

        os.kill(first, signal.SIGKILL)
        await parent.wait_for_line("worker_died slot=0")
        await mother.press("Yes, I agree")
        await mother.wait_for_text("call you", timeout=15)
        assert started_workers(parent)[0] != first
        assert parent.output.count("bot_started mode=webhook") == 2

        parent.terminate()
        assert await parent.wait(within=30) == 0, parent.output
    finally:
        await parent.kill()
    assert "worker_exited slot=0" in parent.output
    assert "supervisor_stopped clean=True" in parent.output
    assert api.count_of("deleteWebhook") == 0
    assert all(attempt.status in (0, 200) for attempt in api.webhook_attempts)


def gone(pid: int) -> bool:
    """Whether the process has ended (a zombie nobody reaped yet has ended too)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


@pytest.mark.slow
async def test_workers_stop_by_themselves_when_the_supervisor_is_killed(
    api: FakeBotApi, tmp_path: Path
) -> None:
    port = free_port()
    env = process_env(
        api,
        tmp_path / "data" / "bot.sqlite3",
        BOT_WEBHOOK_URL=PUBLIC_URL,
        BOT_WEBHOOK_LISTEN="127.0.0.1",
        BOT_WEBHOOK_PORT=str(port),
        BOT_WEBHOOK_SECRET=SECRET,
    )
    parent = await BotProcess(env, "run", "--workers", "1").start()
    try:
        await parent.wait_for_line("bot_started mode=webhook")
        worker = started_workers(parent)[0]
        assert parent.proc is not None
        parent.proc.kill()
        # The worker still writes to the pipe the parent shared with it.
        await parent.wait_for_line("supervisor_gone", within=10)
        await parent.wait_for_line("bot_stopped", within=30)
        # The pipe closes when the last process holding it, the worker, is exiting.
        await parent.wait(within=10)
        deadline = asyncio.get_running_loop().time() + 5
        while not gone(worker):
            assert asyncio.get_running_loop().time() < deadline, "the worker did not end"
            await asyncio.sleep(0.01)
    finally:
        await parent.kill()


def connections_on(port: int, pid: int) -> int:
    """Established TCP connections to ``127.0.0.1:port`` that process ``pid`` holds."""
    inodes = set()
    fds = Path(f"/proc/{pid}/fd")
    for fd in fds.iterdir():
        try:
            target = str(fd.readlink())
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    local = f"0100007F:{port:04X}"
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[3] == "01" and fields[9] in inodes:
            count += 1
    return count


@pytest.mark.slow
async def test_two_workers_on_postgresql_share_the_port_and_both_answer(
    api: FakeBotApi, pg_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = process_env(
        api,
        tmp_path / "data" / "bot.sqlite3",
        DATABASE_URL=pg_url,
        BOT_WEBHOOK_URL=PUBLIC_URL,
        BOT_WEBHOOK_LISTEN="127.0.0.1",
        BOT_WEBHOOK_PORT=str(port),
        BOT_WEBHOOK_SECRET=SECRET,
    )
    api.forward_webhook(f"http://127.0.0.1:{port}")
    parent = await BotProcess(env, "run", "--workers", "2").start()
    try:
        # Each worker calls setWebhook once it listens.
        await api.wait_for(lambda: api.count_of("setWebhook", ok=True) == 2, timeout=30)
        workers = started_workers(parent)
        assert sorted(workers) == [0, 1]
        mothers = [api.user(4400 + n, "Olena", language_code="en") for n in range(100)]
        await asyncio.gather(*(mother.send("/start") for mother in mothers))
        for mother in mothers:
            await mother.wait_for_text("Which language", timeout=30)
        await api.wait_confirmed(timeout=30)
        # Telegram's connections (the fake keeps them open) were spread over both workers.
        held = {slot: connections_on(port, pid) for slot, pid in workers.items()}
        assert all(held.values()), held

        parent.terminate()
        assert await parent.wait(within=40) == 0, parent.output
    finally:
        await parent.kill()
    assert parent.output.count("worker_exited") == 2
    assert all(attempt.ok for attempt in api.webhook_attempts)
    assert len(api.webhook_attempts) == len(mothers)
    assert api.count_of("deleteWebhook") == 0

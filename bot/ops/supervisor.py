"""``main.py run --workers N``: N worker processes behind one webhook port, kept running.

One Python process answers on one core; a clinic with many mothers on a host with several
cores runs several. Each worker is the whole bot (``run_bot``) and binds the same port with
``SO_REUSEPORT`` (``bot/telegram/webhook_server.py``), so the kernel spreads Telegram's
connections between them, and PostgreSQL keeps them from doing anything twice (claims on the
outbox and the sends, a turn lock per mother, one leader for the duties only one may run).
The parent does no bot work, so a worker's crash never takes the others down: it checks the
setup, loads the catalog once, forks the workers, forwards SIGTERM and SIGINT to them, and
starts a worker again when one dies — after a back-off that doubles while it keeps dying soon
after starting, so a worker that cannot start does not spin.

Forking is safe here because the parent never runs an event loop or a thread: each worker
opens its own connections and loop after the fork. The parent holds the run lock of
``DATABASE_PATH``; the workers inherit it, so ``restore`` sees the bot as running until the
last of them has exited. A worker whose parent died (``kill -9`` of the parent) stops by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

from bot.config import Config

log = logging.getLogger("poruch.supervisor")

FIRST_RESTART_SECONDS = 1.0
MAX_RESTART_SECONDS = 60.0
STABLE_SECONDS = 60.0  # a worker that lived this long died of something new: restart at once
# A worker drains its webhook and then its sender in about 20 s at most; systemd and Docker
# (deploy/, docs/production.md) wait 30 s before they kill everything themselves.
STOP_SECONDS = 25.0
POLL_SECONDS = 0.1
PARENT_CHECK_SECONDS = 1.0


def refusal(config: Config, workers: int) -> str | None:
    """Why ``--workers N`` cannot run with this configuration, in one line; ``None`` if it can.

    Long polling allows one process per bot (Telegram answers a second poller with
    "Conflict"), and SQLite one writer process, so several workers need both a webhook and
    PostgreSQL."""
    if config.webhook_url is None:
        return (
            "--workers needs webhook mode: set BOT_WEBHOOK_URL "
            "(long polling allows one process per bot)"
        )
    if workers > 1 and config.database_url is None:
        return (
            f"--workers {workers} needs PostgreSQL: set DATABASE_URL=postgresql://… "
            "(SQLite allows one worker)"
        )
    return None


def restart_delay(failures: int) -> float:
    """The wait before starting a worker that died ``failures`` times in a row soon after it
    started (1, 2, …): 1 s, doubling, at most a minute."""
    return min(FIRST_RESTART_SECONDS * 2.0 ** (failures - 1), MAX_RESTART_SECONDS)


@dataclass
class Slot:
    """One of the N places a worker runs in; its process comes and goes."""

    index: int
    pid: int | None = None
    started: float = 0.0
    failures: int = 0
    due: float = 0.0


class Supervisor:
    """Keeps ``workers`` forked processes running ``work`` (which returns an exit code) until
    SIGTERM or SIGINT, then stops them and returns 0 if every one exited cleanly."""

    def __init__(
        self,
        workers: int,
        work: Callable[[], int],
        *,
        clock: Callable[[], float] = time.monotonic,
        stop_seconds: float = STOP_SECONDS,
    ) -> None:
        if workers < 1:
            raise ValueError("at least one worker")
        self.slots = [Slot(index) for index in range(workers)]
        self._work = work
        self._clock = clock
        self._stop_seconds = stop_seconds
        self._stop_requested = False
        self._stop_deadline: float | None = None
        self._clean = True

    def run(self) -> int:
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            while self._step():
                time.sleep(POLL_SECONDS)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        log.info("supervisor_stopped clean=%s", self._clean)
        return 0 if self._clean else 1

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stop_requested = True

    def _step(self) -> bool:
        """Reap, then stop or (re)start; whether to go on."""
        now = self._clock()
        self._reap(now)
        if self._stop_requested and self._stop_deadline is None:
            self._stop_deadline = now + self._stop_seconds
            log.info("supervisor_stopping workers=%s", len(self._running()))
            self._signal_all(signal.SIGTERM)
        if self._stop_deadline is not None:
            if not self._running():
                return False
            if now >= self._stop_deadline:
                log.warning("workers_killed count=%s", len(self._running()))
                self._clean = False
                self._signal_all(signal.SIGKILL)
            return True
        for slot in self.slots:
            if slot.pid is None and now >= slot.due:
                self._start(slot, now)
        return True

    def _running(self) -> list[Slot]:
        return [slot for slot in self.slots if slot.pid is not None]

    def _signal_all(self, sig: int) -> None:
        for slot in self._running():
            assert slot.pid is not None
            # A worker that exited a moment ago is reaped on the next step.
            with contextlib.suppress(ProcessLookupError):
                os.kill(slot.pid, sig)

    def _reap(self, now: float) -> None:
        while self._running():
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                return
            slot = next((s for s in self.slots if s.pid == pid), None)
            if slot is None:
                continue
            slot.pid = None
            code = os.waitstatus_to_exitcode(status)
            if self._stop_requested:
                self._clean = self._clean and code == 0
                log.info("worker_exited slot=%s pid=%s code=%s", slot.index, pid, code)
                continue
            lived = now - slot.started
            slot.failures = 1 if lived >= STABLE_SECONDS else slot.failures + 1
            delay = restart_delay(slot.failures)
            slot.due = now + delay
            log.warning(
                "worker_died slot=%s pid=%s code=%s lived_s=%.1f restart_in_s=%.1f",
                slot.index,
                pid,
                code,
                lived,
                delay,
            )

    def _start(self, slot: Slot, now: float) -> None:
        pid = os.fork()
        if pid == 0:
            os._exit(self._child())
        slot.pid, slot.started = pid, now
        log.info("worker_started slot=%s pid=%s", slot.index, pid)

    def _child(self) -> int:
        """In the forked worker: its own signal handling (``run_bot`` installs it), then the
        work; never returns into the parent's code."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        try:
            return self._work()
        except BaseException:
            log.critical("worker_crashed", exc_info=True)
            return 1
        finally:
            logging.shutdown()


async def stop_when_orphaned(parent: int, stop: asyncio.Event) -> None:
    """Set ``stop`` once the process that forked this worker is gone (its parent changes):
    a worker left behind by a killed supervisor would never be restarted or stopped."""
    while not stop.is_set():
        if os.getppid() != parent:
            log.warning("supervisor_gone")
            stop.set()
            return
        try:
            await asyncio.wait_for(stop.wait(), PARENT_CHECK_SECONDS)
        except TimeoutError:
            continue

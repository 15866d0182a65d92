"""One sender for everything the bot says, paced below Telegram's limits, urgent things first.

Telegram allows about 30 messages a second overall and about one a second per chat. Everything
goes through one :class:`Sender` so those limits are respected in one place, with three lanes
(``bot/priority.py``):

0. crisis replies and urgent staff alerts;
1. replies to her own messages (and routine staff alerts);
2. scheduled prompts, at most one a second per chat.

The pacer spaces sends evenly; at each free slot the most urgent ready message goes. A 429
pauses that lane for ``retry_after`` and the message waits at the head of its lane: nothing is
dropped. Messages to one chat leave in order, one at a time. Scheduled prompts are rendered
lazily (``prepare``), right before their slot, so a prompt queued for 20 minutes starts the
check-in as it is when she reads it, and a mother who paused meanwhile gets nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.conversation.messages import Outgoing
from bot.delivery import DeliveryError, RetryLater, Transport, Unreachable, check_wanted
from bot.pacing import Clock, Pacer, RealClock
from bot.priority import Lane, send_lane
from bot.shared_pace import SharedPace

log = logging.getLogger("poruch.sender")

MAX_IN_FLIGHT = 8  # requests under way at once: enough to fill 30/s at 250 ms round trips
PER_CHAT_INTERVAL = 1.0
NETWORK_RETRIES = 3
PRUNE_CHATS_OVER = 20_000
WINDOW = 1.0  # Telegram counts messages per second, in sliding windows
WINDOW_MARGIN = 0.02  # jitter between a request leaving and Telegram stamping it (< the headroom)
SCAN_LIMIT = 500  # items looked at per lane when choosing: bounded even with a long queue
SHARED_PACE_RETRY = 1.0  # the shared pace could not be asked (database down): look again


@dataclass(frozen=True)
class SendResult:
    """How an item ended: ``sent`` (all its messages), ``skipped`` (nothing left to say),
    ``unreachable`` (403: she blocked the bot) or ``failed``."""

    status: str
    message_ids: tuple[int | None, ...] = ()
    error: DeliveryError | None = None


Prepare = Callable[[], Awaitable[list[Outgoing]]]
Done = Callable[[SendResult], Awaitable[None]]


@dataclass(eq=False)
class Item:
    lane: Lane
    chat_id: int
    messages: deque[Outgoing] = field(default_factory=deque)
    prepare: Prepare | None = None
    done: Done | None = None
    future: asyncio.Future[int | None] | None = None
    enqueued_at: float = 0.0
    not_before: float = 0.0
    attempts: int = 0
    message_ids: list[int | None] = field(default_factory=list)


class Sender:
    def __init__(
        self,
        transport: Transport,
        rate: float = 30.0,
        clock: Clock | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
        shared: SharedPace | None = None,
    ) -> None:
        """``shared``: the pace several workers share (``bot/shared_pace.py``), asked before
        each request on top of this sender's own pacer; None with one process."""
        self.transport = transport
        self.shared = shared
        self.clock = clock or RealClock()
        self.pacer = Pacer(rate)
        self.window_limit = max(1, int(rate))
        self._starts: deque[list[float]] = deque()  # request start times of the last second
        self.max_in_flight = max_in_flight
        self.lanes: tuple[deque[Item], ...] = (deque(), deque(), deque())
        self.paused_until = [0.0, 0.0, 0.0]
        self.rate_limited = 0
        self.observers: list[Callable[[Item, float], None]] = []
        self._busy: set[int] = set()
        self._last_sent: dict[int, float] = {}
        self._held: dict[int, float] = {}  # chats waiting out a per-chat 429
        self._in_flight = 0
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ submitting

    def submit(self, message: Outgoing, lane: Lane | None = None, done: Done | None = None) -> Item:
        """Queue ``message`` and return at once; ``done`` hears how it ended."""
        lane = send_lane(message.priority) if lane is None else lane
        item = Item(lane, message.chat_id, done=done)
        item.messages.append(message)
        return self._enqueue(item)

    def submit_lazy(self, chat_id: int, prepare: Prepare, done: Done | None = None) -> Item:
        """Queue a scheduled item rendered by ``prepare`` when its turn comes."""
        return self._enqueue(Item(Lane.SCHEDULED, chat_id, prepare=prepare, done=done))

    async def send(self, message: Outgoing, lane: Lane | None = None) -> int | None:
        """Queue ``message`` and wait until Telegram took it: the Transport contract, so the
        outbox worker can deliver through the sender. Raises Unreachable or DeliveryError."""
        item = Item(send_lane(message.priority) if lane is None else lane, message.chat_id)
        item.messages.append(message)
        item.future = asyncio.get_running_loop().create_future()
        self._enqueue(item)
        return await item.future

    def pending(self, lane: Lane) -> int:
        return len(self.lanes[lane])

    def discard(self, lane: Lane) -> int:
        """Forget what waits in ``lane`` (at shutdown: scheduled rows stay pending in the
        database and are sent after the restart); messages already under way still finish."""
        queue = self.lanes[lane]
        kept = [item for item in queue if item.chat_id in self._busy]
        dropped = len(queue) - len(kept)
        queue.clear()
        queue.extend(kept)
        self._wake.set()
        return dropped

    async def drain(self, within: float | None = None) -> bool:
        """Wait until everything queued was sent (or ended); False if ``within`` seconds passed."""
        try:
            async with asyncio.timeout(within):
                await self._idle.wait()
                while self._tasks:
                    await asyncio.gather(*list(self._tasks), return_exceptions=True)
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        """Stop at once (what is still queued stays undelivered; scheduled rows stay pending)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _enqueue(self, item: Item) -> Item:
        item.enqueued_at = self.clock.now()
        self.lanes[item.lane].append(item)
        self._idle.clear()
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        return item

    # ------------------------------------------------------------------ the loop

    async def _run(self) -> None:
        while any(self.lanes) or self._in_flight:
            now = self.clock.now()
            item, retry_at = self._pick(now)
            if item is None:
                self._wake.clear()
                timeout = None if retry_at is None else max(0.001, retry_at - now)
                await self.clock.wait(self._wake, timeout)
                continue
            if item.prepare is not None:
                await self._prepare(item)  # while the pacer waits: rendering costs no slot
                continue
            delay = max(self.pacer.delay(now), self._window_delay(now))
            if delay > 0:
                await self.clock.sleep(delay)
                continue
            if self.shared is not None and not await self._shared_slot(item):
                continue
            self._start(item, self.clock.now())
        self._idle.set()

    def _pick(self, now: float) -> tuple[Item | None, float | None]:
        """The most urgent item that may go now, else when to look again."""
        retry_at: float | None = None
        for lane, queue in enumerate(self.lanes):
            if not queue:
                continue
            if self.paused_until[lane] > now:
                retry_at = _earliest(retry_at, self.paused_until[lane])
                continue
            if lane != Lane.URGENT and self._in_flight >= self.max_in_flight:
                continue
            for item in itertools.islice(queue, SCAN_LIMIT):
                ready_at = self._ready_at(item, now)
                if ready_at is None:
                    continue
                if ready_at <= now:
                    return item, None
                retry_at = _earliest(retry_at, ready_at)
        return None, retry_at

    def _ready_at(self, item: Item, now: float) -> float | None:
        """When ``item`` may go; None while its chat has a message in flight."""
        if item.chat_id in self._busy:
            return None
        ready = max(item.not_before, self._held.get(item.chat_id, 0.0))
        if item.lane == Lane.SCHEDULED:
            last = self._last_sent.get(item.chat_id)
            if last is not None:
                ready = max(ready, last + PER_CHAT_INTERVAL)
        return ready

    async def _prepare(self, item: Item) -> None:
        prepare, item.prepare = item.prepare, None
        assert prepare is not None
        try:
            item.messages.extend(await prepare())
        except Exception:
            log.exception("prepare_failed")
        if not item.messages:
            self._finish(item, SendResult("skipped"))

    async def _shared_slot(self, item: Item) -> bool:
        """A slot from the pace all workers share, else wait as it says: for her chat (another
        item may go meanwhile) or for everyone."""
        assert self.shared is not None
        try:
            booking = await self.shared.book(item.chat_id, per_chat=item.lane == Lane.SCHEDULED)
        except Exception:
            log.exception("shared_pace_failed")
            await self.clock.sleep(SHARED_PACE_RETRY)
            return False
        if booking.granted:
            return True
        if booking.chat_wait > 0:
            item.not_before = max(item.not_before, self.clock.now() + booking.chat_wait)
        else:
            await self.clock.sleep(booking.global_wait)
        return False

    async def _shared_sent(self, chat_id: int) -> None:
        if self.shared is None:
            return
        try:
            await self.shared.sent(chat_id)
        except Exception:  # her chat stays held a little longer: slower, never faster
            log.exception("shared_pace_failed")

    def _window_delay(self, now: float) -> float:
        """How long until one more request keeps any second's count within the limit, judged
        by when requests really left (see ``_deliver``), not when their slot was booked.

        The pacer spaces slots evenly, but a request whose task starts late (the event loop
        busy rendering a prompt) arrives late, and the request 30 slots after it, on time,
        then lands inside the same second as Telegram counts: one 429 per stall."""
        starts = self._starts
        while starts and starts[0][0] <= now - WINDOW - WINDOW_MARGIN:
            starts.popleft()
        if len(starts) < self.window_limit:
            return 0.0
        return starts[-self.window_limit][0] + WINDOW + WINDOW_MARGIN - now

    def _start(self, item: Item, now: float) -> None:
        message = item.messages.popleft()
        self.pacer.take(now)
        started = [now]
        self._starts.append(started)
        self._busy.add(item.chat_id)
        self._in_flight += 1
        for observer in self.observers:
            observer(item, now)
        task = asyncio.create_task(self._deliver(item, message, started))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, item: Item, message: Outgoing, started: list[float]) -> None:
        started[0] = self.clock.now()  # when the request really leaves
        try:
            await check_wanted(message)
            item.message_ids.append(await self.transport.deliver(message))
        except RetryLater as exc:
            self._retry(item, message, exc)
        except Unreachable as exc:
            self._finish(item, SendResult("unreachable", error=exc))
        except DeliveryError as exc:
            self._finish(item, SendResult("failed", error=exc))
        except Exception as exc:
            log.exception("deliver_failed")
            self._finish(item, SendResult("failed", error=DeliveryError(type(exc).__name__)))
        else:
            if not item.messages:
                self._finish(item, SendResult("sent", tuple(item.message_ids)))
        finally:
            self._delivered(item.chat_id)
            await self._shared_sent(item.chat_id)

    def _retry(self, item: Item, message: Outgoing, exc: RetryLater) -> None:
        """A 429 slows down what caused it: her chat alone if it had a message within the
        last second (Telegram's per-chat limit), else the whole lane. Either way the message
        waits at the head of its queue. A network error retries this item a few times."""
        item.messages.appendleft(message)
        now = self.clock.now()
        if exc.retry_after is not None:
            self.rate_limited += 1
            last = self._last_sent.get(item.chat_id)
            if last is not None and now - last < PER_CHAT_INTERVAL:
                self._held[item.chat_id] = now + exc.retry_after
                scope = "chat"
            else:
                until = now + exc.retry_after
                self.paused_until[item.lane] = max(self.paused_until[item.lane], until)
                scope = "lane"
            log.warning(
                "rate_limited lane=%d scope=%s retry_after=%.1f", item.lane, scope, exc.retry_after
            )
            return
        item.attempts += 1
        if item.attempts > NETWORK_RETRIES:
            self._finish(item, SendResult("failed", error=exc))
            return
        item.not_before = now + 0.5 * 2**item.attempts

    def _delivered(self, chat_id: int) -> None:
        self._busy.discard(chat_id)
        self._in_flight -= 1
        self._last_sent[chat_id] = self.clock.now()
        if len(self._last_sent) > PRUNE_CHATS_OVER:
            now = self.clock.now()
            self._last_sent = {c: t for c, t in self._last_sent.items() if t > now - 1.0}
            self._held = {c: t for c, t in self._held.items() if t > now}
        self._wake.set()

    def _finish(self, item: Item, outcome: SendResult) -> None:
        with contextlib.suppress(ValueError):
            self.lanes[item.lane].remove(item)
        if item.future is not None and not item.future.done():
            if outcome.error is not None:
                item.future.set_exception(outcome.error)
            else:
                item.future.set_result(outcome.message_ids[0] if outcome.message_ids else None)
        if item.done is not None:
            task = asyncio.create_task(_report(item.done, outcome))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._wake.set()


async def _report(done: Done, outcome: SendResult) -> None:
    try:
        await done(outcome)
    except Exception:
        log.exception("sender_callback_failed")


def _earliest(current: float | None, candidate: float) -> float:
    return candidate if current is None else min(current, candidate)


class SenderTransport:
    """A Transport that delivers through the sender, so the outbox worker shares its pacing:
    urgent alerts in lane 0, everything else in lane 1."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender

    async def deliver(self, message: Outgoing) -> int | None:
        return await self.sender.send(message)

"""The sender: paced under the limit, urgent first, ordered per chat, nothing dropped on 429."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import pytest

from bot.conversation.messages import Outgoing
from bot.delivery import DeliveryError, RetryLater, Unreachable
from bot.pacing import VirtualClock
from bot.priority import Lane, Priority
from bot.sender import Sender, SendResult


@dataclass
class TimedTransport:
    """Records (virtual time, message); scripted failures by call number."""

    clock: VirtualClock
    log: list[tuple[float, Outgoing]] = field(default_factory=list)
    failures: dict[int, Exception] = field(default_factory=dict)
    calls: int = 0

    async def deliver(self, message: Outgoing) -> int | None:
        self.calls += 1
        failure = self.failures.pop(self.calls, None)
        if failure is not None:
            raise failure
        self.log.append((self.clock.now(), message))
        return self.calls


def make(rate: float = 30.0) -> tuple[Sender, TimedTransport]:
    clock = VirtualClock()
    transport = TimedTransport(clock)
    return Sender(transport, rate, clock=clock), transport


def prompt(chat_id: int, text: str = "How are you today?") -> Outgoing:
    return Outgoing(chat_id, text)


async def lazy(sender: Sender, message: Outgoing) -> None:
    async def prepare() -> list[Outgoing]:
        return [message]

    sender.submit_lazy(message.chat_id, prepare)


async def test_paced_evenly_below_the_limit() -> None:
    sender, transport = make(30.0)
    times: list[float] = []
    sender.observers.append(lambda _item, now: times.append(now))
    for chat in range(300):
        await lazy(sender, prompt(chat))
    assert await sender.drain(10)
    assert len(transport.log) == len(times) == 300
    assert 300 / (times[-1] - times[0]) == pytest.approx(30 * 0.97, rel=0.01)
    assert max(sum(1 for t in times if start <= t < start + 1) for start in times) <= 30


async def test_urgent_overtakes_a_queue_of_prompts() -> None:
    sender, transport = make(30.0)
    for chat in range(200):
        await lazy(sender, prompt(chat))
    submitted: list[float] = []

    def on_start(item: object, now: float) -> None:
        if len(transport.log) == 20 and not submitted:
            submitted.append(now)
            sender.submit(Outgoing(-1001, "URGENT alert", priority=Priority.URGENT))

    sender.observers.append(on_start)
    assert await sender.drain(10)
    order = [m.text for _, m in transport.log]
    assert order.index("URGENT alert") <= 22
    sent_at = next(t for t, m in transport.log if m.text == "URGENT alert")
    assert sent_at - submitted[0] < 0.1


async def test_429_pauses_the_lane_and_drops_nothing() -> None:
    sender, transport = make(30.0)
    transport.failures[3] = RetryLater("429", retry_after=2.0)
    for chat in range(10):
        await lazy(sender, prompt(chat))
    assert await sender.drain(10)
    assert sorted(m.chat_id for _, m in transport.log) == list(range(10))
    assert sender.rate_limited == 1
    times = [t for t, _ in transport.log]
    assert times[2] - times[1] >= 2.0  # the lane waited retry_after before the next send


async def test_one_chat_in_order_and_prompts_a_second_apart() -> None:
    sender, transport = make(30.0)
    for n in range(3):
        await lazy(sender, prompt(7, f"part {n}"))
    for n in range(3):
        sender.submit(Outgoing(8, f"reply {n}"))
    assert await sender.drain(10)
    to_seven = [(t, m.text) for t, m in transport.log if m.chat_id == 7]
    assert [text for _, text in to_seven] == ["part 0", "part 1", "part 2"]
    assert all(b[0] - a[0] >= 1.0 for a, b in itertools.pairwise(to_seven))
    assert [m.text for _, m in transport.log if m.chat_id == 8] == ["reply 0", "reply 1", "reply 2"]


async def test_send_raises_for_a_blocked_chat_and_reports_outcomes() -> None:
    sender, transport = make()
    transport.failures[1] = Unreachable("forbidden")
    with pytest.raises(Unreachable):
        await sender.send(prompt(5))
    outcomes: list[SendResult] = []

    async def done(outcome: SendResult) -> None:
        outcomes.append(outcome)

    sender.submit(prompt(6), Lane.REPLY, done)
    assert await sender.drain(5)
    assert [o.status for o in outcomes] == ["sent"]


async def test_network_errors_retry_then_fail() -> None:
    sender, transport = make()
    for call in range(1, 5):
        transport.failures[call] = RetryLater("NetworkError")
    with pytest.raises(DeliveryError):
        await sender.send(prompt(9))
    transport.failures[5] = RetryLater("NetworkError")
    assert await sender.send(prompt(9)) == 6


async def test_nothing_to_say_is_skipped_without_using_a_slot() -> None:
    sender, transport = make()

    async def nothing() -> list[Outgoing]:
        return []

    for chat in range(5):
        sender.submit_lazy(chat, nothing)
    await lazy(sender, prompt(99))
    assert await sender.drain(5)
    assert [(t, m.chat_id) for t, m in transport.log] == [(0.0, 99)]


async def test_a_per_chat_429_holds_that_chat_only() -> None:
    sender, transport = make(30.0)
    transport.failures[2] = RetryLater("429", retry_after=3.0)
    sender.submit(Outgoing(1, "first"))
    sender.submit(Outgoing(1, "second"))  # within a second of "first": her chat's limit
    sender.submit(Outgoing(1, "third"))
    for chat in range(2, 6):
        sender.submit(Outgoing(chat, "other"))
    assert await sender.drain(10)
    to_one = [(t, m.text) for t, m in transport.log if m.chat_id == 1]
    assert [text for _, text in to_one] == ["first", "second", "third"]
    assert to_one[1][0] - to_one[0][0] >= 3.0
    others = [t for t, m in transport.log if m.chat_id != 1]
    assert max(others) < 1.0, "other chats were not held up"

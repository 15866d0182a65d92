"""A local fake Telegram Bot API server: the bot under test talks HTTP to it as to Telegram.

Why a real HTTP server rather than mocking PTB: the bot's whole Telegram stack (PTB's request
encoding, polling loop, retries, rate limiter, error mapping) runs unchanged, so the tests
exercise what production runs. The server keeps state the way Telegram does — per-chat message
ids, an update queue confirmed by ``offset``, long polling — and records every call so a test
reads like a conversation::

    async with FakeBotApi() as api:
        app = api.application_builder().build()
        ...
        user = api.user(1001, "Olena")
        await user.send("/start")
        reply = await user.wait_reply()
        await user.press("Так")

Point PTB at it with ``.base_url(api.base_url).base_file_url(api.base_file_url)``.
"""

# The wait helpers take ``timeout=`` on purpose (ASYNC109): a scenario test reads better as
# ``await user.wait_reply(timeout=2)`` than wrapped in ``asyncio.timeout``, and the helpers
# turn expiry into a TimeoutError that describes what the server saw.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import socket
import time
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web

from tests.fakeapi.decode import read_params
from tests.fakeapi.faults import FaultBook, FaultRule, RateLimiter, is_message_method
from tests.fakeapi.markup import text_content
from tests.fakeapi.methods import BotApiMethods
from tests.fakeapi.models import (
    ApiError,
    Call,
    PressedButton,
    SentMessage,
    UploadedFile,
    UserMessage,
)
from tests.fakeapi.state import DEFAULT_TOKEN, ChatState, StoredFile, now
from tests.fakeapi.users import FakeGroup, FakeUser
from tests.fakeapi.webhook import WebhookAttempt, WebhookTiming

if TYPE_CHECKING:
    from telegram.ext import ApplicationBuilder

T = TypeVar("T")


class ConnectionReset(Exception):
    """Raised inside the fake to drop a call's connection without an answer."""


class FakeBotApi(BotApiMethods):
    """A Telegram Bot API lookalike on ``127.0.0.1:<random port>``.

    Use as ``async with FakeBotApi() as api``. ``token``: if given, requests with any other
    token get 401 (as a revoked token would); otherwise any token is accepted and recorded in
    ``seen_tokens``. Chats the server never heard of are created when the bot first writes
    to them (a negative id becomes a supergroup with the bot as admin, e.g. the configured
    staff chat); ``strict_chats=True`` answers ``400 chat not found`` instead, as Telegram
    does. Either way a user made with ``api.user(...)`` who has not written yet cannot be
    messaged (``403 bot can't initiate conversation``). While a webhook is set, queued updates
    are POSTed to it as Telegram does (``tests/fakeapi/webhook.py``); ``webhook_timing`` sets
    the back-off between attempts and how long one may take."""

    def __init__(
        self,
        token: str | None = None,
        *,
        bot_id: int | None = None,
        bot_username: str = "poruch_test_bot",
        bot_first_name: str = "Poruch",
        strict_chats: bool = False,
        webhook_timing: WebhookTiming | None = None,
    ) -> None:
        self._enforce_token = token is not None
        self._token = token or DEFAULT_TOKEN
        if bot_id is None:
            head = self._token.split(":", 1)[0]
            bot_id = int(head) if head.isdigit() else 7000000001
        bot_user = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        super().__init__(
            bot_user, strict_chats=strict_chats, webhook_timing=webhook_timing or WebhookTiming()
        )
        self.seen_tokens: list[str] = []
        self.internal_errors: list[Exception] = []
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._calls: list[Call] = []
        self._calls_by_method: defaultdict[str, list[Call]] = defaultdict(list)
        self._actors: dict[int, FakeUser] = {}
        self._groups: dict[int, FakeGroup] = {}
        self._faults = FaultBook()
        self._rate: RateLimiter | None = None
        self._canonical = {name.lower(): name for name in self._methods}

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Bind a free loopback port and start serving."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            shutdown_timeout=1.0,
            handler_cancellation=True,
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", 0))
            self._port = sock.getsockname()[1]
            site = web.SockSite(self._runner, sock)
            await site.start()
        except BaseException:
            sock.close()
            raise

    async def close(self) -> None:
        """Stop serving: wake long polls and delays, drop webhook posts in flight (their
        updates stay pending), so shutdown is immediate."""
        self._closing.set()
        self._updates_signal.fire()
        await self._pusher.close()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    # ------------------------------------------------------------------ addresses

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """What to pass to PTB's ``base_url``: requests then go to ``/bot<token>/<method>``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """What to pass to PTB's ``base_file_url`` so ``File.download_*`` works."""
        return f"{self.url}/file/bot"

    @property
    def token(self) -> str:
        """The configured token, or a default one to give the bot when none was configured."""
        return self._token

    def application_builder(self) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
        """A PTB ``ApplicationBuilder`` already pointed at this server with its token."""
        from telegram.ext import ApplicationBuilder

        return (
            ApplicationBuilder()
            .token(self.token)
            .base_url(self.base_url)
            .base_file_url(self.base_file_url)
        )

    # ------------------------------------------------------------------ recording

    @property
    def calls(self) -> list[Call]:
        """Every call in arrival order, in-flight ones included (the live list: don't mutate)."""
        return self._calls

    def calls_of(self, method: str) -> list[Call]:
        """Calls of one method in arrival order (faulted and in-flight ones included, see
        ``status``)."""
        return list(self._calls_by_method.get(method, ()))

    def count_of(self, method: str, *, ok: bool | None = None) -> int:
        """How many calls of ``method`` arrived; with ``ok=True`` / ``ok=False`` only those
        answered 200 / answered with an error (in-flight calls count as neither)."""
        calls = self._calls_by_method.get(method, ())
        if ok is None:
            return len(calls)
        return sum(1 for call in calls if not call.pending and call.ok == ok)

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        """Bot messages sent or edited into ``chat_id``: one snapshot per send/edit, in order."""
        chat = self._chats.get(chat_id)
        return list(chat.timeline) if chat else []

    @property
    def sent(self) -> list[SentMessage]:
        """All bot send/edit snapshots across chats, in order (the live list: do not mutate)."""
        return self._sent

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """The current state of a bot message, or ``None`` if unknown or deleted."""
        chat = self._chats.get(chat_id)
        if chat is None or message_id in chat.deleted:
            return None
        return chat.current.get(message_id)

    def is_deleted(self, chat_id: int, message_id: int) -> bool:
        """Whether the bot deleted that message."""
        chat = self._chats.get(chat_id)
        return bool(chat and message_id in chat.deleted)

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """Parameters of the bot's ``answerCallbackQuery`` for a query, if it answered."""
        return self._query_answers.get(query_id)

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[tuple[str, str]]:
        """Commands set with ``setMyCommands`` for a scope/language, as (command, description)."""
        stored = self._commands.get((self._scope_key(scope), language_code), [])
        return [(c["command"], c["description"]) for c in stored]

    @property
    def all_commands(self) -> dict[tuple[str, str], list[tuple[str, str]]]:
        """Every command list set, keyed by (scope JSON, language_code)."""
        return {
            key: [(c["command"], c["description"]) for c in value]
            for key, value in self._commands.items()
        }

    @property
    def webhook(self) -> dict[str, Any]:
        """Parameters of the active ``setWebhook`` (empty when none)."""
        return dict(self._webhook)

    @property
    def webhook_attempts(self) -> list[WebhookAttempt]:
        """Every webhook POST that ended, in the order they ended (the live list: don't
        mutate). An update with an ``ok`` attempt is never sent again."""
        return self._pusher.attempts

    @property
    def webhook_in_flight(self) -> set[int]:
        """Ids of the updates being POSTed to the webhook right now (a copy)."""
        return set(self._pusher.in_flight)

    @property
    def webhook_timing(self) -> WebhookTiming:
        """Back-off and timeout of webhook deliveries; may be replaced at any time."""
        return self._pusher.timing

    @webhook_timing.setter
    def webhook_timing(self, timing: WebhookTiming) -> None:
        self._pusher.timing = timing

    def forward_webhook(self, to: str | None) -> None:
        """POST webhook updates to ``to`` (``http://127.0.0.1:<port>``) with the webhook URL's
        path, instead of to the URL itself: the reverse proxy that terminates TLS in front of
        a production bot, so the bot may set its public ``https://`` URL. ``None`` undoes it."""
        self._pusher.forward_to = to
        self._pusher.wake()

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by the bot."""
        return len(self._updates)

    @property
    def poll_waiting(self) -> bool:
        """True while a ``getUpdates`` long poll is parked waiting for updates."""
        return self._poll_waiting

    @property
    def last_update_id(self) -> int:
        """The most recently assigned update id (0 before any)."""
        return self._next_update_id - 1

    @property
    def rate_limited_count(self) -> int:
        """How many calls the enforced rate limit refused with 429."""
        return self._rate.rejected if self._rate else 0

    # ------------------------------------------------------------------ waiting

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = 5) -> T:
        """Wait until ``predicate()`` is truthy, re-checked whenever a call is answered or an
        update is queued/confirmed; return its value. Raises ``TimeoutError`` describing the
        recent traffic if ``timeout`` passes (a safety net, not a pacing device)."""
        return await self._changed.wait_until(predicate, timeout, self.describe)

    async def wait_calls(self, method: str, count: int = 1, timeout: float = 5) -> list[Call]:
        """Wait until at least ``count`` calls of ``method`` have been answered (in-flight ones
        do not count); return all calls of ``method`` so far."""
        calls = self._calls_by_method[method]
        await self.wait_for(lambda: sum(1 for c in calls if not c.pending) >= count, timeout)
        return list(calls)

    async def wait_callback_answer(self, query_id: str, timeout: float = 5) -> dict[str, Any]:
        """Wait for the bot to answer a pressed button's callback query; return the params."""
        return await self.wait_for(lambda: self._query_answers.get(query_id), timeout)

    async def wait_confirmed(self, update_id: int | None = None, timeout: float = 5) -> None:
        """Wait until the bot confirmed (via ``offset``, or a 2xx answer to the webhook) every
        update up to ``update_id`` (default: the latest). Shows the bot has *fetched* them,
        e.g. before asserting that something was ignored."""
        target = self.last_update_id if update_id is None else update_id
        await self.wait_for(lambda: not self._updates or self._updates[0][0] > target, timeout)

    def describe(self, last: int = 15) -> str:
        """A short account of recent traffic, for failure messages."""
        lines = [f"pending updates: {len(self._updates)}; last {last} calls:"]
        for call in self._calls[-last:]:
            shown = {k: v for k, v in call.params.items() if k != "reply_markup"}
            text = json.dumps(shown, ensure_ascii=False, default=repr)[:160]
            status = call.status or "..."  # 0: still in flight
            lines.append(f"  {status} {call.method} {text}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ actors

    def user(
        self,
        user_id: int,
        first_name: str = "Olena",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "uk",
        started: bool = False,
    ) -> FakeUser:
        """The simulated user ``user_id`` in her private chat with the bot (created once).

        ``started=False``: like a real user who never wrote, the bot cannot message her until
        she sends something (403). Pass ``True`` for users a test pretends wrote earlier."""
        if user_id in self._actors:
            actor = self._actors[user_id]
            if started:
                actor.chat_state.started = True
            return actor
        if user_id <= 0:
            raise ValueError("user ids are positive; groups have negative ids")
        user = self._user_dict(user_id, first_name, last_name, username, language_code)
        chat_dict: dict[str, Any] = {"id": user_id, "type": "private", "first_name": first_name}
        if last_name:
            chat_dict["last_name"] = last_name
        if username:
            chat_dict["username"] = username
        chat = self._chats.get(user_id)
        if chat is None:
            chat = self._chats[user_id] = ChatState(chat=chat_dict, started=started)
        elif started:
            chat.started = True
        chat.members[user_id] = "member"
        actor = FakeUser(self, user, chat)
        self._actors[user_id] = actor
        return actor

    def group(
        self,
        chat_id: int,
        title: str = "Staff",
        *,
        type: str = "supergroup",
        bot_status: str = "administrator",
        username: str | None = None,
    ) -> FakeGroup:
        """A group chat (negative id) the bot is in; add people with ``group.member(...)``."""
        if chat_id in self._groups:
            return self._groups[chat_id]
        if chat_id >= 0:
            raise ValueError("group chat ids are negative (supergroups look like -100...)")
        chat_dict: dict[str, Any] = {"id": chat_id, "type": type, "title": title}
        if username:
            chat_dict["username"] = username
        chat = ChatState(chat=chat_dict, bot_status=bot_status)
        self._chats[chat_id] = chat
        group = FakeGroup(self, chat)
        self._groups[chat_id] = group
        return group

    async def channel_post(self, chat_id: int, text: str, *, title: str = "Channel") -> UserMessage:
        """Queue a ``channel_post`` update from channel ``chat_id`` (created on first use)."""
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = ChatState(
                chat={"id": chat_id, "type": "channel", "title": title},
                bot_status="administrator",
            )
            self._chats[chat_id] = chat
        return self._post_message(chat, None, text_content(text), kind="channel_post")

    # ------------------------------------------------------------------ faults

    def inject_429(
        self,
        method: str | None = "sendMessage",
        retry_after: float = 1,
        times: int | None = 1,
        chat_id: int | None = None,
    ) -> FaultRule:
        """Answer the next ``times`` matching calls with 429 ``retry_after`` (PTB: RetryAfter).

        Telegram sends whole seconds; a fraction is allowed here to keep tests fast."""
        return self._faults.add(
            FaultRule("error", method, chat_id, times, status=429, retry_after=retry_after)
        )

    def inject_error(
        self,
        method: str | None,
        status: int = 500,
        times: int | None = 3,
        chat_id: int | None = None,
        description: str | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> FaultRule:
        """Answer the next ``times`` matching calls with HTTP ``status`` (PTB: 400 BadRequest,
        403 Forbidden, 401/404 InvalidToken, 409 Conflict, 5xx NetworkError), with Telegram's
        ``parameters`` when given. ``method=None``: any method but getUpdates."""
        return self._faults.add(
            FaultRule(
                "error",
                method,
                chat_id,
                times,
                status=status,
                description=description,
                parameters=parameters,
            )
        )

    def inject_reset(
        self, method: str | None = "sendMessage", times: int | None = 1, chat_id: int | None = None
    ) -> FaultRule:
        """Drop the connection of the next ``times`` matching calls without answering (a
        reset by a proxy or a network hiccup: PTB raises NetworkError). The call never runs."""
        return self._faults.add(FaultRule("reset", method, chat_id, times))

    def migrate_group(self, chat_id: int, new_chat_id: int | None = None) -> FakeGroup:
        """Upgrade a group to a supergroup, as Telegram does when it gets admins or grows.

        From now on every call about the old id is answered ``400 Bad Request: group chat was
        upgraded to a supergroup chat`` with ``parameters.migrate_to_chat_id``; the members move
        to the new chat; the two service messages Telegram sends are queued (``migrate_to_chat_id``
        in the old chat, ``migrate_from_chat_id`` in the new one). Returns the new group."""
        old = self._require_chat(chat_id)
        new_id = new_chat_id if new_chat_id is not None else int(f"-100{abs(chat_id)}")
        new = self.group(new_id, str(old.chat.get("title", "")), bot_status=old.bot_status)
        for user_id, member in self._groups[chat_id]._members.items():
            new.member(user_id, str(member.user.get("first_name", "Staff")))
        old.migrated_to = new_id
        actor = next(iter(self._groups[chat_id]._members.values()), None)
        sender = actor.user if actor is not None else None
        for chat, key, value in (
            (old, "migrate_to_chat_id", new_id),
            (new._chat, "migrate_from_chat_id", chat_id),
        ):
            content = {key: value}
            self._post_message(chat, sender, content)
        return new

    def delay(
        self,
        method: str | None,
        seconds: float,
        times: int | None = 1,
        chat_id: int | None = None,
        *,
        after: bool = False,
    ) -> FaultRule:
        """Hold the next ``times`` matching calls for ``seconds`` to provoke client timeouts.

        ``after=False``: wait first — if the client gives up, the call never happens.
        ``after=True``: perform the call, then delay the answer — the message *is* delivered
        though the bot sees a timeout (the duplicate-on-retry trap)."""
        return self._faults.add(
            FaultRule("delay", method, chat_id, times, seconds=seconds, after=after)
        )

    def clear_faults(self) -> None:
        """Remove every injected error and delay (blocks and rate limits stay)."""
        self._faults.clear()

    def block(self, chat_id: int, *, notify: bool = True) -> None:
        """The user blocks the bot: sends to her chat get 403 until ``unblock``.

        ``notify`` queues the ``my_chat_member`` update (status ``kicked``) Telegram sends."""
        chat = self._require_chat(chat_id)
        chat.blocked = True
        if notify:
            self._queue_my_chat_member(chat, "member", "kicked")

    def unblock(self, chat_id: int, *, notify: bool = True) -> None:
        """The user unblocks the bot (Telegram then sends ``my_chat_member`` ``member``)."""
        chat = self._require_chat(chat_id)
        if chat.blocked:
            chat.blocked = False
            if notify:
                self._queue_my_chat_member(chat, "kicked", "member")

    def kick_from(self, chat_id: int, *, notify: bool = True) -> None:
        """Remove the bot from a group: every call about that chat gets 403 until
        ``readd_to``. ``notify`` queues the ``my_chat_member`` update Telegram sends."""
        chat = self._require_chat(chat_id)
        old = chat.bot_status
        chat.bot_status = "kicked"
        if notify:
            self._queue_my_chat_member(chat, old, "kicked")

    def readd_to(self, chat_id: int, *, status: str = "administrator", notify: bool = True) -> None:
        """Put the bot back into a group it was kicked from."""
        chat = self._require_chat(chat_id)
        old = chat.bot_status
        chat.bot_status = status
        if notify:
            self._queue_my_chat_member(chat, old, status)

    def enforce_rate(
        self,
        global_per_sec: int | None = 30,
        per_chat_per_sec: int | None = None,
        per_group_per_min: int | None = None,
    ) -> None:
        """Refuse message calls over Telegram-like limits with 429 (counted in
        ``rate_limited_count``); sliding windows, so bursts are judged fairly."""
        self._rate = RateLimiter(global_per_sec, per_chat_per_sec, per_group_per_min)

    def disable_rate(self) -> None:
        """Stop enforcing rate limits."""
        self._rate = None

    # ------------------------------------------------------------------ HTTP

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        raw_method = request.match_info["method"]
        method = self._canonical.get(raw_method.lower(), raw_method)
        call = Call(method=method, params={}, time=time.time(), status=0, token=token)
        if token not in self.seen_tokens:
            self.seen_tokens.append(token)
        recorded = False
        try:
            try:
                if self._enforce_token and token != self._token:
                    raise ApiError(401, "Unauthorized")
                call.params = await read_params(request)
                self._record(call)  # visible while in flight (status 0), e.g. a long poll
                recorded = True
                result, rule = await self._answer(call)
            except ConnectionReset:
                self._finish(call, recorded, 499, error="connection reset by the fake")
                assert request.transport is not None
                request.transport.abort()
                return web.Response(status=500)
            except ApiError as exc:
                self._finish(call, recorded, exc.status, error=exc.description)
                return web.json_response(exc.envelope(), status=exc.status)
            except Exception as exc:  # a bug in the fake: record it loudly, answer 500
                self.internal_errors.append(exc)
                error = f"fake API internal error: {exc!r}"
                self._finish(call, recorded, 500, error=error)
                body = {"ok": False, "error_code": 500, "description": error}
                return web.json_response(body, status=500)
            self._finish(call, recorded, 200, result=result)
            if rule is not None and rule.kind == "delay" and rule.after:
                await self._sleep(rule.seconds)
            return web.json_response({"ok": True, "result": result})
        except asyncio.CancelledError:
            call.client_gone = True
            if call.status == 0:
                call.status, call.error = 499, "client closed the connection"
            self._finish(call, recorded, call.status, result=call.result, error=call.error)
            raise

    def _finish(
        self,
        call: Call,
        recorded: bool,
        status: int,
        *,
        result: Any = None,
        error: str | None = None,
    ) -> None:
        call.status, call.result, call.error = status, result, error
        if recorded:
            self._changed.fire()
        else:
            self._record(call)

    async def _answer(self, call: Call) -> tuple[Any, FaultRule | None]:
        """Run one call through faults, access rules and rate limits, then the method itself.
        Raises :class:`ApiError` for every refusal."""
        method = call.method
        handler = self._methods.get(method)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        chat_id = call.params.get("chat_id")
        rule = self._faults.take(method, chat_id)
        if rule is not None and rule.kind == "delay" and not rule.after:
            await self._sleep(rule.seconds)
        if rule is not None and rule.kind == "reset":
            raise ConnectionReset
        self._check_access(method, chat_id)
        if rule is not None and rule.kind == "error":
            raise rule.error()
        if self._rate is not None and is_message_method(method):
            chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
            is_group = chat is not None and chat.type != "private"
            self._rate.check(chat_id, is_group, asyncio.get_running_loop().time())
        result = handler(call.params)
        if inspect.isawaitable(result):
            result = await result
        return result, rule

    async def _handle_file(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if self._enforce_token and token != self._token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None or stored.upload is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(
            body=stored.upload.data,
            content_type=stored.upload.content_type or "application/octet-stream",
        )

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

    def _record(self, call: Call) -> None:
        self._calls.append(call)
        self._calls_by_method[call.method].append(call)
        self._changed.fire()

    def _check_access(self, method: str, chat_id: object) -> None:
        if not isinstance(chat_id, int):
            return
        chat = self._chats.get(chat_id)
        if chat is None:
            return
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.bot_status in ("kicked", "left"):
            kind = {"group": "group chat", "channel": "channel chat"}.get(
                chat.type, "supergroup chat"
            )
            if chat.bot_status == "kicked":
                raise ApiError(403, f"Forbidden: bot was kicked from the {kind}")
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind}")
        if chat.blocked and (is_message_method(method) or method == "sendChatAction"):
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    # ------------------------------------------------------------------ used by FakeUser

    def _post_message(
        self,
        chat: ChatState,
        sender: dict[str, Any] | None,
        content: dict[str, Any],
        *,
        kind: str = "message",
        reply_to: int | None = None,
    ) -> UserMessage:
        """A message from a user (or a channel) appears in ``chat``; queue its update."""
        if chat.type == "private":
            if chat.blocked:
                chat.blocked = False  # writing to a blocked bot means restarting it
                self._queue_my_chat_member(chat, "kicked", "member")
            chat.started = True
        message_id = chat.take_message_id()
        message: dict[str, Any] = {"message_id": message_id}
        if sender is not None:
            message["from"] = sender
        else:
            message["sender_chat"] = chat.chat
        message.update({"chat": chat.chat, "date": now(), **content})
        if reply_to is not None:
            target = chat.messages.get(reply_to)
            if target is None:
                raise LookupError(f"no message {reply_to} in chat {chat.id} to reply to")
            message["reply_to_message"] = {
                k: v for k, v in target.items() if k != "reply_to_message"
            }
        chat.messages[message_id] = message
        update_id = self.queue_update(kind, message)
        return UserMessage(update_id, chat.id, message_id, message)

    def _edit_user_message(
        self, chat: ChatState, sender: dict[str, Any], message_id: int, text: str
    ) -> UserMessage:
        old = chat.messages.get(message_id)
        if old is None or old.get("from", {}).get("id") != sender["id"]:
            raise LookupError(f"user {sender['id']} has no message {message_id} to edit")
        new = {k: v for k, v in old.items() if k not in ("text", "entities")}
        new.update(text_content(text))
        new["edit_date"] = max(now(), int(old["date"]))
        chat.messages[message_id] = new
        update_id = self.queue_update("edited_message", new)
        return UserMessage(update_id, chat.id, message_id, new)

    def _post_callback(
        self, chat: ChatState, sender: dict[str, Any], message_id: int, data: str
    ) -> PressedButton:
        if chat.type == "private":
            chat.started = True
        query_id = str(next(self._query_ids))
        message = chat.messages.get(message_id)
        if message is None:  # deleted or forged: Telegram sends an InaccessibleMessage
            message = {"chat": chat.chat, "message_id": message_id, "date": 0}
        payload = {
            "id": query_id,
            "from": sender,
            "message": message,
            "chat_instance": f"ci{abs(chat.id)}",
            "data": data,
        }
        update_id = self.queue_update("callback_query", payload)
        pressed = PressedButton(update_id, query_id, chat.id, message_id, data)
        self._queries[query_id] = pressed
        return pressed

    def _upload_for_user(
        self, kind: str, data: bytes, filename: str | None, content_type: str | None
    ) -> tuple[StoredFile, UploadedFile]:
        upload = UploadedFile(data, filename, content_type)
        extension = filename.rsplit(".", 1)[-1] if filename and "." in filename else "bin"
        return self._store_file(kind, upload, extension), upload

    def _user_media(
        self,
        kind: str,
        data: bytes,
        filename: str | None,
        content_type: str | None,
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        stored, upload = self._upload_for_user(kind, data, filename, content_type)
        return {kind: self._media_object(kind, stored, upload, extra)}

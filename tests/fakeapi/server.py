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
import itertools
import json
import re
import socket
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web

from tests.fakeapi.decode import read_params
from tests.fakeapi.faults import FaultBook, FaultRule, RateLimiter, is_message_method
from tests.fakeapi.markup import (
    MAX_CAPTION,
    MAX_TEXT,
    format_text,
    parse_reply_markup,
    text_content,
)
from tests.fakeapi.models import (
    ApiError,
    Call,
    PressedButton,
    SentMessage,
    Signal,
    UploadedFile,
    UserMessage,
    bad_request,
)
from tests.fakeapi.users import FakeGroup, FakeUser

if TYPE_CHECKING:
    from telegram.ext import ApplicationBuilder

T = TypeVar("T")

DEFAULT_TOKEN = "7000000001:FAKE-token-for-tests"
# Update types Telegram leaves out unless allowed_updates names them explicitly.
NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MEDIA_METHODS = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendAudio": "audio",
    "sendVideo": "video",
    "sendAnimation": "animation",
    "sendVoice": "voice",
    "sendVideoNote": "video_note",
    "sendSticker": "sticker",
}
MEDIA_DEFAULTS: dict[str, dict[str, Any]] = {
    "document": {},
    "audio": {"duration": 0},
    "video": {"width": 640, "height": 360, "duration": 0},
    "animation": {"width": 320, "height": 240, "duration": 0},
    "voice": {"duration": 0},
    "video_note": {"length": 240, "duration": 0},
    "sticker": {"width": 512, "height": 512, "is_animated": False, "is_video": False},
}
# Settings-only methods: accepted, recorded and remembered in ``api.bot_settings``.
SETTINGS_METHODS = (
    "setMyDescription",
    "setMyShortDescription",
    "setMyName",
    "setChatMenuButton",
    "setMyDefaultAdministratorRights",
    "pinChatMessage",
    "unpinChatMessage",
    "unpinAllChatMessages",
    "setMessageReaction",
    "leaveChat",
    "close",
    "logOut",
)
_BOT_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


@dataclass(slots=True)
class ChatState:
    """Everything the server knows about one chat."""

    chat: dict[str, Any]
    next_message_id: int = 1
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    timeline: list[SentMessage] = field(default_factory=list)
    current: dict[int, SentMessage] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    reply_keyboard: list[list[Any]] | None = None
    one_time_keyboard: bool = False
    members: dict[int, str] = field(default_factory=dict)
    bot_status: str = "member"
    blocked: bool = False
    started: bool = True
    signal: Signal = field(default_factory=Signal)

    @property
    def id(self) -> int:
        """The chat id."""
        return int(self.chat["id"])

    @property
    def type(self) -> str:
        """``private``, ``group``, ``supergroup`` or ``channel``."""
        return str(self.chat["type"])

    def take_message_id(self) -> int:
        """Allocate the next message id; user and bot messages share one sequence per chat."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass(slots=True)
class _Poll:
    superseded: bool = False


@dataclass(slots=True)
class _StoredFile:
    file_id: str
    unique_id: str
    path: str
    upload: UploadedFile | None


def _now() -> int:
    return int(time.time())


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None


class FakeBotApi:
    """A Telegram Bot API lookalike on ``127.0.0.1:<random port>``.

    Use as ``async with FakeBotApi() as api``. ``token``: if given, requests with any other
    token get 401 (as a revoked token would); otherwise any token is accepted and recorded in
    ``seen_tokens``. ``strict_chats``: sending to a chat the server never saw gives
    ``400 chat not found`` (and to a user who never wrote, ``403 bot can't initiate
    conversation``), as on Telegram; pass ``False`` to auto-create such chats."""

    def __init__(
        self,
        token: str | None = None,
        *,
        bot_id: int | None = None,
        bot_username: str = "poruch_test_bot",
        bot_first_name: str = "Poruch",
        strict_chats: bool = True,
    ) -> None:
        self._enforce_token = token is not None
        self._token = token or DEFAULT_TOKEN
        if bot_id is None:
            head = self._token.split(":", 1)[0]
            bot_id = int(head) if head.isdigit() else 7000000001
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.strict_chats = strict_chats
        self.seen_tokens: list[str] = []
        self.bot_settings: dict[str, dict[str, Any]] = {}
        self.dropped_updates: list[dict[str, Any]] = []

        self._runner: web.AppRunner | None = None
        self._port = 0
        self._closing = asyncio.Event()

        self._calls: list[Call] = []
        self._calls_by_method: defaultdict[str, list[Call]] = defaultdict(list)
        self._sent: list[SentMessage] = []
        self._changed = Signal()

        self._chats: dict[int, ChatState] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._actors: dict[int, FakeUser] = {}
        self._groups: dict[int, FakeGroup] = {}

        self._updates: deque[tuple[int, dict[str, Any]]] = deque()
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] | None = None
        self._updates_signal = Signal()
        self._active_poll: _Poll | None = None
        self._poll_waiting = False
        self._webhook: dict[str, Any] = {}

        self._queries: dict[str, PressedButton] = {}
        self._query_answers: dict[str, dict[str, Any]] = {}
        self._query_ids = itertools.count(4_000_000_000_001)
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._file_seq = itertools.count(1)
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}

        self._faults = FaultBook()
        self._rate: RateLimiter | None = None
        self._methods: dict[str, Callable[[dict[str, Any]], Any]] = self._method_table()
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
        """Stop serving: wake long polls and delays so shutdown is immediate."""
        self._closing.set()
        self._updates_signal.fire()
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

    @property
    def bot_id(self) -> int:
        """The bot's user id (what ``getMe`` returns)."""
        return int(self.bot_user["id"])

    def application_builder(self) -> ApplicationBuilder:
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
        """Every answered call in completion order (the live list: do not mutate)."""
        return self._calls

    def calls_of(self, method: str) -> list[Call]:
        """Answered calls of one method, in order (faulted ones included, see ``status``)."""
        return list(self._calls_by_method.get(method, ()))

    def count_of(self, method: str, *, ok: bool | None = None) -> int:
        """How many calls of ``method`` were answered (only successful/failed ones if ``ok``)."""
        calls = self._calls_by_method.get(method, ())
        if ok is None:
            return len(calls)
        return sum(1 for call in calls if call.ok == ok)

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

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5) -> T:
        """Wait until ``predicate()`` is truthy, re-checked whenever a call is answered or an
        update is queued/confirmed; return its value. Raises ``TimeoutError`` describing the
        recent traffic if ``timeout`` passes (a safety net, not a pacing device)."""
        return await self._changed.wait_until(predicate, timeout, self.describe)

    async def wait_calls(self, method: str, count: int = 1, timeout: float = 5) -> list[Call]:
        """Wait until at least ``count`` calls of ``method`` were answered; return them all."""
        await self.wait_for(lambda: len(self._calls_by_method.get(method, ())) >= count, timeout)
        return self.calls_of(method)

    async def wait_callback_answer(self, query_id: str, timeout: float = 5) -> dict[str, Any]:
        """Wait for the bot to answer a pressed button's callback query; return the params."""
        return await self.wait_for(lambda: self._query_answers.get(query_id), timeout)

    async def wait_confirmed(self, update_id: int | None = None, timeout: float = 5) -> None:
        """Wait until the bot confirmed (via ``offset``) every update up to ``update_id``
        (default: the latest). Shows the bot has *fetched* them, e.g. before asserting that
        something was ignored."""
        target = self.last_update_id if update_id is None else update_id
        await self.wait_for(lambda: not self._updates or self._updates[0][0] > target, timeout)

    def describe(self, last: int = 15) -> str:
        """A short account of recent traffic, for failure messages."""
        lines = [f"pending updates: {len(self._updates)}; last {last} calls:"]
        for call in self._calls[-last:]:
            shown = {k: v for k, v in call.params.items() if k != "reply_markup"}
            text = json.dumps(shown, ensure_ascii=False, default=repr)[:160]
            lines.append(f"  {call.status} {call.method} {text}")
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

    def queue_update(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue a raw update ``{"update_id": ..., kind: payload}``; return its id.

        The escape hatch for update types the helpers do not build. Types excluded by the
        current ``allowed_updates`` are not queued (Telegram never creates them); they land
        in ``dropped_updates``."""
        update_id = self._next_update_id
        self._next_update_id += 1
        update = {"update_id": update_id, kind: payload}
        allowed = self._allowed_updates
        if (kind in NOT_DELIVERED_BY_DEFAULT) if allowed is None else (kind not in allowed):
            self.dropped_updates.append(update)
            return update_id
        self._updates.append((update_id, update))
        self._updates_signal.fire()
        self._changed.fire()
        return update_id

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
    ) -> FaultRule:
        """Answer the next ``times`` matching calls with HTTP ``status`` (PTB: 400 BadRequest,
        403 Forbidden, 5xx NetworkError). ``method=None``: any method but getUpdates."""
        return self._faults.add(
            FaultRule("error", method, chat_id, times, status=status, description=description)
        )

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
        call = Call(method=method, params={}, time=time.time(), token=token)
        if token not in self.seen_tokens:
            self.seen_tokens.append(token)
        recorded = False
        rule: FaultRule | None = None
        try:
            try:
                if self._enforce_token and token != self._token:
                    raise ApiError(401, "Unauthorized")
                call.params = await read_params(request)
                handler = self._methods.get(method)
                if handler is None:
                    raise ApiError(404, "Not Found: method not found")
                chat_id = call.params.get("chat_id")
                rule = self._faults.take(method, chat_id)
                if rule is not None and rule.kind == "delay" and not rule.after:
                    await self._sleep(rule.seconds)
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
            except ApiError as exc:
                call.status, call.error = exc.status, exc.description
                self._record(call)
                recorded = True
                return web.json_response(exc.envelope(), status=exc.status)
            call.result = result
            self._record(call)
            recorded = True
            if rule is not None and rule.kind == "delay" and rule.after:
                await self._sleep(rule.seconds)
            return web.json_response({"ok": True, "result": result})
        except asyncio.CancelledError:
            call.client_gone = True
            if not recorded:
                call.status, call.error = 499, "client closed the connection"
                self._record(call)
            raise

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
        if chat.bot_status == "kicked":
            kind = {"group": "group chat", "channel": "channel chat"}.get(
                chat.type, "supergroup chat"
            )
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind}")
        if chat.blocked and (is_message_method(method) or method == "sendChatAction"):
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    # ------------------------------------------------------------------ method table

    def _method_table(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        table: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "sendLocation": self._send_location,
            "sendContact": self._send_contact,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getChatMemberCount": self._get_chat_member_count,
            "getFile": self._get_file,
            "getMyName": lambda p: {"name": self._setting("setMyName", "name")},
            "getMyDescription": lambda p: {
                "description": self._setting("setMyDescription", "description")
            },
            "getMyShortDescription": lambda p: {
                "short_description": self._setting("setMyShortDescription", "short_description")
            },
        }
        for method in MEDIA_METHODS:
            table[method] = lambda p, m=method: self._send_media(m, p)
        for method in SETTINGS_METHODS:
            table[method] = lambda p, m=method: self._remember_setting(m, p)
        return table

    def _setting(self, method: str, key: str) -> str:
        return str(self.bot_settings.get(method, {}).get(key, ""))

    def _remember_setting(self, method: str, params: dict[str, Any]) -> bool:
        self.bot_settings[method] = params
        return True

    # ------------------------------------------------------------------ updates

    async def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        if self._webhook.get("url"):
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None
        offset = p.get("offset")
        if isinstance(offset, int) and offset != 0:
            self._confirm(offset)
        limit = p.get("limit", 100)
        limit = min(max(limit if isinstance(limit, int) else 100, 1), 100)
        timeout = p.get("timeout", 0)
        timeout = float(timeout) if isinstance(timeout, int | float) else 0.0

        if self._active_poll is not None:
            self._active_poll.superseded = True
            self._updates_signal.fire()
        poll = _Poll()
        self._active_poll = poll
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while True:
                if poll.superseded:
                    raise ApiError(409, CONFLICT_POLL)
                if self._updates or self._closing.is_set():
                    return [u for _, u in itertools.islice(self._updates, limit)]
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return []
                if not self._poll_waiting:
                    self._poll_waiting = True
                    self._changed.fire()
                await self._updates_signal.wait(remaining)
        finally:
            if self._active_poll is poll:
                self._active_poll = None
                self._poll_waiting = False

    def _confirm(self, offset: int) -> None:
        updates = self._updates
        if offset < 0:
            while len(updates) > -offset:
                updates.popleft()
        else:
            while updates and updates[0][0] < offset:
                updates.popleft()
        self._changed.fire()

    def _set_webhook(self, p: dict[str, Any]) -> bool:
        url = p.get("url")
        if not isinstance(url, str):
            raise bad_request("bad webhook: URL is empty")
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {k: v for k, v in p.items() if k != "certificate"} if url else {}
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None
        return True

    def _delete_webhook(self, p: dict[str, Any]) -> bool:
        if p.get("drop_pending_updates"):
            self._updates.clear()
            self._changed.fire()
        self._webhook = {}
        return True

    def _get_webhook_info(self, p: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook:
            info["max_connections"] = self._webhook.get("max_connections", 40)
        if self._allowed_updates is not None:
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    # ------------------------------------------------------------------ bot & commands

    def _get_me(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    @staticmethod
    def _scope_key(scope: object) -> str:
        if not isinstance(scope, dict):
            scope = {"type": "default"}
        return json.dumps(scope, sort_keys=True)

    def _set_my_commands(self, p: dict[str, Any]) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            if not isinstance(name, str) or not _BOT_COMMAND_NAME.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        language = p.get("language_code") or ""
        self._commands[(self._scope_key(p.get("scope")), str(language))] = commands
        return True

    def _get_my_commands(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        language = str(p.get("language_code") or "")
        return self._commands.get((self._scope_key(p.get("scope")), language), [])

    def _delete_my_commands(self, p: dict[str, Any]) -> bool:
        language = str(p.get("language_code") or "")
        self._commands.pop((self._scope_key(p.get("scope")), language), None)
        return True

    # ------------------------------------------------------------------ chats

    def _require_chat(self, chat_id: int) -> ChatState:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise KeyError(f"unknown chat {chat_id}; create it with api.user() or api.group()")
        return chat

    def _target_chat(self, p: dict[str, Any], key: str = "chat_id") -> ChatState:
        """The chat a sending method addresses, with Telegram's refusals."""
        chat_id = p.get(key)
        if chat_id is None or chat_id == "":
            raise bad_request(f"{key} is empty")
        chat: ChatState | None = None
        if isinstance(chat_id, int):
            chat = self._chats.get(chat_id)
            if chat is None and not self.strict_chats:
                chat = self._auto_chat(chat_id)
        elif isinstance(chat_id, str) and chat_id.startswith("@"):
            wanted = chat_id[1:].lower()
            by_name = (c for c in self._chats.values() if c.chat.get("username") is not None)
            chat = next((c for c in by_name if str(c.chat["username"]).lower() == wanted), None)
        if chat is None:
            raise bad_request("chat not found")
        if chat.type == "private" and not chat.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    def _auto_chat(self, chat_id: int) -> ChatState:
        if chat_id > 0:
            return self.user(chat_id, f"User{chat_id}", started=True).chat_state
        return self.group(chat_id, f"Chat {chat_id}").chat_state

    def _get_chat(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = p.get("chat_id")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        return {
            **chat.chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _member_dict(self, chat: ChatState, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_id:
            user, status = self.bot_user, chat.bot_status
        else:
            user = self._users.get(user_id) or {
                "id": user_id,
                "is_bot": False,
                "first_name": f"User{user_id}",
            }
            status = chat.members.get(user_id, "left")
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "administrator":
            rights = dict.fromkeys(
                (
                    "can_manage_chat",
                    "can_delete_messages",
                    "can_manage_video_chats",
                    "can_restrict_members",
                    "can_change_info",
                    "can_invite_users",
                    "can_post_stories",
                    "can_edit_stories",
                    "can_delete_stories",
                    "can_pin_messages",
                ),
                True,
            )
            return {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_promote_members": False,
                **rights,
            }
        if status == "kicked":
            return {"status": "kicked", "user": user, "until_date": 0}
        return {"status": status if status in ("member", "left") else "member", "user": user}

    def _get_chat_member(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._get_known_chat(p)
        user_id = p.get("user_id")
        if not isinstance(user_id, int):
            raise bad_request("invalid user_id specified")
        return self._member_dict(chat, user_id)

    def _get_chat_administrators(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        chat = self._get_known_chat(p)
        ids = [uid for uid, st in chat.members.items() if st in ("creator", "administrator")]
        if chat.bot_status == "administrator":
            ids.append(self.bot_id)
        return [self._member_dict(chat, uid) for uid in ids]

    def _get_chat_member_count(self, p: dict[str, Any]) -> int:
        chat = self._get_known_chat(p)
        return sum(1 for st in chat.members.values() if st not in ("left", "kicked")) + 1

    def _get_known_chat(self, p: dict[str, Any]) -> ChatState:
        chat_id = p.get("chat_id")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _queue_my_chat_member(self, chat: ChatState, old: str, new: str) -> None:
        actor = self._users.get(chat.id) if chat.type == "private" else None
        self.queue_update(
            "my_chat_member",
            {
                "chat": chat.chat,
                "from": actor or self.bot_user,
                "date": _now(),
                "old_chat_member": self._status_dict(old),
                "new_chat_member": self._status_dict(new),
            },
        )

    def _status_dict(self, status: str) -> dict[str, Any]:
        fake = ChatState(chat={"id": 0, "type": "private"}, bot_status=status)
        return self._member_dict(fake, self.bot_id)

    # ------------------------------------------------------------------ sending

    def _reply_target(self, chat: ChatState, p: dict[str, Any]) -> dict[str, Any] | None:
        params = p.get("reply_parameters")
        if isinstance(params, dict):
            target, lenient = params.get("message_id"), params.get("allow_sending_without_reply")
        else:
            target, lenient = p.get("reply_to_message_id"), p.get("allow_sending_without_reply")
        if target is None:
            return None
        message = chat.messages.get(target) if isinstance(target, int) else None
        if message is None:
            if lenient:
                return None
            raise bad_request("message to be replied not found")
        return {k: v for k, v in message.items() if k != "reply_to_message"}

    def _deliver(
        self,
        chat: ChatState,
        method: str,
        p: dict[str, Any],
        content: dict[str, Any],
        *,
        text: str | None,
        raw_text: str | None,
        entities: list[dict[str, Any]],
        media_type: str | None = None,
        upload: UploadedFile | None = None,
    ) -> dict[str, Any]:
        """Create a bot message in ``chat``, record its snapshot and return its JSON."""
        markup, buttons, keyboard, removes = parse_reply_markup(p.get("reply_markup"))
        reply_to = self._reply_target(chat, p)
        message_id = chat.take_message_id()
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": chat.chat,
            "date": _now(),
            **content,
        }
        if chat.type == "channel":
            message.pop("from")
            message["sender_chat"] = chat.chat
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if buttons:
            message["reply_markup"] = markup
        chat.messages[message_id] = message
        if keyboard is not None and markup is not None:
            chat.reply_keyboard = markup["keyboard"]
            chat.one_time_keyboard = bool(markup.get("one_time_keyboard"))
        elif removes:
            chat.reply_keyboard = None
        self._snapshot(
            chat,
            SentMessage(
                chat_id=chat.id,
                message_id=message_id,
                method=method,
                text=text,
                raw_text=raw_text,
                parse_mode=p.get("parse_mode"),
                entities=entities,
                buttons=buttons,
                keyboard=keyboard,
                reply_markup=markup,
                media_type=media_type,
                file=upload,
                date=message["date"],
                raw=message,
            ),
        )
        return message

    def _snapshot(self, chat: ChatState, snapshot: SentMessage) -> None:
        chat.timeline.append(snapshot)
        chat.current[snapshot.message_id] = snapshot
        self._sent.append(snapshot)
        chat.signal.fire()

    def _send_message(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat(p)
        raw = p.get("text")
        plain, entities = format_text(raw, p.get("parse_mode"), p.get("entities"), limit=MAX_TEXT)
        content: dict[str, Any] = {"text": plain}
        if entities:
            content["entities"] = entities
        return self._deliver(
            chat, "sendMessage", p, content, text=plain, raw_text=str(raw), entities=entities
        )

    def _store_file(
        self, kind: str, upload: UploadedFile | None, extension: str = "bin"
    ) -> _StoredFile:
        seq = next(self._file_seq)
        stored = _StoredFile(
            file_id=f"fake-{kind}-{seq}",
            unique_id=f"u{kind[:2]}{seq}",
            path=f"{kind}s/file_{seq}.{extension}",
            upload=upload,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.path] = stored
        return stored

    def _media_input(self, kind: str, value: object) -> tuple[_StoredFile, UploadedFile | None]:
        if isinstance(value, UploadedFile):
            name = value.filename or ""
            extension = name.rsplit(".", 1)[-1] if "." in name else "bin"
            return self._store_file(kind, value, extension), value
        if isinstance(value, str) and value:
            known = self._files.get(value)
            if known is not None:
                return known, known.upload
            if value.startswith(("http://", "https://")):
                return self._store_file(kind, None), None
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _media_object(
        self, kind: str, stored: _StoredFile, upload: UploadedFile | None, p: dict[str, Any]
    ) -> Any:
        size = len(upload.data) if upload else 0
        base: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.unique_id}
        if size:
            base["file_size"] = size
        if kind == "photo":
            width, height = (_png_size(upload.data) if upload else None) or (800, 600)
            thumb = self._files.get(stored.file_id + "-s") or self._store_thumb(stored)
            scale = min(1.0, 90 / max(width, height, 1))
            return [
                {
                    "file_id": thumb.file_id,
                    "file_unique_id": thumb.unique_id,
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                },
                {**base, "width": width, "height": height},
            ]
        result = {**MEDIA_DEFAULTS[kind], **base}
        for key in ("duration", "width", "height", "length"):
            if isinstance(p.get(key), int) and key in result:
                result[key] = p[key]
        if upload is not None:
            if kind in ("document", "audio", "video", "animation") and upload.filename:
                result["file_name"] = upload.filename
            if upload.content_type and kind != "sticker":
                result["mime_type"] = upload.content_type
        return result

    def _store_thumb(self, stored: _StoredFile) -> _StoredFile:
        thumb = _StoredFile(
            file_id=stored.file_id + "-s",
            unique_id=stored.unique_id + "s",
            path=stored.path + ".thumb",
            upload=stored.upload,
        )
        self._files[thumb.file_id] = thumb
        self._files_by_path[thumb.path] = thumb
        return thumb

    def _send_media(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        kind = MEDIA_METHODS[method]
        chat = self._target_chat(p)
        if kind not in p:
            raise bad_request(f"there is no {kind.replace('_', ' ')} in the request")
        stored, upload = self._media_input(kind, p[kind])
        content: dict[str, Any] = {kind: self._media_object(kind, stored, upload, p)}
        caption, entities = None, []
        if p.get("caption") and kind not in ("sticker", "video_note"):
            caption, entities = format_text(
                p["caption"],
                p.get("parse_mode"),
                p.get("caption_entities"),
                limit=MAX_CAPTION,
                what="caption",
                allow_empty=True,
            )
            content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
        if kind == "sticker" and isinstance(p.get("emoji"), str):
            content["sticker"]["emoji"] = p["emoji"]
        return self._deliver(
            chat,
            method,
            p,
            content,
            text=caption,
            raw_text=p.get("caption"),
            entities=entities,
            media_type=kind,
            upload=upload,
        )

    def _send_location(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat(p)
        lat, lon = p.get("latitude"), p.get("longitude")
        if not isinstance(lat, int | float) or not isinstance(lon, int | float):
            raise bad_request("wrong latitude/longitude")
        content = {"location": {"latitude": lat, "longitude": lon}}
        return self._deliver(
            chat,
            "sendLocation",
            p,
            content,
            text=None,
            raw_text=None,
            entities=[],
            media_type="location",
        )

    def _send_contact(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat(p)
        phone, name = p.get("phone_number"), p.get("first_name")
        if not phone or not name:
            raise bad_request("phone_number and first_name are required")
        contact = {"phone_number": phone, "first_name": name}
        if p.get("last_name"):
            contact["last_name"] = p["last_name"]
        return self._deliver(
            chat,
            "sendContact",
            p,
            {"contact": contact},
            text=None,
            raw_text=None,
            entities=[],
            media_type="contact",
        )

    def _copy_content(self, source: dict[str, Any]) -> dict[str, Any]:
        keys = (
            "text",
            "entities",
            "caption",
            "caption_entities",
            "photo",
            "document",
            "audio",
            "video",
            "animation",
            "voice",
            "video_note",
            "sticker",
            "location",
            "contact",
        )
        return {k: source[k] for k in keys if k in source}

    def _source_message(self, p: dict[str, Any]) -> dict[str, Any]:
        source_chat = self._target_chat(p, "from_chat_id")
        message_id = p.get("message_id")
        source = source_chat.messages.get(message_id) if isinstance(message_id, int) else None
        if source is None:
            raise bad_request("message to copy not found")
        return source

    def _copy_message(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat(p)
        source = self._source_message(p)
        content = self._copy_content(source)
        if "caption" in p:
            content["caption"] = p["caption"]
        message = self._deliver_copy(chat, "copyMessage", p, content)
        return {"message_id": message["message_id"]}

    def _forward_message(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat(p)
        source = self._source_message(p)
        content = self._copy_content(source)
        if "from" in source:
            origin = {"type": "user", "sender_user": source["from"], "date": source["date"]}
        else:
            origin = {
                "type": "channel",
                "chat": source["chat"],
                "message_id": source["message_id"],
                "date": source["date"],
            }
        content["forward_origin"] = origin
        return self._deliver_copy(chat, "forwardMessage", p, content)

    def _deliver_copy(
        self, chat: ChatState, method: str, p: dict[str, Any], content: dict[str, Any]
    ) -> dict[str, Any]:
        media_type = next((k for k in MEDIA_DEFAULTS if k in content), None)
        if "photo" in content:
            media_type = "photo"
        upload = None
        if media_type is not None:
            media = content[media_type]
            file_id = (media[-1] if isinstance(media, list) else media)["file_id"]
            stored = self._files.get(file_id)
            upload = stored.upload if stored else None
        text = content.get("text", content.get("caption"))
        return self._deliver(
            chat,
            method,
            p,
            content,
            text=text,
            raw_text=text,
            entities=content.get("entities", content.get("caption_entities", [])),
            media_type=media_type,
            upload=upload,
        )

    def _send_chat_action(self, p: dict[str, Any]) -> bool:
        self._target_chat(p)
        if not isinstance(p.get("action"), str):
            raise bad_request("wrong parameter action in request")
        return True

    # ------------------------------------------------------------------ editing

    def _editable(self, p: dict[str, Any]) -> tuple[ChatState, dict[str, Any], SentMessage]:
        if p.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the fake API")
        chat = self._target_chat(p)
        message_id = p.get("message_id")
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None:
            raise bad_request("message to edit not found")
        current = chat.current.get(message["message_id"])
        if current is None:
            raise bad_request("message can't be edited")
        return chat, message, current

    def _edited(
        self,
        chat: ChatState,
        message: dict[str, Any],
        current: SentMessage,
        method: str,
        p: dict[str, Any],
        *,
        updates: dict[str, Any],
        drop: tuple[str, ...],
        text: str | None,
        raw_text: str | None,
        entities: list[dict[str, Any]],
    ) -> dict[str, Any]:
        markup, buttons, _keyboard, _removes = parse_reply_markup(p.get("reply_markup"))
        if markup is not None and not buttons and "inline_keyboard" not in markup:
            raise bad_request("reply markup must be an inline keyboard")
        new = {k: v for k, v in message.items() if k not in drop and k != "reply_markup"}
        new.update(updates)
        if buttons:
            new["reply_markup"] = markup
        old_view = {k: v for k, v in message.items() if k not in ("edit_date",)}
        new_view = {k: v for k, v in new.items() if k not in ("edit_date",)}
        if old_view == new_view:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a content and reply markup of the current message"
            )
        new["edit_date"] = _now()
        chat.messages[message["message_id"]] = new
        self._snapshot(
            chat,
            SentMessage(
                chat_id=chat.id,
                message_id=message["message_id"],
                method=method,
                text=text,
                raw_text=raw_text,
                parse_mode=p.get("parse_mode", current.parse_mode),
                entities=entities,
                buttons=buttons,
                keyboard=None,
                reply_markup=markup if buttons else None,
                media_type=current.media_type,
                file=current.file,
                edited=True,
                date=current.date,
                raw=new,
            ),
        )
        return new

    def _edit_message_text(self, p: dict[str, Any]) -> dict[str, Any]:
        chat, message, current = self._editable(p)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        raw = p.get("text")
        plain, entities = format_text(raw, p.get("parse_mode"), p.get("entities"), limit=MAX_TEXT)
        updates: dict[str, Any] = {"text": plain}
        if entities:
            updates["entities"] = entities
        return self._edited(
            chat,
            message,
            current,
            "editMessageText",
            p,
            updates=updates,
            drop=("text", "entities"),
            text=plain,
            raw_text=str(raw),
            entities=entities,
        )

    def _edit_message_caption(self, p: dict[str, Any]) -> dict[str, Any]:
        chat, message, current = self._editable(p)
        if current.media_type is None:
            raise bad_request("there is no caption in the message to edit")
        raw = p.get("caption")
        plain, entities = format_text(
            raw,
            p.get("parse_mode"),
            p.get("caption_entities"),
            limit=MAX_CAPTION,
            what="caption",
            allow_empty=True,
        )
        updates: dict[str, Any] = {"caption": plain} if plain else {}
        if entities:
            updates["caption_entities"] = entities
        return self._edited(
            chat,
            message,
            current,
            "editMessageCaption",
            p,
            updates=updates,
            drop=("caption", "caption_entities"),
            text=plain or None,
            raw_text=raw if isinstance(raw, str) else None,
            entities=entities,
        )

    def _edit_message_reply_markup(self, p: dict[str, Any]) -> dict[str, Any]:
        chat, message, current = self._editable(p)
        return self._edited(
            chat,
            message,
            current,
            "editMessageReplyMarkup",
            p,
            updates={},
            drop=(),
            text=current.text,
            raw_text=current.raw_text,
            entities=current.entities,
        )

    def _delete_message(self, p: dict[str, Any]) -> bool:
        chat = self._target_chat(p)
        message_id = p.get("message_id")
        if not isinstance(message_id, int) or message_id not in chat.messages:
            raise bad_request("message to delete not found")
        del chat.messages[message_id]
        chat.deleted.add(message_id)
        chat.signal.fire()
        return True

    def _delete_messages(self, p: dict[str, Any]) -> bool:
        chat = self._target_chat(p)
        ids = p.get("message_ids")
        if not isinstance(ids, list) or not ids:
            raise bad_request("message_ids is empty")
        for message_id in ids:
            if isinstance(message_id, int) and chat.messages.pop(message_id, None) is not None:
                chat.deleted.add(message_id)
        chat.signal.fire()
        return True

    # ------------------------------------------------------------------ callbacks & files

    def _answer_callback_query(self, p: dict[str, Any]) -> bool:
        query_id = p.get("callback_query_id")
        if not isinstance(query_id, str) or query_id not in self._queries:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if query_id in self._query_answers:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = p.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._query_answers[query_id] = p
        return True

    def _get_file(self, p: dict[str, Any]) -> dict[str, Any]:
        file_id = p.get("file_id")
        stored = self._files.get(file_id) if isinstance(file_id, str) else None
        if stored is None:
            raise bad_request("invalid file_id")
        result: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_path": stored.path,
        }
        if stored.upload is not None:
            result["file_size"] = len(stored.upload.data)
        return result

    # ------------------------------------------------------------------ used by FakeUser

    def _user_dict(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> dict[str, Any]:
        user = self._users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": first_name}
            if last_name:
                user["last_name"] = last_name
            if username:
                user["username"] = username
            if language_code:
                user["language_code"] = language_code
            self._users[user_id] = user
        return user

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
        message.update({"chat": chat.chat, "date": _now(), **content})
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
        new["edit_date"] = max(_now(), int(old["date"]))
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
    ) -> tuple[_StoredFile, UploadedFile]:
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

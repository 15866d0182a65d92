"""The Telegram adapter: python-telegram-bot in front of the runtime (``bot/runtime.py``).

PTB only routes updates here: dialog state lives in the database, not in a ConversationHandler,
because a flow must be startable from a scheduled job and survive a restart. Long polling never
drops pending updates: a message sent while the bot was down may be a crisis message. This
module builds PTB's side (the application, its HTTP pools, the callback codec) and the Telegram
transport, and hands that transport to :func:`build_runtime`; it constructs no service itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import traceback
from collections.abc import Iterator
from dataclasses import replace

from telegram import Bot, BotCommand, BotCommandScopeDefault, Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.content import Content, pick
from bot.engine import Flow
from bot.runtime import Runtime, build_runtime
from bot.sender import MAX_IN_FLIGHT
from bot.services import Services
from bot.storage import kv
from bot.telegram.callbacks import SECRET_KEY, CallbackCodec, new_secret
from bot.telegram.convert import to_incoming
from bot.telegram.groups import GroupTracker, track_groups
from bot.telegram.heartbeat import Heartbeat
from bot.telegram.transport import TelegramTransport
from bot.telegram.webhook import start_updates

log = logging.getLogger("poruch.telegram")
GIL_SWITCH_SECONDS = 0.0005
# Two HTTP pools: what the sender delivers (replies, prompts, staff alerts) has its own, as
# many connections as it ever has requests in flight, so a burst of button answers can never
# hold the connections an urgent alert needs. The application's pool serves the button answers
# and the rest. httpcore checks every pooled connection (a poll() each when idle) on every
# request, so neither is larger than it must be (PTB's 256 cost more than they gave).
DELIVERY_POOL_SIZE = MAX_IN_FLIGHT
ANSWER_POOL_SIZE = 8
POOL_TIMEOUT_SECONDS = 10.0  # a burst of button answers waits for a connection, not fails


class TelegramBot:
    """PTB's application in front of the runtime: updates in as ``Incoming``, replies out."""

    def __init__(
        self,
        runtime: Runtime,
        application: Application,
        codec: CallbackCodec,
        groups: GroupTracker,
        delivery: Bot,
    ) -> None:
        self.runtime = runtime
        self.application = application
        self.delivery = delivery  # the sender's own client (see DELIVERY_POOL_SIZE)
        self.codec = codec
        self.groups = groups
        track_groups(application, groups)
        application.add_handler(TypeHandler(Update, self.on_update))
        application.add_error_handler(self.on_error)

    async def on_update(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Long polling: PTB hands every update here (after the group tracker's handler)."""
        assert isinstance(update, Update)
        await self.turn(update)

    async def handle(self, update: Update) -> None:
        """The webhook: the group tracker, then the turn. Not through PTB's
        ``process_update``, which swallows a handler's error: the webhook server must see it,
        to answer 500 so that Telegram sends the update again."""
        await self.groups.see(update)
        await self.turn(update)

    async def turn(self, update: Update) -> None:
        """One update through the conversation; its replies queued for the sender."""
        incoming = to_incoming(update, self.codec)
        conversation = self.runtime.conversation
        replies = await conversation.handle(incoming) if incoming is not None else []
        if update.callback_query is not None:
            notice = next((r.notice for r in replies if r.notice), None)
            if incoming is not None and incoming.kind == "invalid_button" and replies:
                notice = replies[0].text
            # Not awaited: the next update is handled meanwhile. PTB tracks the task, waits
            # for it on stop and hands a failure to on_error.
            self.application.create_task(update.callback_query.answer(text=notice), update)
        self.runtime.submit(replies)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the error's type and where it happened, never its message or the update."""
        error = context.error
        if error is None:
            return
        frames = "".join(traceback.format_tb(error.__traceback__)[-3:]).replace("\n", " | ")
        log.error("update_failed error=%s where=%s", type(error).__name__, frames)

    async def set_commands(self) -> None:
        catalog = self.runtime.services.catalog
        content = catalog.content
        flows = [f for f in catalog.flows.values() if f.command and f.description]
        for lang, codes in (("en", (None,)), ("uk", ("uk", "ru"))):
            commands = [
                BotCommand(f.command, _describe(content, f, lang)) for f in flows if f.command
            ]
            for code in codes:
                await self.application.bot.set_my_commands(
                    commands, scope=BotCommandScopeDefault(), language_code=code
                )


def _describe(content: Content, flow: Flow, lang: str) -> str:
    ref = flow.description
    assert ref is not None
    text = pick(ref.inline, lang) if ref.inline else content.text(str(ref.key), lang)
    return text[:256]


async def build_bot(services: Services) -> TelegramBot:
    config = services.config
    assert config.token, "TELEGRAM_BOT_TOKEN is required"
    base = config.api_base_url.rstrip("/")
    file_base = base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file"
    heartbeat = Heartbeat(services.db)
    application = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(base)
        .base_file_url(file_base)
        .request(
            heartbeat.request(
                connection_pool_size=ANSWER_POOL_SIZE, pool_timeout=POOL_TIMEOUT_SECONDS
            )
        )
        .get_updates_request(heartbeat.request(connection_pool_size=1))
        .build()
    )
    delivery = Bot(
        config.token,
        base_url=base,
        base_file_url=file_base,
        request=heartbeat.request(
            connection_pool_size=DELIVERY_POOL_SIZE, pool_timeout=POOL_TIMEOUT_SECONDS
        ),
    )
    codec = CallbackCodec(await kv.get_or_create(services.db, SECRET_KEY, new_secret))
    runtime = build_runtime(services, TelegramTransport(delivery, codec))
    return TelegramBot(runtime, application, codec, GroupTracker(services.db), delivery)


async def run_bot(services: Services, stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set (or SIGTERM/SIGINT): take updates, answer, deliver alerts.

    Updates come by long polling, or by webhook when ``BOT_WEBHOOK_URL`` is set. On stop, no new
    updates are taken and the updates in flight finish (the webhook server drains its turns,
    PTB's ``Application.stop`` the polled ones), then the runtime closes (``Runtime.close``: the
    outbox worker finishes the attempt it is making); the caller then closes the database.
    """
    stop = stop or asyncio.Event()
    # A report's snapshot reads answer from aiosqlite's thread, which needs the GIL back from
    # the event loop; at the default 5 ms switch interval a busy loop makes each of them wait.
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    with _signals_set(stop):
        bot = await build_bot(services)
        async with bot.application, bot.delivery:
            await bot.set_commands()
            await bot.application.start()
            updates = await start_updates(bot.application, bot.handle, services)
            bot.runtime.start()
            log.info("bot_started mode=%s", updates.mode)
            await stop.wait()
            await updates.stop()
            await bot.application.stop()
            await bot.runtime.close()
    log.info("bot_stopped")


async def run_polling(services: Services, stop: asyncio.Event | None = None) -> None:
    """:func:`run_bot` with long polling whatever ``BOT_WEBHOOK_URL`` says (tests use it)."""
    config = replace(services.config, webhook_url=None)
    await run_bot(replace(services, config=config), stop)


@contextlib.contextmanager
def _signals_set(stop: asyncio.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set ``stop`` while the bot runs; the old handlers come back after."""
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)

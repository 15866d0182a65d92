"""Wiring python-telegram-bot to the conversation service.

PTB only routes updates here: dialog state lives in the database, not in a ConversationHandler,
because a flow must be startable from a scheduled job and survive a restart. Long polling never
drops pending updates: a message sent while the bot was down may be a crisis message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import traceback

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.clock import utcnow
from bot.content import Content, pick
from bot.conversation.messages import Outgoing
from bot.conversation.service import Conversation
from bot.delivery import DeliveryError, RetryLater, Unreachable
from bot.engine import Flow
from bot.safety.outbox import OutboxWorker
from bot.services import Services
from bot.storage import kv, mothers
from bot.telegram.callbacks import SECRET_KEY, CallbackCodec, new_secret
from bot.telegram.convert import to_incoming
from bot.telegram.transport import TelegramTransport

log = logging.getLogger("poruch.telegram")
URGENT_ATTEMPTS = 3


class TelegramBot:
    """The running bot: PTB application, conversation service and the outbox worker."""

    def __init__(self, services: Services, application: Application, codec: CallbackCodec) -> None:
        self.services = services
        self.application = application
        self.codec = codec
        self.transport = TelegramTransport(application.bot, codec)
        self.conversation = Conversation(services)
        self.worker = OutboxWorker(services, self.transport)
        application.add_handler(TypeHandler(Update, self.on_update))
        application.add_error_handler(self.on_error)

    async def on_update(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert isinstance(update, Update)
        incoming = to_incoming(update, self.codec)
        replies = await self.conversation.handle(incoming) if incoming is not None else []
        if update.callback_query is not None:
            notice = next((r.notice for r in replies if r.notice), None)
            if incoming is not None and incoming.kind == "invalid_button" and replies:
                notice = replies[0].text
            await update.callback_query.answer(text=notice)
        for reply in replies:
            if reply.text or reply.photo is not None or reply.document is not None:
                await self.send(reply)
        self.worker.wake()

    async def send(self, reply: Outgoing) -> None:
        attempts = URGENT_ATTEMPTS if reply.urgent else 1
        for attempt in range(attempts):
            try:
                await self.transport.deliver(reply)
                return
            except Unreachable:
                await self._blocked(reply.chat_id)
                return
            except RetryLater as exc:
                if attempt + 1 == attempts:
                    log.warning("reply_not_delivered reason=%s", exc)
                    return
                await asyncio.sleep(exc.retry_after or 0.5 * (attempt + 1))
            except DeliveryError:
                log.warning("reply_not_delivered")
                return

    async def _blocked(self, chat_id: int) -> None:
        """A mother who blocked the bot gets nothing more until she sends /start again."""
        async with self.services.db.transaction() as conn:
            mother = await mothers.by_chat(conn, chat_id)
            if mother is not None:
                await mothers.update(conn, mother.id, utcnow(), status="inactive")
                log.info("mother_inactive mother=%s reason=blocked", mother.pseudonym)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the error's type and where it happened, never its message or the update."""
        error = context.error
        if error is None:
            return
        frames = "".join(traceback.format_tb(error.__traceback__)[-3:]).replace("\n", " | ")
        log.error("update_failed error=%s where=%s", type(error).__name__, frames)

    async def set_commands(self) -> None:
        content = self.services.catalog.content
        flows = [f for f in self.services.catalog.flows.values() if f.command and f.description]
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
    application = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(base)
        .base_file_url(file_base)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .build()
    )
    secret = await kv.get_or_create(services.db, SECRET_KEY, new_secret)
    return TelegramBot(services, application, CallbackCodec(secret))


async def run_polling(services: Services, stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set (or SIGTERM/SIGINT): poll, answer, deliver alerts."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    bot = await build_bot(services)
    async with bot.application:
        await bot.set_commands()
        await bot.application.start()
        assert bot.application.updater is not None
        await bot.application.updater.start_polling(
            allowed_updates=Update.ALL_TYPES, drop_pending_updates=False, poll_interval=0.0
        )
        worker = asyncio.create_task(bot.worker.run_forever(stop))
        log.info("bot_started")
        await stop.wait()
        await bot.application.updater.stop()
        await bot.application.stop()
        await worker
    log.info("bot_stopped")

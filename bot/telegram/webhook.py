"""Where updates come from: long polling (the default) or a webhook that Telegram posts to.

Long polling needs only outbound HTTPS, which every clinic network allows, so it is the default.
A webhook (``BOT_WEBHOOK_URL``) needs a public https address: a reverse proxy terminates TLS and
forwards to ``BOT_WEBHOOK_LISTEN:BOT_WEBHOOK_PORT``, and the path of the public URL is the path
the bot serves. The webhook is served by :mod:`bot.telegram.webhook_server`, not PTB's updater,
because PTB answers Telegram before the update is handled (an update is lost if the process dies
meanwhile) and several worker processes must share one port. Telegram sends the secret token in
``X-Telegram-Bot-Api-Secret-Token`` with every update; a request without it (or with a wrong one)
gets 403 and is never read, so nobody who merely learns the URL can talk to the bot as a mother.
The secret comes from ``BOT_WEBHOOK_SECRET`` or is generated once and kept in the ``kv`` table.
Neither mode drops updates that waited while the bot was down: one may be a crisis message.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import Application

from bot.services import Services
from bot.storage import kv
from bot.telegram.webhook_server import Handle, WebhookServer

SECRET_KEY = "webhook_secret"


@dataclass(frozen=True)
class Updates:
    """How updates are coming in (``polling`` or ``webhook``, for the log) and how to stop
    taking them; stopping lets the updates being handled finish."""

    mode: str
    stop: Callable[[], Awaitable[object]]


def new_webhook_secret() -> str:
    """43 characters from Telegram's allowed set (A-Z, a-z, 0-9, _ and -)."""
    return secrets.token_urlsafe(32)


def url_path(webhook_url: str) -> str:
    """The local path to serve: the path of the public URL (``/telegram`` → ``telegram``)."""
    return urlsplit(webhook_url).path.strip("/")


async def webhook_secret(services: Services) -> str:
    configured = services.config.webhook_secret
    if configured:
        return configured
    return await kv.get_or_create(services.db, SECRET_KEY, new_webhook_secret)


async def start_updates(application: Application, handle: Handle, services: Services) -> Updates:
    """Start taking updates the configured way: PTB's long polling, whose updates go through
    the application's handlers, or the webhook server, which awaits ``handle`` for each.

    The webhook is listening before ``setWebhook`` tells Telegram about it, and stopping never
    calls ``deleteWebhook``: with several workers behind one URL, one of them stopping must not
    cut the others off."""
    config = services.config
    if config.webhook_url is None:
        updater = application.updater
        assert updater is not None
        await updater.start_polling(
            allowed_updates=Update.ALL_TYPES, drop_pending_updates=False, poll_interval=0.0
        )
        return Updates("polling", updater.stop)
    secret = await webhook_secret(services)
    server = WebhookServer(
        application.bot,
        handle,
        secret_token=secret,
        listen=config.webhook_listen,
        port=config.webhook_port,
        path=url_path(config.webhook_url),
    )
    await server.start()
    try:
        await application.bot.set_webhook(
            config.webhook_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
        )
    except BaseException:
        await server.stop()
        raise
    return Updates("webhook", server.stop)

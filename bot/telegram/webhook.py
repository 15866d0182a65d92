"""Where updates come from: long polling (the default) or a webhook that Telegram posts to.

Long polling needs only outbound HTTPS, which every clinic network allows, so it is the default.
A webhook (``BOT_WEBHOOK_URL``) needs a public https address: a reverse proxy terminates TLS and
forwards to ``BOT_WEBHOOK_LISTEN:BOT_WEBHOOK_PORT``, and the path of the public URL is the path
the bot serves. Telegram sends the secret token in ``X-Telegram-Bot-Api-Secret-Token`` with every
update; PTB's webhook server answers 403 to a request without it (or with a wrong one) and never
queues that update, so nobody who merely learns the URL can talk to the bot as a mother. The
secret comes from ``BOT_WEBHOOK_SECRET`` or is generated once and kept in the ``kv`` table.
Neither mode drops updates that waited while the bot was down: one may be a crisis message.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import Application

from bot.services import Services
from bot.storage import kv

SECRET_KEY = "webhook_secret"


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


async def start_updates(application: Application, services: Services) -> str:
    """Start taking updates the configured way; returns ``polling`` or ``webhook`` for the log."""
    updater = application.updater
    assert updater is not None
    config = services.config
    if config.webhook_url is None:
        await updater.start_polling(
            allowed_updates=Update.ALL_TYPES, drop_pending_updates=False, poll_interval=0.0
        )
        return "polling"
    await updater.start_webhook(
        listen=config.webhook_listen,
        port=config.webhook_port,
        url_path=url_path(config.webhook_url),
        webhook_url=config.webhook_url,
        secret_token=await webhook_secret(services),
        allowed_updates=Update.ALL_TYPES,
        drop_pending_updates=False,
    )
    return "webhook"

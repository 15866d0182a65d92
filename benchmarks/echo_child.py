"""The baseline bot for figures 2 and 7: bare python-telegram-bot answering every update with
one message (and answering button presses), in its own process like the real bot. By long
polling, or with ``--webhook-url`` by PTB's own webhook server on ``--port`` (figure 7's path).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections import defaultdict

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationBuilder, ContextTypes, TypeHandler

STEPS = 7
READY = "echo_started"


async def main(token: str, base_url: str, webhook_url: str | None, port: int) -> None:
    replies: defaultdict[int, int] = defaultdict(int)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Далі", callback_data="next")]])

    async def echo(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert isinstance(update, Update) and update.effective_chat is not None
        chat = update.effective_chat.id
        replies[chat] += 1
        if update.callback_query is not None:
            await update.callback_query.answer()
        keyboard = markup if replies[chat] < STEPS else None
        await context.bot.send_message(chat, "echo", reply_markup=keyboard)

    application = ApplicationBuilder().token(token).base_url(base_url).build()
    application.add_handler(TypeHandler(Update, echo))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with application:
        await application.start()
        assert application.updater is not None
        if webhook_url is None:
            await application.updater.start_polling(poll_interval=0.0)
        else:
            await application.updater.start_webhook(
                listen="127.0.0.1",
                port=port,
                url_path=webhook_url.rsplit("/", 1)[-1],
                webhook_url=webhook_url,
            )
        print(READY, file=sys.stderr, flush=True)
        await stop.wait()
        await application.updater.stop()
        await application.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--token", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--webhook-url")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(main(args.token, args.base_url, args.webhook_url, args.port))

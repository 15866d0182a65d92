"""A webhook worker that never finishes a turn, for the test that kills it with SIGKILL.

Run as ``python -m tests.telegram.dying_worker PORT SECRET``: it listens on ``127.0.0.1:PORT``
(with ``SO_REUSEPORT``, like every worker), prints ``listening`` once it does and
``handling <update_id>`` when an update reaches its handler, which then waits forever — the
state a real worker is in when ``kill -9`` hits it in the middle of a turn.
"""

from __future__ import annotations

import asyncio
import sys

from telegram import Bot, Update

from bot.telegram.webhook_server import WebhookServer

TOKEN = "7000000001:FAKE-token-for-tests"


async def _hang(update: Update) -> None:
    print(f"handling {update.update_id}", flush=True)
    await asyncio.Event().wait()


async def main(port: int, secret: str) -> None:
    server = WebhookServer(
        Bot(TOKEN), _hang, secret_token=secret, listen="127.0.0.1", port=port, path="telegram"
    )
    await server.start()
    print("listening", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))

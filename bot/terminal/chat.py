"""``python main.py chat``: one mother talking to the bot in this terminal.

It runs the same runtime (``bot/runtime.py``), flows and database as Telegram, the scheduler
included: her daily check-in prints here when its minute comes. Buttons are shown numbered (type
the number), and staff alerts print here, marked as such, through the same durable outbox the
Telegram staff chat uses.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from bot.conversation.messages import Author, Button, Incoming, Outgoing
from bot.runtime import build_runtime
from bot.scheduling.scheduler import TICK_SECONDS
from bot.services import Services

LOCAL_CHAT_ID = 1
LOCAL_STAFF_CHAT_ID = -1
FILES_DIR = Path("data/terminal")
_TAGS = re.compile(r"<[^>]+>")


class TerminalTransport:
    """Prints messages; the mother's buttons are remembered so a typed number presses one."""

    def __init__(self, out: TextIO, staff_chat_id: int) -> None:
        self.out = out
        self.staff_chat_id = staff_chat_id
        self.buttons: list[Button] = []
        self._next_id = 0

    async def deliver(self, message: Outgoing) -> int | None:
        self._next_id += 1
        if message.chat_id == self.staff_chat_id:
            text = html.unescape(_TAGS.sub("", message.text))
            self.out.write(f"\n┌─ STAFF ALERT (clinic staff chat) ─\n{text}\n└──\n")
            self.out.flush()
            return self._next_id
        self._show(message)
        return self._next_id

    def _show(self, message: Outgoing) -> None:
        if message.photo is not None or message.document is not None:
            name, data = message.document or (f"chart-{self._next_id}.png", message.photo or b"")
            FILES_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = FILES_DIR / name
            path.write_bytes(data)
            self.out.write(f"\n[file saved: {path}]\n")
        if message.text:
            self.out.write(f"\nbot> {message.text}\n")
        flat = [button for row in message.buttons for button in row]
        if flat:
            self.buttons = flat
            for index, button in enumerate(flat, start=1):
                self.out.write(f"   [{index}] {button.label}\n")
        self.out.flush()


def parse_line(line: str, transport: TerminalTransport, author: Author) -> Incoming:
    text = line.strip()
    if text.startswith("/"):
        command, _, args = text[1:].partition(" ")
        return Incoming(author, "command", text=text, command=command.lower(), args=args)
    if text.isdigit() and 1 <= int(text) <= len(transport.buttons):
        return Incoming(author, "button", button=transport.buttons[int(text) - 1].ref)
    return Incoming(author, "text", text=text)


async def run_chat(
    services: Services,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    tick_seconds: float = TICK_SECONDS,
) -> None:
    """Her lines in until end of input. Each line's replies are printed before the next line
    is read, so a number typed next presses one of their buttons; staff alerts the line wrote
    are printed right after them."""
    if services.config.staff_chat_id is None:
        services.config = replace(services.config, staff_chat_id=LOCAL_STAFF_CHAT_ID)
    staff_chat = services.config.staff_chat_id
    assert staff_chat is not None
    transport = TerminalTransport(out, staff_chat)
    runtime = build_runtime(services, transport, tick_seconds=tick_seconds)
    author = Author(
        chat_id=LOCAL_CHAT_ID, user_id=LOCAL_CHAT_ID, first_name="Local", language_code="uk"
    )
    out.write(
        "Poruch terminal chat. Type /start to begin, a number to press a button, Ctrl-D to quit.\n"
    )
    out.flush()
    runtime.start()
    try:
        while True:
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            if not line.strip():
                continue
            for reply in await runtime.conversation.handle(parse_line(line, transport, author)):
                await runtime.send(reply)
            await runtime.worker.run_once()
    finally:
        await runtime.close()

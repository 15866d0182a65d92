"""Compact, signed callback data for inline buttons.

Telegram allows 64 bytes. A button carries its meaning (``a`` answer, ``m`` menu, ``s`` staff)
and a short HMAC, so a forged or altered button is refused before it reaches the service, and a
staff button cannot be turned into a press on another alert.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from bot.conversation.messages import ButtonRef

SIGNATURE_CHARS = 10
SECRET_KEY = "callback_secret"


def new_secret() -> str:
    return secrets.token_hex(32)


class CallbackCodec:
    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self._key, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_CHARS]

    def encode(self, ref: ButtonRef) -> str:
        if ref.kind == "answer":
            payload = f"a|{ref.question_seq}|{ref.option_index}"
        elif ref.kind == "staff":
            payload = f"s|{ref.alert_id}|{ref.action_index}"
        else:
            payload = f"m|{ref.action}"
        data = f"{payload}|{self._sign(payload)}"
        if len(data.encode()) > 64:
            raise ValueError(f"callback data too long: {payload!r}")
        return data

    def decode(self, data: str | None) -> ButtonRef | None:
        """The button's meaning, or None when the data is forged, altered or malformed."""
        if not data or len(data) > 64:
            return None
        payload, _, signature = data.rpartition("|")
        if not payload or not hmac.compare_digest(signature, self._sign(payload)):
            return None
        kind, *fields = payload.split("|")
        try:
            if kind == "a" and len(fields) == 2:
                return ButtonRef.answer(int(fields[0]), int(fields[1]))
            if kind == "s" and len(fields) == 2:
                return ButtonRef.staff(int(fields[0]), int(fields[1]))
        except ValueError:
            return None
        if kind == "m" and len(fields) == 1:
            return ButtonRef.menu(fields[0])
        return None

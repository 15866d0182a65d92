"""Turn a Bot API HTTP request back into the parameters the bot meant to send.

Why: PTB sends every request as a form (urlencoded, or multipart when uploading) in which each
non-string value is JSON-encoded and plain strings are sent raw. So ``"123"`` may be the integer
chat id or the literal text "123". Like the real server, we decode by parameter name: fields that
are strings in the Bot API stay strings, everything else is JSON-decoded. JSON bodies (other
clients) are accepted too, and ``attach://name`` references are resolved to the uploaded part.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from tests.fakeapi.models import ApiError, UploadedFile

# Bot API parameters whose type is String (or "InputFile or String"): never JSON-decode these.
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "url",
        "action",
        "language_code",
        "secret_token",
        "ip_address",
        "photo",
        "document",
        "audio",
        "video",
        "voice",
        "animation",
        "sticker",
        "video_note",
        "thumbnail",
        "certificate",
        "title",
        "description",
        "short_description",
        "name",
        "address",
        "phone_number",
        "first_name",
        "last_name",
        "vcard",
        "emoji",
        "question",
        "explanation",
        "foursquare_id",
        "foursquare_type",
        "google_place_id",
        "google_place_type",
        "file_id",
        "custom_title",
        "invite_link",
        "payload",
        "currency",
        "provider_token",
        "start_parameter",
    }
)

# Parameters that are objects/arrays; a JSON client might still send them as JSON strings.
OBJECT_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "reply_parameters",
        "link_preview_options",
        "media",
        "menu_button",
        "rights",
    }
)


# Integer parameters Telegram also accepts as numeric strings (JSON clients send "123").
ID_PARAMS = frozenset({"chat_id", "from_chat_id", "user_id", "message_id", "offset", "limit"})
_INTEGER = re.compile(r"-?[0-9]+")


def decode_form_value(name: str, raw: str) -> Any:
    """Decode one form field the way the Bot API does (see module docstring)."""
    if name in STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


async def read_params(request: web.Request) -> dict[str, Any]:
    """All parameters of a Bot API request: query string, then the body (JSON or form)."""
    params: dict[str, Any] = {
        key: decode_form_value(key, value) for key, value in request.query.items()
    }
    if request.method != "POST" or not request.body_exists:
        return params
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON request body") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: JSON request body must be an object")
        for key, value in body.items():
            if isinstance(value, str) and (
                key in OBJECT_PARAMS or (key in ID_PARAMS and _INTEGER.fullmatch(value))
            ):
                params[key] = decode_form_value(key, value)
            else:
                params[key] = value
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        has_files = False
        for key, value in form.items():
            if isinstance(value, FileField):
                has_files = True
                params[key] = UploadedFile(
                    data=value.file.read(),
                    filename=value.filename,
                    content_type=value.content_type,
                )
            else:
                params[key] = decode_form_value(key, str(value))
        if has_files:  # attach:// only refers to parts of a multipart upload
            return _resolve_attachments(params)
    return params


def _resolve_attachments(params: dict[str, Any]) -> dict[str, Any]:
    """Replace ``attach://name`` strings by the uploaded part ``name`` (and drop that part)."""
    used: set[str] = set()

    def resolve(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("attach://"):
            part = value.removeprefix("attach://")
            uploaded = params.get(part)
            if isinstance(uploaded, UploadedFile):
                used.add(part)
                return uploaded
            return value
        if isinstance(value, list):
            return [resolve(item) for item in value]
        if isinstance(value, dict):
            return {key: resolve(item) for key, item in value.items()}
        return value

    resolved = {key: resolve(value) for key, value in params.items()}
    for part in used:
        resolved.pop(part, None)
    return resolved

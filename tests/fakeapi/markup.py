"""Message formatting the way Telegram checks it: parse modes, lengths and keyboards.

Why this exists: the real API refuses malformed HTML or MarkdownV2 with ``400 can't parse
entities`` (an unescaped ``<`` in a user's name is the classic production-only bug), refuses
callback data over 64 bytes, and refuses texts over 4096 characters. The fake applies the same
rules so those bugs fail in tests. It also stores the plain text a user actually sees, so tests
assert on words rather than on markup.
"""

from __future__ import annotations

import html
import re
from typing import Any

from tests.fakeapi.models import ApiError, Button, bad_request

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64


class ParseError(ValueError):
    """The text's markup is invalid; the message is Telegram's wording."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


# ---------------------------------------------------------------- HTML

_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTR = re.compile(r"\s*([a-zA-Z_:-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")
_HTML_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")


def _parse_html(src: str) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    offset = 0  # UTF-16 offset in the output
    stack: list[tuple[str, int, dict[str, str]]] = []  # (tag, start offset, attributes)
    entities: list[dict[str, Any]] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch == "&":
            m = _HTML_ENTITY.match(src, i)
            if m:
                piece = html.unescape(m.group(0))
                out.append(piece)
                offset += utf16_len(piece)
                i = m.end()
                continue
        if ch != "<":
            j = i + 1
            while j < n and src[j] not in "<&":
                j += 1
            piece = src[i:j]
            out.append(piece)
            offset += utf16_len(piece)
            i = j
            continue
        close = src.find(">", i)
        if close < 0:
            raise ParseError(f"Unclosed start tag at byte offset {_byte_offset(src, i)}")
        is_end = src.startswith("</", i)
        name_match = _TAG_NAME.match(src, i + (2 if is_end else 1))
        name = name_match.group(0).lower() if name_match else ""
        if is_end:
            if not stack:
                raise ParseError(f"Unexpected end tag at byte offset {_byte_offset(src, i)}")
            tag, start, attrs = stack.pop()
            if name != tag:
                raise ParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(src, i)}, "
                    f'expected "</{tag}>", found "</{name}>"'
                )
            _close_html_entity(tag, start, offset, attrs, stack, entities)
            i = close + 1
            continue
        if name not in _HTML_ENTITY_TYPES:
            at = _byte_offset(src, i)
            raise ParseError(f'Unsupported start tag "{name}" at byte offset {at}')
        attrs = {
            a.group(1).lower(): next((g for g in a.groups()[1:] if g is not None), "")
            for a in _ATTR.finditer(src, name_match.end() if name_match else i + 1, close)
        }
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise ParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {i}')
        stack.append((name, offset, attrs))
        i = close + 1
    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    # Entities were collected as tags closed (inner first); for equal ranges Telegram lists
    # the outer one first, so reverse before the stable sort.
    entities.reverse()
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _close_html_entity(
    tag: str,
    start: int,
    end: int,
    attrs: dict[str, str],
    stack: list[tuple[str, int, dict[str, str]]],
    entities: list[dict[str, Any]],
) -> None:
    if end <= start:
        return
    kind = _HTML_ENTITY_TYPES[tag]
    entity: dict[str, Any] = {"type": kind, "offset": start, "length": end - start}
    if kind == "text_link":
        entity["url"] = attrs.get("href", "")
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    elif kind == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif kind == "code" and stack and stack[-1][0] == "pre":
        # <pre><code class="language-x"> is one pre entity with a language, as in Telegram.
        language = attrs.get("class", "").removeprefix("language-")
        if language:
            stack[-1][2]["_language"] = language
        return
    elif kind == "pre" and attrs.get("_language"):
        entity["language"] = attrs["_language"]
    entities.append(entity)


# ---------------------------------------------------------------- MarkdownV2 / Markdown

_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_MARKERS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough"}
_MDV2_MARKERS["||"] = "spoiler"


def _parse_markdown_v2(src: str) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    offset = 0
    stack: list[tuple[str, int, int]] = []  # (marker, output offset, source index)
    entities: list[dict[str, Any]] = []
    i, n = 0, len(src)

    def emit(piece: str) -> None:
        nonlocal offset
        out.append(piece)
        offset += utf16_len(piece)

    while i < n:
        ch = src[i]
        if ch == "\\":
            if i + 1 < n and 1 <= ord(src[i + 1]) <= 126:
                emit(src[i + 1])
                i += 2
                continue
            raise ParseError(f"Character '\\' at byte offset {_byte_offset(src, i)} is reserved")
        if ch == "`":
            fence = "```" if src.startswith("```", i) else "`"
            body_start = i + len(fence)
            language = ""
            if fence == "```":
                newline = src.find("\n", body_start)
                first_line = src[body_start:newline] if newline >= 0 else ""
                if newline >= 0 and first_line and " " not in first_line:
                    language, body_start = first_line, newline + 1
            j, body = body_start, []
            while j < n and not src.startswith(fence, j):
                if src[j] == "\\" and j + 1 < n:
                    j += 1
                body.append(src[j])
                j += 1
            if j >= n:
                raise ParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(src, i)}"
                )
            start = offset
            emit("".join(body))
            if offset > start:
                entity: dict[str, Any] = {
                    "type": "pre" if fence == "```" else "code",
                    "offset": start,
                    "length": offset - start,
                }
                if language:
                    entity["language"] = language
                entities.append(entity)
            i = j + len(fence)
            continue
        if ch == "[":
            stack.append(("[", offset, i))
            i += 1
            continue
        if ch == "]" and stack and stack[-1][0] == "[":
            _, start, _src_index = stack.pop()
            if not src.startswith("(", i + 1):
                raise ParseError(
                    "Character ']' is reserved and must be escaped with the preceding '\\'"
                )
            j, url = i + 2, []
            while j < n and src[j] != ")":
                if src[j] == "\\" and j + 1 < n:
                    j += 1
                url.append(src[j])
                j += 1
            if j >= n:
                raise ParseError(
                    f"Can't find end of a url at byte offset {_byte_offset(src, i + 1)}"
                )
            if offset > start:
                link = {"type": "text_link", "offset": start, "length": offset - start}
                entities.append({**link, "url": "".join(url)})
            i = j + 1
            continue
        if ch == ">" and (i == 0 or src[i - 1] == "\n"):
            # A quoted line; consecutive quoted lines form one blockquote entity.
            if not (stack and stack[-1][0] == ">"):
                stack.append((">", offset, i))
            i += 1
            continue
        marker = src[i : i + 2] if src[i : i + 2] in ("__", "||") else ch
        if marker in _MDV2_MARKERS:
            if stack and stack[-1][0] == marker:
                _, start, _src_index = stack.pop()
                if offset > start:
                    entities.append(
                        {"type": _MDV2_MARKERS[marker], "offset": start, "length": offset - start}
                    )
            elif any(m == marker for m, _, _ in stack):
                raise ParseError(
                    f"Can't find end of {_MDV2_MARKERS[marker].title()} entity at byte offset "
                    f"{_byte_offset(src, i)}"
                )
            else:
                stack.append((marker, offset, i))
            i += len(marker)
            continue
        if ch in _MDV2_RESERVED:
            raise ParseError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        if ch == "\n" and stack and stack[-1][0] == ">" and not src.startswith(">", i + 1):
            _, start, _src_index = stack.pop()
            if offset > start:
                entities.append({"type": "blockquote", "offset": start, "length": offset - start})
        emit(ch)
        i += 1
    while stack and stack[-1][0] == ">":
        _, start, _src_index = stack.pop()
        if offset > start:
            entities.append({"type": "blockquote", "offset": start, "length": offset - start})
    if stack:
        _, _, src_index = stack[-1]
        raise ParseError(
            f"Can't find end of the entity starting at byte offset {_byte_offset(src, src_index)}"
        )
    # Entities were collected as tags closed (inner first); for equal ranges Telegram lists
    # the outer one first, so reverse before the stable sort.
    entities.reverse()
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


_LEGACY_MD = re.compile(r"\*([^*]*)\*|_([^_]*)_|```([^`]*)```|`([^`]*)`|\[([^\]]*)\]\(([^)]*)\)")


def _parse_markdown_legacy(src: str) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    offset = 0
    entities: list[dict[str, Any]] = []
    pos = 0
    for m in _LEGACY_MD.finditer(src):
        before = src[pos : m.start()]
        out.append(before)
        offset += utf16_len(before)
        bold, italic, pre, code, link_text, url = m.groups()
        body = next(g for g in (bold, italic, pre, code, link_text) if g is not None)
        kind = (
            "bold"
            if bold is not None
            else "italic"
            if italic is not None
            else "pre"
            if pre is not None
            else "code"
            if code is not None
            else "text_link"
        )
        length = utf16_len(body)
        if length:
            entity: dict[str, Any] = {"type": kind, "offset": offset, "length": length}
            if url is not None:
                entity["url"] = url
            entities.append(entity)
        out.append(body)
        offset += length
        pos = m.end()
    rest = src[pos:]
    for marker in ("*", "_", "`", "["):
        if marker in rest:
            index = pos + rest.index(marker)
            raise ParseError(
                f"Can't find end of the entity starting at byte offset {_byte_offset(src, index)}"
            )
    out.append(rest)
    return "".join(out), entities


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Return ``(visible_text, entities)`` for ``text`` sent with ``parse_mode``.

    Raises :class:`ParseError` with Telegram's wording when the markup is invalid."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        return _parse_markdown_legacy(text)
    if mode:
        raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r}")
    return text, []


def format_text(
    text: Any,
    parse_mode: Any,
    entities: Any,
    *,
    limit: int,
    what: str = "text",
    allow_empty: bool = False,
) -> tuple[str, list[dict[str, Any]]]:
    """Validate a text or caption parameter like Telegram and return ``(plain, entities)``.

    Raises :class:`ApiError` 400 with Telegram's descriptions."""
    if text is None or text == "":
        if allow_empty:
            return "", []
        raise bad_request(f"message {what} is empty")
    if not isinstance(text, str):
        text = str(text)
    try:
        plain, parsed = parse_text(text, parse_mode if isinstance(parse_mode, str) else None)
    except ParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None
    if isinstance(entities, list) and not parse_mode:
        parsed = [e for e in entities if isinstance(e, dict)]
    if not plain.strip() and not allow_empty:
        raise bad_request(f"message {what} is empty")
    if utf16_len(plain) > limit:
        raise bad_request(
            "message is too long" if what == "text" else f"message {what} is too long"
        )
    return plain, parsed


def parse_reply_markup(
    markup: Any,
) -> tuple[dict[str, Any] | None, list[list[Button]], list[list[str]] | None, bool]:
    """Validate ``reply_markup`` and split it into what tests look at.

    Returns ``(markup, inline_buttons, reply_keyboard, removes_keyboard)``. Rejects the mistakes
    Telegram rejects: callback data over 64 bytes, buttons without text or action."""
    if markup is None:
        return None, [], None, False
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list):
            raise bad_request('field "inline_keyboard" must be an Array')
        buttons: list[list[Button]] = []
        for row in rows:
            if not isinstance(row, list):
                raise bad_request('field "inline_keyboard" must be an Array of Arrays')
            out_row: list[Button] = []
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise bad_request('can\'t find field "text"')
                data = button.get("callback_data")
                if data is not None:
                    size = len(str(data).encode("utf-8"))
                    if size == 0 or size > MAX_CALLBACK_DATA:
                        raise bad_request("BUTTON_DATA_INVALID")
                elif len(button) == 1:
                    raise bad_request(
                        "can't parse inline keyboard button: Text buttons are "
                        "unallowed in the inline keyboard"
                    )
                out_row.append((str(button["text"]), None if data is None else str(data)))
            buttons.append(out_row)
        return markup, buttons, None, False
    if "keyboard" in markup:
        rows = markup["keyboard"]
        keyboard = [
            [b if isinstance(b, str) else str(b.get("text", "")) for b in row] for row in rows
        ]
        return markup, [], keyboard, False
    if markup.get("remove_keyboard"):
        return markup, [], None, True
    return markup, [], None, False


_COMMAND_RE = re.compile(r"(?:^|(?<=\s))/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,64})?")


def text_content(text: str) -> dict[str, Any]:
    """A user's text as Telegram delivers it: ``{"text", "entities"}`` with the
    ``bot_command`` entities Telegram adds (what PTB's ``CommandHandler`` relies on)."""
    content: dict[str, Any] = {"text": text}
    entities = [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: m.start()]),
            "length": utf16_len(m.group(0)),
        }
        for m in _COMMAND_RE.finditer(text)
    ]
    if entities:
        content["entities"] = entities
    return content

"""Self-tests of the fake Bot API, driven by real PTB clients over HTTP.

Why: every end-to-end test of the bot trusts this server to behave like Telegram as PTB sees
it. These tests pin that down with a tiny real ``Application`` (and a bare ``Bot`` where exact
control over ``getUpdates`` matters), so a fake that drifted from Telegram fails here first.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeAlias

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
)

from tests.fakeapi import FakeBotApi, PressedButton, UploadedFile, UserMessage
from tests.fakeapi.markup import ParseError, parse_text
from tests.fakeapi.users import TINY_PNG

AnyApp: TypeAlias = Application[Any, Any, Any, Any, Any, Any]
USER_ID = 1001
STAFF_CHAT = -1001234567890


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns (PTBDeprecationWarning) whenever it builds ``RetryAfter`` unless it may use
    ``timedelta``; with ``filterwarnings = error`` that warning would replace the 429."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server
    assert server.internal_errors == []


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_user is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Yes", callback_data="choice:yes"),
                InlineKeyboardButton("No", callback_data="choice:no"),
            ]
        ]
    )
    await update.effective_message.reply_text(
        f"Hello {update.effective_user.first_name}!", reply_markup=keyboard
    )


async def _photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    sent = await update.effective_message.reply_photo(
        TINY_PNG, caption="<b>Chart</b> for you", parse_mode=ParseMode.HTML, filename="chart.png"
    )
    await update.effective_message.reply_text(f"file_id={sent.photo[-1].file_id}")


async def _choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer("Noted")
    await query.edit_message_text(f"You chose {query.data.removeprefix('choice:')}")


def _build_app(api: FakeBotApi) -> AnyApp:
    app = api.application_builder().build()
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CommandHandler("photo", _photo))
    app.add_handler(CallbackQueryHandler(_choice, pattern=r"^choice:"))
    return app


@asynccontextmanager
async def _running(app: AnyApp) -> AsyncIterator[AnyApp]:
    """Run an application the way ``run_polling`` does, but inside the test's event loop."""
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


@pytest.fixture
async def app(api: FakeBotApi) -> AsyncIterator[AnyApp]:
    async with _running(_build_app(api)) as application:
        yield application


@asynccontextmanager
async def _bot(
    api: FakeBotApi, rate_limiter: AIORateLimiter | None = None
) -> AsyncIterator[ExtBot[Any]]:
    """A bare bot, for tests that drive ``getUpdates`` or single calls by hand."""
    bot = ExtBot(
        api.token,
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        rate_limiter=rate_limiter,
    )
    async with bot:
        yield bot


async def test_start_command_gets_a_reply(api: FakeBotApi, app: AnyApp) -> None:
    olena = api.user(USER_ID, "Olena")
    sent = await olena.send("/start")
    assert sent.data["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]

    reply = await olena.wait_reply()

    assert reply.text == "Hello Olena!"
    assert reply.buttons == [[("Yes", "choice:yes"), ("No", "choice:no")]]
    assert reply.message_id == sent.message_id + 1  # one id sequence per chat
    assert api.count_of("getMe") == 1
    assert api.seen_tokens == [api.token]
    call = api.calls_of("sendMessage")[0]
    assert call.params["chat_id"] == USER_ID  # decoded back to int from the form
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Yes"


async def test_pressing_a_button_delivers_the_callback_and_records_the_edit(
    api: FakeBotApi,
    app: AnyApp,
) -> None:
    olena = api.user(USER_ID, "Olena")
    await olena.send("/start")
    question = await olena.wait_reply()

    pressed = await olena.press("Yes")
    edit = await olena.wait_reply()

    assert isinstance(pressed, PressedButton) and pressed.data == "choice:yes"
    assert (edit.message_id, edit.edited, edit.text) == (question.message_id, True, "You chose yes")
    assert edit.buttons == []  # editMessageText without reply_markup drops the keyboard
    assert (await api.wait_callback_answer(pressed.query_id))["text"] == "Noted"
    assert [m.text for m in api.sent_to(USER_ID)] == ["Hello Olena!", "You chose yes"]
    with pytest.raises(LookupError, match="no button 'Yes'"):
        await olena.press("Yes")


async def test_group_member_presses_in_the_staff_chat(api: FakeBotApi, app: AnyApp) -> None:
    staff = api.group(STAFF_CHAT, "Clinic staff")
    nurse = staff.member(77, "Iryna", status="administrator")

    await nurse.send("/start@poruch_test_bot")
    assert (await staff.wait_reply()).text == "Hello Iryna!"
    await nurse.press("No")

    assert (await nurse.wait_for_text("You chose")).text == "You chose no"
    assert api.sent_to(STAFF_CHAT)[-1].chat_id == STAFF_CHAT


async def test_send_photo_multipart_is_decoded(api: FakeBotApi, app: AnyApp) -> None:
    olena = api.user(USER_ID, "Olena")
    await olena.send("/photo")

    reply, note = await olena.wait_replies(2)

    assert reply.photo == TINY_PNG and reply.filename == "chart.png"
    assert reply.text == "Chart for you"  # what she sees: HTML parsed away
    assert reply.entities == [{"type": "bold", "offset": 0, "length": 5}]
    upload = api.calls_of("sendPhoto")[0].params["photo"]
    assert isinstance(upload, UploadedFile) and upload.data == TINY_PNG
    # The file id PTB parsed from our answer downloads the same bytes via base_file_url.
    assert note.text is not None
    photo = await app.bot.get_file(note.text.removeprefix("file_id="))
    assert bytes(await photo.download_as_bytearray()) == TINY_PNG


async def test_offset_confirms_and_unconfirmed_updates_are_redelivered(api: FakeBotApi) -> None:
    olena = api.user(USER_ID, "Olena")
    first, second, third = [await olena.send(text) for text in ("one", "two", "three")]
    async with _bot(api) as bot:
        fetched = await bot.get_updates(timeout=0)
        again = await bot.get_updates(timeout=0)  # nothing confirmed: a new poller gets all
        assert [u.update_id for u in fetched] == [u.update_id for u in again]
        assert [u.message.text for u in again if u.message] == ["one", "two", "three"]

        rest = await bot.get_updates(offset=second.update_id, timeout=0, limit=1)
        assert [u.update_id for u in rest] == [second.update_id]
        assert api.pending_updates == 2  # "one" is confirmed and gone

        assert await bot.get_updates(offset=third.update_id + 1, timeout=0) == ()
        assert api.pending_updates == 0 and first.update_id < second.update_id

        # Long poll: parked until an update is queued, then answered at once.
        poll = asyncio.create_task(bot.get_updates(offset=third.update_id + 1, timeout=10))
        await api.wait_for(lambda: api.poll_waiting)
        assert api.calls_of("getUpdates")[-1].pending  # calls are recorded on arrival
        loop = asyncio.get_running_loop()
        queued_at = loop.time()
        fourth = await olena.send("four")
        delivered = await poll
        assert [u.update_id for u in delivered] == [fourth.update_id]
        assert loop.time() - queued_at < 1


async def test_application_restart_does_not_redeliver_confirmed_updates(api: FakeBotApi) -> None:
    olena = api.user(USER_ID, "Olena")
    async with _running(_build_app(api)):
        await olena.send("/start")
        await olena.wait_reply()
    assert api.pending_updates == 0  # the stopping poller confirmed what it fetched

    await olena.send("/start")  # arrives while no bot runs
    assert api.pending_updates == 1
    async with _running(_build_app(api)):
        await olena.wait_reply()
    assert api.count_of("sendMessage") == 2  # the first /start was not answered twice


async def test_inject_429_raises_retry_after(api: FakeBotApi) -> None:
    api.user(USER_ID, started=True)
    rule = api.inject_429("sendMessage", retry_after=3)
    async with _bot(api) as bot:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(USER_ID, "hi")
        assert caught.value.retry_after == dtm.timedelta(seconds=3)
        await bot.send_message(USER_ID, "hi")  # times=1: the next call goes through
    assert [c.status for c in api.calls_of("sendMessage")] == [429, 200]
    assert api.calls_of("sendMessage")[0].error == "Too Many Requests: retry after 3"
    assert rule.hits == 1 and [m.text for m in api.sent_to(USER_ID)] == ["hi"]


async def test_aio_rate_limiter_retries_after_429(api: FakeBotApi) -> None:
    api.user(USER_ID, started=True)
    api.inject_429("sendMessage", retry_after=0.05, times=2)
    async with _bot(api, rate_limiter=AIORateLimiter(max_retries=2)) as bot:
        await bot.send_message(USER_ID, "eventually")
        assert [c.status for c in api.calls_of("sendMessage")] == [429, 429, 200]

        api.inject_429("sendMessage", retry_after=0.05, times=3)
        with pytest.raises(RetryAfter):  # max_retries=2: the third 429 reaches the caller
            await bot.send_message(USER_ID, "never")
    assert [m.text for m in api.sent_to(USER_ID)] == ["eventually"]


async def test_blocked_user_gives_forbidden_until_unblocked(api: FakeBotApi) -> None:
    api.user(USER_ID, started=True)
    api.block(USER_ID)
    async with _bot(api) as bot:
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(USER_ID, "reminder")
        api.unblock(USER_ID)
        await bot.send_message(USER_ID, "reminder")
        updates = await bot.get_updates(timeout=0)
    assert [c.status for c in api.calls_of("sendMessage")] == [403, 200]
    statuses = [u.my_chat_member.new_chat_member.status for u in updates if u.my_chat_member]
    assert statuses == ["kicked", "member"]  # the my_chat_member updates Telegram sends


async def test_kicked_from_group_and_unknown_chats(api: FakeBotApi) -> None:
    api.group(STAFF_CHAT, "Clinic staff")
    api.kick_from(STAFF_CHAT, notify=False)
    async with _bot(api) as bot:
        with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
            await bot.send_message(STAFF_CHAT, "alert")
        await bot.send_message(-100999, "to a staff chat no test declared")
        assert api.sent_to(-100999)[0].text == "to a staff chat no test declared"
        api.user(2002)  # never wrote to the bot
        with pytest.raises(Forbidden, match="can't initiate conversation"):
            await bot.send_message(2002, "hello?")
    async with FakeBotApi(strict_chats=True) as strict, _bot(strict) as bot:
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(-100999, "alert")


async def test_errors_delays_and_unknown_methods(api: FakeBotApi) -> None:
    api.user(USER_ID, started=True)
    api.inject_error("sendMessage", status=502, times=1)
    api.delay("sendMessage", 5, after=True)  # delivered, but the answer comes too late
    async with _bot(api) as bot:
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(USER_ID, "first")
        with pytest.raises(TimedOut):
            await bot.send_message(USER_ID, "second", read_timeout=0.2)
        late = await api.wait_for(lambda: api.calls_of("sendMessage")[-1].client_gone)
        assert late
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("fooBar")
    assert [c.status for c in api.calls_of("sendMessage")] == [502, 200]
    assert [m.text for m in api.sent_to(USER_ID)] == ["second"]  # the timeout hid a delivery
    assert api.calls_of("fooBar")[0].status == 404


async def test_telegram_validation_is_enforced(api: FakeBotApi) -> None:
    api.user(USER_ID, started=True)
    async with _bot(api) as bot:
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(USER_ID, "Dear <Olena>", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match=r"(?i)must be escaped"):
            await bot.send_message(USER_ID, "Score: 12.", parse_mode=ParseMode.MARKDOWN_V2)
        too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(USER_ID, "pick", reply_markup=too_long)
        message = await bot.send_message(USER_ID, "same")
        with pytest.raises(BadRequest, match=r"(?i)not modified"):
            await bot.edit_message_text("same", USER_ID, message.message_id)
        await bot.set_my_commands([("start", "Почати")], language_code="uk")
        with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
            await bot.set_my_commands([("Start", "uppercase is refused")])
        commands = await bot.get_my_commands(language_code="uk")
        assert [(c.command, c.description) for c in commands] == [("start", "Почати")]
    assert api.commands(language_code="uk") == [("start", "Почати")]


async def test_enforced_rate_limit_answers_429(api: FakeBotApi) -> None:
    api.user(USER_ID, started=True)
    api.enforce_rate(global_per_sec=30, per_chat_per_sec=1)
    async with _bot(api) as bot:
        await bot.send_message(USER_ID, "one")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(USER_ID, "two")
    assert caught.value.retry_after == dtm.timedelta(seconds=1)
    assert api.rate_limited_count == 1


async def test_forged_callback_for_unknown_message_is_inaccessible(api: FakeBotApi) -> None:
    olena = api.user(USER_ID, "Olena")
    pressed = await olena.press_data(999, "choice:forged")
    async with _bot(api) as bot:
        (update,) = await bot.get_updates(timeout=0)
        assert update.callback_query is not None and update.callback_query.message is not None
        assert not update.callback_query.message.is_accessible  # Telegram's date=0 marker
        assert update.callback_query.data == "choice:forged"
        await update.callback_query.answer()
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await update.callback_query.answer()  # a query can be answered once
    assert api.callback_answer(pressed.query_id) is not None


async def test_wrong_token_is_unauthorized() -> None:
    bad = "123:wrong"
    async with FakeBotApi(token="123:right") as api:
        bot = Bot(bad, base_url=api.base_url)
        with pytest.raises(InvalidToken):
            await bot.initialize()
        await bot.shutdown()
        assert api.calls[0].status == 401 and api.seen_tokens == [bad]


async def test_unhandled_updates_are_confirmed_without_a_reply(
    api: FakeBotApi,
    app: AnyApp,
) -> None:
    olena = api.user(USER_ID, "Olena")
    await olena.send_sticker()
    await api.wait_confirmed()  # the bot fetched it: silence now means it chose not to answer
    assert api.sent_to(USER_ID) == [] and olena.last_message is None


async def test_user_content_parses_in_ptb(api: FakeBotApi) -> None:
    olena = api.user(USER_ID, "Olena", username="olena_k")
    first = await olena.send("перше /help")
    await olena.send_sticker("😢")
    await olena.send_photo(caption="фото")
    await olena.send_voice(duration=7)
    await olena.send_document(b"report", "report.txt", "text/plain")
    await olena.send_location()
    await olena.send_contact("+380671112233")
    await olena.edit(first, "виправлене")
    reply = await olena.send("відповідь", reply_to=first)
    post = await api.channel_post(-1009876, "news")
    async with _bot(api) as bot:
        updates = await bot.get_updates(timeout=0)
        messages = [u.message for u in updates if u.message]
        text, sticker, photo, voice, document, location, contact, answer = messages
        assert text.entities[0].type == "bot_command" and text.text == "перше /help"
        assert sticker.sticker is not None and sticker.sticker.emoji == "😢"
        assert photo.caption == "фото" and len(photo.photo) == 2
        assert voice.voice is not None and voice.voice.duration == dtm.timedelta(seconds=7)
        assert document.document is not None and document.document.file_name == "report.txt"
        assert location.location is not None and contact.contact is not None
        assert contact.contact.user_id == USER_ID
        assert answer.reply_to_message is not None
        assert answer.reply_to_message.message_id == first.message_id
        edited = next(u.edited_message for u in updates if u.edited_message)
        assert (edited.message_id, edited.text) == (first.message_id, "виправлене")
        channel = next(u.channel_post for u in updates if u.channel_post)
        assert channel.chat.type == "channel" and channel.text == "news"
        assert [m.message_id for m in messages] == list(range(1, 9))  # one sequence per chat
        assert reply.message_id == 8 and post.message_id == 1
        assert document.document.file_id is not None
        downloaded = await (await bot.get_file(document.document.file_id)).download_as_bytearray()
        assert bytes(downloaded) == b"report"


async def test_a_second_poller_terminates_the_first(api: FakeBotApi) -> None:
    async with _bot(api) as first, _bot(api) as second:
        parked = asyncio.create_task(first.get_updates(timeout=10))
        await api.wait_for(lambda: api.poll_waiting)
        assert await second.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates"):
            await parked


async def test_reply_keyboard_buttons_send_their_text(api: FakeBotApi) -> None:
    olena = api.user(USER_ID, "Olena", started=True)
    keyboard = ReplyKeyboardMarkup([["Так", "Ні"]], one_time_keyboard=True)
    async with _bot(api) as bot:
        await bot.send_message(USER_ID, "Чи спали ви сьогодні?", reply_markup=keyboard)
        assert olena.last_message is not None and olena.last_message.keyboard == [["Так", "Ні"]]
        pressed = await olena.press("Ні")
        (update,) = await bot.get_updates(timeout=0)
    assert isinstance(pressed, UserMessage) and update.message is not None
    assert update.message.text == "Ні"
    with pytest.raises(LookupError, match="visible buttons: \\[\\]"):
        await olena.press("Так")  # one_time_keyboard hid it


async def test_chat_and_member_info_parse_in_ptb(api: FakeBotApi) -> None:
    staff = api.group(STAFF_CHAT, "Clinic staff")
    staff.member(77, "Iryna", status="administrator")
    staff.member(78, "Oksana")
    api.user(USER_ID, "Olena")
    async with _bot(api) as bot:
        chat = await bot.get_chat(STAFF_CHAT)
        assert (chat.type, chat.title) == ("supergroup", "Clinic staff")
        assert (await bot.get_chat(USER_ID)).first_name == "Olena"
        statuses = [
            (await bot.get_chat_member(STAFF_CHAT, user_id)).status
            for user_id in (77, 78, 79, api.bot_id)
        ]
        assert statuses == ["administrator", "member", "left", "administrator"]
        admins = await bot.get_chat_administrators(STAFF_CHAT)
        assert {a.user.id for a in admins} == {77, api.bot_id}


@pytest.mark.parametrize(
    ("mode", "source", "plain", "entities"),
    [
        ("HTML", "<b>Hi</b> &lt;Olena&gt;", "Hi <Olena>", [("bold", 0, 2)]),
        (
            "HTML",
            '<a href="tel:7333">7333</a> 👶 <i>x</i>',
            "7333 👶 x",
            [("text_link", 0, 4), ("italic", 8, 1)],
        ),
        ("HTML", "<b><i>both</i></b>", "both", [("bold", 0, 4), ("italic", 0, 4)]),
        ("MarkdownV2", r"*Hi* Olena\! Score 12\.5", "Hi Olena! Score 12.5", [("bold", 0, 2)]),
        (
            "MarkdownV2",
            "__u__ ||s|| `a.b`",
            "u s a.b",
            [("underline", 0, 1), ("spoiler", 2, 1), ("code", 4, 3)],
        ),
        ("Markdown", "*Hi* _there_", "Hi there", [("bold", 0, 2), ("italic", 3, 5)]),
        (None, "<b>as is</b>", "<b>as is</b>", []),
    ],
)
def test_parse_modes_yield_visible_text_and_entities(
    mode: str | None, source: str, plain: str, entities: list[tuple[str, int, int]]
) -> None:
    text, parsed = parse_text(source, mode)
    assert text == plain
    assert [(e["type"], e["offset"], e["length"]) for e in parsed] == entities


@pytest.mark.parametrize(
    ("mode", "source", "error"),
    [
        ("HTML", "Dear <Olena>", 'Unsupported start tag "olena" at byte offset 5'),
        ("HTML", "<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("HTML", "<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("HTML", "a <b", "Unclosed start tag at byte offset 2"),
        ("MarkdownV2", "Done.", "Character '.' is reserved"),
        ("MarkdownV2", "*bold", "Can't find end of the entity starting at byte offset 0"),
    ],
)
def test_invalid_markup_is_refused_like_telegram(mode: str, source: str, error: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_text(source, mode)
    assert str(caught.value).startswith(error)


async def test_json_bodies_and_the_error_envelope(api: FakeBotApi) -> None:
    """Other clients (and the benchmark) may post JSON; answers use Telegram's envelope."""
    api.user(USER_ID, started=True)
    url = f"{api.base_url}{api.token}"
    markup = {"inline_keyboard": [[{"text": "Так", "callback_data": "yes"}]]}
    async with aiohttp.ClientSession() as session:
        body = {"chat_id": str(USER_ID), "text": "привіт", "reply_markup": markup}
        async with session.post(f"{url}/sendMessage", json=body) as response:
            sent = await response.json()
        async with session.post(f"{url}/fooBar", json={}) as response:
            missing = (response.status, await response.json())
    assert sent["ok"] is True and sent["result"]["reply_markup"] == markup
    assert api.sent_to(USER_ID)[0].buttons == [[("Так", "yes")]]
    assert missing == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )

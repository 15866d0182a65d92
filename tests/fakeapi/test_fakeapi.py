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

import pytest
from telegram import Bot, InaccessibleMessage, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
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

from tests.fakeapi import FakeBotApi, PressedButton, UploadedFile
from tests.fakeapi.users import TINY_PNG

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


def _build_app(api: FakeBotApi) -> Application:  # type: ignore[type-arg]
    app = api.application_builder().build()
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CommandHandler("photo", _photo))
    app.add_handler(CallbackQueryHandler(_choice, pattern=r"^choice:"))
    return app


@asynccontextmanager
async def _running(app: Application) -> AsyncIterator[Application]:  # type: ignore[type-arg]
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
async def app(api: FakeBotApi) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    async with _running(_build_app(api)) as application:
        yield application


@asynccontextmanager
async def _bot(api: FakeBotApi, **kwargs: object) -> AsyncIterator[ExtBot]:  # type: ignore[type-arg]
    bot: ExtBot = ExtBot(  # type: ignore[type-arg]
        api.token, base_url=api.base_url, base_file_url=api.base_file_url, **kwargs
    )
    async with bot:
        yield bot


async def test_start_command_gets_a_reply(api: FakeBotApi, app: Application) -> None:  # type: ignore[type-arg]
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
    app: Application,  # type: ignore[type-arg]
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


async def test_group_member_presses_in_the_staff_chat(api: FakeBotApi, app: Application) -> None:  # type: ignore[type-arg]
    staff = api.group(STAFF_CHAT, "Clinic staff")
    nurse = staff.member(77, "Iryna", status="administrator")

    await nurse.send("/start@poruch_test_bot")
    assert (await staff.wait_reply()).text == "Hello Iryna!"
    await nurse.press("No")

    assert (await nurse.wait_for_text("You chose")).text == "You chose no"
    assert api.sent_to(STAFF_CHAT)[-1].chat_id == STAFF_CHAT


async def test_send_photo_multipart_is_decoded(api: FakeBotApi, app: Application) -> None:  # type: ignore[type-arg]
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
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(-100999, "alert")
        api.user(2002)  # never wrote to the bot
        with pytest.raises(Forbidden, match="can't initiate conversation"):
            await bot.send_message(2002, "hello?")


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
        with pytest.raises(BadRequest, match="can't parse entities"):
            await bot.send_message(USER_ID, "Dear <Olena>", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match="must be escaped"):
            await bot.send_message(USER_ID, "Score: 12.", parse_mode=ParseMode.MARKDOWN_V2)
        too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
        with pytest.raises(BadRequest, match="BUTTON_DATA_INVALID"):
            await bot.send_message(USER_ID, "pick", reply_markup=too_long)
        message = await bot.send_message(USER_ID, "same")
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("same", USER_ID, message.message_id)
        await bot.set_my_commands([("start", "Почати")], language_code="uk")
        with pytest.raises(BadRequest, match="BOT_COMMAND_INVALID"):
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
        assert update.callback_query is not None
        assert isinstance(update.callback_query.message, InaccessibleMessage)
        assert update.callback_query.data == "choice:forged"
        await update.callback_query.answer()
        with pytest.raises(BadRequest, match="query is too old"):
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

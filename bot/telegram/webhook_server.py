"""A webhook endpoint that answers Telegram only after the update has been handled.

Why not PTB's own webhook server: it answers 200 as soon as the update is queued, so if the
process dies before the turn commits, Telegram considers the update delivered and never sends it
again — and the lost message may be a crisis. Here ``handle(update)`` is awaited first: 200 means
the turn is done, 500 (handling raised) or no answer at all (the process died) make Telegram send
it again, and the ``processed_updates`` table turns a second delivery of a finished turn into a
no-op. Several worker processes on one host share one port (``SO_REUSEPORT``): the kernel spreads
Telegram's connections between them, and a worker that is killed only loses connections whose
updates Telegram then sends to the others.

Only requests carrying the ``secret_token`` given to ``setWebhook`` in
``X-Telegram-Bot-Api-Secret-Token`` are read at all (403 otherwise), so nobody who merely learns
the URL can talk to the bot as a mother.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from http import HTTPStatus

import tornado.web
from telegram import Bot, Update
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

log = logging.getLogger("poruch.webhook")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's own default for max_connections: more concurrent turns than that only queue.
DEFAULT_CONCURRENCY = 40
DRAIN_SECONDS = 10.0

Handle = Callable[[Update], Awaitable[None]]


class WebhookServer:
    """Serves ``POST /<path>`` on ``listen:port`` until :meth:`stop`.

    ``handle`` is awaited for each update, at most ``concurrency`` at a time (the rest wait
    their turn, unanswered, which Telegram tolerates). ``port=0`` picks a free port, readable
    from :attr:`port` after :meth:`start`."""

    def __init__(
        self,
        bot: Bot,
        handle: Handle,
        *,
        secret_token: str,
        listen: str = "0.0.0.0",
        port: int = 0,
        path: str = "",
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        if not secret_token:
            raise ValueError("a webhook needs a secret token")
        self._bot = bot
        self._handle = handle
        self._secret = secret_token.encode()
        self._listen = listen
        self._port = port
        self._path = path.strip("/")
        self._slots = asyncio.Semaphore(concurrency)
        self._turns: set[asyncio.Task[None]] = set()
        self._requests = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = False
        self._abandoned = False
        self._http: HTTPServer | None = None

    @property
    def port(self) -> int:
        """The port listened on (the chosen one when started with ``port=0``)."""
        return self._port

    @property
    def requests(self) -> int:
        """Requests received and not yet answered (handled, or waiting for a slot)."""
        return self._requests

    async def start(self) -> None:
        """Bind with ``SO_REUSEPORT`` (other workers may hold the same port) and serve."""
        route = rf"/{re.escape(self._path)}/?" if self._path else r"/"
        app = tornado.web.Application(
            [(route, _UpdateRequest, {"server": self})], log_function=_no_access_log
        )
        sockets = bind_sockets(self._port, address=self._listen, reuse_port=True)
        self._port = int(sockets[0].getsockname()[1])
        self._http = HTTPServer(app)
        self._http.add_sockets(sockets)
        log.info("webhook_listening port=%s", self.port)

    async def stop(self, grace: float = DRAIN_SECONDS) -> bool:
        """Stop taking connections and let the updates being handled finish (up to ``grace``
        seconds; then they are cancelled and answered 503, so Telegram sends them again).
        Requests arriving meanwhile on open connections get 503 too and go to another worker.
        Returns whether everything in flight finished."""
        self._stopping = True
        http, self._http = self._http, None
        if http is None:
            return True
        http.stop()  # closes the listening sockets
        drained = True
        try:
            async with asyncio.timeout(grace):
                await self._idle.wait()
        except TimeoutError:
            drained = False
            log.warning("webhook_not_drained in_flight=%s", len(self._turns))
            self._abandoned = True
            for turn in list(self._turns):
                turn.cancel()
            await self._idle.wait()
        await http.close_all_connections()
        return drained

    async def receive(self, secret: str | None, body: bytes) -> int:
        """One POST from Telegram: the HTTP status to answer, once the update is handled."""
        if secret is None or not hmac.compare_digest(secret.encode(), self._secret):
            return HTTPStatus.FORBIDDEN
        if self._stopping:
            return HTTPStatus.SERVICE_UNAVAILABLE
        update = self._parse(body)
        if update is None:
            return HTTPStatus.BAD_REQUEST
        return await self._run(update)

    @contextlib.contextmanager
    def in_flight(self) -> Iterator[None]:
        """Marks a request as under way until its answer is written: :meth:`stop` waits."""
        self._requests += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._requests -= 1
            if self._requests == 0:
                self._idle.set()

    def _parse(self, body: bytes) -> Update | None:
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise TypeError("an update is a JSON object")
            return Update.de_json(data, self._bot)
        except Exception as exc:
            # Telegram only sends what it can parse itself; log where, never the body.
            log.warning("webhook_bad_update error=%s", type(exc).__name__)
            return None

    async def _run(self, update: Update) -> int:
        """Handle in a task of our own, so :meth:`stop` can cancel it after the grace time."""
        async with self._slots:
            if self._abandoned:
                return HTTPStatus.SERVICE_UNAVAILABLE
            turn = asyncio.get_running_loop().create_task(self._turn(update))
            self._turns.add(turn)
            try:
                await asyncio.wait((turn,))
            finally:
                self._turns.discard(turn)
        if turn.cancelled():
            return HTTPStatus.SERVICE_UNAVAILABLE
        error = turn.exception()
        if error is not None:
            log.error("webhook_update_failed update_id=%s", update.update_id, exc_info=error)
            return HTTPStatus.INTERNAL_SERVER_ERROR
        return HTTPStatus.OK

    async def _turn(self, update: Update) -> None:
        await self._handle(update)


class _UpdateRequest(tornado.web.RequestHandler):
    """Tornado's side of one request; everything that matters is in ``WebhookServer.receive``."""

    def initialize(self, server: WebhookServer) -> None:
        self._server = server

    async def post(self) -> None:
        with self._server.in_flight():
            secret = self.request.headers.get(SECRET_HEADER)
            self.set_status(await self._server.receive(secret, self.request.body))
            await self.finish()  # written out before stop() may close the connection


def _no_access_log(handler: tornado.web.RequestHandler) -> None:
    """Tornado would log every request, with its URL; ``receive`` logs what is worth it."""

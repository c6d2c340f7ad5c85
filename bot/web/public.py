"""The public web service: the demo page, the chat widget, and the chat API.

This is the only process the public reaches. It issues conversation ids,
checks every message, and forwards it to the Rasa server over loopback. When
Rasa cannot answer (stopped, slow, or its action server down) the person gets
the safe default, with 999 and 101, instead of an error. Nothing a person types
is logged: only conversation ids (shortened), timings and statuses.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import aiohttp
from sanic import Request, Sanic, response
from sanic.exceptions import InvalidUsage
from sanic.response import HTTPResponse

from bot.insight.daily import count_now
from bot.insight.measures import SAFE_DEFAULT as SAFE_DEFAULT_COUNT
from bot.languages import ENGLISH, load_languages
from bot.settings import PROJECT_DIR, Settings, WebSettings, make_sqlite_dir
from bot.storage.conversations import open_conversations
from bot.web.backends import ActionServerHealth, RasaServers, RasaUnavailable
from bot.web.conversation_ids import is_conversation_id, new_conversation_id
from bot.web.languages import LanguageReader, language_for, offered_languages
from bot.web.messages import as_replies, button_payloads, button_titles, safe_message
from bot.web.protection import (
    SAFE_DEFAULT,
    JSONErrorHandler,
    RateLimiter,
    SharedRateLimiter,
    add_security_headers,
    client_address,
    json_error,
    origin_of,
    own_origin,
    refuse_unclear_framing,
)

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
DOMAIN_FILE = PROJECT_DIR / "domain.yml"
# A chat message and its JSON wrapping fit in far less; anything bigger is refused
# before it is read.
REQUEST_MAX_SIZE = 64 * 1024
# Sent to Rasa when a conversation starts, so the person is greeted at once.
OPENING = "/greet"


def short_id(sender: str) -> str:
    """Returns a short, one-way tag for a conversation id, for the logs."""
    return hashlib.sha256(sender.encode()).hexdigest()[:10]


def create_app(settings: Optional[WebSettings] = None, *, name: str = "welfare_public") -> Sanic:
    """Returns the public web service, configured from ``settings`` (or the environment)."""
    settings = settings or WebSettings.from_env()
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = REQUEST_MAX_SIZE
    app.config.REQUEST_TIMEOUT = 30
    app.error_handler = JSONErrorHandler()
    app.signal("http.lifecycle.request")(refuse_unclear_framing)
    chat_limit = settings.requests_per_minute
    session_limit = max(1, settings.requests_per_minute // 3)

    @app.listener("before_server_start")
    async def open_connections(app: Sanic, _loop: Any) -> None:
        app.ctx.secret = settings.load_session_secret()
        if settings.limits_redis_url:
            # Imported here: only the scaled set-up needs it.
            import redis.asyncio

            app.ctx.limits_store = redis.asyncio.from_url(
                settings.limits_redis_url, socket_timeout=1, socket_connect_timeout=1
            )
            app.ctx.chat_limiter = SharedRateLimiter(
                app.ctx.limits_store, chat_limit, name="chat", secret=app.ctx.secret
            )
            app.ctx.session_limiter = SharedRateLimiter(
                app.ctx.limits_store, session_limit, name="session", secret=app.ctx.secret
            )
        else:
            app.ctx.limits_store = None
            app.ctx.chat_limiter = RateLimiter(chat_limit)
            app.ctx.session_limiter = RateLimiter(session_limit)
        languages = load_languages()
        app.ctx.offered = offered_languages(settings.language_urls, languages)
        for code in set(settings.language_urls) - set(app.ctx.offered):
            logger.warning("RASA_URL_%s names no language of data/languages.yml", code.upper())
        # Every language's buttons send the English payloads (`make check`);
        # typed titles are each language's own.
        app.ctx.payloads = button_payloads(DOMAIN_FILE)
        app.ctx.titles = {
            code: button_titles(languages[code].responses_file()) for code in app.ctx.offered
        }
        app.ctx.reader = LanguageReader.from_examples(list(app.ctx.offered))
        # One pool of connections to the servers behind for the life of the worker.
        app.ctx.connections = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=settings.rasa_timeout),
            connector=aiohttp.TCPConnector(limit=100),
        )
        app.ctx.rasa = {
            code: RasaServers(
                settings.rasa_urls if code == ENGLISH else settings.language_urls[code],
                app.ctx.connections,
            )
            for code in app.ctx.offered
        }
        # The daily counts (bot/insight) say how often people got the safe
        # answer; the engine connects only when one is counted.
        counts_settings = Settings.from_env()
        make_sqlite_dir(counts_settings.conversations_url)
        app.ctx.counts = open_conversations(counts_settings)
        app.ctx.actions = ActionServerHealth(settings.actions_url, app.ctx.connections)

    @app.listener("after_server_stop")
    async def close_connections(app: Sanic, _loop: Any) -> None:
        await app.ctx.connections.close()
        if app.ctx.limits_store is not None:
            await app.ctx.limits_store.close()

    @app.on_request
    async def refuse_other_sites(request: Request) -> Optional[HTTPResponse]:
        """Lets only the force's own pages (and this service's) call the API."""
        if not request.path.startswith("/api/"):
            return None
        origin = origin_of(request)
        if origin is None or origin in settings.allowed_origins:
            return None
        if origin == own_origin(request, settings.trusted_proxies):
            return None
        logger.info("refused a request from another site to %s", request.path)
        return json_error("This site may not use the chat.", 403)

    @app.on_response
    async def headers(request: Request, response_: HTTPResponse) -> None:
        add_security_headers(request, response_)
        origin = origin_of(request)
        if request.path.startswith("/api/") and origin in settings.allowed_origins:
            response_.headers["Access-Control-Allow-Origin"] = origin
            response_.headers["Vary"] = "Origin"

    @app.get("/")
    async def demo_page(request: Request) -> HTTPResponse:
        """The demo advice page, with the widget embedded as any force page would."""
        return await response.file(STATIC_DIR / "demo" / "index.html")

    app.static("/widget", str(STATIC_DIR / "widget"), name="widget")
    app.static("/demo", str(STATIC_DIR / "demo"), name="demo")

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.route("/api/session", methods=["POST", "OPTIONS"])
    async def start_session(request: Request) -> HTTPResponse:
        """Issues a new conversation id and returns the assistant's opening."""
        if request.method == "OPTIONS":
            return preflight()
        client = client_address(request, settings.trusted_proxies)
        if not await app.ctx.session_limiter.admit(client):
            return json_error("Too many new conversations. Please wait a minute.", 429)
        # The widget's language menu may have been used before the first message.
        try:
            body = request.json if request.body else None
        except InvalidUsage:
            return json_error("The request must be JSON.", 400)
        chosen = body.get("language") if isinstance(body, dict) else None
        language = chosen if isinstance(chosen, str) and chosen in app.ctx.offered else ENGLISH
        sender = new_conversation_id(app.ctx.secret)
        replies = await ask_rasa(app, sender, OPENING, language)
        return response.json(
            {
                "sender": sender,
                "replies": replies,
                "language": language,
                "languages": [offered.as_json() for offered in app.ctx.offered.values()],
            },
            headers={"Content-Language": language},
        )

    @app.route("/api/chat", methods=["POST", "OPTIONS"])
    async def chat(request: Request) -> HTTPResponse:
        """Forwards one message and returns the replies: [{"text", "buttons"}]."""
        if request.method == "OPTIONS":
            return preflight()
        client = client_address(request, settings.trusted_proxies)
        if not await app.ctx.chat_limiter.admit(client):
            return json_error("Too many messages at once. Please wait a minute.", 429)
        try:
            body = request.json
        except InvalidUsage:
            return json_error("The request must be JSON.", 400)
        if not isinstance(body, dict):
            return json_error("The request must be a JSON object.", 400)
        sender, message = body.get("sender"), body.get("message")
        if not isinstance(message, str) or sender is None:
            return json_error('Both "sender" and "message" are needed.', 400)
        if not is_conversation_id(app.ctx.secret, sender):
            return json_error("This conversation is not known. Please start a new one.", 400)
        if len(message) > settings.message_limit:
            return json_error(
                f"Please keep each message under {settings.message_limit} characters.", 413
            )
        if not message.strip():
            return json_error("The message is empty.", 400)
        language = language_for(body, message, app.ctx.offered, app.ctx.reader)
        sent = safe_message(message, app.ctx.payloads, app.ctx.titles[language])
        replies = await ask_rasa(app, sender, sent, language)
        # Sent back as "language" with the next message (bot/web/languages.py).
        return response.json(replies, headers={"Content-Language": language})

    async def ask_rasa(
        app: Sanic, sender: str, message: str, language: str
    ) -> List[Dict[str, Any]]:
        """Returns the replies of ``language``'s Rasa, or the safe default if it cannot answer."""
        started = time.monotonic()
        replies: List[Dict[str, Any]] = []
        available, outcome = await app.ctx.actions.available()
        if available:
            outcome = "ok"
            try:
                replies = as_replies(await app.ctx.rasa[language].send(sender, message))
            except RasaUnavailable as error:
                outcome = str(error)
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                outcome = f"rasa unavailable ({type(error).__name__})"
            except Exception as error:  # noqa: BLE001 - whatever went wrong, the person gets 999/101
                outcome = f"forwarding failed ({type(error).__name__})"
        if not replies and outcome == "ok":
            outcome = "rasa gave no reply"
        elapsed_ms = (time.monotonic() - started) * 1000
        log = logger.info if outcome == "ok" else logger.warning
        log(
            "chat conversation=%s language=%s outcome=%s ms=%.0f",
            short_id(sender),
            language,
            outcome,
            elapsed_ms,
        )
        if replies:
            return replies
        # Counted in the background: the person's answer never waits on it.
        app.add_task(
            asyncio.to_thread(
                count_now, app.ctx.counts, SAFE_DEFAULT_COUNT, safe_answer_kind(outcome)
            )
        )
        safe = app.ctx.offered[language].words.get("safe_default", SAFE_DEFAULT)
        return [{"text": safe, "buttons": []}]

    return app


def safe_answer_kind(outcome: str) -> str:
    """Returns why the safe answer was given, as the daily counts name it."""
    for start, kind in (
        ("rasa unavailable", "rasa_unavailable"),
        ("action server", "actions_unavailable"),
        ("rasa gave no reply", "no_reply"),
    ):
        if outcome.startswith(start):
            return kind
    return "forwarding_failed"


def preflight() -> HTTPResponse:
    """Answers a browser's CORS check (the origin was checked on the way in)."""
    return response.empty(
        headers={
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600",
        }
    )

"""The staff service: the concern team's console (bot/web/console) and JSON API.

The JSON API lists new reports, reads one, marks one reviewed, and serves the
insight page's counts; the case system's export uses it.

Served on its own port, for the force's internal network only (never through
the public service). Every call needs an officer's API token
(``Authorization: Bearer ...``; issue one with ``python -m bot.staff
issue-token``) and a reason, and is written to the audit log by the store. A
call with no token, a wrong or revoked token, or a public conversation id is
refused (401 or 403) and the refusal is audited too.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Optional, Tuple

import sqlalchemy as sa
from sanic import Request, Sanic, response
from sanic.exceptions import InvalidUsage
from sanic.response import HTTPResponse

from bot.insight.daily import as_shown, first_day_shown, read_counts
from bot.insight.page import content_security_policy, render
from bot.settings import Settings, WebSettings
from bot.storage.concerns import ConcernStore, ConcernStoreError, UnknownReference
from bot.storage.conversations import open_conversations
from bot.web.console import add_console
from bot.web.console.pages import UNREACHABLE, refusal
from bot.web.conversation_ids import looks_like_conversation_id
from bot.web.protection import (
    JSONErrorHandler,
    RateLimiter,
    add_security_headers,
    client_address,
    json_error,
    refuse_unclear_framing,
)

logger = logging.getLogger(__name__)

# Generous for a person or an integration, far too few to guess a token.
REQUESTS_PER_MINUTE = 120


def create_staff_app(store: Optional[ConcernStore] = None, *, name: str = "welfare_staff") -> Sanic:
    """Returns the staff API on ``store`` (by default the one the environment names)."""
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 16 * 1024
    app.error_handler = StaffErrorHandler()
    app.signal("http.lifecycle.request")(refuse_unclear_framing)
    limiter = RateLimiter(REQUESTS_PER_MINUTE)
    trusted_proxies = WebSettings.from_env().trusted_proxies

    @app.listener("before_server_start")
    async def open_store(app: Sanic, _loop: Any) -> None:
        app.ctx.store = store or Settings.from_env().open_store()
        app.ctx.counts = open_conversations(Settings.from_env())

    @app.on_request
    async def console_limit(request: Request) -> Optional[HTTPResponse]:
        # The API counts its own requests in officer(); the console's pages here.
        if request.path.startswith("/console") and not limiter.allow(
            client_address(request, trusted_proxies)
        ):
            return refusal(request, 429, "Too many requests. Please wait a minute.")
        return None

    @app.on_response
    async def headers(request: Request, response_: HTTPResponse) -> None:
        add_security_headers(request, response_)

    add_console(app)

    async def officer(request: Request) -> Tuple[Optional[str], Optional[HTTPResponse]]:
        """Returns the officer the token belongs to, or the refusal (audited)."""
        if not limiter.allow(client_address(request, trusted_proxies)):
            return None, json_error("Too many requests. Please wait a minute.", 429)
        where = f"{request.method} {request.path}"
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            await refuse(app, "anonymous", f"no token: {where}")
            return None, json_error("An officer's API token is needed.", 401)
        if looks_like_conversation_id(token):
            await refuse(app, "public session", f"public conversation id as token: {where}")
            return None, json_error("Public conversations cannot use the staff API.", 403)
        # Tokens are issued as URL-safe ASCII; bytes that are not UTF-8 came
        # through as surrogates, which the token's hash could not encode (a 500).
        user = None
        if token.isascii():
            user = await asyncio.to_thread(app.ctx.store.accounts.staff_user, token[:200])
        if user is None:
            await refuse(app, "unknown token", f"wrong or revoked token: {where}")
            return None, json_error("The API token is not valid.", 401)
        return user, None

    def reason_from(request: Request) -> Optional[str]:
        reason = request.args.get("reason")
        if reason is None and request.method == "POST":
            try:
                body = request.json
            except InvalidUsage:
                body = None
            reason = body.get("reason") if isinstance(body, dict) else None
        return reason.strip()[:500] if isinstance(reason, str) and reason.strip() else None

    async def audited(request: Request, work) -> HTTPResponse:
        user, refusal = await officer(request)
        if refusal:
            return refusal
        reason = reason_from(request)
        if reason is None:
            return json_error('Say why, as "reason": it is written to the audit log.', 400)
        try:
            return response.json(await asyncio.to_thread(work, user, reason), default=str)
        except UnknownReference:
            return json_error("No report has that reference.", 404)
        except ConcernStoreError as error:
            logger.error("staff API: the store failed: %s", type(error).__name__)
            return json_error("The reports cannot be reached just now.", 503)

    @app.get("/staff/health")
    async def health(request: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/staff/concerns")
    async def list_new(request: Request) -> HTTPResponse:
        """Lists reports not yet reviewed, oldest first, without their content."""
        return await audited(
            request, lambda user, reason: app.ctx.store.review.list_new(actor=user, reason=reason)
        )

    @app.get("/staff/concerns/<reference:str>")
    async def read(request: Request, reference: str) -> HTTPResponse:
        """Returns one report, decrypted."""
        return await audited(
            request,
            lambda user, reason: app.ctx.store.review.read(
                reference[:40], actor=user, reason=reason
            ),
        )

    @app.post("/staff/concerns/<reference:str>/reviewed")
    async def mark_reviewed(request: Request, reference: str) -> HTTPResponse:
        """Marks one report as reviewed."""

        def review(user: str, reason: str) -> dict:
            app.ctx.store.review.mark_reviewed(reference[:40], actor=user, reason=reason)
            return {"reference": reference, "status": "reviewed"}

        return await audited(request, review)

    async def insight_counts(request: Request) -> Tuple[Optional[list], Optional[HTTPResponse]]:
        """Returns the last 13 weeks of daily counts for an officer, or the refusal."""
        _, refusal = await officer(request)
        if refusal:
            return None, refusal
        since = first_day_shown()
        try:
            return await asyncio.to_thread(read_counts, app.ctx.counts, since=since), None
        except sa.exc.SQLAlchemyError as error:
            logger.error("staff API: the daily counts failed: %s", type(error).__name__)
            return None, json_error("The counts cannot be reached just now.", 503)

    @app.get("/staff/insight")
    async def insight_page(request: Request) -> HTTPResponse:
        """The comms team's insight page: counts only, small ones hidden."""
        counts, refusal = await insight_counts(request)
        if refusal:
            return refusal
        page = await asyncio.to_thread(render, counts, links=False)
        return response.html(
            page, headers={"Content-Security-Policy": content_security_policy(page)}
        )

    @app.get("/staff/insight/counts")
    async def insight_data(request: Request) -> HTTPResponse:
        """The same counts as data: totals and days, each under 5 as "fewer than 5"."""
        counts, refusal = await insight_counts(request)
        if refusal:
            return refusal
        return response.json(as_shown(counts))

    return app


async def refuse(app: Sanic, actor: str, reason: str) -> None:
    """Audits a refused call; a store failure here must not hide the refusal."""
    try:
        await asyncio.to_thread(app.ctx.store.audit.record_refusal, actor, "api_refused", reason)
    except ConcernStoreError:
        logger.error("staff API: a refusal could not be audited")


class StaffErrorHandler(JSONErrorHandler):
    """JSON for the API, as everywhere; a plain page for the console's pages.

    The console's handlers let the store's failures through to here: an
    unknown reference is a 404 page, a store that cannot be reached a 503.
    """

    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        """Returns the error as a console page under /console, else as JSON."""
        if not request.path.startswith("/console"):
            return super().default(request, exception)
        if isinstance(exception, UnknownReference):
            return refusal(request, 404, "No report has that reference.")
        if isinstance(exception, ConcernStoreError):
            logger.error("console: the store failed: %s", type(exception).__name__)
            return refusal(request, 503, UNREACHABLE)
        answer = super().default(request, exception)
        try:
            message = json.loads(answer.body)["error"]
            if answer.status >= 500:
                # The public's safe answer (999, 101) is not what an officer needs.
                message = "Something went wrong. Please try again; if it keeps happening, "
                message += "tell whoever runs the service."
            return refusal(request, answer.status, message)
        except Exception:  # noqa: BLE001 - the JSON answer is still a plain, safe one
            return answer

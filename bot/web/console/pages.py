"""What every console page shares: the session cookie, the CSRF check, rendering, refusals.

A console page is plain HTML from a Jinja2 template, with its style from one
file on the same service and no script at all, so it works without
JavaScript and loads nothing from anywhere else (the policy below says so to
the browser).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hmac
import logging
import math
import os
import secrets
import urllib.parse
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional

import jinja2
from sanic import Request, response
from sanic.response import HTTPResponse

from bot.languages import PROJECT_DIR, load_languages
from bot.storage.concerns import ConcernStoreError
from bot.storage.concerns.sessions import IDLE_LIMIT
from bot.understanding.phrases import read_yaml

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
# The console's pages: their own stylesheet, forms posting only to
# themselves, images only from here, no script, never framed.
CONSOLE_POLICY = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
SIGN_IN_PATH = "/console/sign-in"
PASSWORD_PATH = "/console/password"
UNREACHABLE = "The console cannot reach its records just now. Please try again in a minute."
# The reasons and notes officers type: long enough for a sentence or two.
REASON_LIMIT = 500
# The most fields a console form has is a list page's worth of ticked reports.
FIELDS_LIMIT = 1000

Handler = Callable[..., Awaitable[HTTPResponse]]


def in_production() -> bool:
    """Returns whether this is the live service (then cookies are sent only over TLS)."""
    return os.environ.get("DEPLOYMENT") == "production"


def session_cookie_name() -> str:
    # "__Host-": the browser keeps it only if Secure, for this host and path /.
    return "__Host-console" if in_production() else "console"


def sign_in_cookie_name() -> str:
    return "__Host-console-sign-in" if in_production() else "console-sign-in"


def idle_limit_from_env() -> dt.timedelta:
    """Returns the idle limit: CONSOLE_IDLE_SECONDS may shorten 15 minutes, never lengthen it."""
    try:
        seconds = float(os.environ.get("CONSOLE_IDLE_SECONDS", ""))
    except ValueError:
        return IDLE_LIMIT
    if not math.isfinite(seconds):
        return IDLE_LIMIT
    return min(dt.timedelta(seconds=max(seconds, 1)), IDLE_LIMIT)


def set_cookie(page: HTTPResponse, name: str, value: str) -> None:
    """Sets a cookie no script can read, sent only to this site's own pages."""
    page.cookies[name] = value
    page.cookies[name]["path"] = "/"
    page.cookies[name]["httponly"] = True
    page.cookies[name]["samesite"] = "Strict"
    if in_production():
        page.cookies[name]["secure"] = True


def clear_cookie(page: HTTPResponse, name: str) -> None:
    set_cookie(page, name, "")
    page.cookies[name]["max-age"] = 0


def templates() -> jinja2.Environment:
    """Returns the console's templates, escaping everything they show by default."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
    )
    environment.filters["when"] = when
    environment.filters["ago"] = how_long_ago
    # Reports are in the reporter's words: the team sees which language.
    environment.globals["language_words"] = {
        code: language.english_name for code, language in load_languages().items()
    }
    # Who the person is to the reporter, in the words the summary uses (the
    # comms team's data/report_words.yml), as a table cell says them.
    relationships = read_yaml(PROJECT_DIR / "data" / "report_words.yml")["relationships"]
    environment.globals["relationship_words"] = {
        value: words[:1].upper() + words[1:] for value, words in relationships.items()
    }
    return environment


def when(moment: Any) -> str:
    """Returns a stored time (a datetime, or ISO text as records carry it) as people read it."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return moment.strftime("%d %b %Y, %H:%M") + " UTC"


def how_long_ago(moment: dt.datetime, now: Optional[dt.datetime] = None) -> str:
    """Returns "3 hours ago" and the like, for a time stored in UTC without a zone."""
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    minutes = int((now - moment).total_seconds() // 60)
    for size, unit in ((60 * 24, "day"), (60, "hour"), (1, "minute")):
        if minutes >= size:
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def page(request: Request, template: str, *, status: int = 200, **context: Any) -> HTTPResponse:
    """Returns a rendered console page with the console's policy."""
    officer = getattr(request.ctx, "officer", None)
    html = request.app.ctx.console_pages.get_template(template).render(
        officer=officer, csrf_token=officer.csrf_token if officer else "", **context
    )
    return response.html(html, status=status, headers={"Content-Security-Policy": CONSOLE_POLICY})


def refusal(request: Request, status: int, message: str) -> HTTPResponse:
    """Returns a plain page that says what went wrong and what to do, with the status."""
    return page(request, "problem.html", status=status, message=message)


def form_of(request: Request) -> Dict[str, List[str]]:
    """Returns the posted form's fields; empty unless it is a plain URL-encoded UTF-8 form.

    The console's forms are all of that kind. Anything else (multipart, other
    encodings, broken bytes) is an empty form, so it fails the CSRF check,
    rather than reaching Sanic's own parser, which logs a traceback for each.
    """
    if not hasattr(request.ctx, "form"):
        request.ctx.form = {}
        kind = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if request.method == "POST" and kind == "application/x-www-form-urlencoded":
            try:
                text = (request.body or b"").decode("utf-8")
                request.ctx.form = urllib.parse.parse_qs(
                    text, keep_blank_values=True, max_num_fields=FIELDS_LIMIT
                )
            except ValueError:  # not UTF-8 (UnicodeDecodeError), or too many fields
                pass
    return request.ctx.form


def field(request: Request, name: str, limit: int = REASON_LIMIT) -> str:
    """Returns one form field, trimmed and cut to ``limit`` ("" when absent).

    NUL is taken out: no field needs it, and PostgreSQL refuses it in text.
    """
    values = form_of(request).get(name) or [""]
    return values[0].replace("\x00", "").strip()[:limit]


def fields(request: Request, name: str, limit: int = 200) -> List[str]:
    """Returns every value of a repeated form field (checkboxes), each as ``field`` would."""
    values = (form_of(request).get(name) or [])[:FIELDS_LIMIT]
    return [value.replace("\x00", "").strip()[:limit] for value in values]


async def in_thread(work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Runs the store's (blocking) work off the event loop."""
    return await asyncio.to_thread(functools.partial(work, *args, **kwargs))


def signed_in(*, supervisor: bool = False, any_password: bool = False) -> Callable:
    """Wraps a console handler: only for a live session, and a form only with its CSRF token.

    ``supervisor``: only for supervisors (an officer is refused, audited).
    ``any_password``: reachable while the officer must still choose a password.
    """

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def checked(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            store = request.app.ctx.store
            token = request.cookies.get(session_cookie_name(), "")
            try:
                officer = None
                if token and token.isascii() and len(token) < 100:
                    officer = await in_thread(
                        store.sessions.session, token, idle_limit=request.app.ctx.console_idle
                    )
            except ConcernStoreError:
                return refusal(request, 503, UNREACHABLE)
            if officer is None:
                where = SIGN_IN_PATH + ("?ended=1" if token else "")
                gone = response.redirect(where, status=303)
                if token:
                    clear_cookie(gone, session_cookie_name())
                return gone
            request.ctx.officer = officer
            if request.method == "POST" and not csrf_matches(request, officer.csrf_token):
                await audit_refusal(request, officer.name, "form without its CSRF token")
                return refusal(
                    request, 403, "This form has expired. Go back, reload the page and try again."
                )
            if officer.password_change_required and not any_password:
                return response.redirect(PASSWORD_PATH, status=303)
            if supervisor and not officer.is_supervisor:
                await audit_refusal(request, officer.name, "a supervisor's page")
                return refusal(request, 403, "Only a supervisor can do this.")
            return await handler(request, *args, **kwargs)

        return checked

    return wrap


def csrf_matches(request: Request, expected: str) -> bool:
    """Returns whether the form carries the expected CSRF token."""
    sent = field(request, "csrf_token", 100)
    return bool(sent) and bool(expected) and hmac.compare_digest(sent, expected)


def new_form_token() -> str:
    """Returns a token for the sign-in form, which has no session yet."""
    return secrets.token_urlsafe(32)


async def audit_refusal(request: Request, actor: str, what: str) -> None:
    """Audits a refused console request; a store failure must not hide the refusal."""
    try:
        await in_thread(
            request.app.ctx.store.audit.record_refusal,
            actor,
            "console_refused",
            f"{what}: {request.method} {request.path}",
        )
    except ConcernStoreError:
        logger.error("console: a refusal could not be audited")

"""Signing in (password and authenticator code), choosing one's own password, signing out."""

from __future__ import annotations

import hmac

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.storage.concerns.credentials import LOCKED_FOR, TRIES_ALLOWED, SignInRefused
from bot.storage.concerns.officers import SHORTEST_PASSWORD, AccountProblem
from bot.web.console.pages import (
    clear_cookie,
    field,
    in_thread,
    new_form_token,
    page,
    session_cookie_name,
    set_cookie,
    sign_in_cookie_name,
    signed_in,
)

# Deliberately one message for every refusal: it must not tell anyone which
# of the name, the password or the code was wrong, or that an account exists.
REFUSED = (
    "The name, password or code is not right, or the account is locked. "
    f"After {TRIES_ALLOWED} wrong tries in a row an account is locked for "
    f"{int(LOCKED_FOR.total_seconds() // 60)} minutes."
)


def sign_in_routes() -> Blueprint:
    """Returns the routes of signing in and out."""
    routes = Blueprint("console_sign_in", url_prefix="/console")

    @routes.get("/")
    async def start(request: Request) -> HTTPResponse:
        return response.redirect("/console/concerns", status=303)

    @routes.get("/sign-in")
    async def sign_in_form(request: Request) -> HTTPResponse:
        return sign_in_page(request, ended=bool(request.args.get("ended")))

    @routes.post("/sign-in")
    async def sign_in(request: Request) -> HTTPResponse:
        # The form's token must match its cookie: a page elsewhere cannot
        # sign an officer's browser in to an account of its choosing.
        expected = request.cookies.get(sign_in_cookie_name(), "")
        sent = field(request, "form_token", 100)
        if not (expected and sent and hmac.compare_digest(expected, sent)):
            problem = "This form has expired. Please try again."
            return sign_in_page(request, problem=problem, status=400)
        name = field(request, "name", 100)
        password = field(request, "password", 200)
        code = field(request, "code", 20)
        try:
            token = await in_thread(request.app.ctx.store.credentials.sign_in, name, password, code)
        except SignInRefused:
            return sign_in_page(request, problem=REFUSED, status=401)
        signed = response.redirect("/console/concerns", status=303)
        set_cookie(signed, session_cookie_name(), token)
        clear_cookie(signed, sign_in_cookie_name())
        return signed

    @routes.post("/sign-out")
    @signed_in(any_password=True)
    async def sign_out(request: Request) -> HTTPResponse:
        token = request.cookies.get(session_cookie_name(), "")
        await in_thread(request.app.ctx.store.sessions.sign_out, token)
        gone = response.redirect("/console/sign-in?signed_out=1", status=303)
        clear_cookie(gone, session_cookie_name())
        return gone

    @routes.get("/password")
    @signed_in(any_password=True)
    async def password_form(request: Request) -> HTTPResponse:
        return page(request, "password.html", problem=None, shortest=SHORTEST_PASSWORD)

    @routes.post("/password")
    @signed_in(any_password=True)
    async def change_password(request: Request) -> HTTPResponse:
        new = field(request, "new_password", 300)
        if new != field(request, "repeated_password", 300):
            problem = "The two new passwords are not the same."
        else:
            try:
                token = await in_thread(
                    request.app.ctx.store.credentials.change_password,
                    request.cookies.get(session_cookie_name(), ""),
                    field(request, "current_password", 300),
                    new,
                )
            except AccountProblem as problem_found:
                problem = str(problem_found)
            else:
                # Every session of the account has ended; this browser gets a new one.
                changed = response.redirect("/console/concerns?password_changed=1", status=303)
                set_cookie(changed, session_cookie_name(), token)
                return changed
        return page(
            request, "password.html", status=400, problem=problem, shortest=SHORTEST_PASSWORD
        )

    return routes


def sign_in_page(
    request: Request, *, problem: str = "", ended: bool = False, status: int = 200
) -> HTTPResponse:
    """Returns the sign-in form with a fresh form token (and its cookie)."""
    token = new_form_token()
    shown = page(
        request,
        "sign_in.html",
        status=status,
        problem=problem,
        ended=ended,
        signed_out=bool(request.args.get("signed_out")),
        form_token=token,
    )
    set_cookie(shown, sign_in_cookie_name(), token)
    return shown

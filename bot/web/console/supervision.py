"""A supervisor's pages: the audit log, officers' accounts, and erasing a concern."""

from __future__ import annotations

import segno
from markupsafe import escape
from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.storage.concerns.officers import AccountProblem
from bot.storage.concerns.schema import ROLES
from bot.web.console.pages import field, in_thread, page, refusal, signed_in

# The newest rows of the audit log on one page; the whole log is exported
# from the command line when an inquiry needs it.
AUDIT_ROWS_SHOWN = 500


def supervision_routes() -> Blueprint:
    """Returns the supervisors' routes."""
    routes = Blueprint("console_supervision", url_prefix="/console")

    @routes.get("/audit")
    @signed_in(supervisor=True)
    async def audit_log(request: Request) -> HTTPResponse:
        store = request.app.ctx.store
        await in_thread(
            store.audit.record, request.ctx.officer.name, "read_audit_log", "console: the audit log"
        )
        rows = await in_thread(store.audit.audit_trail, newest=AUDIT_ROWS_SHOWN)
        return page(request, "audit.html", rows=rows[::-1])

    @routes.get("/accounts")
    @signed_in(supervisor=True)
    async def accounts(request: Request) -> HTTPResponse:
        return await accounts_page(request)

    @routes.post("/accounts")
    @signed_in(supervisor=True)
    async def create_account(request: Request) -> HTTPResponse:
        reason = field(request, "reason")
        if not reason:
            return await accounts_page(request, problem="Say why the account is needed.")
        try:
            account = await in_thread(
                request.app.ctx.store.officers.create,
                field(request, "name", 100),
                field(request, "role", 20),
                actor=request.ctx.officer.name,
                reason=reason,
            )
        except AccountProblem as problem:
            return await accounts_page(request, problem=str(problem))
        qr = segno.make(account.totp_uri, error="m").svg_inline(scale=5)
        # An image to assistive technology, named; the secret is also shown as text.
        label = escape(f"QR code for {account.name}")
        qr = qr.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
        return page(request, "new_account.html", account=account, qr=qr)

    @routes.post("/accounts/<name:str>/<change:str>")
    @signed_in(supervisor=True)
    async def change_account(request: Request, name: str, change: str) -> HTTPResponse:
        officers = request.app.ctx.store.officers
        work = {"unlock": officers.unlock, "disable": officers.disable}.get(change)
        reason = field(request, "reason")
        if work is None:
            return refusal(request, 404, "Not found.")
        if not reason:
            return await accounts_page(request, problem="Say why, to unlock or disable an account.")
        try:
            await in_thread(work, name[:100], actor=request.ctx.officer.name, reason=reason)
        except AccountProblem as problem:
            return await accounts_page(request, problem=str(problem))
        return response.redirect("/console/accounts", status=303)

    @routes.post("/concerns/<reference:str>/erase")
    @signed_in(supervisor=True)
    async def erase(request: Request, reference: str) -> HTTPResponse:
        reference, reason = reference[:13], field(request, "reason")
        if field(request, "confirm", 20) != reference or not reason:
            return refusal(
                request,
                400,
                "Nothing was erased. To erase, type the report's reference exactly and say why.",
            )
        await in_thread(
            request.app.ctx.store.review.erase,
            reference,
            actor=request.ctx.officer.name,
            reason=reason,
        )
        return response.redirect(f"/console/concerns?erased={reference}", status=303)

    return routes


async def accounts_page(request: Request, *, problem: str = "") -> HTTPResponse:
    """Returns the accounts page, with what went wrong if anything."""
    rows = await in_thread(request.app.ctx.store.officers.accounts)
    return page(
        request,
        "accounts.html",
        status=400 if problem else 200,
        rows=rows,
        roles=ROLES,
        problem=problem,
    )

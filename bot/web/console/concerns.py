"""The officer's work on concerns: the list, opening one with a reason, triage, hand-over.

An unknown reference, or a store that cannot be reached, is answered by the
staff service's error handler with a plain page (bot/web/staff.py).

Opening a concern asks why first, and the store writes the audit row in the
same transaction as the read, before anything is shown. The list shows no
text anyone wrote: only what the reporter chose (signs, who the person is to
them, danger, contact) and the triage.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Dict, List, Optional

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.storage.concerns.review import records_as_csv
from bot.storage.concerns.schema import OUTCOMES, PRIORITIES
from bot.storage.concerns.triage import TRIAGE_STATES, TriageProblem
from bot.web.console.pages import field, fields, in_thread, page, refusal, signed_in

# What the console says for each stored name.
STATE_WORDS = {"new": "New", "open": "Triaged, open", "closed": "Closed"}
PRIORITY_WORDS = {"routine": "Routine", "soon": "Soon", "urgent": "Urgent"}
OUTCOME_WORDS = {
    "welfare_check": "Welfare check requested",
    "safeguarding_referral": "Referred to safeguarding",
    "linked_to_case": "Linked to an existing case",
    "no_further_action": "No further action",
}
CONTACT_WORDS = {"phone": "By phone", "email": "By email"}


def concern_routes() -> Blueprint:
    """Returns the routes of the list, one concern, triage and export."""
    routes = Blueprint("console_concerns", url_prefix="/console")

    @routes.get("/concerns")
    @signed_in()
    async def listed(request: Request) -> HTTPResponse:
        state = request.args.get("state", "new")
        if state not in (*TRIAGE_STATES, "all"):
            state = "new"
        officer = request.ctx.officer
        rows = await in_thread(
            request.app.ctx.store.triage.overview,
            state=None if state == "all" else state,
            actor=officer.name,
            reason=f"console: the list of concerns ({state})",
        )
        return page(
            request,
            "concerns.html",
            rows=rows,
            state=state,
            states=[*TRIAGE_STATES, "all"],
            notice=notice_from(request),
            **WORDS,
        )

    @routes.get("/concerns/<reference:str>")
    @signed_in()
    async def ask_why(request: Request, reference: str) -> HTTPResponse:
        return page(request, "open.html", reference=reference[:13], problem=None)

    @routes.post("/concerns/<reference:str>")
    @signed_in()
    async def opened(request: Request, reference: str) -> HTTPResponse:
        reference, reason = reference[:13], field(request, "reason")
        if not reason:
            problem = "Say why you are opening this report: it is written to the audit log."
            return page(request, "open.html", status=400, reference=reference, problem=problem)
        return await show_concern(request, reference, reason)

    @routes.post("/concerns/<reference:str>/triage")
    @signed_in()
    async def triage(request: Request, reference: str) -> HTTPResponse:
        reference, reason = reference[:13], field(request, "reason")
        outcome = field(request, "outcome", 30) or None
        try:
            await in_thread(
                request.app.ctx.store.triage.decide,
                reference,
                priority=field(request, "priority", 10),
                outcome=None if outcome == "open" else outcome,
                case_number=field(request, "case_number", 40),
                note=field(request, "note", 2000),
                actor=request.ctx.officer.name,
                reason=reason or "triage",
            )
        except TriageProblem as problem:
            # Shown again with what is missing; showing it again is a read, audited.
            return await show_concern(request, reference, reason or "triage", str(problem))
        return response.redirect(f"/console/concerns?triaged={reference}", status=303)

    @routes.post("/export")
    @signed_in()
    async def export(request: Request) -> HTTPResponse:
        references = fields(request, "reference", 13)
        reason, kind = field(request, "reason"), field(request, "format", 4)
        if not references or not reason or kind not in ("json", "csv"):
            return refusal(
                request,
                400,
                "To export, tick at least one report, say why, and choose JSON or CSV.",
            )
        records = await in_thread(
            request.app.ctx.store.review.export_these,
            references,
            actor=request.ctx.officer.name,
            reason=f"export for the case system: {reason}",
        )
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
        name = f"concerns-{stamp}.{kind}"
        body = (
            records_as_csv(records)
            if kind == "csv"
            else json.dumps(records, indent=2, ensure_ascii=False)
        )
        return response.text(
            body,
            content_type="text/csv; charset=utf-8" if kind == "csv" else "application/json",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return routes


async def show_concern(
    request: Request, reference: str, reason: str, problem: Optional[str] = None
) -> HTTPResponse:
    """Reads one concern, audited with the reason, and shows it with its triage form."""
    concern = await in_thread(
        request.app.ctx.store.review.read,
        reference,
        actor=request.ctx.officer.name,
        reason=reason,
    )
    return page(
        request,
        "concern.html",
        status=400 if problem else 200,
        concern=concern,
        reason=reason,
        problem=problem,
        pattern=pattern_of(concern),
        **WORDS,
    )


def pattern_of(concern: Dict[str, Any]) -> List[Dict[str, str]]:
    """Returns what was reported, in time order, for the pattern view.

    The force's message: in isolation each incident may seem harmless, put
    together they form a pattern. So the signs are shown together, with how
    long they have gone on, then each later addition in order.
    """
    events = [
        {
            "when": concern["created_at"],
            "what": "Report received",
            "detail": "; ".join(concern.get("warning_signs") or []) or "No sign named",
        }
    ]
    for number, addition in enumerate(concern.get("additions") or [], start=1):
        events.append(
            {"when": addition["added_at"], "what": f"Addition {number}", "detail": addition["text"]}
        )
    return events


def notice_from(request: Request) -> Optional[str]:
    """Returns the line confirming what the officer just did, if anything."""
    if request.args.get("triaged"):
        return f"Triage saved for {request.args.get('triaged')[:13]}."
    if request.args.get("erased"):
        return f"{request.args.get('erased')[:13]} was erased."
    if request.args.get("password_changed"):
        return "Your password has been changed."
    return None


WORDS = {
    "state_words": STATE_WORDS,
    "priority_words": PRIORITY_WORDS,
    "outcome_words": OUTCOME_WORDS,
    "contact_words": CONTACT_WORDS,
    "priorities": PRIORITIES,
    "outcomes": OUTCOMES,
}

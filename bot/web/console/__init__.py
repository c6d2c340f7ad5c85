"""The concern team's console: officers sign in, read, triage and hand over concerns.

Served by the staff service under ``/console`` on the force's internal
network, never by the public service. Plain server-rendered pages with no
script: each module is one part of the officers' work.

- ``sign_in``: signing in with a password and an authenticator code, one's
  own password, signing out;
- ``concerns``: the list, opening one with a reason, triage, export;
- ``supervision``: the audit log, accounts, erasure (supervisors only);
- ``pages``: what they share (session cookie, CSRF, rendering, refusals).
"""

from __future__ import annotations

from sanic import Sanic

from bot.web.console.concerns import concern_routes
from bot.web.console.pages import HERE, idle_limit_from_env, templates
from bot.web.console.sign_in import sign_in_routes
from bot.web.console.supervision import supervision_routes


def add_console(app: Sanic) -> None:
    """Adds the console's pages and its stylesheet to the staff service."""
    app.ctx.console_pages = templates()
    app.ctx.console_idle = idle_limit_from_env()
    app.static("/console/static", str(HERE / "static"), name="console_static")
    for routes in (sign_in_routes(), concern_routes(), supervision_routes()):
        app.blueprint(routes)
